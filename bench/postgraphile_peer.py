"""PostGraphile 4 as a peer in `bench/registry.py`: what a team would run instead of writing an API, on
the same database, the same samples and the same load as the product.

It answers GraphQL generated from the tables, connected as the database owner over the benchmark's URL,
so it does none of what the product's requests pay for: no token, no permissions, no scoped transaction,
no row-level security (the owner is a superuser), no remit, no access log, no pseudonyms, no field
minimisation. It is there to show how close a general engine gets on the reads it can do at all: the
FIN lookup (`personByFin`, from the unique constraint on `persons.fin`) and pages of 50 persons with
their enrollments (`allPeople`, ordered like the product's listing). It has no name search.

What the benchmark asks of it, to compare the same work:

- lists: `condition: {protected: false}`, the one condition its generated schema offers that hides the
  persons the benchmark's caller may not see. The caller's rule is `NOT protected OR protected_by =
  'SXA'`; the seed protects persons for SXA-REAB only, so on the benchmark's data both hide the same
  persons (the answer check would stop the run if they did not). Its FIN lookup hides nobody; the
  samples only ask for FINs the caller sees;
- order: `orderBy: [SORT_KEY_ASC, ID_ASC]`, the product's listing order (`sxvis.registry.persons`:
  `sort_key`, then `id`), so a page holds the same 50 persons;
- cursors: its own, base64 of JSON `["sort_key_asc","id_asc",[sort_key, id]]` (graphile-build-pg's
  `PgTablesPlugin`), built here for the sampled positions as it builds them. It turns one back into
  `sort_key > $1 OR (sort_key = $1 AND (id > $2 OR (id = $2 AND false)))`, which PostgreSQL cannot use
  as a bound of the `(sort_key, id)` index: a page after such a cursor walks the index from the start.
  The product's keyset is a row comparison, `(sort_key, id) > ($1, $2)`, which can. That difference is
  what the deep page measures;
- enrollments: `enrollmentsByPersonIdList(orderBy: [STARTED_ON_DESC, ID_ASC])`, the product's order,
  each with `serviceByServiceCode { code nameAz }`. PostGraphile compiles the whole document into one
  SQL statement.

Leanest fair settings: `NODE_ENV=production`, no GraphiQL, no query log, no watch, no default mutations,
simple collections beside connections (for the plain list of enrollments), and a pool of the size the
product's server has (`--max-pool-size` = pool size + overflow). PostGraphile is installed with `npm ci`
from `bench/postgraphile/package-lock.json` into `bench/postgraphile/node_modules` (git-ignored) when
`node` and `npm` are on the PATH; without them, or with `--no-peer`, the benchmark runs without it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NAME = "postgraphile"
FOLDER = Path(__file__).resolve().parent / "postgraphile"
CLI = FOLDER / "node_modules" / "postgraphile" / "cli.js"
LOCK = FOLDER / "package-lock.json"
STAMP = FOLDER / "node_modules" / ".sxvis-installed-lock"  # the sha256 of the lock last installed

# The operations it can answer; a name search it has not.
OPERATIONS = frozenset({"fin_lookup", "page_50_nested", "page_first", "page_deep"})
ORDER = ("sort_key_asc", "id_asc")  # its cursor prefix for `orderBy: [SORT_KEY_ASC, ID_ASC]`

FIN_LOOKUP = """
query FinLookup($fin: String!) {
  personByFin(fin: $fin) {
    id fin lastName firstName patronymic birthDate sex residenceStatus regionCode districtCode phone
  }
}"""

PAGE_50_NESTED = """
query Page($after: Cursor) {
  allPeople(first: 50, after: $after, orderBy: [SORT_KEY_ASC, ID_ASC], condition: {protected: false}) {
    edges {
      node {
        id fin lastName firstName
        enrollmentsByPersonIdList(orderBy: [STARTED_ON_DESC, ID_ASC]) {
          status startedOn serviceCode providerCode serviceByServiceCode { code nameAz }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""

# What the benchmark prints under its tables and writes into the report.
DOES_NOT = (
    "connected as the database owner over the same URL: no token, no permissions, no "
    "scoped transaction, no row-level security, no remit, no access log, no pseudonyms; its lists "
    "hide protected persons by `condition: {protected: false}` (the caller's rule on the seed's data), "
    "its cursors are OR-expanded; it has no name search"
)


@dataclass(frozen=True)
class Installed:
    node: Path
    version: str  # PostGraphile's
    node_version: str


def install() -> tuple[Installed | None, str]:
    """PostGraphile from the committed lock file (`npm ci`, skipped when that lock is what is installed),
    or None and why not. A missing `node` or a failed install skips the peer; it never stops the run."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = " and ".join(name for name, found in (("node", node), ("npm", npm)) if found is None)
        return None, f"{missing} not on the PATH; install Node.js 18 or later to include it"
    lock = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    installed = STAMP.read_text().strip() if STAMP.exists() else ""
    if installed != lock or not CLI.exists():
        print(f"installing PostGraphile in {FOLDER} (npm ci) …", file=sys.stderr)
        done = subprocess.run(  # noqa: S603  (npm, found on the PATH, on our own lock file)
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=FOLDER,
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        if done.returncode != 0 or not CLI.exists():
            tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
            return None, f"`npm ci` failed in {FOLDER} ({done.returncode}): {' / '.join(tail)}"
        STAMP.write_text(lock + "\n")
    version = json.loads((CLI.parent / "package.json").read_text())["version"]
    node_version = subprocess.run(  # noqa: S603
        [node, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return Installed(Path(node), str(version), node_version), ""


def command(installed: Installed, *, port: int, pool: int, workers: int) -> list[str]:
    """The server's command line. The database URL goes in its environment (DATABASE_URL), out of `ps`."""
    args = [
        str(installed.node), str(CLI),
        "--schema", "public",
        "--host", "127.0.0.1", "--port", str(port),
        "--max-pool-size", str(pool),
        "--disable-default-mutations",
        "--disable-graphiql",
        "--disable-query-log",
        "--simple-collections", "both",
        "--legacy-relations", "omit",
    ]  # fmt: skip
    if workers > 1:
        args += ["--cluster-workers", str(workers)]
    return args


def environment(base: dict[str, str], database_url: str) -> dict[str, str]:
    return {**base, "DATABASE_URL": database_url, "NODE_ENV": "production"}


def cursor(sort_key: str, person_id: object) -> str:
    """PostGraphile 4's cursor of a row under `orderBy: [SORT_KEY_ASC, ID_ASC]`: base64 (with padding)
    of `JSON.stringify(["sort_key_asc", "id_asc", [sort_key, id]])`."""
    raw = json.dumps([*ORDER, [sort_key, str(person_id)]], separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(raw.encode()).decode()


def cursor_position(value: str) -> tuple[str, str]:
    """(sort_key, id) from one of its cursors; ValueError if it is not one of that order."""
    try:
        parts = json.loads(base64.b64decode(value))
    except (binascii.Error, ValueError) as err:
        raise ValueError(f"not a PostGraphile cursor: {value!r}") from err
    if not isinstance(parts, list) or tuple(parts[:-1]) != ORDER or len(parts[-1]) != 2:
        raise ValueError(f"not a cursor of ({', '.join(ORDER)}): {parts!r}")
    return str(parts[-1][0]), str(parts[-1][1])


def data_of(operation: str, data: dict[str, Any]) -> dict[str, Any]:
    """Its answer under the product's top-level names, for the per-request check (cheap: no copying)."""
    if operation == "fin_lookup":
        return {"person": data.get("personByFin")}
    return {"persons": data.get("allPeople")}


def global_id(type_name: str, node_id: object) -> str:
    """The product's Relay id (bench/baseline.py's `global_id`)."""
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


def as_product(operation: str, payload: Any) -> Any:
    """Its whole answer in the product's shape and names, to compare with the baseline's: ids as the
    product's global ids, `enrollmentsByPersonIdList` as `enrollments`, `serviceByServiceCode` as
    `service`, and its end cursor as the product's cursor of the same row. An answer with errors is
    returned as it is."""
    from sxvis.pagination import encode_cursor  # the product's cursors, as the samples build them

    if not isinstance(payload, dict) or payload.get("errors") or not isinstance(payload.get("data"), dict):
        return payload
    data = payload["data"]
    if operation == "fin_lookup":
        found = data.get("personByFin")
        return {"data": {"person": found and {**found, "id": global_id("Person", found["id"])}}}
    connection = data.get("allPeople")
    if connection is None:
        return {"data": {"persons": None}}
    edges = [
        {
            "node": {
                "id": global_id("Person", node["id"]),
                "fin": node["fin"],
                "lastName": node["lastName"],
                "firstName": node["firstName"],
                "enrollments": [
                    {
                        "status": e["status"],
                        "startedOn": e["startedOn"],
                        "serviceCode": e["serviceCode"],
                        "providerCode": e["providerCode"],
                        "service": e["serviceByServiceCode"],
                    }
                    for e in node["enrollmentsByPersonIdList"]
                ],
            }
        }
        for node in (edge["node"] for edge in connection["edges"])
    ]
    info = connection["pageInfo"]
    end = info.get("endCursor")
    page_info = {
        "hasNextPage": info["hasNextPage"],
        "endCursor": encode_cursor(*cursor_position(end)) if end else None,
    }
    return {"data": {"persons": {"edges": edges, "pageInfo": page_info}}}
