"""The working-day calendar of referral deadlines: `calendarDays`, `setCalendarDay`, `removeCalendarDay`."""
