"""Bad input to the application mutations: every error is typed (`ApplicationErrorCode`), names the input
field at fault, and leaves nothing written (issue 16, "Bad input")."""

from typing import Any

import pytest
from sqlalchemy import text
from strawberry import relay

from sxvis.applications.errors import ApplicationErrorCode
from sxvis.database import Database
from sxvis.errors import ErrorCode
from sxvis.registry.errors import RegistryErrorCode
from tests.applications_support import (
    ALLOCATE,
    DECIDE,
    SUBMIT,
    VOUCHERS,
    WITHDRAW,
    register,
    submission,
    submitted,
)
from tests.conftest import Api

NOBODY = relay.to_base64("Application", "00000000-0000-4000-8000-000000000000")

SUBMISSIONS: list[tuple[str, dict[str, Any], str, str]] = [
    ("no person", {}, "personId", "INVALID"),
    ("unknown service", {"serviceCode": "99-99-99-99"}, "serviceCode", "NOT_FOUND"),
    ("empty key", {"idempotencyKey": " "}, "idempotencyKey", "INVALID"),
    ("malformed FIN", {"fin": "abc"}, "fin", "INVALID"),
    ("unregistered FIN", {"fin": "0QQQQQ1"}, "fin", "PERSON_NOT_REGISTERED"),
    ("channel not listed", {"channel": "POST"}, "channel", "CHANNEL_NOT_OFFERED"),
    ("variant on a passport without", {"kind": "REST"}, "kind", "KIND_NOT_OFFERED"),
    ("variant missing", {"serviceCode": VOUCHERS}, "kind", "KIND_REQUIRED"),
    ("representative of oneself", {"representative": {"name": "X"}}, "representative", "INVALID"),
    ("nobody named", {"applicantKind": "NGO"}, "representative", "REPRESENTATIVE_REQUIRED"),
    (
        "no consent",
        {"applicantKind": "NGO", "representative": {"name": "NGO"}},
        "consentId",
        "CONSENT_REQUIRED",
    ),
    (
        "unknown document",
        {"documents": [{"position": 7, "form": "COPY"}]},
        "documents",
        "DOCUMENT_NOT_REQUIRED",
    ),
    (
        "document twice",
        {"documents": [{"position": 1, "form": "COPY"}, {"position": 1, "form": "ORIGINAL"}]},
        "documents",
        "INVALID",
    ),
]


async def written(db: Database) -> list[int]:
    async with db.transaction() as session:
        return [
            int((await session.execute(text(sql))).scalar_one())
            for sql in (
                "SELECT count(*) FROM applications",
                "SELECT count(*) FROM application_history",
                "SELECT count(*) FROM person_remit WHERE source = 'APPLICATION'",
                "SELECT count(*) FROM outbox_messages",
            )
        ]


@pytest.mark.parametrize(("case", "values", "field", "code"), SUBMISSIONS, ids=[c[0] for c in SUBMISSIONS])
async def test_a_bad_submission_is_a_typed_error_naming_the_field_and_writes_nothing(
    api: Api, db: Database, case: str, values: dict[str, Any], field: str, code: str
) -> None:
    person = await register(api)
    given = {"personId": person["id"], **values}
    if case == "no person":
        given.pop("personId")
    if "fin" in values:
        given.pop("personId")
    payload = (await api.execute(SUBMIT, input=submission(**given))).payload("submitApplication")
    assert payload["application"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert await written(db) == [0, 0, 0, 0]


async def test_bad_moves_are_typed_errors_naming_the_field_and_change_nothing(api: Api, db: Database) -> None:
    person = await register(api)
    application = await submitted(api, personId=person["id"])
    before = await written(db)
    cases = [
        (DECIDE, "decideApplication", {"id": NOBODY, "decision": "APPROVE"}, ("id", "NOT_FOUND")),
        (
            DECIDE,
            "decideApplication",
            {"id": application["id"], "decision": "REFUSE"},
            ("ground", "REQUIRED"),
        ),
        (
            DECIDE,
            "decideApplication",
            {"id": application["id"], "decision": "REFUSE", "ground": "REMOVAL_FROM_SERVICE"},
            ("ground", "REFUSAL_GROUND_NOT_IN_PASSPORT"),
        ),
        (WITHDRAW, "withdrawApplication", {"id": application["id"], "reason": " "}, ("reason", "INVALID")),
        (
            ALLOCATE,
            "allocateFromQueue",
            {"serviceCode": "01-09-15-00", "count": 1},
            ("serviceCode", "NOT_QUEUED"),
        ),
        (
            ALLOCATE,
            "allocateFromQueue",
            {"serviceCode": VOUCHERS, "kind": "REST", "count": 0},
            ("count", "INVALID"),
        ),
    ]
    for document, name, values, expected in cases:
        payload = (await api.execute(document, input=values)).payload(name)
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [expected], (name, values)
    assert await written(db) == before


def test_every_code_a_move_can_meet_is_an_application_error_code() -> None:
    known = {code.value for code in ApplicationErrorCode}
    assert {code.value for code in ErrorCode} <= known
    assert {code.value for code in RegistryErrorCode} <= known  # an approval enrolls through the registry
