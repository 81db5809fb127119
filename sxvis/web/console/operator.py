"""The operator's pages (VXSIDA's system administrators): the ministry integrations with their dead
letters, referral statistics, the working-day calendar, and the access log's hash chain.

Each runs the API's own operations as the operator: `integrationStatus` and `retryDeadLetter`,
`referralStatistics`, `calendarDays`, `setCalendarDay` and `removeCalendarDay`, `auditChainStatus`.
"""

from datetime import date, timedelta
from typing import Any

from starlette.responses import Response

from sxvis import clock
from sxvis.web.console import charts, i18n
from sxvis.web.console.labels import LABELS, errors_by_field, label
from sxvis.web.console.pages import N_, Site, View

INTEGRATIONS = """
query ConsoleIntegrations {
  integrationStatus {
    name configured circuitState consecutiveFailures retryInSeconds lastSuccessAt recentCalls
    recentErrorRate p95LatencyMs outboxDepth oldestPendingAt deadLetters
    recentDeadLetters { id messageId ministry kind attempts lastError createdAt deadAt }
  }
}
"""

RETRY = """
mutation ConsoleRetryDeadLetter($input: RetryDeadLetterInput!) {
  retryDeadLetter(input: $input) { messageId ministry errors { field code message } }
}
"""

BUCKETS = "key count suppressed"
STATISTICS = f"""
query ConsoleReferralStatistics($filter: ReferralStatisticsFilter) {{
  referralStatistics(filter: $filter) {{
    total {{ value suppressed }} answered {{ value suppressed }} overdue {{ value suppressed }}
    medianResponseSeconds {{ value suppressed }} p90ResponseSeconds {{ value suppressed }}
    answeredWithinDeadline {{ value suppressed }}
    byUrgency {{ {BUCKETS} }} byStatus {{ {BUCKETS} }} byOutcome {{ {BUCKETS} }}
    overdueByUrgency {{ {BUCKETS} }}
  }}
}}
"""

SERVICE_STATISTICS = f"""
query ConsoleServiceStatistics($filter: ServiceStatisticsFilter) {{
  serviceStatistics(filter: $filter) {{
    persons {{ value suppressed }} applications {{ value suppressed }} decided {{ value suppressed }}
    decidedWithinDeadline {{ value suppressed }} medianDaysToDecision {{ value suppressed }}
    waiting {{ value suppressed }} medianWaitingDays {{ value suppressed }}
    byOutcome {{ {BUCKETS} }} byService {{ {BUCKETS} }} byChannel {{ {BUCKETS} }}
    personsByCategory {{ {BUCKETS} }}
  }}
}}
"""
# The service statistics' charts: (field, title, the labels of its keys), in the order shown.
SERVICE_CHARTS = (
    ("byOutcome", N_("Applications by outcome"), "ApplicationStatus"),
    ("byService", N_("Applications by service"), "Service"),
    ("byChannel", N_("Applications by way of applying"), "ApplicationForm"),
    ("personsByCategory", N_("Persons by circumstance"), "CircumstanceCategory"),
)

CALENDAR = """
query ConsoleCalendar($from: Date!, $to: Date!) {
  calendarDays(from: $from, to: $to) { day kind source note }
}
"""

SET_DAY = """
mutation ConsoleSetCalendarDay($input: SetCalendarDayInput!) {
  setCalendarDay(input: $input) { calendarDay { day } errors { field code message } }
}
"""

REMOVE_DAY = """
mutation ConsoleRemoveCalendarDay($input: RemoveCalendarDayInput!) {
  removeCalendarDay(input: $input) { errors { field code message } }
}
"""

CHAIN = """
query ConsoleAuditChain {
  auditChainStatus { intact eventsChecked headEventId headHash waiting brokenAt problem checkedAt }
}
"""

STAT_FIELDS = ("from", "to", "agency", "region")
DAY_FIELDS = ("day", "kind", "note")
OUTCOME_KEYS = {"OPEN": N_("Open")}


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def bucket_label(kind: str, key: str) -> str:
    if key in OUTCOME_KEYS:
        return i18n.gettext(OUTCOME_KEYS[key])
    return label(key, kind)


def bucket_chart(buckets: list[dict[str, Any]], kind: str, counted: str = N_("Referrals")) -> charts.Chart:
    """A bar per bucket; a suppressed count (below five) draws no bar: its table says "fewer than 5"."""
    return charts.bars(
        [bucket_label(kind, b["key"]) for b in buckets],
        [charts.Series(i18n.gettext(counted), "plain", [b["count"] or 0 for b in buckets])],
    )


def register(site: Site) -> None:
    @site.page(
        "/operator/integrations",
        name="integrations",
        title=N_("Integrations"),
        permission="integration:status",
        nav=True,
    )
    async def integrations(view: View) -> Response:
        return await _integrations(view)

    @site.page(
        "/operator/integrations", name="integrations", permission="dead_letter:retry", methods=("POST",)
    )
    async def retry(view: View) -> Response:
        outcome = await view.run(RETRY, input={"id": view.field("id")})
        found = outcome.user_errors or outcome.payload("retryDeadLetter")["errors"]
        if not found:
            return view.redirect("/operator/integrations?retried=1")
        return await _integrations(view, error=errors_by_field(found, set()).get("", ""), status=400)

    @site.page(
        "/operator/statistics",
        name="referral-statistics",
        title=N_("Referral statistics"),
        permission="referral:statistics",
        nav=True,
    )
    async def statistics(view: View) -> Response:
        typed = {name: view.query(name).strip() for name in STAT_FIELDS}
        errors: dict[str, str] = {}
        given: dict[str, Any] = {}
        for name in ("from", "to"):
            if typed[name]:
                if _day(typed[name]) is None:
                    errors[name] = i18n.gettext("Enter a date as YYYY-MM-DD.")
                else:
                    given[name] = typed[name]
        if typed["agency"]:
            given["agencyCode"] = typed["agency"]
        if typed["region"]:
            given["regionCode"] = typed["region"]
        found: dict[str, Any] | None = None
        services: dict[str, Any] | None = None
        if not errors:
            outcome = await view.run(STATISTICS, filter=given or None)
            if outcome.user_errors:
                errors[""] = str(outcome.user_errors[0].get("message"))
            else:
                found = outcome.data["referralStatistics"]
        if not errors and view.actor is not None and view.actor.may("application:statistics"):
            service_filter = {("region" if k == "regionCode" else k): v for k, v in given.items()}
            answered = await view.run(SERVICE_STATISTICS, filter=service_filter or None)
            if answered.user_errors:
                errors[""] = str(answered.user_errors[0].get("message"))
            else:
                services = answered.data["serviceStatistics"]
        return view.render(
            "referral_statistics.html",
            typed=typed,
            errors=errors,
            stats=found,
            charts={
                "byStatus": bucket_chart(found["byStatus"], "ReferralStatus"),
                "byUrgency": bucket_chart(found["byUrgency"], "Urgency"),
                "byOutcome": bucket_chart(found["byOutcome"], "ReferralStatus"),
            }
            if found
            else {},
            services=services,
            service_charts=[
                (key, title, kind, bucket_chart(services[key], kind, N_("Count")))
                for key, title, kind in SERVICE_CHARTS
            ]
            if services
            else [],
            bucket_label=bucket_label,
            status_code=400 if errors else 200,
        )

    @site.page(
        "/operator/calendar",
        name="calendar",
        title=N_("Working-day calendar"),
        permission="calendar:manage",
        nav=True,
    )
    async def calendar(view: View) -> Response:
        return await _calendar(view, {"kind": "HOLIDAY"}, {})

    @site.page("/operator/calendar", name="calendar", permission="calendar:manage", methods=("POST",))
    async def set_day(view: View) -> Response:
        typed = {name: view.field(name) for name in DAY_FIELDS}
        if view.field("remove"):
            outcome = await view.run(REMOVE_DAY, input={"day": view.field("remove")})
            found = outcome.user_errors or outcome.payload("removeCalendarDay")["errors"]
            if not found:
                return view.redirect("/operator/calendar?saved=1")
            return await _calendar(view, typed, errors_by_field(found, set()), status=400)
        errors = {
            name: i18n.gettext("This field is required.") for name in ("day", "kind") if not typed[name]
        }
        if typed["day"] and _day(typed["day"]) is None:
            errors["day"] = i18n.gettext("Enter a date as YYYY-MM-DD.")
        if not errors:
            values = {"day": typed["day"], "kind": typed["kind"], "note": typed["note"] or None}
            outcome = await view.run(SET_DAY, input=values)
            found = outcome.user_errors or outcome.payload("setCalendarDay")["errors"]
            if not found:
                return view.redirect("/operator/calendar?saved=1")
            errors = errors_by_field(found, set(DAY_FIELDS))
        return await _calendar(view, typed, errors, status=400)

    @site.page(
        "/operator/audit-chain",
        name="audit-chain",
        title=N_("Access log integrity"),
        permission="access_log:read",
        nav=True,
    )
    async def audit_chain(view: View) -> Response:
        outcome = await view.run(CHAIN)
        return view.render("audit_chain.html", chain=outcome.data["auditChainStatus"])


async def _integrations(view: View, *, error: str = "", status: int = 200) -> Response:
    outcome = await view.run(INTEGRATIONS)
    return view.render(
        "integrations.html",
        adapters=outcome.data["integrationStatus"],
        retried=view.query("retried") == "1",
        error=error,
        may_retry=view.actor is not None and view.actor.may("dead_letter:retry"),
        status_code=status,
    )


async def _calendar(view: View, typed: dict[str, str], errors: dict[str, str], status: int = 200) -> Response:
    today = clock.today()
    first = date(today.year, 1, 1)
    last = min(date(today.year + 1, 3, 31), first + timedelta(days=399))
    outcome = await view.run(CALENDAR, **{"from": first.isoformat(), "to": last.isoformat()})
    return view.render(
        "calendar.html",
        days=outcome.data["calendarDays"],
        typed=typed,
        errors=errors,
        kinds=LABELS["CalendarDayKind"],
        saved=view.query("saved") == "1",
        first=first,
        last=last,
        status_code=status,
    )
