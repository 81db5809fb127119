"""When a referral must be answered: by urgency, on the working-day calendar, in Baku time.

By default (rule 12, Strategy 8.4.5: an immediate response to an emergency): ROUTINE by the end of the
fifth working day after it is sent; URGENT by the end of the next working day; EMERGENCY within two
hours, round the clock. An operator may change the three (`SXVIS_REFERRAL_*`, `ResponseTimes`).
Working days come from `sxvis.referrals.calendar` (public holidays and the operator's table).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sxvis import clock
from sxvis.referrals.calendar import WorkingCalendar
from sxvis.referrals.enums import Urgency

HORIZON = timedelta(days=60)
"""How far ahead a calendar is loaded for one deadline (the longest allowed wait spans less)."""


@dataclass(frozen=True, slots=True)
class ResponseTimes:
    """How long a receiver has to answer, by urgency."""

    routine_working_days: int = 5
    urgent_working_days: int = 1
    emergency: timedelta = timedelta(hours=2)

    def working_days(self, urgency: Urgency) -> int:
        return self.urgent_working_days if urgency is Urgency.URGENT else self.routine_working_days


DEFAULT = ResponseTimes()


def due_at(
    urgency: Urgency, *, sent_at: datetime, calendar: WorkingCalendar, times: ResponseTimes = DEFAULT
) -> datetime:
    if urgency is Urgency.EMERGENCY:
        return sent_at + times.emergency
    day = sent_at.astimezone(clock.BAKU).date()
    remaining = times.working_days(urgency)
    while remaining:
        day += timedelta(days=1)
        if calendar.is_working(day):
            remaining -= 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=clock.BAKU)
