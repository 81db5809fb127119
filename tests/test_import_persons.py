"""`sxvis import persons` (issue 7, item 8): an agency's list merged into the registry by FIN.

Bad rows are reported with their line numbers and reasons while the good ones commit; a second run of
the same file changes nothing; a new row that matches a registered person by name (in any of the
Azerbaijani Latin, ASCII and Cyrillic spellings) and birth date is reported as a probable duplicate, not
created. Most tests call the service as the command does (as the database owner); one runs the command
itself as a subprocess against the test database.
"""

import asyncio
import csv
import json
import os
import sys
from asyncio.subprocess import PIPE
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from strawberry import relay

from sxvis.database import Database
from sxvis.imports.rows import ImportFileError
from sxvis.imports.service import ImportSummary, import_persons
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import fin, person_input

HEADER = [
    "fin",
    "last_name",
    "first_name",
    "patronymic",
    "birth_date",
    "sex",
    "residence_status",
    "district_code",
]


def row(**values: str) -> dict[str, str]:
    base = {
        "fin": fin(),
        "last_name": "Quliyev",
        "first_name": "Rauf",
        "patronymic": "Tofiq oğlu",
        "birth_date": "1961-05-17",
        "sex": "MALE",
        "residence_status": "CITIZEN",
        "district_code": "AZ-01-03",
    }
    base.update(values)
    return base


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


async def run(db: Database, path: Path, source: str = "DOST", **options: Any) -> ImportSummary:
    return await import_persons(db, path=path, source=source, run_by="operator:test", **options)


def report_rows(path: Path) -> dict[int, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {int(r["line"]): r for r in csv.DictReader(handle)}


async def persons_by_fin(db: Database) -> dict[str, dict[str, Any]]:
    async with db.transaction() as session:
        rows = (await session.execute(text("SELECT * FROM persons"))).mappings().all()
    return {r["fin"]: dict(r) for r in rows}


async def test_good_rows_commit_and_bad_rows_are_reported_with_line_numbers_and_reasons(
    db: Database, tmp_path: Path
) -> None:
    good = [row(), row(first_name="Elnur", birth_date="1975-01-02")]
    bad_fin = row(fin="12-AB", first_name="Vüqar", birth_date="1980-02-02")
    bad_two = row(first_name="R4uf", birth_date="2999-01-01")
    bad_district = row(first_name="Kamran", district_code="AZ-99-99", birth_date="1981-03-03")
    path = write_csv(tmp_path / "dost.csv", [good[0], bad_fin, good[1], bad_two, bad_district])
    summary = await run(db, path)
    stored = await persons_by_fin(db)
    assert set(stored) == {good[0]["fin"], good[1]["fin"]}
    assert (summary.inserted, summary.rejected, summary.rows) == (2, 3, 5)
    assert summary.report is not None
    report = report_rows(summary.report)
    assert sorted(report) == [3, 5, 6]  # the header is line 1
    assert report[3]["reasons"].startswith("fin:")
    assert "first_name:" in report[5]["reasons"]
    assert "birth_date:" in report[5]["reasons"]
    assert report[6]["reasons"].startswith("district_code:")


async def test_a_second_run_of_the_same_file_changes_nothing(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dost.csv", [row(), row(first_name="Elnur"), row(fin="bad")])
    await run(db, path)
    before = await persons_by_fin(db)
    again = await run(db, path)
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 2, 1)
    assert await persons_by_fin(db) == before  # updated_at and the import id included


async def test_a_jsonl_file_imports_as_a_csv_does(db: Database, tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [row(), row(first_name="Aygün", sex="FEMALE", last_name="Quliyeva")]
    rows.append({**row(), "protected": "perhaps"})
    path = write_jsonl(tmp_path / "dost.jsonl", rows)
    report = tmp_path / "bad.json"
    summary = await run(db, path, report=report)
    assert (summary.inserted, summary.rejected) == (2, 1)
    entries = json.loads(report.read_text(encoding="utf-8"))
    assert [(e["line"], e["reasons"]) for e in entries] == [(3, ["protected: Write true or false."])]


async def test_a_new_row_matching_a_registered_person_is_reported_as_a_probable_duplicate(
    api: Api, db: Database, tmp_path: Path
) -> None:
    registered = await api.execute(
        REGISTER_PERSON,
        input=person_input(
            lastName="Məmmədov", firstName="Əli", patronymic="Həsən oğlu", birthDate="1950-03-04"
        ),
    )
    person_id = relay.from_base64(registered.payload("registerPerson")["person"]["id"])[1]
    cyrillic = row(last_name="Мамедов", first_name="Али", patronymic="Гасан оглу", birth_date="1950-03-04")
    no_fin = row(
        fin="", last_name="Mammadov", first_name="Ali", patronymic="Hasan oglu", birth_date="1950-03-04"
    )
    path = write_csv(tmp_path / "dost.csv", [cyrillic, no_fin])
    summary = await run(db, path)
    assert (summary.inserted, summary.duplicates) == (0, 2)
    assert set(await persons_by_fin(db)) == {registered.payload("registerPerson")["person"]["fin"]}
    report = report_rows(summary.report or Path())
    assert {r["outcome"] for r in report.values()} == {"PROBABLE_DUPLICATE"}
    assert {r["candidate_person_id"] for r in report.values()} == {person_id}


async def test_two_rows_of_one_person_in_a_file_create_the_first_and_report_the_second(
    db: Database, tmp_path: Path
) -> None:
    first, second = row(), row(last_name="Kuliyev")  # another FIN, the same person in another spelling
    summary = await run(db, write_csv(tmp_path / "dost.csv", [first, second]))
    assert set(await persons_by_fin(db)) == {first["fin"]}
    assert summary.duplicates == 1
    assert report_rows(summary.report or Path())[3]["candidate_line"] == "2"


async def test_an_existing_person_is_updated_and_the_import_recorded_on_them(
    db: Database, tmp_path: Path
) -> None:
    original = row(patronymic="")
    await run(db, write_csv(tmp_path / "first.csv", [original]))
    before = (await persons_by_fin(db))[original["fin"]]
    changed = {**original, "patronymic": "Tofiq oğlu", "district_code": ""}
    summary = await run(db, write_csv(tmp_path / "second.csv", [changed]))
    after = (await persons_by_fin(db))[original["fin"]]
    assert summary.updated == 1
    assert after["patronymic"] == "Tofiq oğlu"
    assert after["district_code"] == before["district_code"]  # an empty value keeps the registry's
    assert (after["import_source"], after["import_id"]) == ("DOST", summary.import_id)
    assert after["updated_at"] > before["updated_at"]


async def test_every_person_written_has_an_access_event_naming_the_source_agency(
    db: Database, tmp_path: Path
) -> None:
    summary = await run(db, write_csv(tmp_path / "dost.csv", [row(), row(first_name="Elnur")]))
    async with db.transaction() as session:
        events = (
            await session.execute(
                text(
                    "SELECT e.person_id, e.actor_agency, e.action, e.details->>'import_id' AS import_id"
                    " FROM access_events e JOIN persons p ON p.id = e.person_id"
                    " WHERE e.operation_name = 'sxvis import persons'"
                )
            )
        ).all()
    assert len(events) == 2
    assert {(e.actor_agency, e.action, e.import_id) for e in events} == {
        ("DOST", "person:register", str(summary.import_id))
    }


async def test_a_fin_registered_outside_the_agencys_remit_is_refused_and_left_alone(
    api: Api, db: Database, tmp_path: Path
) -> None:
    theirs = person_input(lastName="Əliyev", firstName="Vəli", birthDate="1970-07-07")
    await api.execute(REGISTER_PERSON, input=theirs)  # registered by SXA, nothing ties them to DOST
    before = await persons_by_fin(db)
    attempt = row(fin=theirs["fin"], last_name="Aliyev", first_name="Vali", birth_date="1970-07-07")
    summary = await run(db, write_csv(tmp_path / "dost.csv", [attempt]))
    assert (summary.updated, summary.rejected) == (0, 1)
    assert await persons_by_fin(db) == before
    assert "may not change their record" in report_rows(summary.report or Path())[2]["reasons"]


async def test_imported_persons_are_in_the_source_agencys_remit(
    api: Api, db: Database, tmp_path: Path
) -> None:
    imported = row()
    await run(db, write_csv(tmp_path / "dost.csv", [imported]))
    query = "query($fin: String!) { person(fin: $fin) { fin registeredBy { code } } }"
    seen = await api.as_("social_worker", agency="DOST").execute(query, fin=imported["fin"])
    unseen = await api.as_("social_worker", agency="DIN").execute(query, fin=imported["fin"])
    assert seen.ok()["person"] == {"fin": imported["fin"], "registeredBy": {"code": "DOST"}}
    assert unseen.ok()["person"] is None


async def test_the_command_imports_with_a_progress_bar_and_prints_the_summary(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "dost.csv", [row(), row(first_name="Elnur"), row(fin="??")])
    report = tmp_path / "report.csv"
    env = {**os.environ, "SXVIS_DATABASE_URL": database_url, "SXVIS_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-m", "sxvis", "import", "persons", str(path), "--source", "dost"]
    process = await asyncio.create_subprocess_exec(
        *command, "--report", str(report), env=env, stdout=PIPE, stderr=PIPE
    )
    _, errors = await asyncio.wait_for(process.communicate(), timeout=120)
    stderr = errors.decode("utf-8")
    assert process.returncode == 0, stderr
    assert "Importing dost.csv" in stderr
    assert "━" in stderr  # rich's progress bar
    assert "2 inserted, 0 updated, 0 unchanged, 1 rejected, 0 probable duplicates" in stderr
    assert sorted(report_rows(report)) == [4]
    assert len(await persons_by_fin(db)) == 2


async def test_an_unknown_source_agency_imports_nothing(db: Database, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="NO-SUCH"):
        await run(db, write_csv(tmp_path / "x.csv", [row()]), source="NO-SUCH")
    assert await persons_by_fin(db) == {}
