"""When a referral must be answered: by urgency, on the working-day calendar, in Baku time.

ROUTINE: by the end of the fifth working day after it is sent; URGENT: by the end of the next working
day; EMERGENCY: within two hours, round the clock (rule 12, Strategy 8.4.5: an immediate response).
Working days come from `sxvis.referrals.calendar` (public holidays and the operator's table).
"""

from datetime import datetime, time, timedelta

from sxvis import clock
from sxvis.referrals.calendar import WorkingCalendar
from sxvis.referrals.enums import Urgency

WORKING_DAYS = {Urgency.ROUTINE: 5, Urgency.URGENT: 1}
EMERGENCY_RESPONSE = timedelta(hours=2)
HORIZON = timedelta(days=60)
"""How far ahead a calendar is loaded for one deadline (five working days never span more)."""


def due_at(urgency: Urgency, *, sent_at: datetime, calendar: WorkingCalendar) -> datetime:
    if urgency is Urgency.EMERGENCY:
        return sent_at + EMERGENCY_RESPONSE
    day = sent_at.astimezone(clock.BAKU).date()
    remaining = WORKING_DAYS[urgency]
    while remaining:
        day += timedelta(days=1)
        if calendar.is_working(day):
            remaining -= 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=clock.BAKU)
