"""Escalating applications at risk of missing the E-sosial posting deadline (rule 5, 001 step 10).

A background task of the server (as the database owner, like the referral escalation) looks for
applications still undecided when their posting deadline is less than `MARGIN` away (or past). Each is
escalated once: a notice to the handling agency, which decides (read by its admins and social workers
with `notice:read`), and a line in the application's history, in one transaction.
"""

from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import clock
from sxvis.access import notices
from sxvis.applications.enums import UNDECIDED_STATUSES
from sxvis.applications.models import Application, ApplicationMove

log = structlog.get_logger(__name__)

SYSTEM_USER = "sxvis-escalation"
ACTION = "application:escalate"
MARGIN = timedelta(hours=24)
"""How long before the posting deadline an undecided application counts as at risk: the whole last day."""


async def escalate_at_risk(session: AsyncSession, *, now: datetime | None = None, batch: int = 500) -> int:
    """Escalate what is at risk now; returns how many. Concurrent workers skip each other's rows."""
    moment = now or clock.now()
    query = (
        select(Application)
        .where(
            Application.status.in_(list(UNDECIDED_STATUSES)),
            Application.decision_post_by.is_not(None),
            Application.decision_post_by - MARGIN <= moment,
            Application.escalated_at.is_(None),
        )
        .order_by(Application.decision_post_by)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    at_risk = list((await session.scalars(query)).all())
    for application in at_risk:
        application.escalated_at = moment
        assert application.decision_post_by is not None  # selected so
        post_by = application.decision_post_by.astimezone(clock.BAKU).isoformat(timespec="minutes")
        message = (
            f"At risk: application {application.id} for {application.service_code} is "
            f"{application.status.value}; its decision must reach E-sosial by {post_by} (rule 5)."
        )
        await notices.post(
            session,
            agency_code=application.agency_code,
            kind=notices.NoticeKind.APPLICATION_AT_RISK,
            person_id=None,
            message=message,
            details={
                "application": str(application.id),
                "decision_post_by": application.decision_post_by.isoformat(),
            },
        )
        session.add(
            ApplicationMove(
                application_id=application.id,
                person_id=application.person_id,
                from_status=application.status,
                to_status=application.status,
                action=ACTION,
                actor_user=SYSTEM_USER,
                actor_agency=application.agency_code,
                note=f"escalated: undecided with the E-sosial posting deadline {post_by} near; "
                f"{application.agency_code} notified",
                at=moment,
            )
        )
    await session.flush()
    if at_risk:
        log.info("applications.escalated", applications=len(at_risk))
    return len(at_risk)
