"""The auditor's pages: the access-log explorer (with its CSV export), accesses over time, and the
break-the-glass review queue.

Everything here is the API's `accessLog`, `accessLogStatistics`, `breakGlassEvents` and
`reviewBreakGlass`, run as the auditor: each page of the log they see, and each page the export reads,
is logged as their read of the log by the API itself. The export goes through the same query, a page
at a time, and stops after `EXPORT_PAGES` pages, saying so in its last line: a bigger export is a
sign the filter should be narrower (and the API's own page limit stays the only way into the log).
"""

import csv
import io
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response, StreamingResponse

from sxvis import clock
from sxvis.web.console import charts, i18n
from sxvis.web.console.labels import LABELS, errors_by_field
from sxvis.web.console.operations import OperationFailed
from sxvis.web.console.pages import N_, Site, View

PAGE = 50
EXPORT_PAGE = 100
EXPORT_PAGES = 50  # at most 5,000 events in one export
CHART_DAYS = 30
MAX_CHART_DAYS = 366

EVENT_FIELDS = """
  occurredAt action entityType entityId personId personIds purpose operationName fields outcome reason
  requestId actor { userId agencyCode roles }
"""

ACCESS_LOG = f"""
query ConsoleAccessLog($filter: AccessLogFilter, $first: Int!, $after: String) {{
  accessLog(filter: $filter, first: $first, after: $after) {{
    edges {{ cursor node {{ {EVENT_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

STATISTICS = """
query ConsoleAccessStatistics($from: Date!, $to: Date!) {
  accessLogStatistics(from: $from, to: $to) { day allowed denied failed }
}
"""

BREAK_GLASS = """
query ConsoleBreakGlass($reviewed: Boolean, $after: String) {
  breakGlassEvents(reviewed: $reviewed, first: 50, after: $after) {
    edges { node {
      id userId reasonCode reason openedAt expiresAt open reviewedAt reviewedBy reviewNote personId
      agency { code nameAz nameEn }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

REVIEW = """
mutation ConsoleReviewBreakGlass($input: ReviewBreakGlassInput!) {
  reviewBreakGlass(input: $input) { grant { id reviewedAt } errors { field code message } }
}
"""

FILTER_FIELDS = ("person", "user", "agency", "action", "outcome", "purpose", "from", "to")

CSV_COLUMNS = (
    "occurredAt",
    "userId",
    "agencyCode",
    "roles",
    "action",
    "outcome",
    "purpose",
    "entityType",
    "entityId",
    "personId",
    "personIds",
    "operationName",
    "fields",
    "reason",
    "requestId",
)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _start(day: date) -> str:
    return datetime.combine(day, time.min, tzinfo=clock.BAKU).isoformat()


def read_filter(view: View) -> tuple[dict[str, str], dict[str, Any], dict[str, str]]:
    """What the auditor typed, the `AccessLogFilter` it makes, and the errors beside its fields."""
    typed = {name: view.query(name).strip() for name in FILTER_FIELDS}
    errors: dict[str, str] = {}
    given: dict[str, Any] = {}
    for name, key in (
        ("person", "personId"),
        ("user", "actorUserId"),
        ("agency", "agencyCode"),
        ("action", "action"),
    ):
        if typed[name]:
            given[key] = typed[name]
    for name, kind in (("outcome", "AccessOutcome"), ("purpose", "Purpose")):
        if typed[name]:
            if typed[name] in LABELS[kind]:
                given[name] = typed[name]
            else:
                errors[name] = i18n.gettext("Choose one of the list.")
    for name in ("from", "to"):
        if typed[name]:
            found = _day(typed[name])
            if found is None:
                errors[name] = i18n.gettext("Enter a date as YYYY-MM-DD.")
            else:
                given[name] = _start(found if name == "from" else found + timedelta(days=1))
    if "from" in given and "to" in given and given["to"] <= given["from"]:
        errors["to"] = i18n.gettext("The last day is before the first.")
    return typed, given, errors


def _query_errors(errors: list[dict[str, Any]]) -> dict[str, str]:
    """A query's BAD_USER_INPUT errors, beside the filter field they concern (the person's id, mostly)."""
    shown: dict[str, str] = {}
    for error in errors:
        where = str((error.get("extensions") or {}).get("field") or "")
        if "person" in where or "Person" in str(error.get("message")):
            shown["person"] = i18n.gettext("This is not a person's id from SXVİS.")
        else:
            shown[""] = str(error.get("message") or "")
    return shown


def _row(node: dict[str, Any]) -> list[str]:
    actor = node["actor"]
    values = {
        **node,
        "userId": actor["userId"],
        "agencyCode": actor["agencyCode"],
        "roles": " ".join(actor["roles"]),
        "personIds": " ".join(node["personIds"]),
        "fields": " ".join(node["fields"]),
    }
    return [_cell(values.get(column)) for column in CSV_COLUMNS]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # No formula injection when the file is opened in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_line(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue()


def day_chart(days: list[dict[str, Any]]) -> charts.Chart:
    labels = [i18n.day(d["day"]) if len(days) <= 8 else d["day"][5:] for d in days]
    return charts.bars(
        labels,
        [
            charts.Series(i18n.gettext("Allowed"), "allowed", [d["allowed"] for d in days]),
            charts.Series(i18n.gettext("Denied"), "denied", [d["denied"] for d in days]),
            charts.Series(i18n.gettext("Failed with an error"), "failed", [d["failed"] for d in days]),
        ],
    )


def register(site: Site) -> None:
    @site.page(
        "/audit/log", name="access-log", title=N_("Access log"), permission="access_log:read", nav=True
    )
    async def access_log(view: View) -> Response:
        typed, given, errors = read_filter(view)
        events: list[dict[str, Any]] = []
        page_info: dict[str, Any] = {}
        if not errors:
            outcome = await view.run(
                ACCESS_LOG, filter=given or None, first=PAGE, after=view.query("after") or None
            )
            if outcome.user_errors:
                errors = _query_errors(outcome.user_errors)
            else:
                found = outcome.data["accessLog"]
                events = [edge["node"] for edge in found["edges"]]
                page_info = found["pageInfo"]
        query = urlencode({name: typed[name] for name in FILTER_FIELDS if typed[name]})
        return view.render(
            "access_log.html",
            typed=typed,
            errors=errors,
            events=events,
            page_info=page_info,
            query=query,
            later=bool(view.query("after")),
            export_limit=EXPORT_PAGE * EXPORT_PAGES,
            outcomes=LABELS["AccessOutcome"],
            purposes=LABELS["Purpose"],
            status_code=400 if errors else 200,
        )

    @site.page("/audit/log.csv", name="access-log-csv", permission="access_log:read")
    async def export(view: View) -> Response:
        _, given, errors = read_filter(view)
        if errors:
            return view.site.error(view.request, 400, next(iter(errors.values())))
        first = await view.run(ACCESS_LOG, filter=given or None, first=EXPORT_PAGE, after=None)
        if first.user_errors:
            return view.site.error(view.request, 400, next(iter(_query_errors(first.user_errors).values())))
        truncated = i18n.gettext(
            "The export stops here, after %(count)s events. Narrow the filter to export the rest."
        ) % {"count": EXPORT_PAGE * EXPORT_PAGES}
        interrupted = i18n.gettext("The export was interrupted here; it is incomplete. Export again.")

        async def lines() -> AsyncIterator[str]:
            yield _csv_line(list(CSV_COLUMNS))
            found = first.data["accessLog"]
            pages = 1
            while True:
                for edge in found["edges"]:
                    yield _csv_line(_row(edge["node"]))
                if not found["pageInfo"]["hasNextPage"]:
                    return
                if pages >= EXPORT_PAGES:
                    yield _csv_line(["# " + truncated])
                    return
                try:
                    following = await view.run(
                        ACCESS_LOG,
                        filter=given or None,
                        first=EXPORT_PAGE,
                        after=found["pageInfo"]["endCursor"],
                    )
                except OperationFailed:
                    following = None
                if following is None or not following.data.get("accessLog"):
                    # Refused (the token expired meanwhile) or failed: say so rather than end silently.
                    yield _csv_line(["# " + interrupted])
                    return
                found = following.data["accessLog"]
                pages += 1

        stamp = clock.now().astimezone(clock.BAKU).strftime("%Y%m%d-%H%M")
        return StreamingResponse(
            lines(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="access-log-{stamp}.csv"',
                "Cache-Control": "no-store",
            },
        )

    @site.page(
        "/audit/activity",
        name="access-activity",
        title=N_("Accesses over time"),
        permission="access_log:read",
        nav=True,
    )
    async def activity(view: View) -> Response:
        today = clock.today()
        typed = {"from": view.query("from"), "to": view.query("to")}
        errors: dict[str, str] = {}
        last = _day(typed["to"]) if typed["to"] else today
        first = _day(typed["from"]) if typed["from"] else None
        if last is None:
            errors["to"] = i18n.gettext("Enter a date as YYYY-MM-DD.")
            last = today
        if typed["from"] and first is None:
            errors["from"] = i18n.gettext("Enter a date as YYYY-MM-DD.")
        if first is None:
            first = last - timedelta(days=CHART_DAYS - 1)
        if not errors and first > last:
            errors["to"] = i18n.gettext("The last day is before the first.")
        if not errors and (last - first).days >= MAX_CHART_DAYS:
            errors["from"] = i18n.gettext("At most a year at a time.")
        typed = {"from": first.isoformat(), "to": last.isoformat()} | {k: v for k, v in typed.items() if v}
        days: list[dict[str, Any]] = []
        if not errors:
            outcome = await view.run(STATISTICS, **{"from": first.isoformat(), "to": last.isoformat()})
            if outcome.user_errors:
                errors[""] = str(outcome.user_errors[0].get("message"))
            else:
                days = outcome.data["accessLogStatistics"]
        return view.render(
            "access_activity.html",
            typed=typed,
            errors=errors,
            days=days,
            chart=day_chart(days) if days else None,
            totals={k: sum(d[k] for d in days) for k in ("allowed", "denied", "failed")},
            status_code=400 if errors else 200,
        )

    @site.page(
        "/audit/break-glass",
        name="break-glass-review",
        title=N_("Break-the-glass review"),
        permission="break_glass:review",
        nav=True,
    )
    async def break_glass(view: View) -> Response:
        return await _queue(view, {}, {})

    @site.page(
        "/audit/break-glass", name="break-glass-review", permission="break_glass:review", methods=("POST",)
    )
    async def review(view: View) -> Response:
        grant_id = view.field("id")
        typed = {"note": view.field("note")}
        errors: dict[str, str] = {}
        if not typed["note"]:
            errors["note"] = i18n.gettext("This field is required.")
        else:
            outcome = await view.run(REVIEW, input={"id": grant_id, "note": typed["note"]})
            found = outcome.user_errors or outcome.payload("reviewBreakGlass")["errors"]
            if not found:
                return view.redirect("/audit/break-glass?reviewed=1")
            errors = errors_by_field(found, {"note"})
        return await _queue(view, {grant_id: typed}, {grant_id: errors}, status=400)


async def _queue(
    view: View, typed: dict[str, dict[str, str]], errors: dict[str, dict[str, str]], status: int = 200
) -> Response:
    shown = view.query("show", "pending")
    reviewed = {"pending": False, "reviewed": True}.get(shown)
    outcome = await view.run(BREAK_GLASS, reviewed=reviewed, after=view.query("after") or None)
    found = outcome.data["breakGlassEvents"]
    return view.render(
        "break_glass.html",
        grants=[edge["node"] for edge in found["edges"]],
        page_info=found["pageInfo"],
        shown=shown,
        just_reviewed=view.query("reviewed") == "1",
        typed=typed,
        errors=errors,
        status_code=status,
    )
