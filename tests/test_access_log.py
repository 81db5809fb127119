"""The access log (issue 3, item 9): written in the caller's transaction, append-only, hash-chained.

The registry fixture truncates only the registry between tests, so tests of the chain start from an
empty log of their own (`log`), emptied with the append-only trigger switched off for that one
transaction; tests that only write events find theirs by a unique request id.
"""

import asyncio
import os
import stat
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from sxvis.actors import Actor, Origin
from sxvis.audit import (
    GENESIS,
    HASHED_COLUMNS,
    AccessEvent,
    InvalidHead,
    Problem,
    canonical,
    check,
    head,
    link,
    load_key,
    logged_read_sql,
    read_logged,
    record,
    record_read,
    seal_pending,
    verify,
)
from sxvis.cli.audit import audit_app
from sxvis.database import migrate
from sxvis.database.engine import Database, async_url, plain_url
from sxvis.registry import persons
from sxvis.registry.enums import ResidenceStatus, Sex
from sxvis.registry.persons import NewPerson
from tests.factories import WORKER

SOCIAL_WORKER = Actor(
    user_id="leyla",
    agency_code="DOST-BAKI-1",
    roles=frozenset({"social_worker", "case_manager"}),
    permissions=WORKER.permissions,
)
KEY = b"an auditor's key, kept elsewhere"

BY_FIN = "SELECT id, fin, last_name FROM persons WHERE fin = $1"
BY_SURNAME = "SELECT id, fin, last_name FROM persons WHERE last_name = $1"

APPEND_ONLY = ("access_events", "access_event_seals")


def request_id() -> str:
    return f"req-{uuid.uuid4().hex}"


async def events_of(db: Database, request: str) -> list[dict[str, Any]]:
    async with db.connect() as conn:
        rows = await conn.execute(
            text("SELECT * FROM access_events WHERE request_id = :r ORDER BY id"), {"r": request}
        )
        return [dict(row._mapping) for row in rows]


@asynccontextmanager
async def superuser_bypass(db: Database) -> AsyncIterator[Any]:
    """One transaction with the append-only triggers and the foreign keys off, as a hostile superuser."""
    async with db.transaction() as session:
        tables = await append_only_tables(session)
        for table in tables:
            await session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
        await session.execute(text("SET LOCAL session_replication_role = replica"))  # foreign keys off
        yield session
        for table in tables:
            await session.execute(text(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_append_only"))


async def append_only_tables(session: Any) -> list[str]:
    """The log's tables and each of their monthly partitions (a partition has a trigger of its own)."""
    rows = await session.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent IN ('access_events'::regclass, 'access_event_seals'::regclass)"
        )
    )
    return [*APPEND_ONLY, "access_log_archives", *(name for (name,) in rows)]


async def empty_log(db: Database) -> None:
    async with superuser_bypass(db) as session:
        await session.execute(text("TRUNCATE access_event_seals, access_events, access_log_archives"))


@pytest.fixture
async def log(db: Database) -> AsyncIterator[Database]:
    """The database with an empty access log, emptied again afterwards (tampering must not leak)."""
    await empty_log(db)
    yield db
    await empty_log(db)


async def write(db: Database, count: int, **fields: Any) -> list[int]:
    """`count` events, each in its own committed transaction; returns their ids."""
    request = request_id()
    for i in range(count):
        async with db.transaction() as session:
            await record(
                session,
                SOCIAL_WORKER,
                action="person:read",
                entity_type="person",
                entity_id=i,
                request_id=request,
                **fields,
            )
    return [e["id"] for e in await events_of(db, request)]


async def write_and_roll_back(db: Database, **fields: Any) -> int:
    """An event written in a transaction that then rolls back; returns its id, now a gap."""
    async with db.session() as session:
        await record(session, SOCIAL_WORKER, action="person:read", entity_type="person", **fields)
        gap = (await session.execute(text("SELECT max(id) FROM access_events"))).scalar_one()
        await session.rollback()
    return int(gap)


async def register(db: Database, *people: tuple[str, str]) -> dict[str, uuid.UUID]:
    ids = {}
    async with db.transaction() as session:
        for fin, last_name in people:
            person = await persons.register_person(
                session,
                SOCIAL_WORKER,
                data=NewPerson(
                    fin=fin,
                    last_name=last_name,
                    first_name="Aysel",
                    birth_date=date(1990, 5, 6),
                    sex=Sex.FEMALE,
                    residence_status=ResidenceStatus.CITIZEN,
                ),
            )
            ids[fin] = person.id
    return ids


@pytest.fixture
async def pg(database_url: str) -> AsyncIterator[Any]:
    """A plain asyncpg connection, as the hot read path holds one."""
    connection = await asyncpg.connect(plain_url(database_url))
    yield connection
    await connection.close()


# Writing


async def test_record_writes_who_accessed_whose_data_when_and_why(db: Database) -> None:
    request, person, seen = request_id(), uuid.uuid4(), [uuid.uuid4(), uuid.uuid4()]
    async with db.transaction() as session:
        await record(
            session,
            SOCIAL_WORKER,
            action="person:update",
            entity_type="person",
            entity_id=person,
            person_id=person,
            person_ids=seen,
            purpose="CASE_MANAGEMENT",
            operation_name="UpdatePerson",
            fields=["phone", "addressLine"],
            outcome="DENIED",
            reason="outside the agency's remit",
            request_id=request,
            client_address="10.1.2.3",
            details={"caseId": "C-17"},
        )
    [event] = await events_of(db, request)
    assert event["actor_user"] == "leyla"
    assert event["actor_agency"] == "DOST-BAKI-1"
    assert event["actor_roles"] == ["case_manager", "social_worker"]
    assert event["action"] == "person:update"
    assert (event["entity_type"], event["entity_id"]) == ("person", str(person))
    assert event["person_id"] == person
    assert event["person_ids"] == seen
    assert event["purpose"] == "CASE_MANAGEMENT"
    assert event["operation_name"] == "UpdatePerson"
    assert event["fields"] == ["phone", "addressLine"]
    assert event["outcome"] == "DENIED"
    assert event["reason"] == "outside the agency's remit"
    assert str(event["client_address"]) == "10.1.2.3"
    assert event["details"] == {"caseId": "C-17"}
    assert event["occurred_at"].tzinfo is not None


async def test_a_client_that_is_not_an_ip_address_is_kept_in_details(db: Database) -> None:
    request = request_id()
    async with db.transaction() as session:
        await record(
            session,
            SOCIAL_WORKER,
            action="person:read",
            entity_type="person",
            request_id=request,
            client_address="testclient",
        )
    [event] = await events_of(db, request)
    assert event["client_address"] is None
    assert event["details"] == {"client_address": "testclient"}


async def test_the_event_rolls_back_with_the_callers_transaction(db: Database) -> None:
    request = request_id()
    await write_and_roll_back(db, request_id=request)
    assert await events_of(db, request) == []


async def test_an_event_recorded_first_in_a_session_still_joins_its_transaction(db: Database) -> None:
    # The session has run nothing yet, so asyncpg is not in a transaction; the event must open the
    # session's transaction, not slip out in autocommit.
    request = request_id()
    async with db.session() as session:
        await record(session, SOCIAL_WORKER, action="person:read", entity_type="person", request_id=request)
        await session.rollback()
    assert await events_of(db, request) == []


async def test_when_the_event_cannot_be_written_the_callers_transaction_fails(db: Database) -> None:
    request = request_id()

    async def access_with_a_broken_log() -> None:
        async with db.transaction() as session:
            await record(
                session, SOCIAL_WORKER, action="person:read", entity_type="person", request_id=request
            )
            await record(session, SOCIAL_WORKER, action="person:read", entity_type=None, request_id=request)  # type: ignore[arg-type]

    # asyncpg's error or SQLAlchemy's wrapping of it, depending on whether the transaction had begun.
    with pytest.raises((IntegrityError, asyncpg.NotNullViolationError), match="entity_type"):
        await access_with_a_broken_log()
    assert await events_of(db, request) == []


async def test_an_unknown_outcome_is_refused(db: Database) -> None:
    async with db.session() as session:
        with pytest.raises(ValueError, match="MAYBE"):
            await record(session, SOCIAL_WORKER, action="person:read", entity_type="person", outcome="MAYBE")


async def test_record_writes_on_a_plain_asyncpg_connection_and_an_autocommit_connection(
    db: Database, pg: Any
) -> None:
    request = request_id()
    await record(pg, SOCIAL_WORKER, action="person:search", entity_type="person", request_id=request)
    async with db.connect() as connection:
        await record(
            connection, SOCIAL_WORKER, action="person:read", entity_type="person", request_id=request
        )
    assert [e["action"] for e in await events_of(db, request)] == ["person:search", "person:read"]


# Append-only


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE access_events SET reason = 'edited'",
        "DELETE FROM access_events",
        "TRUNCATE access_events CASCADE",
        "UPDATE access_event_seals SET hash = prev_hash",
        "DELETE FROM access_event_seals",
        "TRUNCATE access_event_seals",
    ],
)
async def test_the_log_refuses_changes_even_from_a_superuser(db: Database, pg: Any, statement: str) -> None:
    await write(db, 1)
    assert await pg.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await pg.execute(statement)
    async with pg.transaction():  # nor does replica mode (which switches off ordinary triggers) help
        await pg.execute("SET LOCAL session_replication_role = replica")
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await pg.execute(statement)


# Sealing


async def test_sealing_chains_events_in_id_order_and_is_idempotent(log: Database, pg: Any) -> None:
    ids = await write(log, 5, purpose="AUDIT")
    assert await seal_pending(log) == 5
    assert await seal_pending(log) == 0
    seals = await pg.fetch("SELECT * FROM access_event_seals ORDER BY event_id")
    assert [s["event_id"] for s in seals] == ids
    events = await pg.fetch(
        "SELECT *, client_address::text AS client_address, details::text AS details"
        " FROM access_events ORDER BY id"
    )
    prev = GENESIS
    for seal, event in zip(seals, events, strict=True):
        assert seal["prev_hash"] == prev
        assert seal["hash"] == link(prev, event)
        prev = seal["hash"]


async def test_sealing_in_small_batches_builds_the_same_chain(log: Database) -> None:
    await write(log, 7)
    assert await seal_pending(log, batch=2) == 7
    result = await verify(log)
    assert result.intact
    assert result.events == 7


async def test_ids_left_by_rolled_back_inserts_do_not_break_the_chain(log: Database) -> None:
    await write(log, 2)
    await write_and_roll_back(log)
    await write(log, 2)
    assert await seal_pending(log) == 4
    assert (await verify(log)).intact


async def test_an_event_with_an_earlier_id_still_uncommitted_holds_the_sealer_back(log: Database) -> None:
    async with log.transaction() as slow:
        await record(slow, SOCIAL_WORKER, action="person:read", entity_type="person", reason="slow")
        [later] = await write(log, 1)  # a later id, committed first
        # Sealing now would put the later id in the chain before the earlier one commits.
        assert await seal_pending(log, wait=0.2) == 0
        sealer = asyncio.create_task(seal_pending(log, wait=5))
        await asyncio.sleep(0.2)
        assert not sealer.done()  # waiting for this transaction, not for a clock
    assert await sealer == 2
    result = await verify(log)
    assert result.intact
    assert result.events == 2
    assert result.head_id == later


# Verifying


async def test_verify_passes_on_a_clean_log(log: Database) -> None:
    ids = await write(log, 3)
    await seal_pending(log)
    await write(log, 2)  # written after sealing: waiting, not a fault
    result = await verify(log)
    assert result.intact
    assert (result.events, result.head_id, result.waiting) == (3, ids[-1], 2)
    assert result.describe().startswith("chain intact: 3 events, head ")


async def test_verify_names_the_event_a_superuser_altered(log: Database) -> None:
    ids = await write(log, 5)
    await seal_pending(log)
    async with superuser_bypass(log) as session:
        await session.execute(
            text("UPDATE access_events SET actor_user = 'someone-else' WHERE id = :id"), {"id": ids[2]}
        )
    result = await verify(log)
    assert (result.broken_at, result.problem) == (ids[2], Problem.ALTERED)
    assert result.describe().startswith(f"chain broken at event {ids[2]}:")


async def test_verify_finds_a_deleted_event(log: Database) -> None:
    ids = await write(log, 5)
    await seal_pending(log)
    async with superuser_bypass(log) as session:
        await session.execute(text("DELETE FROM access_events WHERE id = :id"), {"id": ids[1]})
    result = await verify(log)
    assert (result.broken_at, result.problem) == (ids[1], Problem.DELETED)


async def test_verify_finds_an_event_deleted_with_its_seal(log: Database) -> None:
    ids = await write(log, 5)
    await seal_pending(log)
    async with superuser_bypass(log) as session:
        await session.execute(text("DELETE FROM access_event_seals WHERE event_id = :id"), {"id": ids[1]})
        await session.execute(text("DELETE FROM access_events WHERE id = :id"), {"id": ids[1]})
    result = await verify(log)
    assert (result.broken_at, result.problem) == (ids[2], Problem.CHAIN_BROKEN)


async def test_verify_finds_an_event_slipped_in_after_sealing(log: Database) -> None:
    await write(log, 1)
    gap = await write_and_roll_back(log)
    await write(log, 1)
    await seal_pending(log)
    async with superuser_bypass(log) as session:
        await session.execute(
            text(
                "INSERT INTO access_events (id, actor_user, actor_agency, action, entity_type, outcome)"
                " OVERRIDING SYSTEM VALUE VALUES (:id, 'ghost', 'DOST', 'person:read', 'person', 'ALLOWED')"
            ),
            {"id": gap},
        )
    result = await verify(log)
    assert (result.broken_at, result.problem) == (gap, Problem.UNSEALED_INSIDE)


async def test_a_rewritten_chain_is_caught_by_the_head_kept_outside(log: Database) -> None:
    ids = await write(log, 4)
    await seal_pending(log)
    kept = check(await head(log, KEY), KEY)
    # The superuser alters an event and reseals everything from there: the chain alone looks sound.
    async with superuser_bypass(log) as session:
        await session.execute(
            text("UPDATE access_events SET reason = 'forged' WHERE id = :id"), {"id": ids[1]}
        )
        await session.execute(text("DELETE FROM access_event_seals WHERE event_id >= :id"), {"id": ids[1]})
    await seal_pending(log)
    assert (await verify(log)).intact
    result = await verify(log, known=kept.known)
    assert (result.broken_at, result.problem) == (ids[-1], Problem.HEAD_MISMATCH)


# The signed head


async def test_the_signed_head_moves_with_each_seal_and_checks_under_its_key(log: Database) -> None:
    empty = check(await head(log, KEY), KEY)
    assert (empty.event_id, empty.hash) == (0, GENESIS)
    ids = await write(log, 2)
    await seal_pending(log)
    first_line = await head(log, KEY)
    first = check(first_line, KEY)
    [new] = await write(log, 1)
    await seal_pending(log)
    second = check(await head(log, KEY), KEY)
    assert first.event_id == ids[-1]
    assert second.event_id == new
    assert second.hash != first.hash
    assert (await verify(log, known=first.known)).intact
    with pytest.raises(InvalidHead, match="signature"):
        check(first_line, b"another key")
    with pytest.raises(InvalidHead, match="signature"):
        check(first_line.replace(f"event={first.event_id} ", f"event={first.event_id + 1} "), KEY)
    with pytest.raises(InvalidHead, match="not a head line"):
        check("chain intact", KEY)


def test_the_head_key_is_generated_once_and_private(tmp_path: Path) -> None:
    key = load_key(tmp_path)
    assert load_key(tmp_path) == key
    assert len(key) == 64
    assert stat.S_IMODE(os.stat(tmp_path / "keys" / "audit-head.key").st_mode) == 0o600
    assert load_key(tmp_path, "from the environment") == b"from the environment"


# The canonical serialisation is a contract with auditors: it must not change silently.


def test_every_column_of_an_event_is_hashed() -> None:
    assert sorted(HASHED_COLUMNS) == sorted(c.name for c in AccessEvent.__table__.columns)


def test_the_canonical_serialisation_is_the_documented_one() -> None:
    event = {
        "id": 42,
        "occurred_at": datetime(2026, 11, 24, 21, 30, 0, 5, tzinfo=UTC),
        "actor_user": "leyla",
        "actor_agency": "DOST-BAKI-1",
        "actor_roles": ["social_worker", "case_manager"],
        "action": "person:search",
        "entity_type": "person",
        "entity_id": None,
        "person_id": None,
        "person_ids": [uuid.UUID(int=2), uuid.UUID(int=1)],
        "purpose": "Sosial xidmət",
        "operation_name": "Persons",
        "fields": ["fin", "lastName"],
        "outcome": "ALLOWED",
        "reason": 'a "quoted"\nline',
        "request_id": "r-1",
        "client_address": "10.1.2.3",
        "details": '{"a": 1.50, "b": [1, 2]}',
    }
    assert (
        canonical(event)
        == (
            '{"action":"person:search","actor_agency":"DOST-BAKI-1","actor_roles":["social_worker",'
            '"case_manager"],"actor_user":"leyla","client_address":"10.1.2.3","details":"{\\"a\\": 1.50, '
            '\\"b\\": [1, 2]}","entity_id":null,"entity_type":"person","fields":["fin","lastName"],"id":42,'
            '"occurred_at":"2026-11-24T21:30:00.000005Z","operation_name":"Persons","outcome":"ALLOWED",'
            '"person_id":null,"person_ids":["00000000-0000-0000-0000-000000000002",'
            '"00000000-0000-0000-0000-000000000001"],"purpose":"Sosial xidmət",'
            '"reason":"a \\"quoted\\"\\nline","request_id":"r-1"}'
        ).encode()
    )


# A service's read of rows about persons (cases, referrals, applications, enrollments): one event


@dataclass(frozen=True)
class Row:
    person_id: uuid.UUID = field(default_factory=uuid.uuid4)
    id: uuid.UUID = field(default_factory=uuid.uuid4)


def reading(request: str) -> Actor:
    return SOCIAL_WORKER.with_origin(Origin(request_id=request, operation_name="Cases"))


async def test_a_read_of_one_row_names_the_row_and_its_person(db: Database) -> None:
    request, row = request_id(), Row()
    async with db.transaction() as session:
        await record_read(
            session, reading(request), [row], action="case:read", entity_type="case", fields=["phase"]
        )
    [event] = await events_of(db, request)
    assert (event["action"], event["entity_type"], event["entity_id"]) == ("case:read", "case", str(row.id))
    assert event["person_ids"] == [row.person_id]
    assert event["person_id"] is None
    assert (event["fields"], event["operation_name"], event["outcome"]) == (["phase"], "Cases", "ALLOWED")


async def test_a_read_of_several_rows_names_each_person_once_and_no_row(db: Database) -> None:
    request, someone = request_id(), uuid.uuid4()
    rows = [Row(someone), Row(), Row(someone)]
    async with db.transaction() as session:
        await record_read(session, reading(request), rows, action="referral:read", entity_type="referral")
    [event] = await events_of(db, request)
    assert event["entity_id"] is None
    assert event["person_ids"] == sorted({someone, rows[1].person_id})


async def test_the_persons_a_read_asked_about_are_logged_even_where_nothing_was_found(
    db: Database,
) -> None:
    request, found, asked = request_id(), Row(), [uuid.uuid4(), uuid.uuid4()]
    async with db.transaction() as session:
        await record_read(
            session,
            reading(request),
            [found],
            action="case:read",
            entity_type="case",
            asked_about=[*asked, found.person_id],
            details={"cases": 1},
        )
    [event] = await events_of(db, request)
    assert event["person_ids"] == sorted({*asked, found.person_id})
    assert event["details"] == {"cases": 1}


async def test_a_read_that_found_nothing_about_no_one_writes_nothing(db: Database) -> None:
    request = request_id()
    async with db.transaction() as session:
        await record_read(session, reading(request), [], action="application:read", entity_type="application")
    assert await events_of(db, request) == []


# One round trip for a read: the SELECT and its access event in one statement


async def test_a_logged_read_returns_the_rows_and_logs_them_in_one_statement(db: Database, pg: Any) -> None:
    ids = await register(db, ("LOG0001", "Nəsirova"), ("LOG0002", "Nəsirova"), ("LOG0003", "Abbasova"))
    statements: list[str] = []
    pg.add_query_logger(lambda q: statements.append(q.query))
    request = request_id()
    rows = await read_logged(
        pg,
        BY_SURNAME,
        ["Nəsirova"],
        actor=SOCIAL_WORKER,
        action="person:search",
        operation_name="Persons",
        fields=["fin", "lastName"],
        request_id=request,
        order_by="fin",
    )
    assert [r["fin"] for r in rows] == ["LOG0001", "LOG0002"]
    await asyncio.sleep(0)  # asyncpg calls its query loggers soon, not at once
    assert len(statements) == 1
    [event] = await events_of(db, request)
    assert sorted(event["person_ids"]) == sorted([ids["LOG0001"], ids["LOG0002"]])
    assert event["person_id"] is None
    assert (event["action"], event["outcome"], event["operation_name"]) == (
        "person:search",
        "ALLOWED",
        "Persons",
    )


async def test_a_logged_read_of_one_person_names_them_as_the_subject(db: Database, pg: Any) -> None:
    ids = await register(db, ("LOG0004", "Həsənli"))
    request = request_id()
    [row] = await read_logged(
        pg, BY_FIN, ["LOG0004"], actor=SOCIAL_WORKER, action="person:read", subject=True, request_id=request
    )
    [event] = await events_of(db, request)
    assert event["person_id"] == row["id"] == ids["LOG0004"]
    assert event["entity_id"] == str(ids["LOG0004"])
    assert event["person_ids"] == [ids["LOG0004"]]


async def test_a_logged_read_that_finds_nobody_is_logged_too(db: Database, pg: Any) -> None:
    request = request_id()
    rows = await read_logged(
        pg, BY_FIN, ["NOBODY1"], actor=SOCIAL_WORKER, action="person:read", subject=True, request_id=request
    )
    assert rows == []
    [event] = await events_of(db, request)
    assert event["person_ids"] == []
    assert event["person_id"] is None
    assert event["outcome"] == "ALLOWED"


@pytest.mark.parametrize(("address", "family"), [("10.1.2.3", 4), ("2001:db8::7", 6)])
async def test_a_logged_read_keeps_the_client_address_as_an_address(
    db: Database, pg: Any, address: str, family: int
) -> None:
    # The address goes to PostgreSQL as text, cast in the statement, not through asyncpg's inet codec.
    await register(db, ("LOG0006", "Cəfərova"))
    request = request_id()
    await read_logged(
        pg, BY_FIN, ["LOG0006"], actor=SOCIAL_WORKER, action="person:read", request_id=request,
        client_address=address,
    )  # fmt: skip
    logged = await pg.fetchrow(
        "SELECT host(client_address), family(client_address) FROM access_events WHERE request_id = $1",
        request,
    )
    assert (logged["host"], logged["family"]) == (address, family)
    described = await pg.prepare(logged_read_sql(BY_FIN, 1))
    assert "inet" not in [parameter.name for parameter in described.get_parameters()]


async def test_a_logged_read_runs_on_a_session_as_well(db: Database) -> None:
    await register(db, ("LOG0005", "Qasımova"))
    request = request_id()
    async with db.reader() as session:
        rows = await read_logged(
            session, BY_FIN, ["LOG0005"], actor=SOCIAL_WORKER, action="person:read", request_id=request
        )
    assert [r["fin"] for r in rows] == ["LOG0005"]
    assert len(await events_of(db, request)) == 1


@pytest.mark.parametrize(
    ("sabotage", "error"),
    [
        (
            "ALTER TABLE access_events ADD CONSTRAINT refuse_all CHECK (false) NOT VALID",
            asyncpg.CheckViolationError,
        ),
        ("ALTER TABLE access_events RENAME TO access_events_gone", asyncpg.UndefinedTableError),
    ],
)
async def test_when_the_log_cannot_be_written_a_read_returns_nothing(
    db: Database, pg: Any, sabotage: str, error: type[Exception]
) -> None:
    await register(db, ("LOG0006", "Rzayeva"))
    assert await pg.fetch(BY_FIN, "LOG0006")  # the person is there to be read
    async with pg.transaction():
        await pg.execute("SAVEPOINT before")
        await pg.execute(sabotage)
        rows = None
        with pytest.raises(error):
            rows = await read_logged(pg, BY_FIN, ["LOG0006"], actor=SOCIAL_WORKER, action="person:read")
        assert rows is None
        await pg.execute("ROLLBACK TO SAVEPOINT before")


# The command line


async def test_the_audit_commands_seal_verify_and_sign(
    log: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SXVIS_DATABASE_URL", database_url)
    monkeypatch.setenv("SXVIS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SXVIS_AUDIT_KEY", raising=False)
    runner = CliRunner()

    async def sxvis_audit(*args: str) -> tuple[int, str]:
        """The exit code and the command's answer (its last line; log lines may come before)."""
        result = await asyncio.to_thread(runner.invoke, audit_app, list(args))
        return result.exit_code, result.stdout.strip().splitlines()[-1]

    ids = await write(log, 3)
    assert await sxvis_audit("seal") == (0, "sealed 3 events")
    code, answer = await sxvis_audit("verify")
    assert code == 0
    assert answer.startswith("chain intact: 3 events")
    code, line = await sxvis_audit("head")
    assert code == 0
    assert check(line, load_key(tmp_path)).event_id == ids[-1]
    assert (await sxvis_audit("verify", "--head", line))[0] == 0

    async with superuser_bypass(log) as session:
        await session.execute(
            text("UPDATE access_events SET purpose = 'curiosity' WHERE id = :id"), {"id": ids[0]}
        )
    code, answer = await sxvis_audit("verify")
    assert code == 1
    assert answer.startswith(f"chain broken at event {ids[0]}:")


# The migration


@pytest.fixture
async def scratch(database_url: str) -> AsyncIterator[Database]:
    """A database of its own, so migrating down does not disturb the other tests."""
    name = f"sxvis_audit_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(plain_url(database_url))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(async_url(database_url)).set(database=name).render_as_string(hide_password=False)
    scratch = Database(url, pool_size=1, max_overflow=0)
    yield scratch
    await scratch.dispose()
    await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    await admin.close()


async def test_the_migration_goes_down_leaving_nothing_and_up_again(scratch: Database) -> None:
    leftovers = text(
        "SELECT (SELECT count(*) FROM pg_class WHERE relname LIKE 'access_event%')"
        " + (SELECT count(*) FROM pg_proc WHERE proname = 'sxvis_append_only')"
    )
    await migrate.upgrade(scratch.engine)
    await write(scratch, 2)
    assert await seal_pending(scratch) == 2
    await migrate.downgrade(scratch.engine, "0001")
    async with scratch.engine.connect() as conn:
        assert (await conn.execute(leftovers)).scalar_one() == 0
    await migrate.upgrade(scratch.engine)
    await write(scratch, 1)
    assert await seal_pending(scratch) == 1
    assert (await verify(scratch)).intact
