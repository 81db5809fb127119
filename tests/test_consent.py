"""Consent through GraphQL: a consent in force brings a person into the named agency's remit.

The person is registered by SXA; DIN (the police, a partner agency without the registry-wide grant)
sees them only while a consent naming DIN is in force.
"""

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from sxvis import clock
from sxvis.database.engine import Database
from sxvis.registry.models import Consent
from tests.conftest import Api
from tests.documents import PERSON_BY_ID, REGISTER_PERSON
from tests.factories import person_input

RECORD_CONSENT = """
mutation Record($input: RecordConsentInput!) {
  recordConsent(input: $input) {
    consent { id purpose validUntil inForce recordedBy agency { code } person { id fin } }
    errors { field code message }
  }
}
"""

REVOKE_CONSENT = """
mutation Revoke($input: RevokeConsentInput!) {
  revokeConsent(input: $input) {
    consent { id inForce revokedAt revokedBy revokeReason }
    errors { field code message }
  }
}
"""

CONSENTS = """
query Consents($personId: ID!) {
  consents(personId: $personId) { id purpose inForce agency { code } }
}
"""


def _police(api: Api) -> Api:
    return api.as_("partner_agency", agency="DIN")


async def _register(api: Api) -> str:
    payload = (await api.execute(REGISTER_PERSON, input=person_input())).payload("registerPerson")
    assert payload["errors"] == []
    return str(payload["person"]["id"])


async def _record(api: Api, person_id: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "personId": person_id,
        "agencyCode": "DIN",
        "purpose": "Checking the family's safety after a call-out",
        "validUntil": (clock.today() + timedelta(days=30)).isoformat(),
    }
    values.update(overrides)
    return (await api.execute(RECORD_CONSENT, input=values)).payload("recordConsent")


async def _seen_by_police(api: Api, person_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (await _police(api).execute(PERSON_BY_ID, id=person_id)).ok()["person"]
    return found


async def _consent_count(db: Database) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(Consent)) or 0)


async def test_a_partner_agency_outside_the_remit_does_not_see_the_person(api: Api) -> None:
    person_id = await _register(api)
    assert await _seen_by_police(api, person_id) is None


async def test_recording_consent_brings_the_person_into_the_named_agencys_remit(api: Api) -> None:
    person_id = await _register(api)
    payload = await _record(api, person_id)
    assert payload["errors"] == []
    assert payload["consent"]["inForce"] is True
    assert payload["consent"]["agency"] == {"code": "DIN"}
    assert payload["consent"]["person"]["id"] == person_id
    seen = await _seen_by_police(api, person_id)
    assert seen is not None
    assert seen["id"] == person_id


async def test_revoking_consent_takes_the_person_out_of_the_remit_again(api: Api) -> None:
    person_id = await _register(api)
    consent_id = (await _record(api, person_id))["consent"]["id"]
    result = await api.execute(REVOKE_CONSENT, input={"id": consent_id, "reason": "The person withdrew it"})
    payload = result.payload("revokeConsent")
    assert payload["errors"] == []
    assert payload["consent"]["inForce"] is False
    assert payload["consent"]["revokedBy"] == api.user
    assert await _seen_by_police(api, person_id) is None


async def test_revoking_a_consent_twice_is_an_invalid_transition(api: Api) -> None:
    person_id = await _register(api)
    consent_id = (await _record(api, person_id))["consent"]["id"]
    await api.execute(REVOKE_CONSENT, input={"id": consent_id, "reason": "Withdrawn"})
    again = (await api.execute(REVOKE_CONSENT, input={"id": consent_id, "reason": "Withdrawn"})).payload(
        "revokeConsent"
    )
    assert again["consent"] is None
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("id", "INVALID_TRANSITION")]


async def test_a_consent_past_its_date_no_longer_widens_the_remit(api: Api, db: Database) -> None:
    person_id = await _register(api)
    consent_id = (await _record(api, person_id))["consent"]["id"]
    assert await _seen_by_police(api, person_id) is not None
    async with db.transaction() as s:
        # The owner bypasses row-level security; the trigger recomputes the remit's end from the date.
        await s.execute(
            text("UPDATE consents SET valid_until = :day"), {"day": clock.today() - timedelta(days=2)}
        )
        ends = await s.scalar(text("SELECT max(until) FROM person_remit WHERE source = 'CONSENT'"))
    assert ends is not None
    assert ends < clock.now()
    assert await _seen_by_police(api, person_id) is None
    listed = (await api.execute(CONSENTS, personId=person_id)).ok()["consents"]
    assert [(c["id"], c["inForce"]) for c in listed] == [(consent_id, False)]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"agencyCode": "NO-SUCH"}, "agencyCode", "NOT_FOUND"),
        ({"validUntil": date(2000, 1, 1).isoformat()}, "validUntil", "INVALID"),
        ({"purpose": "   "}, "purpose", "INVALID"),
    ],
    ids=["unknown agency", "past date", "empty purpose"],
)
async def test_bad_consent_input_is_a_payload_error_and_changes_nothing(
    api: Api, db: Database, overrides: dict[str, Any], field: str, code: str
) -> None:
    person_id = await _register(api)
    payload = await _record(api, person_id, **overrides)
    assert payload["consent"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert await _consent_count(db) == 0
    assert await _seen_by_police(api, person_id) is None


async def test_a_partner_agency_cannot_record_consent(api: Api, db: Database) -> None:
    person_id = await _register(api)
    result = await _police(api).execute(
        RECORD_CONSENT,
        input={
            "personId": person_id,
            "agencyCode": "DIN",
            "purpose": "We would like to see this person",
            "validUntil": (clock.today() + timedelta(days=3)).isoformat(),
        },
    )
    assert [e["extensions"]["code"] for e in result.errors] == ["FORBIDDEN"]
    assert await _consent_count(db) == 0


async def test_recording_consent_writes_an_access_event(api: Api, db: Database) -> None:
    person_id = await _register(api)
    consent_id = (await _record(api, person_id))["consent"]["id"]
    async with db.session() as s:
        rows = (
            await s.execute(
                text(
                    "SELECT a.action, a.entity_type, a.actor_agency FROM access_events a"
                    " JOIN consents c ON c.person_id = a.person_id WHERE a.entity_type = 'consent'"
                )
            )
        ).all()
    assert consent_id
    assert [tuple(r) for r in rows] == [("consent:record", "consent", "SXA")]
