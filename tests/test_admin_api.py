"""Policy administration through the API: `me`, `grantRole`/`revokeRole`, `policies`.

Grants land in the shared policy table, which the registry fixture does not empty, so every test names
users of its own (`someone`). A grant reaches the app's policy store by NOTIFY; tests poll for it.
"""

import asyncio
import uuid
from typing import Any

from sqlalchemy import text

from authz.enforcer import Authorizer, load_enforcer
from sxvis.actors import Actor
from sxvis.database import Database
from tests.conftest import Api, Result

ME = "query Me { me { userId agencyCode name roles permissions purposeOfUse } }"
GRANT = """
mutation Grant($input: RoleGrantInput!) {
  grantRole(input: $input) { changed errors { field code message } }
}
"""
REVOKE = """
mutation Revoke($input: RoleGrantInput!) {
  revokeRole(input: $input) { changed errors { field code message } }
}
"""
POLICIES = "query Policies($agency: String) { policies(agencyCode: $agency) { kind values createdBy } }"
ACCESS_LOG = "query Log { accessLog(first: 1) { edges { node { action } } } }"


def someone() -> str:
    return f"user-{uuid.uuid4().hex[:8]}"


def request_id() -> str:
    return f"req-{uuid.uuid4().hex}"


def forbidden(result: Result) -> bool:
    return any(e.get("extensions", {}).get("code") == "FORBIDDEN" for e in result.errors)


async def grant(api: Api, user: str, agency: str, role: str) -> dict[str, Any]:
    return (await api.execute(GRANT, input={"userId": user, "agencyCode": agency, "role": role})).payload(
        "grantRole"
    )


async def revoke(api: Api, user: str, agency: str, role: str) -> dict[str, Any]:
    return (await api.execute(REVOKE, input={"userId": user, "agencyCode": agency, "role": role})).payload(
        "revokeRole"
    )


async def eventually(check: Any, *, seconds: float = 2.0) -> bool:
    """Poll `check()` until it is true or `seconds` pass: a policy change arrives by NOTIFY."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        if await check():
            return True
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)


async def events_of(db: Database, request: str) -> list[dict[str, Any]]:
    async with db.connect() as conn:
        rows = await conn.execute(
            text("SELECT * FROM access_events WHERE request_id = :r ORDER BY id"), {"r": request}
        )
        return [dict(row._mapping) for row in rows]


async def rules_of(db: Database, user: str) -> list[tuple[str, ...]]:
    async with db.connect() as conn:
        rows = await conn.execute(
            text("SELECT ptype, v0, v1, v2 FROM policy_rules WHERE v0 = :u ORDER BY id"), {"u": user}
        )
        return [tuple(row) for row in rows]


async def test_me_shows_the_callers_roles_permissions_and_purpose(api: Api) -> None:
    me = (await api.execute(ME)).ok()["me"]
    expected = Authorizer(load_enforcer()).permissions(
        Actor(user_id=api.user, agency_code=api.agency, roles=frozenset(api.roles))
    )
    assert me == {
        "userId": "test-worker",
        "agencyCode": "SXA",
        "name": me["name"],
        "roles": ["social_worker"],
        "permissions": sorted(a.value for a in expected),
        "purposeOfUse": "SERVICE_DELIVERY",
    }
    assert {"registry:read", "person:read_contact", "person:read_address"} <= set(me["permissions"])


async def test_me_of_a_partner_agency_has_no_contact_details_or_whole_registry(api: Api) -> None:
    me = (await api.as_("partner_agency", agency="DOST").execute(ME)).ok()["me"]
    assert me["permissions"] == [
        "application:read",
        "catalogue:read",
        "person:read",
        "person:search",
        "referral:read",
        "referral:respond",
    ]


async def test_a_role_granted_by_an_agency_admin_counts_from_the_users_next_request(api: Api) -> None:
    admin = api.as_("agency_admin", agency="DOST")
    user = someone()
    worker = api.as_("social_worker", agency="DOST", user=user)
    assert forbidden(await worker.execute(ACCESS_LOG))

    assert await grant(admin, user, "DOST", "auditor") == {"changed": True, "errors": []}

    async def allowed() -> bool:
        return not (await worker.execute(ACCESS_LOG)).errors

    assert await eventually(allowed), "the grant did not reach the policy store within 2 s"
    me = (await worker.execute(ME)).ok()["me"]
    assert me["roles"] == ["auditor", "social_worker"]
    assert "access_log:read" in me["permissions"]

    assert await revoke(admin, user, "DOST", "auditor") == {"changed": True, "errors": []}

    async def refused() -> bool:
        return forbidden(await worker.execute(ACCESS_LOG))

    assert await eventually(refused), "the revocation did not reach the policy store within 2 s"
    assert (await worker.execute(ME)).ok()["me"]["roles"] == ["social_worker"]


async def test_granting_or_revoking_twice_changes_nothing_the_second_time(api: Api) -> None:
    admin = api.as_("agency_admin", agency="DOST")
    user = someone()
    assert (await grant(admin, user, "DOST", "social_worker"))["changed"] is True
    assert (await grant(admin, user, "DOST", "social_worker"))["changed"] is False
    assert (await revoke(admin, user, "DOST", "social_worker"))["changed"] is True
    assert (await revoke(admin, user, "DOST", "social_worker"))["changed"] is False


async def test_an_agency_admin_cannot_grant_in_another_agency_and_the_denial_is_logged(
    api: Api, db: Database
) -> None:
    request = request_id()
    admin = api.as_("agency_admin", agency="DOST", headers={"X-Request-Id": request})
    user = someone()
    result = await admin.execute(GRANT, input={"userId": user, "agencyCode": "SXA", "role": "auditor"})
    assert forbidden(result)
    assert "manages roles in DOST only, not in SXA" in result.errors[0]["message"]
    assert await rules_of(db, user) == []
    events = await events_of(db, request)
    assert [(e["action"], e["outcome"], e["actor_user"], e["actor_agency"]) for e in events] == [
        ("policy:grant", "DENIED", admin.user, "DOST")
    ]


async def test_a_social_worker_may_not_grant_or_revoke(api: Api) -> None:
    user = someone()
    assert forbidden(await api.execute(GRANT, input={"userId": user, "agencyCode": "SXA", "role": "auditor"}))
    assert forbidden(
        await api.execute(REVOKE, input={"userId": user, "agencyCode": "SXA", "role": "auditor"})
    )


async def test_a_system_admin_grants_in_every_agency(api: Api, db: Database) -> None:
    operator = api.as_("system_admin", agency="VXSIDA")
    user = someone()
    for agency in ("SXA", "DOST", "VXSIDA"):
        assert await grant(operator, user, agency, "auditor") == {"changed": True, "errors": []}
    assert await rules_of(db, user) == [
        ("g", user, "auditor", "SXA"),
        ("g", user, "auditor", "DOST"),
        ("g", user, "auditor", "VXSIDA"),
    ]
    assert (await revoke(operator, user, "SXA", "auditor"))["changed"] is True
    assert len(await rules_of(db, user)) == 2


async def test_an_unknown_role_or_agency_is_a_payload_error_and_nothing_is_written(
    api: Api, db: Database
) -> None:
    request = request_id()
    operator = api.as_("system_admin", agency="VXSIDA", headers={"X-Request-Id": request})
    user = someone()
    payload = await grant(operator, user, "DOST", "superuser")
    assert payload["changed"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("role", "INVALID")]
    assert "No role is called 'superuser'" in payload["errors"][0]["message"]
    payload = await grant(operator, user, "NOPE", "auditor")
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("agencyCode", "NOT_FOUND")]
    assert await rules_of(db, user) == []
    assert await events_of(db, request) == []


async def test_each_grant_and_revocation_writes_an_access_event(api: Api, db: Database) -> None:
    user = someone()
    granted, revoked = request_id(), request_id()
    await grant(
        api.as_("agency_admin", agency="DOST", headers={"X-Request-Id": granted}), user, "DOST", "auditor"
    )
    await revoke(
        api.as_("agency_admin", agency="DOST", headers={"X-Request-Id": revoked}), user, "DOST", "auditor"
    )
    for request, action in ((granted, "policy:grant"), (revoked, "policy:revoke")):
        events = await events_of(db, request)
        assert len(events) == 1
        event = events[0]
        assert (event["action"], event["entity_type"], event["entity_id"], event["outcome"]) == (
            action,
            "role_grant",
            f"{user}@DOST:auditor",
            "ALLOWED",
        )
        assert event["actor_user"] == "agency_admin-dost"
        assert event["purpose"] == "ADMINISTRATION"
        assert event["operation_name"] in ("Grant", "Revoke")
        assert event["details"] == {"user": user, "agency": "DOST", "role": "auditor", "changed": True}


async def test_policies_shows_an_agency_admin_the_grants_of_their_own_agency_only(api: Api) -> None:
    operator = api.as_("system_admin", agency="VXSIDA")
    in_sxa, in_dost = someone(), someone()
    await grant(operator, in_sxa, "SXA", "auditor")
    await grant(operator, in_dost, "DOST", "auditor")

    rules = (await api.as_("agency_admin", agency="DOST").execute(POLICIES)).ok()["policies"]
    grants = [r["values"] for r in rules if r["kind"] == "g"]
    assert [in_dost, "auditor", "DOST"] in grants
    assert [in_sxa, "auditor", "SXA"] not in grants
    assert all(values[2] == "DOST" for values in grants)
    assert ["social_worker", "*", "person", "read"] in [r["values"] for r in rules if r["kind"] == "p"]
    assert ["case_manager", "social_worker"] in [r["values"] for r in rules if r["kind"] == "g2"]
    assert {"seed", "ops"} & {r["createdBy"] for r in rules}

    everything = (await api.as_("auditor", agency="VXSIDA").execute(POLICIES)).ok()["policies"]
    all_grants = [r["values"] for r in everything if r["kind"] == "g"]
    assert [in_sxa, "auditor", "SXA"] in all_grants
    assert [in_dost, "auditor", "DOST"] in all_grants


async def test_policies_for_one_agency_shows_the_lines_that_hold_there(api: Api) -> None:
    operator = api.as_("system_admin", agency="VXSIDA")
    in_sxa, in_dost = someone(), someone()
    await grant(operator, in_sxa, "SXA", "auditor")
    await grant(operator, in_dost, "DOST", "auditor")
    rules = (await operator.execute(POLICIES, agency="SXA")).ok()["policies"]
    p_lines = [r["values"] for r in rules if r["kind"] == "p"]
    assert ["social_worker", "SXA", "registry", "read"] in p_lines
    assert ["social_worker", "VXSIDA", "registry", "read"] not in p_lines
    grants = [r["values"] for r in rules if r["kind"] == "g"]
    assert [in_sxa, "auditor", "SXA"] in grants
    assert [in_dost, "auditor", "DOST"] not in grants


async def test_policies_of_another_agency_or_without_policy_read_is_forbidden(api: Api) -> None:
    assert forbidden(await api.as_("agency_admin", agency="DOST").execute(POLICIES, agency="SXA"))
    assert forbidden(await api.execute(POLICIES))
    assert forbidden(await api.as_("partner_agency", agency="DOST").execute(POLICIES))
