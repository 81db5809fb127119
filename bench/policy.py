"""Casbin decision time with a 10,000-line policy, against the same measurements with the seed policy.

SXVİS asks Casbin (`authz.enforcer.Authorizer`) what an actor may do once per (user, agency, token
roles) and caches the answer; a policy change builds a new Authorizer from the `policy_rules` table.
This measures, for the seed policy (`authz/policy.csv`) and for the seed grown to `--lines` with
synthetic lines of realistic shapes:

- build: `authz.store.build_authorizer(rows)`, what a policy reload costs once the rows are read;
- allows: `Authorizer.allows(actor, action)`, one decision, over random (user, agency, action);
- permissions, first call: `Authorizer.permission_strings(actor)` for an actor not seen before (every
  action asked; what the first request of a user costs, and every user's after a reload);
- permissions, cached: the same call again (what every later request costs).

The synthetic lines: per-agency `p` lines (an agency widening a role, e.g. partner agencies of one
ministry reading contacts) over `--agencies` agencies, and `g` grants (user, role, agency) for many
users, most in one agency, some in two or three. The actors asked about are drawn from the granted
users (in their agency, mostly) plus users with token roles only, with a token role of their own.

    python bench/policy.py [--lines 10000] [--agencies 400] [--decisions 5000] [--first-calls 300] [--out …]

Pure Python and one core: no database, no server. Prints a table and writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from authz.actions import Action
from authz.enforcer import Authorizer
from authz.roles import Role
from authz.store import build_authorizer, read_policy_csv
from sxvis.actors import Actor

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent

# Roles people hold in an agency, weighted as an agency's staff would be.
GRANTED_ROLES = (
    (Role.SOCIAL_WORKER, 50),
    (Role.PARTNER_AGENCY, 20),
    (Role.CASE_MANAGER, 12),
    (Role.AGENCY_ADMIN, 5),
    (Role.AUDITOR, 3),
    (Role.INTEGRATION, 2),
)
# What an agency-specific `p` line typically widens.
AGENCY_GRANTS = (
    (Role.PARTNER_AGENCY, Action.PERSON_READ_CONTACT),
    (Role.PARTNER_AGENCY, Action.PERSON_READ_ADDRESS),
    (Role.PARTNER_AGENCY, Action.CIRCUMSTANCE_RECORD),
    (Role.PARTNER_AGENCY, Action.ENROLLMENT_CREATE),
    (Role.PARTNER_AGENCY, Action.ENROLLMENT_END),
    (Role.PARTNER_AGENCY, Action.NOTICE_READ),
    (Role.INTEGRATION, Action.ENROLLMENT_CREATE),
    (Role.INTEGRATION, Action.PERSON_UPDATE),
    (Role.SOCIAL_WORKER, Action.PERSON_BREAK_GLASS),
    (Role.AUDITOR, Action.PERSON_READ),
    (Role.AGENCY_ADMIN, Action.PERSON_READ),
    (Role.SOCIAL_WORKER, Action.REGISTRY_READ),
)


@dataclass(frozen=True)
class Policy:
    name: str
    rows: list[tuple[str, ...]]
    users: list[tuple[str, str]]  # (user, agency) of each granted user
    agencies: list[str]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.rows:
            out[row[0]] = out.get(row[0], 0) + 1
        return out


def seed_policy() -> Policy:
    rows = read_policy_csv()
    agencies = sorted({r[2] for r in rows if r[0] == "p" and r[2] != "*"})
    return Policy("seed", rows, [], agencies)


def grown_policy(lines: int, agency_count: int, rng: random.Random) -> Policy:
    """The seed plus synthetic `p` and `g` lines, `lines` in all."""
    rows = list(read_policy_csv())
    agencies = [f"AG{i:04d}" for i in range(agency_count)]
    wanted = max(0, lines - len(rows))
    # About one line in five an agency's own `p` line, the rest grants: a few widenings per agency,
    # many staff.
    p_lines = min(wanted // 5, agency_count * len(AGENCY_GRANTS))
    seen: set[tuple[str, ...]] = set(rows)
    while len(rows) < len(read_policy_csv()) + p_lines:
        role, action = rng.choice(AGENCY_GRANTS)
        row = ("p", str(role), rng.choice(agencies), action.obj, action.act)
        if row not in seen:
            seen.add(row)
            rows.append(row)
    roles = [r for r, _ in GRANTED_ROLES]
    weights = [w for _, w in GRANTED_ROLES]
    users: list[tuple[str, str]] = []
    n = 0
    while len(rows) < lines:
        user = f"user{n:06d}"
        n += 1
        home = rng.choice(agencies)
        places = [home, *rng.sample(agencies, k=rng.choice((0, 0, 0, 0, 1, 2)))]
        for agency in places:
            for role in set(rng.choices(roles, weights, k=rng.choice((1, 1, 1, 2)))):
                row = ("g", user, str(role), agency)
                if len(rows) < lines and row not in seen:
                    seen.add(row)
                    rows.append(row)
                    users.append((user, agency))
    return Policy(f"{lines:,} lines", rows, sorted(set(users)), agencies)


def actors(policy: Policy, count: int, rng: random.Random, *, fresh: str = "") -> list[Actor]:
    """Actors as requests bring them: granted users in their agency (70%), anyone with a token role."""
    agencies = policy.agencies or ["SXA"]
    roles = [r for r, _ in GRANTED_ROLES]
    weights = [w for _, w in GRANTED_ROLES]
    out = []
    for i in range(count):
        if policy.users and rng.random() < 0.7:
            user, agency = rng.choice(policy.users)
            token_roles: frozenset[str] = frozenset()
        else:
            user, agency = f"token-user{i:06d}", rng.choice(agencies)
            token_roles = frozenset({str(rng.choices(roles, weights)[0])})
        if rng.random() < 0.5:  # most tokens carry the role the grants give, too
            token_roles |= {str(rng.choices(roles, weights)[0])}
        out.append(Actor(user_id=user + fresh, agency_code=agency, roles=token_roles))
    return out


def timed(calls: Sequence[Callable[[], object]]) -> tuple[list[float], list[object]]:
    """Seconds per call, each timed on its own, and what each returned."""
    clock = time.perf_counter
    seconds, answers = [], []
    for call in calls:
        started = clock()
        answer = call()
        seconds.append(clock() - started)
        answers.append(answer)
    return seconds, answers


def micro(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)

    def at(q: float) -> float:
        return 1e6 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "n": len(ordered),
        "p50_us": at(0.50),
        "p90_us": at(0.90),
        "p99_us": at(0.99),
        "max_us": 1e6 * ordered[-1],
        "mean_us": 1e6 * statistics.fmean(ordered),
    }


def measure(policy: Policy, *, decisions: int, first_calls: int, builds: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    build_seconds = []
    authorizer: Authorizer | None = None
    for _ in range(builds):
        started = time.perf_counter()
        authorizer = build_authorizer(policy.rows)
        build_seconds.append(time.perf_counter() - started)
    assert authorizer is not None
    az = authorizer  # for the lambdas

    everyone = actors(policy, decisions, rng)
    actions = list(Action)
    asked = [(a, rng.choice(actions)) for a in everyone]
    allows, answers = timed([lambda a=a, x=x: az.allows(a, x) for a, x in asked])
    # Casbin stops at the first matching `p` line: an allow is cheap, a deny reads every line.
    granted = [t for t, yes in zip(allows, answers, strict=True) if yes]
    refused = [t for t, yes in zip(allows, answers, strict=True) if not yes]

    # First calls: actors this Authorizer has never seen (a fresh suffix makes a new cache key).
    newcomers = actors(policy, first_calls, rng, fresh="-new")
    first, _ = timed([lambda a=a: az.permission_strings(a) for a in newcomers])
    again = newcomers * max(1, decisions // first_calls)
    cached, _ = timed([lambda a=a: az.permission_strings(a) for a in again])
    return {
        "policy": policy.name,
        "lines": len(policy.rows),
        "line_kinds": policy.counts(),
        "agencies": len(policy.agencies),
        "granted_users": len({u for u, _ in policy.users}),
        "build_ms": {
            "n": builds,
            "median": 1000 * statistics.median(build_seconds),
            "min": 1000 * min(build_seconds),
            "max": 1000 * max(build_seconds),
        },
        "allows": micro(allows),
        "allows_allowed": micro(granted) if granted else {},
        "allows_denied": micro(refused) if refused else {},
        "allows_share_allowed": len(granted) / len(allows),
        "permission_strings_first": micro(first),
        "permission_strings_cached": micro(cached),
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000, help="policy lines in all (seed included)")
    parser.add_argument("--agencies", type=int, default=400, help="agencies of the synthetic lines")
    parser.add_argument("--decisions", type=int, default=5000, help="allows() calls timed per policy")
    parser.add_argument(
        "--first-calls", type=int, default=300, help="uncached permission_strings() calls per policy"
    )
    parser.add_argument("--builds", type=int, default=3, help="times each Authorizer is built")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=None, help="result JSON (default bench/results/…)")
    args = parser.parse_args(argv)
    if args.out is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        args.out = BENCH / "results" / f"policy-{stamp}.json"
    return args


ROWS = (
    ("build Authorizer (a reload), median", "build_ms", "median", "ms"),
    ("allows(), p50", "allows", "p50_us", "µs"),
    ("allows(), p99", "allows", "p99_us", "µs"),
    ("allows(), mean", "allows", "mean_us", "µs"),
    ("allows(), allowed, p50", "allows_allowed", "p50_us", "µs"),
    ("allows(), denied, p50", "allows_denied", "p50_us", "µs"),
    ("permission_strings(), first call, p50", "permission_strings_first", "p50_us", "µs"),
    ("permission_strings(), first call, p99", "permission_strings_first", "p99_us", "µs"),
    ("permission_strings(), cached, p50", "permission_strings_cached", "p50_us", "µs"),
    ("permission_strings(), cached, p99", "permission_strings_cached", "p99_us", "µs"),
)


def table(report: dict[str, Any]) -> str:
    small, large = report["seed"], report["grown"]
    lines = [
        f"| measurement | seed ({small['lines']} lines) | grown ({large['lines']:,} lines) | grown/seed |",
        "|---|---:|---:|---:|",
    ]
    for label, group, key, unit in ROWS:
        a, b = small[group].get(key, 0.0), large[group].get(key, 0.0)
        ratio = f"{b / a:,.1f}x" if a else ""
        lines.append(f"| {label} | {a:,.2f} {unit} | {b:,.2f} {unit} | {ratio} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started_at = datetime.now(UTC)
    rng = random.Random(args.seed)
    policies = {"seed": seed_policy(), "grown": grown_policy(args.lines, args.agencies, rng)}
    results = {}
    for key, policy in policies.items():
        print(f"measuring the {policy.name} policy ({len(policy.rows):,} lines) …", file=sys.stderr)
        results[key] = measure(
            policy, decisions=args.decisions, first_calls=args.first_calls, builds=args.builds, seed=args.seed
        )
    small, large = results["seed"], results["grown"]
    command = ["git", "rev-parse", "HEAD"]
    git = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603
    report = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": {
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            "os": platform.platform(),
            "casbin": metadata.version("casbin"),
            "git_commit": git,
        },
        **results,
        "ratios_grown_over_seed": {
            "build_median": large["build_ms"]["median"] / small["build_ms"]["median"],
            "allows_p50": large["allows"]["p50_us"] / small["allows"]["p50_us"],
            "allows_p99": large["allows"]["p99_us"] / small["allows"]["p99_us"],
            "allows_mean": large["allows"]["mean_us"] / small["allows"]["mean_us"],
            "permission_strings_first_p50": large["permission_strings_first"]["p50_us"]
            / small["permission_strings_first"]["p50_us"],
            "permission_strings_cached_p50": large["permission_strings_cached"]["p50_us"]
            / small["permission_strings_cached"]["p50_us"],
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(report))
    print(f"\nwrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
