"""Running checks on a person against the ministry systems, reusing fresh facts, and reading them back.

`run_checks` answers every check it is asked at once: a fresh fact is reused (nothing is sent); the
others are asked of their ministries concurrently, each within its client's budget, so the caller never
waits on a dead ministry longer than that. An answer becomes a fact with its provenance; a ministry that
cannot answer now leaves a `PENDING` check request, stored in the caller's transaction, which
`retry_pending_checks` (the server's background task, and `sxvis worker`) asks again with backoff until
the ministry answers. A pending check is never dropped: only an answer (or a refusal) settles it.

Every run and every read writes an access event naming the person, with each fact's provenance (source
system, message id) in its details, so an auditor can trace evidence to the message that brought it.
"""

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit, clock
from sxvis.access import remit
from sxvis.actors import Actor
from sxvis.checks.enums import CheckKind, CheckStatus, RequestStatus
from sxvis.checks.freshness import Freshness
from sxvis.checks.models import CheckRequest, Fact
from sxvis.checks.sources import Answer, FactSources, Requester
from sxvis.database import Database
from sxvis.database.scope import RowScope
from sxvis.errors import IntegrationError, MinistryUnavailable, NotFound, ValidationFailed
from sxvis.registry.models import Person

RUN = "check:run"
READ = "check:read"

RETRY_BASE = timedelta(seconds=15)
RETRY_MAX = timedelta(minutes=15)
RETRY_SCOPE = RowScope(agency="VXSIDA", reads_all=True)
"""The background retry acts for no agency's user: it settles what users asked, across the registry."""

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check on one person as the caller sees it: the latest fact and any request still open."""

    person_id: uuid.UUID
    kind: CheckKind
    status: CheckStatus
    fact: Fact | None
    fresh_until: datetime | None
    reused: bool = False
    pending_since: datetime | None = None
    error: str | None = None
    disclosed: bool = True  # whether the person's identity is open to the caller (values minimised if not)

    def fresh(self, now: datetime | None = None) -> bool:
        return self.fresh_until is not None and (now or clock.now()) < self.fresh_until


@dataclass(frozen=True, slots=True)
class _Subject:
    id: uuid.UUID
    fin: str
    disclosed: bool


async def run_checks(
    session: AsyncSession,
    actor: Actor,
    *,
    person_id: uuid.UUID,
    kinds: Sequence[CheckKind],
    sources: FactSources,
    freshness: Freshness,
    retry_base: timedelta = RETRY_BASE,
) -> list[CheckResult]:
    actor.require(RUN)
    wanted = list(dict.fromkeys(kinds))
    if not wanted:
        raise ValidationFailed("Name at least one check.", field="checks")
    subject = await _subject(session, actor, person_id)
    now = clock.now()
    latest = await _latest_facts(session, [subject.id])
    reused = {
        kind: fact
        for kind in wanted
        if (fact := latest.get((subject.id, kind))) is not None and _fresh(freshness, fact, now)
    }
    to_ask = [kind for kind in wanted if kind not in reused]
    requester = Requester(user_id=actor.label, issue=f"person/{subject.id}")
    outcomes = await asyncio.gather(*(_ask(sources, kind, subject.fin, requester) for kind in to_ask))
    asked = dict(zip(to_ask, outcomes, strict=True))
    results: list[CheckResult] = []
    for kind in wanted:
        if kind in reused:
            fact = reused[kind]
            results.append(_of_fact(fact, freshness, reused=True, disclosed=subject.disclosed))
            continue
        outcome = asked[kind]
        if isinstance(outcome, Answer):
            fact = await _store(session, subject.id, kind, outcome, requester, freshness, now)
            await _settle_open_request(session, subject.id, kind, fact, now)
            results.append(_of_fact(fact, freshness, reused=False, disclosed=subject.disclosed))
        elif isinstance(outcome, MinistryUnavailable):
            request = await _pend(session, actor, subject.id, kind, requester, str(outcome), now + retry_base)
            results.append(
                CheckResult(
                    person_id=subject.id,
                    kind=kind,
                    status=CheckStatus.PENDING,
                    fact=latest.get((subject.id, kind)),
                    fresh_until=None,
                    pending_since=request.created_at,
                    error=str(outcome),
                    disclosed=subject.disclosed,
                )
            )
        else:
            await _record_failure(session, actor, subject.id, kind, requester, str(outcome), now)
            results.append(
                CheckResult(
                    person_id=subject.id,
                    kind=kind,
                    status=CheckStatus.FAILED,
                    fact=latest.get((subject.id, kind)),
                    fresh_until=None,
                    error=str(outcome),
                    disclosed=subject.disclosed,
                )
            )
    await audit.record(
        session,
        actor,
        action=RUN,
        entity_type="person",
        entity_id=subject.id,
        person_id=subject.id,
        details={"checks": [_provenance(result) for result in results]},
    )
    return results


async def checks_of(
    session: AsyncSession,
    actor: Actor,
    *,
    person_ids: Sequence[uuid.UUID],
    freshness: Freshness,
    disclosed: dict[uuid.UUID, bool] | None = None,
    fields: Sequence[str] = (),
) -> list[CheckResult]:
    """The latest state of every check ever run on these persons (those in the actor's remit), logged."""
    actor.require(READ)
    ids = sorted(set(person_ids))
    visible = select(Person.id).where(Person.id.in_(ids), remit.person_visible(actor))
    shown = set((await session.scalars(visible)).all())
    facts = await _latest_facts(session, list(shown))
    requests = await _latest_requests(session, list(shown))
    results: list[CheckResult] = []
    order = list(CheckKind)
    for person_id, kind in sorted(set(facts) | set(requests), key=lambda key: (key[0], order.index(key[1]))):
        fact = facts.get((person_id, kind))
        request = requests.get((person_id, kind))
        open_to = True if disclosed is None else disclosed.get(person_id, False)
        if request is not None and request.status is RequestStatus.PENDING:
            results.append(
                CheckResult(
                    person_id=person_id,
                    kind=kind,
                    status=CheckStatus.PENDING,
                    fact=fact,
                    fresh_until=None,
                    pending_since=request.created_at,
                    error=request.last_error,
                    disclosed=open_to,
                )
            )
        elif (
            request is not None
            and request.status is RequestStatus.FAILED
            and (fact is None or request.created_at > fact.obtained_at)
        ):
            results.append(
                CheckResult(
                    person_id=person_id,
                    kind=kind,
                    status=CheckStatus.FAILED,
                    fact=fact,
                    fresh_until=None,
                    error=request.last_error,
                    disclosed=open_to,
                )
            )
        elif fact is not None:
            results.append(_of_fact(fact, freshness, reused=False, disclosed=open_to))
    # Logged even when empty: "no checks" is also something learnt about these persons.
    await audit.record(
        session,
        actor,
        action=READ,
        entity_type="check",
        person_ids=sorted(shown),
        fields=fields,
        details={"checks": [_provenance(result) for result in results]},
    )
    return results


async def retry_pending_checks(
    db: Database,
    sources: FactSources,
    *,
    freshness: Freshness | None = None,
    now: datetime | None = None,
    limit: int = 50,
    retry_base: timedelta = RETRY_BASE,
) -> int:
    """Ask again the pending checks that are due; return how many were settled (answered or refused).

    The due requests are locked `FOR UPDATE SKIP LOCKED` for the length of one transaction, so several
    servers and workers can run this at once and each request is asked by one of them. If the process
    dies in the middle, the transaction rolls back and the requests stay pending: nothing is lost.
    """
    freshness = freshness or Freshness()
    moment = now or clock.now()
    async with db.scoped_session(RETRY_SCOPE) as session:
        due = (
            await session.execute(
                select(CheckRequest, Person.fin)
                .join(Person, Person.id == CheckRequest.person_id)
                .where(CheckRequest.status == RequestStatus.PENDING, CheckRequest.next_attempt_at <= moment)
                .order_by(CheckRequest.next_attempt_at)
                .limit(limit)
                .with_for_update(of=CheckRequest, skip_locked=True)
            )
        ).all()
        if not due:
            return 0
        outcomes = await asyncio.gather(
            *(
                _ask(sources, request.kind, fin, Requester(request.requested_by_user, request.issue))
                for request, fin in due
            )
        )
        settled = 0
        obtained = clock.now()
        for (request, _fin), outcome in zip(due, outcomes, strict=True):
            request.attempts += 1
            if isinstance(outcome, MinistryUnavailable):
                request.last_error = str(outcome)
                request.next_attempt_at = moment + _backoff(retry_base, request.attempts)
                continue
            settled += 1
            request.settled_at = obtained
            requester = Requester(request.requested_by_user, request.issue)
            actor = Actor(
                user_id=request.requested_by_user.rsplit("@", 1)[0],
                agency_code=request.requested_by_agency,
                roles=frozenset(),
            )
            if isinstance(outcome, Answer):
                fact = await _store(
                    session, request.person_id, request.kind, outcome, requester, freshness, obtained
                )
                request.status = RequestStatus.DONE
                request.fact_id = fact.id
                result = _of_fact(fact, freshness, reused=False, disclosed=True)
            else:
                request.status = RequestStatus.FAILED
                request.last_error = str(outcome)
                result = CheckResult(
                    person_id=request.person_id,
                    kind=request.kind,
                    status=CheckStatus.FAILED,
                    fact=None,
                    fresh_until=None,
                    error=str(outcome),
                )
            await audit.record(
                session,
                actor,
                action=RUN,
                entity_type="person",
                entity_id=request.person_id,
                person_id=request.person_id,
                reason="pending check answered on a background retry",
                details={"checks": [_provenance(result)], "request_id": str(request.id)},
            )
        await session.flush()
    log.info("checks.retried", due=len(due), settled=settled)
    return settled


async def retry_forever(
    db: Database, sources: FactSources, *, freshness: Freshness, every_seconds: float
) -> None:
    """The server's background task: retry due pending checks every few seconds, until cancelled."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            while await retry_pending_checks(db, sources, freshness=freshness) > 0:
                pass
        except Exception:
            log.exception("checks.retry.failed")


def _backoff(base: timedelta, attempts: int) -> timedelta:
    delay: timedelta = base * (2 ** max(0, attempts - 1))
    return min(delay, RETRY_MAX)


async def _subject(session: AsyncSession, actor: Actor, person_id: uuid.UUID) -> _Subject:
    row = (
        await session.execute(
            select(Person.id, Person.fin, remit.identity_disclosed(actor)).where(
                Person.id == person_id, remit.person_reachable(actor, person_id)
            )
        )
    ).one_or_none()
    if row is None:
        raise NotFound("No person has this id.", field="person_id")
    return _Subject(id=row[0], fin=row[1], disclosed=bool(row[2]))


async def _ask(
    sources: FactSources, kind: CheckKind, fin: str, requester: Requester
) -> Answer | IntegrationError:
    if not sources.serves(kind):
        return IntegrationError(f"no ministry system answering {kind.value} checks is configured")
    try:
        return await sources.ask(kind, fin=fin, requester=requester)
    except IntegrationError as err:
        return err


def _fresh(freshness: Freshness, fact: Fact, now: datetime) -> bool:
    return freshness.is_fresh(fact.kind, obtained_at=fact.obtained_at, valid_until=fact.valid_until, now=now)


def _of_fact(fact: Fact, freshness: Freshness, *, reused: bool, disclosed: bool) -> CheckResult:
    return CheckResult(
        person_id=fact.person_id,
        kind=fact.kind,
        status=CheckStatus.OK if fact.found else CheckStatus.NOT_FOUND,
        fact=fact,
        fresh_until=freshness.fresh_until(
            fact.kind, obtained_at=fact.obtained_at, valid_until=fact.valid_until
        ),
        reused=reused,
        disclosed=disclosed,
    )


def _provenance(result: CheckResult) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": result.kind.value, "status": result.status.value}
    if result.fact is not None and result.status in (CheckStatus.OK, CheckStatus.NOT_FOUND):
        out |= {
            "source": result.fact.source_system,
            "message_id": result.fact.message_id,
            "obtained_at": result.fact.obtained_at.isoformat(),
            "reused": result.reused,
        }
    if result.error is not None:
        out["error"] = result.error
    return out


async def _latest_facts(
    session: AsyncSession, person_ids: Sequence[uuid.UUID]
) -> dict[tuple[uuid.UUID, CheckKind], Fact]:
    if not person_ids:
        return {}
    query = (
        select(Fact)
        .where(Fact.person_id.in_(person_ids))
        .ext(distinct_on(Fact.person_id, Fact.kind))
        .order_by(Fact.person_id, Fact.kind, Fact.obtained_at.desc(), Fact.id)
    )
    return {(f.person_id, f.kind): f for f in (await session.scalars(query)).all()}


async def _latest_requests(
    session: AsyncSession, person_ids: Sequence[uuid.UUID]
) -> dict[tuple[uuid.UUID, CheckKind], CheckRequest]:
    if not person_ids:
        return {}
    query = (
        select(CheckRequest)
        .where(CheckRequest.person_id.in_(person_ids), CheckRequest.status != RequestStatus.DONE)
        .ext(distinct_on(CheckRequest.person_id, CheckRequest.kind))
        .order_by(CheckRequest.person_id, CheckRequest.kind, CheckRequest.created_at.desc(), CheckRequest.id)
    )
    return {(r.person_id, r.kind): r for r in (await session.scalars(query)).all()}


async def _store(
    session: AsyncSession,
    person_id: uuid.UUID,
    kind: CheckKind,
    answer: Answer,
    requester: Requester,
    freshness: Freshness,
    now: datetime,
) -> Fact:
    fact = Fact(
        id=uuid.uuid4(),
        person_id=person_id,
        kind=kind,
        found=answer.found,
        value=answer.value,
        source_system=answer.source_system,
        message_id=answer.message_id,
        obtained_at=now,
        valid_until=freshness.valid_until(kind, obtained_at=now, ministry_until=answer.valid_until),
        requested_by=requester.user_id,
        issue=requester.issue,
    )
    session.add(fact)
    await session.flush()
    return fact


async def _settle_open_request(
    session: AsyncSession, person_id: uuid.UUID, kind: CheckKind, fact: Fact, now: datetime
) -> None:
    """A fresh answer settles a request still waiting for the same person and kind."""
    await session.execute(
        update(CheckRequest)
        .where(
            CheckRequest.person_id == person_id,
            CheckRequest.kind == kind,
            CheckRequest.status == RequestStatus.PENDING,
        )
        .values(status=RequestStatus.DONE, fact_id=fact.id, settled_at=now)
    )


async def _pend(
    session: AsyncSession,
    actor: Actor,
    person_id: uuid.UUID,
    kind: CheckKind,
    requester: Requester,
    error: str,
    next_attempt_at: datetime,
) -> CheckRequest:
    """The waiting request for this person and kind: a new one, or the one already waiting."""
    statement = (
        insert(CheckRequest)
        .values(
            **_first_attempt(actor, person_id, kind, requester, error),
            status=RequestStatus.PENDING,
            next_attempt_at=next_attempt_at,
        )
        .on_conflict_do_update(
            index_elements=[CheckRequest.person_id, CheckRequest.kind],
            index_where=CheckRequest.status == RequestStatus.PENDING,
            set_={"last_error": error},
        )
        .returning(CheckRequest)
    )
    request: CheckRequest = (await session.scalars(statement)).one()
    return request


async def _record_failure(
    session: AsyncSession,
    actor: Actor,
    person_id: uuid.UUID,
    kind: CheckKind,
    requester: Requester,
    error: str,
    now: datetime,
) -> None:
    session.add(
        CheckRequest(
            **_first_attempt(actor, person_id, kind, requester, error),
            status=RequestStatus.FAILED,
            next_attempt_at=now,
            settled_at=now,
        )
    )
    await session.flush()


def _first_attempt(
    actor: Actor, person_id: uuid.UUID, kind: CheckKind, requester: Requester, error: str
) -> dict[str, Any]:
    """A check request's columns after its first, unanswered, attempt: who asked, for what, and why not."""
    return {
        "id": uuid.uuid4(),
        "person_id": person_id,
        "kind": kind,
        "requested_by_user": requester.user_id,
        "requested_by_agency": actor.agency_code,
        "issue": requester.issue,
        "attempts": 1,
        "last_error": error,
    }
