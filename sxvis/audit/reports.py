"""The person's access report: for a person asking what was done with their data, every consultation of
their record in a window, by day, agency, purpose and kind, and never by whom.

What it counts: every ALLOWED access event whose subject is the person (`person_id`) or that showed the
person in a list or search (`person_ids @> ARRAY[person]`); both indexes serve it, as they serve the
auditors' `accessLog`. Denied and failed attempts disclosed nothing and are left out. The auditors' own
reads of the person's trail (the access log, earlier reports, break-the-glass reviews) are included as
their own kind, `AUDIT`: the person is entitled to know that their trail was looked at too.

What an entry shows: the day (Asia/Baku), the agency (code and names), the purpose of use, the kind, and a
count. Never the officer (user id, name, roles), the operation, the request id or the client address:
the CJEU (C-579/21, J.M.) held that a data subject is owed the dates and purposes of the consultations,
not the identity of the employees who made them.

A protected person (domestic violence, `persons.protected`) must not learn through the report, nor anyone
who holds a copy of it, where they are placed. The rule needs no reading of the placement: an agency is
named only if it is a national body (kind MINISTRY or AGENCY, with no region) and is not the agency that
protects the person; every other agency (centres, local bodies, municipalities, NGOs, regional offices,
the protecting agency) becomes one neutral label, and its entries are merged before counting, so neither
the names nor the number of those bodies shows. A placement is always with a body that has a place, so
it is withheld whatever the enrollments and referrals say, including a placement the registry does not
hold. docs/access-policy.md, "The person's access report".

Generating the report is itself an access to the person's data: the event (`access_report:read`, subject
the person) is written by the same statement that reads the log (`audit.read_logged`), so no report
leaves unlogged, and a report never counts itself (the next one does).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

import orjson

from sxvis import clock
from sxvis.access.remit import disclosed_sql, visible_sql
from sxvis.actors import Actor
from sxvis.audit.service import read_logged
from sxvis.database.driver import Reads, driver_connection
from sxvis.errors import AccessDenied, ErrorCode, NotFound, ValidationFailed

READ = "access_report:read"
AUDITS = "access_log:read"  # auditors may report on any person; others within their agency's remit

MAX_WINDOW_DAYS = 5 * 366
"""The longest window: five years. Longer asks are split by the requester, so the cost stays bounded."""

WITHHELD_AZ = "Sosial xidmət orqanı (şəxsin təhlükəsizliyi üçün gizlədilib)"
WITHHELD_EN = "A social-services body (withheld for the person's safety)"


EARLIEST = date(2000, 1, 1)  # before SXVİS and its log: nothing to report, and no calendar edge to fall off
LATEST = date(2999, 12, 31)


class ReportErrorCode(StrEnum):
    WINDOW_REVERSED = "WINDOW_REVERSED"
    WINDOW_TOO_LONG = "WINDOW_TOO_LONG"
    WINDOW_OUT_OF_RANGE = "WINDOW_OUT_OF_RANGE"


class ConsultationKind(StrEnum):
    READ = "READ"  # the record was opened (a read by id or FIN, a check, break-the-glass)
    SEARCH = "SEARCH"  # the person was among the results of a search or list
    CHANGE = "CHANGE"  # the record was written (registered, corrected, enrolled, referred...)
    AUDIT = "AUDIT"  # an auditor looked at the person's trail (the access log, an earlier report)


@dataclass(frozen=True, slots=True)
class ReportEntry:
    day: date
    agency_code: str | None
    """None when withheld (a protected person's placement could be read from it)."""
    agency_name_az: str
    agency_name_en: str
    purpose: str | None
    kind: ConsultationKind
    count: int

    @property
    def withheld(self) -> bool:
        return self.agency_code is None


@dataclass(frozen=True, slots=True)
class PersonAccessReport:
    person_id: uuid.UUID
    occurred_from: date
    occurred_to: date
    """Inclusive: the report covers whole days, from the first to the last (Asia/Baku)."""
    generated_at: datetime
    generated_by_agency_code: str
    """The agency that produced the report; never the officer."""
    entries: tuple[ReportEntry, ...]

    @property
    def total_consultations(self) -> int:
        return sum(entry.count for entry in self.entries)


# The kind, from the action. Order matters: an auditor's read lists the person in `person_ids` too.
_KIND = """CASE
    WHEN e.action IN ('access_log:read', 'access_report:read', 'break_glass:read', 'break_glass:review')
      THEN 'AUDIT'
    WHEN e.person_id IS DISTINCT FROM $1::uuid OR split_part(e.action, ':', 2) = 'search' THEN 'SEARCH'
    WHEN split_part(e.action, ':', 2) LIKE 'read%' OR e.action IN ('person:break_glass', 'check:run')
      THEN 'READ'
    ELSE 'CHANGE'
  END"""

# Named only if national (a ministry or an agency without a region) and not the protecting agency.
_WITHHELD = """($4::boolean AND NOT coalesce(
    a.kind::text IN ('MINISTRY', 'AGENCY') AND a.region_code IS NULL
      AND e.actor_agency IS DISTINCT FROM $5::text, false))"""

_REPORT = f"""
SELECT $1::uuid AS person_id, coalesce(jsonb_agg(jsonb_build_object(
    'day', g.day, 'agency', g.agency, 'name_az', g.name_az, 'name_en', g.name_en, 'purpose', g.purpose,
    'kind', g.kind, 'count', g.n) ORDER BY g.day, g.agency NULLS LAST, g.purpose NULLS LAST, g.kind),
  '[]'::jsonb) AS entries
FROM (
  SELECT x.day, x.agency, x.name_az, x.name_en, x.purpose, x.kind, count(*) AS n
  FROM (
    SELECT (e.occurred_at AT TIME ZONE 'Asia/Baku')::date AS day,
      CASE WHEN w.withheld THEN NULL ELSE e.actor_agency END AS agency,
      CASE WHEN w.withheld THEN $6::text ELSE coalesce(a.name_az, e.actor_agency) END AS name_az,
      CASE WHEN w.withheld THEN $7::text ELSE coalesce(a.name_en, e.actor_agency) END AS name_en,
      e.purpose, {_KIND} AS kind
    FROM access_events e
    LEFT JOIN agencies a ON a.code = e.actor_agency
    CROSS JOIN LATERAL (SELECT {_WITHHELD} AS withheld) w
    WHERE (e.person_id = $1::uuid OR e.person_ids @> ARRAY[$1::uuid])
      AND e.outcome = 'ALLOWED'
      AND e.occurred_at >= $2::timestamptz AND e.occurred_at < $3::timestamptz
  ) x
  GROUP BY x.day, x.agency, x.name_az, x.name_en, x.purpose, x.kind
) g
"""  # noqa: S608  (constants only; every value is a $n parameter)

# Who the person is to the caller: protected by whom, and whether the caller's agency may report on them
# (in its remit, and named as it is shown to it: by pseudonym, or by real id only where it may see who
# this is; a protected person's real id answers as nobody, as everywhere else).
_PERSON = f"""
SELECT h.protected_by,
  EXISTS (SELECT 1 FROM persons p WHERE p.id = h.id AND {visible_sql(agency="$2", reads_all="$3")}
    AND ($4::boolean OR {disclosed_sql(agency="$2", user="$5")})) AS reportable
FROM sxvis_hidden_person($1::uuid, NULL) h
"""  # noqa: S608  (constants only)


def check_window(occurred_from: date, occurred_to: date) -> None:
    """The window's rules: `from` not after `to` (both inclusive), at most `MAX_WINDOW_DAYS` days, within
    `EARLIEST`..`LATEST` (so the day after `to` and Baku's midnight are always dates and times)."""
    for field, day in (("from", occurred_from), ("to", occurred_to)):
        if not EARLIEST <= day <= LATEST:
            raise ValidationFailed(
                f"A report covers days from {EARLIEST.isoformat()} to {LATEST.isoformat()}.",
                field=field,
                code=ReportErrorCode.WINDOW_OUT_OF_RANGE,
            )
    if occurred_from > occurred_to:
        raise ValidationFailed(
            "The window's first day comes after its last.", field="from", code=ReportErrorCode.WINDOW_REVERSED
        )
    if (occurred_to - occurred_from).days + 1 > MAX_WINDOW_DAYS:
        raise ValidationFailed(
            f"A report covers at most {MAX_WINDOW_DAYS} days (five years); ask for several.",
            field="to",
            code=ReportErrorCode.WINDOW_TOO_LONG,
        )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), clock.BAKU)


async def person_access_report(
    reads: Reads,
    actor: Actor,
    *,
    person_id: uuid.UUID,
    occurred_from: date,
    occurred_to: date,
    via_pseudonym: bool = False,
    fields: Sequence[str] = (),
) -> PersonAccessReport:
    """The person's access report over whole days `occurred_from`..`occurred_to` (Asia/Baku), logged.

    Auditors report on any person (`NotFound` for an id that names nobody); anyone else holding
    `access_report:read` (an agency administrator answering a subject-access request) only on a person
    in their agency's remit, named as the agency is shown them (`via_pseudonym`: the id was the agency's
    pseudonym of the person), else `AccessDenied`, the same for a person who does not exist, so the
    answer is no oracle of who is in the registry.
    `fields` are the report's fields the caller asked for, recorded in the access event.
    `reads` should be in a scoped transaction (`Database.scoped`).
    """
    actor.require(READ)
    check_window(occurred_from, occurred_to)
    connection = await driver_connection(reads)
    # Plan each report for its own person and window. After five runs on a connection, PostgreSQL would
    # switch the prepared statement to a generic plan, which cannot tell one person's few events from a
    # month of everyone's and walks the month's `occurred_at` index: 80 ms instead of 2 ms over 300,000
    # events (docs/performance.md), and worse as the month fills. LOCAL: this transaction only.
    await connection.execute("SET LOCAL plan_cache_mode = force_custom_plan")
    found = await connection.fetchrow(
        _PERSON, person_id, actor.agency_code, actor.reads_whole_registry, via_pseudonym, actor.user_id
    )
    if not actor.may(AUDITS) and (found is None or not found["reportable"]):
        raise AccessDenied(
            f"Agency {actor.agency_code} may report only on persons in its remit; {READ} there does not "
            "cover this id.",
            action=READ,
            person_id=person_id,
        )
    if found is None:
        raise NotFound("No person has this id.", field="person_id", code=ErrorCode.NOT_FOUND)
    protected_by: str | None = found["protected_by"]
    rows = await read_logged(
        connection,
        _REPORT,
        [
            person_id,
            _start_of(occurred_from),
            _start_of(occurred_to + timedelta(days=1)),
            protected_by is not None,
            protected_by,
            WITHHELD_AZ,
            WITHHELD_EN,
        ],
        actor=actor,
        action=READ,
        entity_type="person",
        entity_id=person_id,
        id_column="person_id",
        subject=True,
        fields=fields,
        details={"from": occurred_from.isoformat(), "to": occurred_to.isoformat()},
    )
    return PersonAccessReport(
        person_id=person_id,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        generated_at=clock.now(),
        generated_by_agency_code=actor.agency_code,
        entries=tuple(_entry(item) for item in _json_list(rows[0]["entries"])),
    )


def _json_list(value: object) -> list[dict[str, Any]]:
    found = orjson.loads(value) if isinstance(value, str | bytes) else value
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


def _entry(item: dict[str, Any]) -> ReportEntry:
    return ReportEntry(
        day=date.fromisoformat(item["day"]),
        agency_code=item["agency"],
        agency_name_az=item["name_az"],
        agency_name_en=item["name_en"],
        purpose=item["purpose"],
        kind=ConsultationKind(item["kind"]),
        count=int(item["count"]),
    )
