"""The access log by month (issue 15, item 5): partitions, and months archived with the chain kept whole.

Events of past months are written here as the owner with an explicit `occurred_at` (the app role may
not choose it); the chain links them in id order, as it would have at the time.
"""

import asyncio
import gzip
import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from sxvis.audit import Problem, queries, seal_pending, verify
from sxvis.audit.partitions import ArchiveRefused, archive, ensure_partitions, month_of, monthly_partitions
from sxvis.cli.audit import audit_app
from sxvis.database.engine import Database
from tests.test_access_log import empty_log, superuser_bypass, write

JANUARY, FEBRUARY, MARCH = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)


@pytest.fixture
async def log(db: Database) -> Any:
    """An empty log with partitions for January to March 2025; emptied and those months dropped after."""
    await empty_log(db)
    await ensure_partitions(db, today=JANUARY, ahead=2)
    yield db
    await empty_log(db)
    async with db.transaction() as session:
        for month in ("2025_01", "2025_02", "2025_03"):
            for parent in ("access_events", "access_event_seals"):
                await session.execute(text(f"DROP TABLE IF EXISTS {parent}_{month}"))


async def write_at(db: Database, *moments: datetime) -> list[int]:
    """One event at each moment, in this order (so in this id order); returns their ids."""
    ids = []
    for moment in moments:
        async with db.transaction() as session:
            row = await session.execute(
                text(
                    "INSERT INTO access_events (occurred_at, actor_user, actor_agency, action, entity_type,"
                    " outcome) VALUES (:at, 'leyla', 'DOST-BAKI-1', 'person:read', 'person', 'ALLOWED')"
                    " RETURNING id"
                ),
                {"at": moment},
            )
            ids.append(int(row.scalar_one()))
    return ids


def at(month: date, day: int, hour: int = 12) -> datetime:
    return datetime(month.year, month.month, day, hour, tzinfo=UTC)


async def partition_of(db: Database, event_id: int) -> str:
    async with db.connect() as conn:
        row = await conn.execute(
            text("SELECT tableoid::regclass::text FROM access_events WHERE id = :id"), {"id": event_id}
        )
        return str(row.scalar_one())


async def test_an_event_lands_in_the_partition_of_its_month(log: Database) -> None:
    (january,) = await write_at(log, at(JANUARY, 10))
    (today,) = await write(log, 1)
    assert await partition_of(log, january) == "access_events_2025_01"
    assert await partition_of(log, today) == f"access_events_{datetime.now(UTC):%Y_%m}"


async def test_an_event_of_a_month_without_a_partition_still_lands(log: Database) -> None:
    (far,) = await write_at(log, datetime(2031, 7, 1, tzinfo=UTC))
    assert await partition_of(log, far) == "access_events_default"


async def test_the_app_role_may_choose_neither_an_events_id_nor_its_time(app_database: Database) -> None:
    for column, value in (("id", "1"), ("occurred_at", "'2020-01-01'")):
        async with app_database.engine.connect() as conn:
            with pytest.raises(Exception, match="permission denied"):
                await conn.execute(
                    text(
                        f"INSERT INTO access_events ({column}, actor_user, actor_agency, action, entity_type,"
                        f" outcome) VALUES ({value}, 'x', 'SXA', 'person:read', 'person', 'ALLOWED')"
                    )
                )


async def test_making_partitions_ahead_is_idempotent(log: Database) -> None:
    assert await ensure_partitions(log, today=JANUARY, ahead=2)
    assert {JANUARY, FEBRUARY, MARCH} <= set(await monthly_partitions(log))


@pytest.mark.parametrize("parent", ["access_events", "access_event_seals"])
async def test_a_months_partition_refuses_changes_made_to_it_directly(log: Database, parent: str) -> None:
    await write_at(log, at(JANUARY, 10))
    await seal_pending(log)
    for statement in (f"DELETE FROM {parent}_2025_01", f"TRUNCATE {parent}_2025_01"):
        async with log.transaction() as session:
            with pytest.raises(Exception, match="append-only"):
                await session.execute(text(statement))


async def test_archiving_exports_the_month_and_keeps_the_chain_verifiable(
    log: Database, tmp_path: Path
) -> None:
    ids = await write_at(log, at(JANUARY, 10), at(JANUARY, 20), at(FEBRUARY, 3))
    await seal_pending(log)

    (archived,) = await archive(log, before=FEBRUARY, folder=tmp_path, archived_by="test")

    assert (archived.month, archived.events, archived.head_event_id) == (JANUARY, 2, ids[1])
    assert JANUARY not in await monthly_partitions(log)
    with gzip.open(archived.file, "rt", encoding="utf-8") as lines:
        header, *events = [json.loads(line) for line in lines]
    assert header["month"] == "2025-01"
    assert [e["event"]["id"] for e in events] == ids[:2]
    result = await verify(log)
    assert result.intact, result.describe()
    assert result.events == 1  # February's event, from the head kept with the archive


async def test_after_archiving_new_events_chain_on_from_the_kept_head(log: Database, tmp_path: Path) -> None:
    await write_at(log, at(JANUARY, 10))
    await seal_pending(log)
    await archive(log, before=FEBRUARY, folder=tmp_path, archived_by="test")
    await write(log, 2)
    assert await seal_pending(log) == 2
    assert (await verify(log)).intact


async def test_a_later_months_event_with_an_earlier_id_is_kept_and_checked(
    log: Database, tmp_path: Path
) -> None:
    # A transaction begun just before midnight draws its id after one begun just after: February's
    # first event has an id below January's last.
    _, straggler, late_january = await write_at(
        log, at(JANUARY, 31, 23), at(FEBRUARY, 1, 0), at(JANUARY, 31, 23)
    )
    await seal_pending(log)
    (archived,) = await archive(log, before=FEBRUARY, folder=tmp_path, archived_by="test")
    assert (archived.head_event_id, archived.stragglers) == (late_january, 1)
    assert (await verify(log)).intact

    async with superuser_bypass(log) as session:
        await session.execute(
            text("UPDATE access_events SET actor_user = 'someone' WHERE id = :id"), {"id": straggler}
        )
    result = await verify(log)
    assert (result.broken_at, result.problem) == (straggler, Problem.ALTERED)


async def test_a_live_event_removed_after_archiving_is_found(log: Database, tmp_path: Path) -> None:
    _, february, _ = await write_at(log, at(JANUARY, 10), at(FEBRUARY, 3), at(FEBRUARY, 4))
    await seal_pending(log)
    await archive(log, before=FEBRUARY, folder=tmp_path, archived_by="test")
    async with superuser_bypass(log) as session:
        await session.execute(text("DELETE FROM access_events WHERE id = :id"), {"id": february})
    result = await verify(log)
    assert (result.broken_at, result.problem) == (february, Problem.DELETED)


async def test_a_month_with_unsealed_events_is_not_archived(log: Database, tmp_path: Path) -> None:
    await write_at(log, at(JANUARY, 10))
    with pytest.raises(ArchiveRefused, match="not sealed yet"):
        await archive(log, before=FEBRUARY, folder=tmp_path, archived_by="test")
    assert JANUARY in await monthly_partitions(log)


async def test_a_month_whose_chain_is_broken_is_not_archived(log: Database, tmp_path: Path) -> None:
    (event,) = await write_at(log, at(JANUARY, 10))
    await seal_pending(log)
    async with superuser_bypass(log) as session:
        await session.execute(
            text("UPDATE access_events SET purpose = 'curiosity' WHERE id = :id"), {"id": event}
        )
    with pytest.raises(ArchiveRefused, match=f"breaks at event {event}"):
        await archive(log, before=FEBRUARY, folder=tmp_path, archived_by="test")
    assert JANUARY in await monthly_partitions(log)


def test_a_month_is_written_year_dash_month() -> None:
    assert month_of("2025-11") == date(2025, 11, 1)
    with pytest.raises(ArchiveRefused, match="YYYY-MM"):
        month_of("11.2025")


async def test_the_archive_command_archives_and_verify_still_passes(
    log: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SXVIS_DATABASE_URL", database_url)
    monkeypatch.setenv("SXVIS_DATA_DIR", str(tmp_path))
    await write_at(log, at(JANUARY, 10), at(FEBRUARY, 3))
    await seal_pending(log)
    runner = CliRunner()
    result = await asyncio.to_thread(runner.invoke, audit_app, ["archive", "--before", "2025-02"])
    assert result.exit_code == 0, result.stdout
    assert "archived 2025-01: 1 events" in result.stdout
    assert (tmp_path / "archive" / "access-log-2025-01.jsonl.gz").exists()
    result = await asyncio.to_thread(runner.invoke, audit_app, ["verify"])
    assert result.exit_code == 0
    assert result.stdout.strip().splitlines()[-1].startswith("chain intact: 1 events")


async def test_the_server_role_still_cannot_read_a_partition_it_was_not_granted(
    app_database: Database, log: Database
) -> None:
    async with app_database.engine.connect() as conn:
        with pytest.raises(Exception, match="permission denied"):
            await conn.execute(text("SELECT count(*) FROM access_events_2025_01"))


# "Who saw this person" (`accessLog(filter: {personId})`) on a log of many months


def scans_by_primary_key(plan: dict[str, Any]) -> list[str]:
    """The indexes of the plan's nodes that walk a month by its primary key (id order)."""
    found = [plan["Index Name"]] if plan.get("Index Name", "").endswith("_pkey") else []
    for child in plan.get("Plans", ()):
        found += scans_by_primary_key(child)
    return found


async def test_who_saw_a_person_reads_their_events_not_every_month_in_id_order(log: Database) -> None:
    """Even under the generic plan a pooled connection's prepared statement gets after five runs, the
    page reads the person's events through the person indexes, and sorts those: walking each month's
    primary key backwards reads the whole of every month the person is absent from (docs/performance.md,
    "The access log as it grows")."""
    person, others = uuid.uuid4(), [uuid.uuid4() for _ in range(50)]
    async with log.transaction() as session:
        for month in (JANUARY, FEBRUARY, MARCH):
            await session.execute(
                text(
                    "INSERT INTO access_events (occurred_at, actor_user, actor_agency, action, entity_type,"
                    " person_id, person_ids, outcome)"
                    " SELECT :at, 'leyla', 'DOST-BAKI-1', 'person:read', 'person', o.id, ARRAY[o.id],"
                    " 'ALLOWED' FROM generate_series(1, 3000) AS g"
                    " JOIN unnest(CAST(:others AS uuid[])) WITH ORDINALITY AS o(id, n) ON o.n = 1 + g % 50"
                ),
                {"at": at(month, 10), "others": others},
            )
        await session.execute(
            text(
                "INSERT INTO access_events (occurred_at, actor_user, actor_agency, action, entity_type,"
                " person_id, person_ids, outcome) SELECT :at, 'leyla', 'DOST-BAKI-1', 'person:read',"
                " 'person', :p, ARRAY[CAST(:p AS uuid)], 'ALLOWED' FROM generate_series(1, 30)"
            ),
            {"at": at(MARCH, 20), "p": person},
        )
        await session.execute(text("ANALYZE access_events"))
    sql, args = queries._statement(queries.AccessLogFilter(person_id=person), None, 20)
    async with log.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        async with raw.transaction():
            await raw.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            await raw.execute(f"PREPARE who_saw AS {sql}")
            values = ", ".join(f"'{a}'" if isinstance(a, uuid.UUID) else str(a) for a in args)
            explained = await raw.fetchval(f"EXPLAIN (FORMAT JSON) EXECUTE who_saw({values})")
            (plan,) = json.loads(explained) if isinstance(explained, str) else explained
            await raw.execute("DEALLOCATE who_saw")
    assert scans_by_primary_key(plan["Plan"]) == []
