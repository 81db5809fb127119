"""Inputs of the case mutations and queries."""

from datetime import date

import strawberry

from schema.cases.types import CasePhase, NeedDomain, RiskLevel


@strawberry.input(description="Open a case about a person in your remit, managed by a user of your agency.")
class OpenCaseInput:
    person_id: strawberry.ID
    manager_id: str = strawberry.field(description="The user id of the case manager.")


@strawberry.input(description="A need the assessment found, in one domain.")
class NeedInput:
    domain: NeedDomain  # type: ignore[valid-type]
    description: str | None = None


@strawberry.input(description="The needs assessment: one need per domain, and the risk level.")
class RecordAssessmentInput:
    id: strawberry.ID
    needs: list[NeedInput]
    risk_level: RiskLevel  # type: ignore[valid-type]
    note: str | None = None


@strawberry.input(description="The service package (plan). It needs an assessment first.")
class SetServicePlanInput:
    id: strawberry.ID
    needs: list[NeedDomain] = strawberry.field(  # type: ignore[valid-type]
        description="The assessed needs the plan answers."
    )
    goals: list[str]
    service_codes: list[str] = strawberry.field(description="Service passports, e.g. 09-03-00-00.")
    responsible_agency_codes: list[str]


@strawberry.input(description="A monitoring visit. It needs a service plan first.")
class AddMonitoringEntryInput:
    id: strawberry.ID
    visit_date: date
    note: str
    outcome: str


@strawberry.input(description="Close a case, with the reason.")
class CloseCaseInput:
    id: strawberry.ID
    reason: str


@strawberry.input(description="Reopen a closed case, with the reason; it starts again from an assessment.")
class ReopenCaseInput:
    id: strawberry.ID
    reason: str


@strawberry.input
class CaseFilter:
    person_id: strawberry.ID | None = None
    phase: CasePhase | None = None  # type: ignore[valid-type]
    open: bool | None = strawberry.field(default=None, description="Open (not CLOSED) or closed cases.")
    manager_id: str | None = None
