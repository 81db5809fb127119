"""The policy in PostgreSQL: seeded from policy.csv, changed by audited grants, reloaded everywhere."""

import asyncio
import uuid

import pytest
from sqlalchemy import delete, select, text

from authz.actions import Action
from authz.administration import grant_role, revoke_role
from authz.enforcer import Authorizer, load_enforcer
from authz.models import PolicyRule
from authz.store import PolicyStore, load_authorizer, read_policy_csv, seed_policies
from sxvis.actors import Actor
from sxvis.errors import AccessDenied, NotFound, ValidationFailed

OPERATOR = Actor(user_id="ops", agency_code="VXSIDA", roles=frozenset({"system_admin"}))
DOST_ADMIN = Actor(user_id="dost-admin", agency_code="DOST", roles=frozenset({"agency_admin"}))


@pytest.fixture
async def policy(db):
    """A policy table holding exactly the seed."""
    async with db.transaction() as session:
        await session.execute(delete(PolicyRule))
        await seed_policies(session)
    return db


def user() -> str:
    return f"user-{uuid.uuid4().hex[:8]}"


async def test_the_seeded_policy_decides_as_policy_csv_does(policy) -> None:
    from_database = await load_authorizer(policy)
    from_file = Authorizer(load_enforcer())
    for role in ("partner_agency", "social_worker", "case_manager", "auditor", "system_admin"):
        actor = Actor(user_id="u", agency_code="DOST", roles=frozenset({role}))
        assert from_database.permissions(actor) == from_file.permissions(actor)


async def test_seeding_leaves_a_policy_that_already_exists_alone(policy) -> None:
    async with policy.transaction() as session:
        assert await seed_policies(session) == 0
        count = len((await session.execute(select(PolicyRule))).all())
    assert count == len(read_policy_csv())


async def test_a_grant_gives_the_role_in_that_agency_only(policy) -> None:
    someone = user()
    async with policy.transaction() as session:
        assert await grant_role(
            session,
            OPERATOR,
            await load_authorizer(policy),
            user_id=someone,
            agency_code="DOST",
            role="auditor",
        )
    reloaded = await load_authorizer(policy)
    assert reloaded.allows(
        Actor(user_id=someone, agency_code="DOST", roles=frozenset()), Action.ACCESS_LOG_READ
    )
    assert not reloaded.allows(
        Actor(user_id=someone, agency_code="SXA", roles=frozenset()), Action.ACCESS_LOG_READ
    )


async def test_a_grant_reaches_another_worker_within_a_second(policy) -> None:
    someone = user()
    other_worker = await PolicyStore.open(policy)
    try:
        async with policy.transaction() as session:
            await grant_role(
                session,
                OPERATOR,
                other_worker.current,
                user_id=someone,
                agency_code="SXA",
                role="social_worker",
            )
        actor = Actor(user_id=someone, agency_code="SXA", roles=frozenset())
        for _ in range(50):
            if other_worker.current.allows(actor, Action.PERSON_REGISTER):
                break
            await asyncio.sleep(0.02)
        assert other_worker.current.allows(actor, Action.PERSON_REGISTER)
    finally:
        await other_worker.close()


async def test_a_grant_that_rolls_back_reaches_no_worker(policy) -> None:
    someone = user()
    worker = await PolicyStore.open(policy)
    try:
        with pytest.raises(RuntimeError):
            async with policy.transaction() as session:
                await grant_role(
                    session, OPERATOR, worker.current, user_id=someone, agency_code="SXA", role="auditor"
                )
                raise RuntimeError("the request failed after the grant")
        await asyncio.sleep(0.3)
        assert worker.reloads == 0
        assert not worker.current.allows(
            Actor(user_id=someone, agency_code="SXA", roles=frozenset()), Action.ACCESS_LOG_READ
        )
    finally:
        await worker.close()


async def test_an_agency_admin_grants_in_their_own_agency(policy) -> None:
    async with policy.transaction() as session:
        assert await grant_role(
            session,
            DOST_ADMIN,
            await load_authorizer(policy),
            user_id=user(),
            agency_code="DOST",
            role="social_worker",
        )


async def test_an_agency_admin_cannot_grant_in_another_agency_and_nothing_is_written(policy) -> None:
    someone = user()
    with pytest.raises(AccessDenied, match="manages roles in DOST only, not in SXA"):
        async with policy.transaction() as session:
            await grant_role(
                session,
                DOST_ADMIN,
                await load_authorizer(policy),
                user_id=someone,
                agency_code="SXA",
                role="social_worker",
            )
    async with policy.reader() as session:
        assert (await session.execute(select(PolicyRule).where(PolicyRule.v0 == someone))).first() is None


async def test_a_social_worker_cannot_grant_at_all(policy) -> None:
    worker = Actor(user_id="sw", agency_code="DOST", roles=frozenset({"social_worker"}))
    with pytest.raises(AccessDenied, match="do not permit policy:grant"):
        async with policy.transaction() as session:
            await grant_role(
                session,
                worker,
                await load_authorizer(policy),
                user_id=user(),
                agency_code="DOST",
                role="auditor",
            )


async def test_an_unknown_role_or_agency_is_refused(policy) -> None:
    authorizer = await load_authorizer(policy)
    with pytest.raises(ValidationFailed, match="No role is called 'superuser'"):
        async with policy.transaction() as session:
            await grant_role(
                session, OPERATOR, authorizer, user_id=user(), agency_code="DOST", role="superuser"
            )
    with pytest.raises(NotFound, match="No agency has the code 'NOPE'"):
        async with policy.transaction() as session:
            await grant_role(
                session, OPERATOR, authorizer, user_id=user(), agency_code="NOPE", role="auditor"
            )


async def test_granting_twice_changes_nothing_the_second_time(policy) -> None:
    someone = user()
    authorizer = await load_authorizer(policy)
    async with policy.transaction() as session:
        assert await grant_role(
            session, OPERATOR, authorizer, user_id=someone, agency_code="DOST", role="auditor"
        )
    async with policy.transaction() as session:
        assert not await grant_role(
            session, OPERATOR, authorizer, user_id=someone, agency_code="DOST", role="auditor"
        )


async def test_a_revoke_takes_the_role_away(policy) -> None:
    someone = user()
    authorizer = await load_authorizer(policy)
    async with policy.transaction() as session:
        await grant_role(session, OPERATOR, authorizer, user_id=someone, agency_code="DOST", role="auditor")
    async with policy.transaction() as session:
        assert await revoke_role(
            session, OPERATOR, authorizer, user_id=someone, agency_code="DOST", role="auditor"
        )
    actor = Actor(user_id=someone, agency_code="DOST", roles=frozenset())
    assert not (await load_authorizer(policy)).allows(actor, Action.ACCESS_LOG_READ)


async def test_every_change_is_in_the_access_log(policy) -> None:
    someone = user()
    async with policy.transaction() as session:
        await grant_role(
            session,
            OPERATOR,
            await load_authorizer(policy),
            user_id=someone,
            agency_code="DOST",
            role="auditor",
        )
    async with policy.reader() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT action, actor_user, entity_id, outcome FROM access_events WHERE entity_id = :id"
                ),
                {"id": f"{someone}@DOST:auditor"},
            )
        ).all()
    assert [tuple(row) for row in rows] == [("policy:grant", "ops", f"{someone}@DOST:auditor", "ALLOWED")]
