"""Name search by class of name, against the FIN lookup, in one run (issue 15, item 1).

In process, on a seeded database (`sxvis seed --persons N`), as the benchmark's caller (a social worker
of SXA, registry-wide grant) through the services themselves, as the API's resolvers run them minus
GraphQL and HTTP: connected as `sxvis_app` under row-level security, each search in its own scoped
transaction (`Database.scoped`, on generic plans where the resolver asks for them), each FIN lookup by
`persons.read_person`. (Until 7 December 2026 the harness connected as the owner and ran the search in
SQLAlchemy's lazily begun transaction, which its raw statements never began: every statement ran in
autocommit, so the search's generic plan was lost and PostgreSQL planned its statement on every run.)

1. PostgreSQL CPU per search, by class: one connection, each sample repeated, the backend's own CPU
   time read from /proc before and after (so planning, the access event and the trigram work count);
2. latency under `--concurrency` clients (default 8) for `--seconds` per class, FIN lookups included,
   so each class's p99 is read against the FIN lookup's in the same run.

`--legacy` also runs the search as it was before migration 0016 (the trigram condition on every word,
ranked by summed strict word similarity), through the same logged read, for a before/after in one run.

    SXVIS_DATABASE_URL=postgresql+asyncpg://postgres@/sxvis?host=/tmp/search-data/postgres \\
        python bench/search.py --seconds 10 --legacy
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sxvis import audit
from sxvis.config import Settings
from sxvis.database.driver import compiled, dialect_of, driver_connection
from sxvis.database.engine import Database
from sxvis.database.scope import RowScope
from sxvis.registry import persons, search
from sxvis.registry.persons import PersonFilter
from sxvis.web.app import app_database_url
from tests.factories import WORKER

CLASSES: dict[str, list[str]] = {
    "two common words": ["Mammadov Ali", "Əliyev Məmməd", "Hüseynova Aygün", "Mammadova Aygun"],
    "single common surname": ["Mammadov", "Aliyeva", "Hüseynova"],
    "rare name": ["Mirzəyev Novruz", "Məlikov Əmir", "Mansurov Mehdi"],
    "cyrillic spelling": ["Мамедов Али", "Алиева Айгюн", "Гусейнова Лейла"],
    "misspelling": ["Mamedof Ali", "Aliyef Mammad", "Huseinov Hasen"],
}
TICKS = os.sysconf("SC_CLK_TCK")
GIT_HEAD = ["git", "rev-parse", "--short", "HEAD"]


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def legacy(session: Any, text: str) -> list[Any]:
    """The search before migration 0016: every word `<%` the folded name, by summed strict similarity."""
    tokens = search.name_tokens(text)
    rank = search.search_rank(tokens)
    conditions = persons._conditions(PersonFilter(), WORKER)
    query = (
        select(*persons._RECORD_COLUMNS, rank.label("rank"))
        .where(*conditions, *search.search_conditions(tokens))
        .order_by(rank.desc(), persons.Person.id)
        .limit(21)
    )
    sql, args = compiled(query, dialect_of(session))
    return await audit.read_logged(
        session, sql, args, actor=WORKER, action=persons.SEARCH, order_by="rank DESC, id", logged_limit=20
    )


SCOPE = RowScope.of(WORKER)


def scoped(db: Database, text: str) -> Any:
    """The scoped transaction the persons resolver opens for a search of `text`."""
    return db.scoped(SCOPE, generic_plans=persons.lists_on_generic_plans(PersonFilter(text=text)))


async def run_search(db: Database, text: str, old: bool) -> int:
    async with scoped(db, text) as connection:
        if old:
            return len(await legacy(connection, text))
        page = await persons.find_persons(connection, WORKER, filter=PersonFilter(text=text), first=20)
        return len(page.items)


async def run_fin(db: Database, fin: str) -> int:
    return 0 if await persons.read_person(db, WORKER, fin=fin) is None else 1


async def cpu_per_search(db: Database, texts: list[str], old: bool, repeat: int) -> dict[str, Any]:
    async with scoped(db, texts[0]) as session:
        pid = await (await driver_connection(session)).fetchval("SELECT pg_backend_pid()")
        hits = []
        for text in texts:  # warm the caches and the prepared statements
            if old:
                hits.append(len(await legacy(session, text)))
            else:
                hits.append(
                    len((await persons.find_persons(session, WORKER, filter=PersonFilter(text=text))).items)
                )
        before, started = backend_cpu(pid), time.perf_counter()
        for _ in range(repeat):
            for text in texts:
                if old:
                    await legacy(session, text)
                else:
                    await persons.find_persons(session, WORKER, filter=PersonFilter(text=text), first=20)
        n = repeat * len(texts)
        return {
            "pg_cpu_ms": round((backend_cpu(pid) - before) * 1000 / n, 2),
            "wall_ms": round((time.perf_counter() - started) * 1000 / n, 2),
            "hits": hits,
        }


async def load(db: Database, work: list[Any], concurrency: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client(k: int) -> None:
        i = k
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await work[i % len(work)]()
            latencies.append((time.perf_counter() - started) * 1000)
            i += concurrency

    await asyncio.gather(*(client(k) for k in range(concurrency)))
    latencies.sort()
    return {
        "requests": len(latencies),
        "req_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    url = os.environ["SXVIS_DATABASE_URL"]
    owner = Database(url, pool_size=1, max_overflow=0)
    db = Database(app_database_url(Settings(), owner_url=url), pool_size=args.concurrency + 2, max_overflow=0)
    try:
        async with owner.transaction() as session:
            count = (
                await session.execute(select(persons.func.count()).select_from(persons.Person))
            ).scalar_one()
            fins = list((await session.execute(select(persons.Person.fin).limit(200))).scalars())
        modes = [("after", False)] + ([("before", True)] if args.legacy else [])
        result: dict[str, Any] = {"persons": count, "cpu": {}, "load": {}}
        for label, old in modes:
            for name, texts in CLASSES.items():
                result["cpu"][f"{label}: {name}"] = await cpu_per_search(db, texts, old, args.repeat)
                print(label, name, result["cpu"][f"{label}: {name}"], flush=True)
        fin_work = [lambda f=f: run_fin(db, f) for f in fins]
        result["load"]["FIN lookup"] = await load(db, fin_work, args.concurrency, args.seconds)
        print("FIN lookup", result["load"]["FIN lookup"], flush=True)
        for label, old in modes:
            for name, texts in CLASSES.items():
                work = [lambda t=t, o=old: run_search(db, t, o) for t in texts]
                result["load"][f"{label}: {name}"] = await load(db, work, args.concurrency, args.seconds)
                print(label, name, result["load"][f"{label}: {name}"], flush=True)
        return result
    finally:
        await db.dispose()
        await owner.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0, help="per class, under load")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of each sample for the CPU figure")
    parser.add_argument("--legacy", action="store_true", help="also run the search as before migration 0016")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    started = time.time()
    result = asyncio.run(main(args))
    result["machine"] = {
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "commit": subprocess.run(GIT_HEAD, capture_output=True, text=True).stdout.strip(),  # noqa: S603
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
    }
    out = args.out or Path(__file__).parent / "results" / f"search-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result["machine"]), "→", out)
