"""Shared GraphQL documents and builders of the application tests (issue 16)."""

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from integrations.hub import Integrations
from sxvis import clock
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.web.app import create_app
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input
from tests.simulators import Ministries

HOME_CARE = "01-09-15-00"
VOUCHERS = "01-09-07-00"
PEDAGOGICAL = "00-00-00-01"
MONDAY = datetime(2031, 6, 2, 10, 0, tzinfo=clock.BAKU)
"""A set clock for the walks: an ordinary Monday morning in Baku, years after any real outbox row."""

ERRORS = "errors { field code message }"
APPLICATION_FIELDS = """
id status kind applicantKind channel submittedAt assessmentDueAt deadlineAt decisionPostBy overdue
assessedAt need decidedAt refusalGround decisionPostedAt queuedAt allocatedAt allocatedPosition
queuePosition escalatedAt
representative { name relation document }
deadlines { kind dueAt met }
missingDocuments { position nameEn }
documents { position form }
waitingFor
evidence { kind status sourceSystem messageId obtainedAt pendingSince }
person { id fin pseudonym }
service { code }
handlingAgency { code }
provider { code }
enrollment { id status service { code } provider { code } }
history { action fromStatus toStatus actorAgencyCode note at }
"""
SUBMIT = f"""
mutation Submit($input: SubmitApplicationInput!) {{
  submitApplication(input: $input) {{ application {{ {APPLICATION_FIELDS} }} {ERRORS} }}
}}
"""
ASSESS = f"""
mutation Assess($input: AssessApplicationInput!) {{
  assessApplication(input: $input) {{ application {{ {APPLICATION_FIELDS} }} {ERRORS} }}
}}
"""
DECIDE = f"""
mutation Decide($input: DecideApplicationInput!) {{
  decideApplication(input: $input) {{ application {{ {APPLICATION_FIELDS} }} {ERRORS} }}
}}
"""
WITHDRAW = f"""
mutation Withdraw($input: WithdrawApplicationInput!) {{
  withdrawApplication(input: $input) {{ application {{ {APPLICATION_FIELDS} }} {ERRORS} }}
}}
"""
ALLOCATE = f"""
mutation Allocate($input: AllocateFromQueueInput!) {{
  allocateFromQueue(input: $input) {{ served {{ id kind allocatedPosition status }} {ERRORS} }}
}}
"""
APPLICATION = f"query One($id: ID!) {{ application(id: $id) {{ {APPLICATION_FIELDS} }} }}"
APPLICATIONS = """
query Many($filter: ApplicationFilter, $first: Int, $after: String) {
  applications(filter: $filter, first: $first, after: $after) {
    totalCount edges { cursor node { id status kind queuePosition overdue service { code } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
RECORD_CONSENT = f"""
mutation Consent($input: RecordConsentInput!) {{
  recordConsent(input: $input) {{ consent {{ id }} {ERRORS} }}
}}
"""
TSERAS_RECORD = {"group": 1, "cause": "general illness", "valid_until": "2035-01-31"}


@pytest.fixture
async def hub(ministries: Ministries) -> AsyncIterator[Integrations]:
    async with ministries.integrations(retry_attempts=1) as integrations:
        yield integrations


@pytest.fixture
async def api(
    db: Database, app_database: Database, settings: Settings, hub: Integrations
) -> AsyncIterator[Api]:
    """The app with its ministries at the simulators (the conftest `api` has none configured)."""
    app = create_app(settings, database=app_database, integrations=hub)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sxvis.test") as client:
        yield Api(client, settings)
    await app.state.gate.close()


def dost(api: Api, user: str = "dost-worker") -> Api:
    return api.as_("social_worker", agency="DOST", user=user)


async def register(api: Api, **overrides: Any) -> dict[str, Any]:
    person: dict[str, Any] = (await api.execute(REGISTER_PERSON, input=person_input(**overrides))).payload(
        "registerPerson"
    )["person"]
    return person


async def consent(api: Api, person_id: str, agency: str, until: str = "2035-12-31") -> str:
    payload = (
        await api.execute(
            RECORD_CONSENT,
            input={
                "personId": person_id,
                "agencyCode": agency,
                "purpose": "apply for home care",
                "validUntil": until,
            },
        )
    ).payload("recordConsent")
    assert payload["errors"] == [], payload
    consent_id: str = payload["consent"]["id"]
    return consent_id


def submission(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "serviceCode": HOME_CARE,
        "applicantKind": "SELF",
        "channel": "IN_PERSON",
        "idempotencyKey": uuid.uuid4().hex,
    }
    values.update(overrides)
    return values


async def submit(api: Api, **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.execute(SUBMIT, input=submission(**overrides))).payload(
        "submitApplication"
    )
    return payload


async def submitted(api: Api, **overrides: Any) -> dict[str, Any]:
    payload = await submit(api, **overrides)
    assert payload["errors"] == [], payload
    application: dict[str, Any] = payload["application"]
    return application
