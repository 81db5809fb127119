"""When a referral must be answered: by urgency, on a working-day calendar in Baku time.

ROUTINE: five working days; URGENT: one working day; EMERGENCY: two hours, round the clock (rule 12,
Strategy 8.4.5: an immediate response). Working days are Monday to Friday; the public holidays and the
government's transferred working days are not in this calendar yet (an operator-maintained table is
part of the referrals issue still to come).
"""

from datetime import datetime, time, timedelta

from sxvis import clock
from sxvis.referrals.enums import Urgency

WORKING_DAYS = {Urgency.ROUTINE: 5, Urgency.URGENT: 1}
EMERGENCY_RESPONSE = timedelta(hours=2)


def due_at(urgency: Urgency, *, sent_at: datetime) -> datetime:
    if urgency is Urgency.EMERGENCY:
        return sent_at + EMERGENCY_RESPONSE
    local = sent_at.astimezone(clock.BAKU)
    day = local.date()
    remaining = WORKING_DAYS[urgency]
    while remaining:
        day += timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=clock.BAKU)
