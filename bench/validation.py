"""What validating a document costs against its size, for documents whose fragments multiply.

For each shape of `tests/costly_documents.py` (named fragments spreading the one before two, three or
four times, spreads inside inline fragments, fields nested per level, aliases, nested inline fragments,
one field repeated) and each size, it parses the document and validates it with the schema's rules:
GraphQL's specified rules plus our cost rule (`schema.cost`), as `/graphql` does in every mode. With
`--before`, it also times strawberry's depth and alias limiters (the rules SXVİS used before) on the
same document, stopping a shape once they take more than `--before-cap` seconds.

In-process and pure Python: no database, no server. Prints a Markdown table and writes JSON to
bench/results/ (`python bench/validation.py [--before]`).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from graphql import GraphQLError, GraphQLSchema, parse, specified_rules, validate
from graphql.validation import ASTValidationRule
from strawberry.extensions import max_aliases, query_depth_limiter
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from schema import build_schema
from sxvis.config import Settings
from tests.costly_documents import SHAPES

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SIZES = (5, 10, 15, 18, 20, 21, 30, 60, 120, 240, 480, 960)


def timed(
    schema: GraphQLSchema, document: str, rules: Sequence[type[ASTValidationRule]], repeat: int
) -> dict:
    times, errors = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            errors = validate(schema, parse(document), rules)
        except GraphQLError as error:  # graphql-core gives up by raising: too deeply nested, too many errors
            errors = [error]
        times.append(time.perf_counter() - started)
    codes = sorted({str((e.extensions or {}).get("code") or e.message[:40]) for e in errors})
    return {"ms": statistics.median(times) * 1000, "errors": codes}


def timed_apart(
    schema: GraphQLSchema, document: str, rules: Sequence[type[ASTValidationRule]], cap: float
) -> dict:
    """`timed` once, in a child process stopped after `cap` seconds (the old limiters can take hours)."""
    receiver, sender = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(
        target=lambda: sender.send(timed(schema, document, rules, 1)), daemon=True
    )
    child.start()
    if receiver.poll(cap):
        result: dict = receiver.recv()
    else:
        result = {"ms": None, "errors": [f"stopped after {cap:g} s"]}
    child.kill()
    child.join()
    return result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="fragments (or levels) per shape")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated subset of the shapes")
    parser.add_argument("--repeat", type=int, default=5, help="validations per document (median kept)")
    parser.add_argument("--before", action="store_true", help="also time strawberry's limiters")
    parser.add_argument(
        "--before-cap", type=float, default=3.0, help="seconds before a shape's 'before' stops"
    )
    parser.add_argument("--out", type=Path, default=None, help="result JSON (default bench/results/…)")
    args = parser.parse_args(argv)
    if args.out is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        args.out = BENCH / "results" / f"validation-{stamp}.json"
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started_at = datetime.now(UTC)
    settings = Settings()
    schema = build_schema(settings)
    graphql_schema = schema._schema
    rules = [*specified_rules, *schema_rules(schema), MaybeNullValidationRule, OneOfInputValidationRule]
    before_rules = [
        query_depth_limiter.create_validator(settings.max_query_depth, None, None),
        max_aliases.create_validator(settings.max_aliases),
    ]
    rows: list[dict[str, Any]] = []
    for shape in args.shapes.split(","):
        before_alive = args.before
        for n in map(int, args.sizes.split(",")):
            document = SHAPES[shape](n)
            row: dict[str, Any] = {"shape": shape, "n": n, "bytes": len(document.encode())}
            row["after"] = timed(graphql_schema, document, rules, args.repeat)
            if before_alive:
                row["before"] = timed_apart(graphql_schema, document, before_rules, args.before_cap)
                before_alive = row["before"]["ms"] is not None
            rows.append(row)
            print(f"{shape} n={n}: {row['after']['ms']:.2f} ms", file=sys.stderr)
    git = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False)  # noqa: S607
    report = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": {
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            "os": platform.platform(),
            "cpu": platform.processor() or platform.machine(),
            "graphql-core": metadata.version("graphql-core"),
            "strawberry-graphql": metadata.version("strawberry-graphql"),
            "git_commit": git.stdout.strip(),
        },
        "limits": {
            "max_query_depth": settings.max_query_depth,
            "max_aliases": settings.max_aliases,
            "max_expanded_fields": settings.max_expanded_fields,
        },
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(rows, before=args.before))
    print(f"\nwrote {args.out}", file=sys.stderr)
    return 0


def schema_rules(schema: Any) -> list[type[ASTValidationRule]]:
    """The rules `/graphql` adds to GraphQL's: those its `AddValidationRules` extension carries."""
    rules: list[type[ASTValidationRule]] = []
    for factory in schema.extensions:
        extension = factory() if callable(factory) else factory
        rules += getattr(extension, "validation_rules", [])
    return rules


def table(rows: list[dict[str, Any]], *, before: bool) -> str:
    head = "| shape | n | bytes | validation (ms) | errors |"
    rule = "|---|---:|---:|---:|---|"
    if before:
        head = "| shape | n | bytes | before: strawberry's limiters (ms) | after: all rules (ms) | errors |"
        rule = "|---|---:|---:|---:|---:|---|"
    lines = [head, rule]
    for row in rows:
        after = f"{row['after']['ms']:,.2f}"
        errors = ", ".join(row["after"]["errors"]) or "none"
        if before:
            was = "not run"
            if "before" in row:
                ms = row["before"]["ms"]
                was = f"{ms:,.1f}" if ms is not None else f"> {row['before']['errors'][0].split()[-2]} s"
            lines.append(f"| {row['shape']} | {row['n']} | {row['bytes']:,} | {was} | {after} | {errors} |")
        else:
            lines.append(f"| {row['shape']} | {row['n']} | {row['bytes']:,} | {after} | {errors} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
