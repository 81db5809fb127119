"""`personAccessReport`: the person's access report (sxvis.audit.reports), for a subject-access request.

The entries name days, agencies, purposes and kinds of consultation, never officers; a protected
person's placement agencies appear under one neutral label (`withheld`). The report's own generation is
logged by the service in the statement that reads the log.
"""

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers import admin as resolve
from resolvers.context import Context
from resolvers.registry import person_id_of, require_person_id
from schema.errors import answer
from schema.relay import parse_id, selected_fields
from sxvis.audit import reports

ConsultationKind = strawberry.enum(
    reports.ConsultationKind,
    description="What kind of consultation: READ (the record opened), SEARCH (shown among results), "
    "CHANGE (the record written), AUDIT (an auditor looked at the person's trail).",
)


@strawberry.type(
    description="How often one agency consulted the person's record on one day, for one purpose."
)
class PersonAccessReportEntry:
    day: date = strawberry.field(description="The day, in Asia/Baku.")
    agency_code: str | None = strawberry.field(
        description="The agency; null when withheld for a protected person's safety."
    )
    name_az: str = strawberry.field(
        description="The agency's name in Azerbaijani, or the neutral label when withheld."
    )
    name_en: str = strawberry.field(
        description="The agency's name in English, or the neutral label when withheld."
    )
    withheld: bool = strawberry.field(
        description="The agency is not named: it could reveal where a protected person is placed."
    )
    purpose: str | None = strawberry.field(description="The purpose of use stated for the access.")
    kind: ConsultationKind
    count: int


@strawberry.type(
    description="Every consultation of a person's record in a window (searches and auditors' reads "
    "included), by day, agency, purpose and kind; never by whom (CJEU C-579/21)."
)
class PersonAccessReport:
    person_id: strawberry.ID = strawberry.field(description="The person, as the caller named them.")
    from_: date = strawberry.field(name="from", description="The first day covered (Asia/Baku).")
    to: date = strawberry.field(description="The last day covered, inclusive (Asia/Baku).")
    generated_at: datetime
    generated_by_agency_code: str = strawberry.field(description="The agency that produced the report.")
    entries: list[PersonAccessReportEntry] = strawberry.field(description="Ordered by day.")
    total_consultations: int


def report_of(public_id: str, report: reports.PersonAccessReport) -> PersonAccessReport:
    return PersonAccessReport(
        person_id=strawberry.ID(public_id),
        from_=report.occurred_from,
        to=report.occurred_to,
        generated_at=report.generated_at,
        generated_by_agency_code=report.generated_by_agency_code,
        entries=[
            PersonAccessReportEntry(
                day=entry.day,
                agency_code=entry.agency_code,
                name_az=entry.agency_name_az,
                name_en=entry.agency_name_en,
                withheld=entry.withheld,
                purpose=entry.purpose,
                kind=entry.kind,  # type: ignore[arg-type]  (strawberry's enum is the domain's)
                count=entry.count,
            )
            for entry in report.entries
        ],
        total_consultations=report.total_consultations,
    )


@strawberry.type
class AccessReportQuery:
    @strawberry.field(
        description="The person's access report over whole days `from`..`to` (inclusive, Asia/Baku; at "
        "most five years), for a subject-access request (needs access_report:read: auditors for anyone, "
        "agency administrators within their agency's remit). Producing it is itself logged."
    )
    async def person_access_report(
        self,
        info: Info[Context, None],
        person_id: strawberry.ID,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
    ) -> PersonAccessReport:
        async def work() -> PersonAccessReport:
            public_id = parse_id(person_id, type_name="Person", field="person_id")
            person = require_person_id(info.context, public_id, field="person_id")
            _, via_pseudonym = person_id_of(info.context, public_id)
            report = await resolve.person_access_report(
                info.context,
                person_id=person,
                occurred_from=from_,
                occurred_to=to,
                via_pseudonym=via_pseudonym,
                fields=selected_fields(info),
            )
            return report_of(person_id, report)

        return await answer(work)
