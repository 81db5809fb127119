"""`sxvis import persons`: an agency's list of beneficiaries merged into the registry by FIN.

The whole import is one transaction on the owner's connection (an operator command, like `sxvis seed`):

1. The file is read and checked row by row (`sxvis.imports.rows`), in batches, in a thread, while the
   previous batch goes to the server through COPY into a temporary staging table (DESIGN, Database:
   bulk loads use COPY). Bad rows are staged too, with their reasons, so memory stays bounded and the
   report comes out of one ordered query.
2. One statement classifies every staged row (`_PLAN`): a FIN already given on an earlier line, a person
   with that FIN whom the agency may not change (outside its remit, or protected by another agency), an
   existing person unchanged or to update, a probable duplicate (a new row whose folded name and birth
   date match a registered person, or an earlier line of the file), a row without FIN, or a new person.
3. Set-based writes: INSERT … SELECT of the new persons (registered by the source agency, so in its remit
   like any registration), UPDATE … FROM of the changed ones (an unchanged person is not touched: a second
   run changes nothing, `updated_at` included), and one access event per person written, in one
   INSERT … SELECT (DESIGN, Access log: auditors find every person an import wrote, by person).
4. The report of every row not written (line, outcome, reasons, the candidate of a probable duplicate)
   and the summary.

A probable duplicate is never created: the row goes to the report with the id of the person it matches
(unless that person is protected by another agency: then only that a match exists). A FIN that belongs
to a person the agency may not change is refused with the same words whoever the person is, and when the
person is protected the agency that protects them gets a notice, as `registerPerson` does.
"""

import asyncio
import csv
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO, cast

from sxvis import clock
from sxvis.database.engine import Database
from sxvis.imports.rows import (
    COLUMNS,
    REASON_SEPARATOR,
    FileFormat,
    ImportFileError,
    StagedRow,
    check_row,
    guess_format,
    read_rows,
)

STAGED_COLUMNS = StagedRow._fields
REGISTER = "person:register"
UPDATE = "person:update"
PURPOSE = "bulk import"
OPERATION = "sxvis import persons"

_STAGING = """
CREATE TEMPORARY TABLE import_rows (
  line integer NOT NULL, fin text, last_name text, first_name text, patronymic text, birth_date date,
  sex text, residence_status text, region_code text, district_code text, address_line text, phone text,
  email text, protected boolean, outcome text, reason text, given_fin text
) ON COMMIT DROP
"""

# $1 the source agency. Every row of the file that passed its checks gets exactly one outcome; for an
# existing person the columns hold the values after the merge (a value the file leaves empty keeps the
# registry's: a list that does not know a phone number does not erase it; an import never lifts a
# protection), and `changed` names the fields that differ.
_PLAN = """
CREATE TEMPORARY TABLE import_plan ON COMMIT DROP AS
WITH staged AS (
  SELECT s.*,
    sxvis_fold(s.last_name || ' ' || s.first_name || ' ' || coalesce(s.patronymic, '')) AS key,
    min(s.line) OVER (PARTITION BY s.fin) AS fin_first
  FROM import_rows s WHERE s.outcome IS NULL
), by_fin AS (
  SELECT st.line, st.fin, st.given_fin, st.key, st.fin_first, st.last_name, st.first_name, st.birth_date,
    p.id AS existing_id, p.protected_by AS protector,
    p.id IS NOT NULL AND (p.registered_by = $1 OR EXISTS (
      SELECT 1 FROM person_remit r WHERE r.person_id = p.id AND r.agency_code = $1
        AND (r.until IS NULL OR r.until > now()))) AS in_remit,
    coalesce(st.patronymic, p.patronymic) AS patronymic,
    st.sex, st.residence_status,
    coalesce(st.region_code, p.region_code) AS region_code,
    CASE WHEN p.id IS NULL OR st.district_code IS NOT NULL THEN st.district_code
         WHEN st.region_code IS NULL OR st.region_code = p.region_code THEN p.district_code
    END AS district_code,
    coalesce(st.address_line, p.address_line) AS address_line,
    coalesce(st.phone, p.phone) AS phone,
    coalesce(st.email, p.email) AS email,
    coalesce(p.protected, false) OR coalesce(st.protected, false) AS protected,
    p.last_name AS old_last_name, p.first_name AS old_first_name, p.patronymic AS old_patronymic,
    p.birth_date AS old_birth_date, p.sex::text AS old_sex, p.residence_status::text AS old_residence,
    p.region_code AS old_region, p.district_code AS old_district, p.address_line AS old_address,
    p.phone AS old_phone, p.email AS old_email, p.protected AS old_protected
  FROM staged st LEFT JOIN persons p ON p.fin = st.fin AND st.line = st.fin_first
), fresh AS (
  SELECT b.line, b.fin, b.key, b.birth_date FROM by_fin b
  WHERE b.existing_id IS NULL AND (b.fin IS NULL OR b.line = b.fin_first)
), registered_match AS (
  SELECT DISTINCT ON (f.line) f.line, p.id AS candidate_id,
    (p.protected AND p.protected_by IS DISTINCT FROM $1) AS candidate_hidden
  FROM fresh f JOIN persons p ON p.birth_date = f.birth_date AND p.name_key = f.key
  ORDER BY f.line, p.id
), file_match AS (
  SELECT f.line, min(f.line) FILTER (WHERE f.fin IS NOT NULL)
    OVER (PARTITION BY f.birth_date, f.key) AS first_line
  FROM fresh f WHERE NOT EXISTS (SELECT 1 FROM registered_match m WHERE m.line = f.line)
), classified AS (
  SELECT b.*, m.candidate_id, coalesce(m.candidate_hidden, false) AS candidate_hidden,
    CASE WHEN i.first_line <> b.line THEN i.first_line END AS candidate_line,
    array_remove(ARRAY[
      CASE WHEN b.last_name IS DISTINCT FROM b.old_last_name THEN 'last_name' END,
      CASE WHEN b.first_name IS DISTINCT FROM b.old_first_name THEN 'first_name' END,
      CASE WHEN b.patronymic IS DISTINCT FROM b.old_patronymic THEN 'patronymic' END,
      CASE WHEN b.birth_date IS DISTINCT FROM b.old_birth_date THEN 'birth_date' END,
      CASE WHEN b.sex IS DISTINCT FROM b.old_sex THEN 'sex' END,
      CASE WHEN b.residence_status IS DISTINCT FROM b.old_residence THEN 'residence_status' END,
      CASE WHEN b.region_code IS DISTINCT FROM b.old_region THEN 'region_code' END,
      CASE WHEN b.district_code IS DISTINCT FROM b.old_district THEN 'district_code' END,
      CASE WHEN b.address_line IS DISTINCT FROM b.old_address THEN 'address_line' END,
      CASE WHEN b.phone IS DISTINCT FROM b.old_phone THEN 'phone' END,
      CASE WHEN b.email IS DISTINCT FROM b.old_email THEN 'email' END,
      CASE WHEN b.protected IS DISTINCT FROM b.old_protected THEN 'protected' END
    ], NULL) AS changed
  FROM by_fin b
  LEFT JOIN registered_match m ON m.line = b.line
  LEFT JOIN file_match i ON i.line = b.line
)
SELECT c.*,
  CASE
    WHEN c.fin IS NOT NULL AND c.line <> c.fin_first THEN 'REJECTED'
    WHEN c.existing_id IS NOT NULL AND (NOT c.in_remit OR c.protector <> $1) THEN 'REFUSED'
    WHEN c.existing_id IS NOT NULL AND cardinality(c.changed) = 0 THEN 'UNCHANGED'
    WHEN c.existing_id IS NOT NULL THEN 'UPDATED'
    WHEN c.candidate_id IS NOT NULL OR c.candidate_line IS NOT NULL THEN 'DUPLICATE'
    WHEN c.fin IS NULL THEN 'REJECTED'
    ELSE 'INSERTED'
  END AS outcome
FROM classified c
"""

_NEW_IDS = "UPDATE import_plan SET existing_id = gen_random_uuid() WHERE outcome = 'INSERTED'"

_INSERT = """
INSERT INTO persons (id, fin, last_name, first_name, patronymic, birth_date, sex, residence_status,
  region_code, district_code, address_line, phone, email, protected, protected_by, registered_by,
  import_source, import_id, imported_at)
SELECT existing_id, fin, last_name, first_name, patronymic, birth_date, sex::sex,
  residence_status::residence_status, region_code, district_code, address_line, phone, email, protected,
  CASE WHEN protected THEN $1 END, $1, $1, $2::uuid, now()
FROM import_plan WHERE outcome = 'INSERTED'
"""

_UPDATE = """
UPDATE persons p SET last_name = c.last_name, first_name = c.first_name, patronymic = c.patronymic,
  birth_date = c.birth_date, sex = c.sex::sex, residence_status = c.residence_status::residence_status,
  region_code = c.region_code, district_code = c.district_code, address_line = c.address_line,
  phone = c.phone, email = c.email, protected = c.protected,
  protected_by = CASE WHEN c.protected THEN coalesce(p.protected_by, $1) END,
  import_source = $1, import_id = $2::uuid, imported_at = now(), updated_at = now()
FROM import_plan c WHERE c.outcome = 'UPDATED' AND p.id = c.existing_id
"""

# One access event per person written: who ran it, for which agency, which fields, which line.
_LOG = """
INSERT INTO access_events (actor_user, actor_agency, actor_roles, action, entity_type, entity_id,
  person_id, person_ids, purpose, operation_name, fields, outcome, details)
SELECT $2, $1, ARRAY['operator'], CASE c.outcome WHEN 'INSERTED' THEN $4 ELSE $5 END, 'person',
  c.existing_id::text, c.existing_id, ARRAY[c.existing_id], $6, $7,
  CASE c.outcome WHEN 'INSERTED' THEN $8::text[] ELSE c.changed END, 'ALLOWED',
  jsonb_build_object('import_id', $3::text, 'line', c.line)
FROM import_plan c WHERE c.outcome IN ('INSERTED', 'UPDATED')
ORDER BY c.line
"""

# A refused FIN of a protected person: logged as a denial against them, and their protector told.
_REFUSED_PROTECTED = """
WITH refused AS (
  SELECT c.existing_id, c.protector, c.line FROM import_plan c
  WHERE c.outcome = 'REFUSED' AND c.protector IS NOT NULL AND c.protector <> $1
), logged AS (
  INSERT INTO access_events (actor_user, actor_agency, actor_roles, action, entity_type, entity_id,
    person_id, person_ids, purpose, operation_name, outcome, reason, details)
  SELECT $2, $1, ARRAY['operator'], $4, 'person', r.existing_id::text, r.existing_id,
    ARRAY[r.existing_id], $5, $6, 'DENIED', 'the FIN belongs to a protected person',
    jsonb_build_object('import_id', $3::text, 'line', r.line)
  FROM refused r
)
INSERT INTO notices (agency_code, kind, person_id, message, details)
SELECT r.protector, 'DUPLICATE_FIN', r.existing_id,
  'A bulk import for ' || $1 || ' listed the FIN of a person your agency protects; the row was refused '
  || 'and the agency was told only that the FIN is taken.',
  jsonb_build_object('import_id', $3::text, 'source_agency', $1)
FROM refused r
"""

_COUNTS = """
SELECT outcome, count(*)::int AS n FROM import_plan GROUP BY outcome
UNION ALL
SELECT 'INVALID', count(*)::int FROM import_rows WHERE outcome = 'INVALID'
"""

_REPORT = """
SELECT line, given_fin AS fin, outcome, reason, NULL::uuid AS candidate_id, NULL::int AS candidate_line,
  false AS candidate_hidden
FROM import_rows WHERE outcome = 'INVALID'
UNION ALL
SELECT line, given_fin, outcome, NULL, candidate_id, candidate_line, candidate_hidden
FROM import_plan WHERE outcome IN ('REJECTED', 'REFUSED', 'DUPLICATE')
ORDER BY line
"""

REFUSED_REASON = (
    "fin: a person with this FIN is already registered, and this agency may not change their record"
)
_SAME = "(same name and birth date); not created"
MISSING_FIN_REASON = "fin: a FIN is required (the registry identifies every person by FIN)"
REPORT_FIELDS = ("line", "fin", "outcome", "reasons", "candidate_person_id", "candidate_line")


@dataclass(frozen=True)
class ImportSummary:
    import_id: uuid.UUID
    rows: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    duplicates: int
    seconds: float
    report: Path | None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def default_report_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.report.csv")


async def import_persons(
    db: Database,
    *,
    path: Path,
    source: str,
    run_by: str,
    file_format: FileFormat | None = None,
    report: Path | None = None,
    batch_size: int = 10_000,
    on_rows: Callable[[int], None] | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> ImportSummary:
    """Import `path` for agency `source`, in one transaction; `on_rows(n)` after each batch is staged,
    `on_phase(name)` as each later step starts (classifying, writing, logging, report). The report is
    written when a row was not imported (to `report`, or beside the file)."""
    started = time.perf_counter()
    chosen = file_format or guess_format(path)
    digest = await asyncio.to_thread(_sha256, path)
    import_id = uuid.uuid4()
    today = clock.today()
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        pg: Any = cast(Any, raw).driver_connection
        if await pg.fetchval("SELECT 1 FROM agencies WHERE code = $1", source) is None:
            raise ImportFileError(f"No agency has the code {source!r}.")
        async with pg.transaction():
            await pg.execute(
                "INSERT INTO person_imports (id, source_agency, file_name, file_sha256, run_by)"
                " VALUES ($1, $2, $3, $4, $5)",
                import_id,
                source,
                path.name,
                digest,
                run_by,
            )
            await pg.execute(_STAGING)
            rows = await _stage(pg, path, chosen, today, batch_size, on_rows)
            phase = on_phase or (lambda name: None)
            phase("classifying")
            await pg.execute("ANALYZE import_rows")  # a temporary table has no statistics of its own
            await pg.execute(_PLAN, source)
            phase("writing")
            await pg.execute(_NEW_IDS)
            await pg.execute(_INSERT, source, import_id)
            await pg.execute(_UPDATE, source, import_id)
            phase("logging")
            log_args = (source, run_by, str(import_id))
            await pg.execute(_LOG, *log_args, REGISTER, UPDATE, PURPOSE, OPERATION, list(_LOGGED_FIELDS))
            await pg.execute(_REFUSED_PROTECTED, *log_args, REGISTER, PURPOSE, OPERATION)
            counts = {r["outcome"]: r["n"] for r in await pg.fetch(_COUNTS)}
            rejected = counts.get("INVALID", 0) + counts.get("REJECTED", 0) + counts.get("REFUSED", 0)
            duplicates = counts.get("DUPLICATE", 0)
            written: Path | None = None
            if rejected or duplicates:
                phase("report")
                written = report or default_report_path(path)
                await _write_report(pg, written)
            await pg.execute(
                "UPDATE person_imports SET finished_at = now(), rows = $2, inserted = $3, updated = $4,"
                " unchanged = $5, rejected = $6, duplicates = $7 WHERE id = $1",
                import_id,
                rows,
                counts.get("INSERTED", 0),
                counts.get("UPDATED", 0),
                counts.get("UNCHANGED", 0),
                rejected,
                duplicates,
            )
        if counts.get("INSERTED", 0) > 10_000:
            await pg.execute("ANALYZE persons")  # a large load leaves the planner's estimates behind
    return ImportSummary(
        import_id=import_id,
        rows=rows,
        inserted=counts.get("INSERTED", 0),
        updated=counts.get("UPDATED", 0),
        unchanged=counts.get("UNCHANGED", 0),
        rejected=rejected,
        duplicates=duplicates,
        seconds=time.perf_counter() - started,
        report=written,
    )


_LOGGED_FIELDS = tuple(name for name in COLUMNS)


async def _stage(
    pg: Any,
    path: Path,
    file_format: FileFormat,
    today: date,
    batch_size: int,
    on_rows: Callable[[int], None] | None,
) -> int:
    """Check and COPY the file in batches; the next batch is read and checked in a thread while the
    server takes this one. Returns the number of records read."""
    batches = _batches(path, file_format, today, batch_size)
    total = 0
    upcoming = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
    try:
        while (batch := await upcoming) is not None:
            upcoming = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
            await pg.copy_records_to_table("import_rows", records=batch, columns=STAGED_COLUMNS)
            total += len(batch)
            if on_rows is not None:
                on_rows(len(batch))
    finally:
        upcoming.cancel()
    return total


def _batches(path: Path, file_format: FileFormat, today: date, size: int) -> Iterator[list[StagedRow]]:
    batch: list[StagedRow] = []
    for line, record in read_rows(path, file_format):
        batch.append(check_row(line, record, today=today))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _sha256(path: Path) -> str:
    if not path.is_file():
        raise ImportFileError(f"No file at {path}.")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _reasons(row: Any) -> list[str]:
    outcome = row["outcome"]
    if outcome == "INVALID":
        return list(str(row["reason"]).split(REASON_SEPARATOR))
    if outcome == "REFUSED":
        return [REFUSED_REASON]
    if outcome == "DUPLICATE":
        if row["candidate_line"] is not None:
            return [f"probable duplicate of line {row['candidate_line']} {_SAME}"]
        if row["candidate_hidden"]:
            return [f"probable duplicate of a registered person {_SAME}"]
        return [f"probable duplicate of person {row['candidate_id']} {_SAME}"]
    if row["fin"]:
        return ["fin: the same FIN is on an earlier line; only the first is imported"]
    return [MISSING_FIN_REASON]


async def _write_report(pg: Any, path: Path) -> None:
    """Every row not imported, in line order, streamed from the server (a cursor, not a list)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    as_json = path.suffix.lower() in (".json", ".jsonl")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = None if as_json else csv.writer(handle)
        if writer is not None:
            writer.writerow(REPORT_FIELDS)
        elif path.suffix.lower() == ".json":
            handle.write("[\n")
        first = True
        async for row in pg.cursor(_REPORT, prefetch=5_000):
            entry = _report_entry(row)
            if writer is not None:
                writer.writerow([("; ".join(v) if isinstance(v, list) else v) for v in entry.values()])
            else:
                first = _write_json(handle, entry, path, first)
        if writer is None and path.suffix.lower() == ".json":
            handle.write("\n]\n")


def _report_entry(row: Any) -> dict[str, Any]:
    hidden = row["candidate_hidden"]
    return {
        "line": row["line"],
        "fin": row["fin"],
        "outcome": "PROBABLE_DUPLICATE" if row["outcome"] == "DUPLICATE" else "REJECTED",
        "reasons": _reasons(row),
        "candidate_person_id": None if hidden or row["candidate_id"] is None else str(row["candidate_id"]),
        "candidate_line": row["candidate_line"],
    }


def _write_json(handle: TextIO, entry: dict[str, Any], path: Path, first: bool) -> bool:
    text = json.dumps(entry, ensure_ascii=False)
    if path.suffix.lower() == ".json":
        handle.write(text if first else ",\n" + text)
    else:
        handle.write(text + "\n")
    return False
