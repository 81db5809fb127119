"""Duplicates (issue 7, item 9): `duplicateCandidates` and `mergePersons`, over the API.

One person registered three times, as Məmmədov, Mammadov and Мамедов, must be found as candidate pairs,
scored and explained; a merge moves everything that refers to the merged record (enrollments,
circumstances, facts…) to the kept one, leaves nothing pointing at the merged record (checked over every
foreign key on `persons.id` in `pg_constraint`), keeps the merged id resolvable, and is logged. Only the
registry administrators (agency admins of the registry-wide agencies) may do either.
"""

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from strawberry import relay
from typer.testing import CliRunner

from sxvis.cli import app as cli_app
from sxvis.database import Database
from sxvis.database.driver import driver_connection
from sxvis.database.scope import RowScope
from sxvis.duplicates.candidates import ADDRESS_WEIGHT, BIRTH_DATE_WEIGHT, NAME_WEIGHT
from sxvis.duplicates.pairs import REFRESH_LOCK, refresh
from tests.conftest import Api
from tests.documents import ENROLL, PERSON_BY_ID, RECORD_CIRCUMSTANCE, REGISTER_PERSON, UPDATE_PERSON
from tests.factories import person_input

CANDIDATES = """
query Candidates($first: Int, $after: String) {
  duplicateCandidates(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      score
      person { id fin lastName }
      other { id fin lastName }
      reasons { field kind weight detail }
    } }
  }
}
"""

MERGE = """
mutation Merge($input: MergePersonsInput!) {
  mergePersons(input: $input) {
    person { id fin lastName patronymic }
    mergeId
    errors { field code message }
  }
}
"""

SPELLINGS = (
    {"lastName": "Məmmədov", "firstName": "Əli", "patronymic": "Həsən oğlu"},
    {"lastName": "Mammadov", "firstName": "Ali", "patronymic": "Hasan oglu"},
    {"lastName": "Мамедов", "firstName": "Али", "patronymic": "Гасан оглу"},
)


def admin(api: Api, agency: str = "VXSIDA") -> Api:
    return api.as_("agency_admin", agency=agency, user="registry-admin")


async def register(api: Api, **values: Any) -> dict[str, Any]:
    result = await api.execute(REGISTER_PERSON, input=person_input(**{"birthDate": "1950-03-04", **values}))
    person: dict[str, Any] = result.payload("registerPerson")["person"]
    return person


def raw_id(global_id: str) -> uuid.UUID:
    return uuid.UUID(relay.from_base64(global_id)[1])


async def last_event(db: Database) -> int:
    async with db.transaction() as session:
        return int(
            (await session.execute(text("SELECT coalesce(max(id), 0) FROM access_events"))).scalar_one()
        )


async def pairs(caller: Api, db: Database) -> list[dict[str, Any]]:
    """The candidate pairs the caller sees, once the background refresh has run."""
    await refresh(db)
    edges = (await caller.execute(CANDIDATES, first=50)).ok()["duplicateCandidates"]["edges"]
    return [edge["node"] for edge in edges]


async def test_one_person_under_three_spellings_is_found_as_candidate_pairs(api: Api, db: Database) -> None:
    registered = [await register(api, **spelling) for spelling in SPELLINGS]
    await register(api, lastName="Quliyev", firstName="Rauf", patronymic="Tofiq oğlu")  # someone else
    found = await pairs(admin(api), db)
    names = {frozenset((p["person"]["lastName"], p["other"]["lastName"])) for p in found}
    assert names == {
        frozenset(("Məmmədov", "Mammadov")),
        frozenset(("Məmmədov", "Мамедов")),
        frozenset(("Mammadov", "Мамедов")),
    }
    assert {p["person"]["fin"] for p in found} | {p["other"]["fin"] for p in found} == {
        r["fin"] for r in registered
    }


async def test_a_pair_is_scored_and_explained_field_by_field(api: Api, db: Database) -> None:
    await register(api, **SPELLINGS[0])
    await register(api, **SPELLINGS[2], addressLine="Füzuli küçəsi 3")  # another address
    (pair,) = await pairs(admin(api), db)
    reasons = {(r["field"], r["kind"]): r["weight"] for r in pair["reasons"]}
    assert reasons == {("NAME", "TRANSLITERATION"): NAME_WEIGHT, ("BIRTH_DATE", "EXACT"): BIRTH_DATE_WEIGHT}
    assert pair["score"] == pytest.approx(sum(reasons.values()))
    assert pair["person"]["lastName"] == "Məmmədov"  # registered first: the one to keep


async def test_the_same_address_adds_to_the_score(api: Api, db: Database) -> None:
    await register(api, **SPELLINGS[0])
    await register(api, **SPELLINGS[1])  # the factory's address for both
    (pair,) = await pairs(admin(api), db)
    assert ("ADDRESS", "EXACT") in {(r["field"], r["kind"]) for r in pair["reasons"]}
    assert pair["score"] == pytest.approx(NAME_WEIGHT + BIRTH_DATE_WEIGHT + ADDRESS_WEIGHT)


async def test_candidates_come_a_page_at_a_time(api: Api, db: Database) -> None:
    for spelling in SPELLINGS:
        await register(api, **spelling)
    await refresh(db)
    caller = admin(api)
    first = (await caller.execute(CANDIDATES, first=2)).ok()["duplicateCandidates"]
    rest = (await caller.execute(CANDIDATES, first=2, after=first["pageInfo"]["endCursor"])).ok()
    pages = first["edges"] + rest["duplicateCandidates"]["edges"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert len({(e["node"]["person"]["id"], e["node"]["other"]["id"]) for e in pages}) == 3


async def test_a_protected_person_never_appears_to_an_agency_not_entitled_to_them(
    api: Api, db: Database
) -> None:
    dost = api.as_("social_worker", agency="DOST")
    await register(dost, **SPELLINGS[0], protected=True)
    await register(api, **SPELLINGS[1])
    assert await pairs(admin(api), db) == []


async def test_reading_candidates_logs_both_persons_of_every_pair(api: Api, db: Database) -> None:
    first = await register(api, **SPELLINGS[0])
    second = await register(api, **SPELLINGS[1])
    await refresh(db)
    before = await last_event(db)
    await pairs(admin(api), db)
    async with db.transaction() as session:
        logged = (
            await session.execute(
                text("SELECT person_ids FROM access_events WHERE action = 'duplicate:read' AND id > :before"),
                {"before": before},
            )
        ).scalar_one()
    assert set(logged) == {raw_id(first["id"]), raw_id(second["id"])}


async def test_candidates_are_forbidden_to_a_social_worker(api: Api) -> None:
    result = await api.execute(CANDIDATES, first=5)
    assert result.errors[0]["extensions"]["code"] == "FORBIDDEN"


async def shown_now(caller: Api) -> set[frozenset[str]]:
    """The pairs (by last name) the caller sees now, without waiting for a refresh."""
    edges = (await caller.execute(CANDIDATES, first=50)).ok()["duplicateCandidates"]["edges"]
    return {frozenset((e["node"]["person"]["lastName"], e["node"]["other"]["lastName"])) for e in edges}


async def stored_pairs(db: Database) -> list[tuple[Any, ...]]:
    async with db.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT a_id, b_id, name_score, same_key, same_spelling, same_birth_date, same_address, score"
                " FROM duplicate_pairs ORDER BY a_id, b_id"
            )
        )
        return [tuple(row) for row in rows]


async def test_a_person_registered_after_a_refresh_is_paired_at_the_next_one(api: Api, db: Database) -> None:
    await register(api, **SPELLINGS[0])
    await register(api, **SPELLINGS[1])
    await refresh(db)
    await register(api, **SPELLINGS[2])
    assert await shown_now(admin(api)) == {frozenset(("Məmmədov", "Mammadov"))}
    done = await refresh(db)
    assert (done.full, done.years, done.changed) == (False, 1, 1)  # the new person alone
    assert len(await shown_now(admin(api))) == 3


async def test_a_corrected_birth_date_unpairs_the_person_at_the_next_refresh(api: Api, db: Database) -> None:
    await register(api, **SPELLINGS[0])
    second = await register(api, **SPELLINGS[1])
    await refresh(db)
    updated = await api.execute(UPDATE_PERSON, input={"id": second["id"], "birthDate": "1961-07-08"})
    assert updated.payload("updatePerson")["errors"] == []
    await refresh(db)
    assert await shown_now(admin(api)) == set()


async def test_a_merged_person_leaves_the_queue_before_any_refresh(api: Api, db: Database) -> None:
    kept = await register(api, **SPELLINGS[0])
    merged = await register(api, **SPELLINGS[1])
    await register(api, **SPELLINGS[2])
    await refresh(db)
    await merge(admin(api), kept, merged)
    assert await shown_now(admin(api)) == {frozenset(("Məmmədov", "Мамедов"))}


async def test_the_incremental_refreshes_keep_the_pairs_a_full_one_computes(api: Api, db: Database) -> None:
    await register(api, **SPELLINGS[0])
    await refresh(db)
    await register(api, **SPELLINGS[1], birthDate="1950-09-09")  # same address, same year: paired
    await register(api, **SPELLINGS[2])
    await register(api, lastName="Quliyev", firstName="Rauf", patronymic="Tofiq oğlu")
    await refresh(db)
    incremental = await stored_pairs(db)
    done = await refresh(db, full=True)
    assert done.full
    assert done.pairs == len(incremental) == 3
    assert await stored_pairs(db) == incremental


async def test_a_refresh_taking_the_queue_never_holds_up_a_change_to_a_queued_person(
    api: Api, db: Database
) -> None:
    person = await register(api, **SPELLINGS[0])
    async with db.connect() as connection:
        pg = await driver_connection(connection)
        async with pg.transaction():  # a refresh has taken the queue (this person too) and is not done
            taken = "WITH t AS (DELETE FROM person_changes RETURNING 1) SELECT count(*) FROM t"
            assert await pg.fetchval(taken) >= 1
            update = api.execute(UPDATE_PERSON, input={"id": person["id"], "phone": "+994 50 123 45 67"})
            changed = await asyncio.wait_for(update, timeout=5)
            assert changed.payload("updatePerson")["errors"] == []


async def test_a_refresh_gives_way_to_one_already_running(db: Database) -> None:
    async with db.connect() as connection:
        await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": REFRESH_LOCK})
        try:
            assert (await refresh(db)).skipped
        finally:
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": REFRESH_LOCK})
    assert not (await refresh(db)).skipped


async def test_the_app_role_sees_only_pairs_of_persons_it_sees_and_writes_none(
    api: Api, db: Database, app_database: Database
) -> None:
    await register(api, **SPELLINGS[0])
    await register(api, **SPELLINGS[1])
    await refresh(db)
    async with app_database.scoped_session(RowScope(agency="DIN")) as session:
        assert (await session.execute(text("SELECT count(*) FROM duplicate_pairs"))).scalar_one() == 0
    async with app_database.scoped_session(RowScope(agency="VXSIDA", reads_all=True)) as session:
        assert (await session.execute(text("SELECT count(*) FROM duplicate_pairs"))).scalar_one() == 1
    with pytest.raises(DBAPIError, match="permission denied"):
        async with app_database.scoped_session(RowScope(agency="VXSIDA", reads_all=True)) as session:
            await session.execute(text("DELETE FROM duplicate_pairs"))


async def test_the_refresh_command_pairs_the_registry_and_says_how_many(
    api: Api, db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await register(api, **SPELLINGS[0])
    await register(api, **SPELLINGS[1])
    monkeypatch.setenv("SXVIS_DATABASE_URL", database_url)
    monkeypatch.setenv("SXVIS_DATA_DIR", str(tmp_path))
    result = await asyncio.to_thread(CliRunner().invoke, cli_app, ["duplicates", "refresh", "--full"])
    assert result.exit_code == 0, result.output
    assert "Recomputed every birth year: 1 probable duplicate pairs." in result.output
    assert len(await stored_pairs(db)) == 1


async def referring_keys(db: Database) -> list[tuple[str, str]]:
    """Every (table, column) with a foreign key on persons.id, from the catalogue."""
    async with db.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c"
                " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
                " WHERE c.contype = 'f' AND c.confrelid = 'persons'::regclass"
            )
        )
        return [(table, column) for table, column in rows.all()]


async def pointing_at(db: Database, person_id: uuid.UUID) -> dict[str, int]:
    counts = {}
    async with db.transaction() as session:
        for table, column in await referring_keys(db):
            statement = text(f'SELECT count(*) FROM {table} WHERE "{column}" = :id')
            counts[f"{table}.{column}"] = (await session.execute(statement, {"id": person_id})).scalar_one()
    return {key: n for key, n in counts.items() if n}


async def add_fact(db: Database, person_id: uuid.UUID) -> None:
    async with db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO facts (id, person_id, kind, found, value, source_system, message_id,"
                " obtained_at, valid_until, requested_by, issue) VALUES (:id, :person, 'DISABILITY', true,"
                " '{\"group\": 2}', 'TSERAS', :message, now(), now() + interval '30 days',"
                " 'test-worker@SXA', 'test')"
            ),
            {"id": uuid.uuid4(), "person": person_id, "message": str(uuid.uuid4())},
        )


async def filled_duplicate(api: Api, db: Database) -> tuple[dict[str, Any], dict[str, Any]]:
    """The kept record, and a merged one with an enrollment, a circumstance and a fact of its own."""
    kept = await register(api, **SPELLINGS[0], household={"relation": "HEAD"})
    merged = await register(api, **SPELLINGS[2], household={"relation": "HEAD"})
    enrolled = await api.execute(
        ENROLL, input={"personId": merged["id"], "serviceCode": "01-09-15-00", "providerCode": "DOST-BAKI-1"}
    )
    assert enrolled.payload("enrollInService")["errors"] == []
    recorded = await api.execute(
        RECORD_CIRCUMSTANCE, input={"personId": merged["id"], "category": "ELDERLY", "since": "2020-01-01"}
    )
    assert recorded.payload("recordCircumstance")["errors"] == []
    await add_fact(db, raw_id(merged["id"]))
    return kept, merged


async def merge(caller: Api, kept: dict[str, Any], merged: dict[str, Any]) -> dict[str, Any]:
    result = await caller.execute(
        MERGE, input={"keepId": kept["id"], "mergeId": merged["id"], "reason": "One person, three spellings"}
    )
    payload: dict[str, Any] = result.payload("mergePersons")
    return payload


async def test_a_merge_moves_enrollments_circumstances_and_facts_to_the_kept_record(
    api: Api, db: Database
) -> None:
    kept, merged = await filled_duplicate(api, db)
    moved_before = await pointing_at(db, raw_id(merged["id"]))
    payload = await merge(admin(api), kept, merged)
    assert payload["errors"] == []
    after = await pointing_at(db, raw_id(kept["id"]))
    for key in ("enrollments.person_id", "circumstances.person_id", "facts.person_id"):
        assert moved_before[key] == 1
        assert after[key] == 1


async def test_after_a_merge_nothing_points_at_the_merged_record(api: Api, db: Database) -> None:
    kept, merged = await filled_duplicate(api, db)
    await merge(admin(api), kept, merged)
    assert await pointing_at(db, raw_id(merged["id"])) == {}
    async with db.transaction() as session:
        gone = await session.execute(
            text("SELECT count(*) FROM persons WHERE id = :id"), {"id": raw_id(merged["id"])}
        )
        assert gone.scalar_one() == 0


async def test_a_colliding_household_membership_is_dropped_and_kept_in_the_merge_record(
    api: Api, db: Database
) -> None:
    kept, merged = await filled_duplicate(api, db)  # both head a household of their own
    await merge(admin(api), kept, merged)
    async with db.transaction() as session:
        moved = (
            await session.execute(
                text("SELECT moved FROM person_merges WHERE merged_id = :id"), {"id": raw_id(merged["id"])}
            )
        ).scalar_one()
    assert [d["table"] for d in moved["dropped"]] == ["household_members"]
    assert moved["dropped"][0]["row"]["person_id"] == str(raw_id(merged["id"]))


async def test_the_merged_id_resolves_to_the_kept_person_and_the_read_is_logged(
    api: Api, db: Database
) -> None:
    kept, merged = await filled_duplicate(api, db)
    await merge(admin(api), kept, merged)
    before = await last_event(db)
    found = (await api.execute(PERSON_BY_ID, id=merged["id"])).ok()["person"]
    assert (found["id"], found["fin"]) == (kept["id"], kept["fin"])
    async with db.transaction() as session:
        logged = (
            await session.execute(
                text("SELECT person_id FROM access_events WHERE action = 'person:read' AND id > :before"),
                {"before": before},
            )
        ).scalar_one()
    assert logged == raw_id(kept["id"])


async def test_a_merge_is_logged_with_both_persons_and_the_reason(api: Api, db: Database) -> None:
    kept, merged = await filled_duplicate(api, db)
    before = await last_event(db)
    await merge(admin(api), kept, merged)
    async with db.transaction() as session:
        event = (
            await session.execute(
                text(
                    "SELECT person_ids, reason, outcome FROM access_events"
                    " WHERE action = 'person:merge' AND id > :before"
                ),
                {"before": before},
            )
        ).one()
    assert set(event.person_ids) == {raw_id(kept["id"]), raw_id(merged["id"])}
    assert (event.reason, event.outcome) == ("One person, three spellings", "ALLOWED")


async def test_a_merge_is_forbidden_to_a_social_worker_and_changes_nothing(api: Api, db: Database) -> None:
    kept, merged = await filled_duplicate(api, db)
    before = await pointing_at(db, raw_id(merged["id"]))
    result = await api.execute(
        MERGE, input={"keepId": kept["id"], "mergeId": merged["id"], "reason": "One person, three spellings"}
    )
    assert result.errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert await pointing_at(db, raw_id(merged["id"])) == before


async def test_the_database_refuses_a_merge_outside_a_registry_wide_scope(
    api: Api, db: Database, app_database: Database
) -> None:
    # The second line: even a caller that skipped the service cannot merge without the wide grant.
    kept, merged = await filled_duplicate(api, db)
    before = await pointing_at(db, raw_id(merged["id"]))
    call = text("SELECT sxvis_merge_person(:k, :m, :i, 'test', 'someone', ARRAY[]::text[])")
    values = {"k": raw_id(kept["id"]), "m": raw_id(merged["id"]), "i": uuid.uuid4()}
    with pytest.raises(DBAPIError, match="registry-wide grant"):
        async with app_database.scoped(RowScope(agency="SXA")) as connection:
            await connection.execute(call, values)
    assert await pointing_at(db, raw_id(merged["id"])) == before


async def test_merging_a_protected_person_by_their_real_id_answers_as_for_nobody(
    api: Api, db: Database
) -> None:
    # Without the entitlement to see who they are, the real id names nobody (issue 13, item 5).
    dost = api.as_("social_worker", agency="DOST")
    victim = await register(dost, **SPELLINGS[0], protected=True)
    other = await register(api, **SPELLINGS[1])
    result = await admin(api).execute(
        MERGE, input={"keepId": other["id"], "mergeId": victim["id"], "reason": "One person, two spellings"}
    )
    nobody = str(relay.GlobalID("Person", str(uuid.UUID(int=4242))))
    missing = await admin(api).execute(
        MERGE, input={"keepId": other["id"], "mergeId": nobody, "reason": "One person, two spellings"}
    )
    assert result.body == missing.body
    assert result.payload("mergePersons")["errors"][0]["code"] == "NOT_FOUND"
    async with db.transaction() as session:
        still = await session.execute(
            text("SELECT count(*) FROM persons WHERE id = :id"), {"id": raw_id(victim["id"])}
        )
        assert still.scalar_one() == 1


async def test_a_reason_is_required(api: Api, db: Database) -> None:
    kept = await register(api, **SPELLINGS[0])
    merged = await register(api, **SPELLINGS[1])
    result = await admin(api).execute(
        MERGE, input={"keepId": kept["id"], "mergeId": merged["id"], "reason": "dup"}
    )
    assert [(e["field"], e["code"]) for e in result.payload("mergePersons")["errors"]] == [
        ("reason", "INVALID")
    ]
