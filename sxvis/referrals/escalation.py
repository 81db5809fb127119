"""Escalating overdue urgent and emergency referrals (issue 6, item 6; rule 12, Strategy 8.4.5).

A background task of the server (as the database owner, like the access log's sealer) looks for
URGENT and EMERGENCY referrals still REQUESTED after their deadline. Each is escalated once: a notice
to the sending agency and one to the receiving agency (read by its admins and social workers), and a
line in the referral's history, in one transaction.
"""

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import clock
from sxvis.access import notices
from sxvis.referrals.enums import ReferralStatus, Urgency
from sxvis.referrals.models import Referral, ReferralMove

log = structlog.get_logger(__name__)

SYSTEM_USER = "sxvis-escalation"


async def escalate_overdue(session: AsyncSession, *, batch: int = 500) -> int:
    """Escalate what is overdue now; returns how many. Concurrent workers skip each other's rows."""
    now = clock.now()
    query = (
        select(Referral)
        .where(
            Referral.status == ReferralStatus.REQUESTED,
            Referral.urgency.in_([Urgency.URGENT, Urgency.EMERGENCY]),
            Referral.due_at < now,
            Referral.escalated_at.is_(None),
        )
        .order_by(Referral.due_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    overdue = list((await session.scalars(query)).all())
    for referral in overdue:
        referral.escalated_at = now
        route = f"from {referral.from_agency} to {referral.to_agency}"
        due = referral.due_at.isoformat(timespec="minutes")
        message = (
            f"Overdue: the {referral.urgency.value} referral {referral.id} {route} was due {due}, unanswered."
        )
        for agency in (referral.from_agency, referral.to_agency):
            await notices.post(
                session,
                agency_code=agency,
                kind=notices.NoticeKind.REFERRAL_OVERDUE,
                person_id=None,
                message=message,
                details={"referral": str(referral.id), "due_at": referral.due_at.isoformat()},
            )
        session.add(
            ReferralMove(
                referral_id=referral.id,
                from_status=referral.status,
                to_status=referral.status,
                actor_user=SYSTEM_USER,
                actor_agency=referral.to_agency,
                note="escalated: no answer by the deadline; sender and receiving agency notified",
            )
        )
    await session.flush()
    if overdue:
        log.info("referrals.escalated", referrals=len(overdue))
    return len(overdue)
