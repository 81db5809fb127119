"""The person's access report in the console (issue 14, item 4): a form with the person and the days,
the report as a table, and its PDF.

Both run the API's `personAccessReport` as the signed-in user (each production is logged by the API),
and the PDF is `sxvis.audit.report_pdf.render` of what that query returned, in the visitor's language,
in a worker thread. The person is named as the visitor may see them: by their name where the visitor
may read persons (an agency admin within the remit; a pseudonym for a protected person), else by the
id the auditor typed (auditors read no person directly).
"""

from datetime import date, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sxvis import clock
from sxvis.audit import report_pdf
from sxvis.web.console import i18n
from sxvis.web.console.pages import N_, Site, View

DEFAULT_DAYS = 365

REPORT = """
query ConsoleAccessReport($id: ID!, $from: Date!, $to: Date!) {
  personAccessReport(personId: $id, from: $from, to: $to) {
    personId from to generatedAt generatedByAgencyCode totalConsultations
    entries { day agencyCode nameAz nameEn withheld purpose kind count }
  }
}
"""
PERSON = (
    "query ConsoleReportPerson($id: ID!) { person(id: $id) { id pseudonym lastName firstName patronymic } }"
)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _window(view: View) -> tuple[dict[str, str], dict[str, str]]:
    today = clock.today()
    typed = {
        "person": view.query("person").strip(),
        "from": view.query("from") or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
        "to": view.query("to") or today.isoformat(),
    }
    errors: dict[str, str] = {}
    for name in ("from", "to"):
        if _day(typed[name]) is None:
            errors[name] = i18n.gettext("Enter a date as YYYY-MM-DD.")
    if not errors and typed["to"] < typed["from"]:
        errors["to"] = i18n.gettext("The last day is before the first.")
    return typed, errors


async def _report(view: View, typed: dict[str, str]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    outcome = await view.run(REPORT, id=typed["person"], **{"from": typed["from"], "to": typed["to"]})
    if outcome.user_errors:
        message = str(outcome.user_errors[0].get("message") or "")
        where = str((outcome.user_errors[0].get("extensions") or {}).get("field") or "")
        if "person" in where.lower() or "person" in message.lower() or "id" in message.lower():
            return None, {"person": i18n.gettext("This is not a person's id from SXVİS.")}
        return None, {"": message}
    if outcome.forbidden:
        return None, {"person": i18n.gettext("This person is outside what you may report on.")}
    return outcome.data.get("personAccessReport"), {}


async def _person_name(view: View, person_id: str) -> str:
    if view.actor is None or not view.actor.may("person:read"):
        return person_id
    found = (await view.run(PERSON, id=person_id)).data.get("person")
    if not found:
        return person_id
    if found.get("pseudonym"):
        return str(found["pseudonym"])
    return " ".join(part for part in (found["lastName"], found["firstName"], found.get("patronymic")) if part)


def register(site: Site) -> None:
    @site.page(
        "/audit/report",
        name="access-report",
        title=N_("Person's access report"),
        permission="access_report:read",
        nav=True,
    )
    async def report(view: View) -> Response:
        typed, errors = _window(view)
        found = None
        if typed["person"] and not errors:
            found, errors = await _report(view, typed)
        return view.render(
            "access_report.html", typed=typed, errors=errors, report=found, status_code=400 if errors else 200
        )

    @site.page("/audit/report.pdf", name="access-report-pdf", permission="access_report:read")
    async def pdf(view: View) -> Response:
        typed, errors = _window(view)
        if not typed["person"]:
            errors["person"] = i18n.gettext("This field is required.")
        found = None
        if not errors:
            found, errors = await _report(view, typed)
        if errors or found is None:
            return view.site.error(view.request, 400, next(iter(errors.values()), ""))
        name = await _person_name(view, typed["person"])
        language: report_pdf.Language = "en" if i18n.current() == "en" else "az"
        body = await run_in_threadpool(
            report_pdf.render, report_pdf.ReportAsShown.of(found), person_name=name, language=language
        )
        filename = f"access-report-{typed['from']}-{typed['to']}.pdf"
        return Response(
            body,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )
