"""Cases in the console: open one from a person's page, and work it on its own page (issue 14, "open and
work a case").

The case page lists the case's details, its timeline and its referrals, and offers the changes the API's
case mutations make, in the order of the Strategy (rule 11): the needs assessment, the service package
(plan), monitoring visits, closing and reopening; and a referral made within the case (the referral form
of `referrals.py`, with the case's id). Only the forms the case's phase allows are offered, and only to
the managing agency; the API decides (a change it refuses is shown beside its field, a denial is the
refusal page, logged).
"""

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from sxvis.web.console import i18n
from sxvis.web.console.labels import LABELS, field_error
from sxvis.web.console.pages import N_, Handler, Site, View, url_id
from sxvis.web.console.people import person_page

CASE = """
query ConsoleCase($id: ID!) {
  case(id: $id) {
    id phase open managerId riskLevel openedAt closedAt closeReason
    agency { code nameAz nameEn }
    person { id pseudonym lastName firstName patronymic }
    assessment { riskLevel note needs { domain description } }
    servicePlan {
      needs goals services { code nameAz nameEn } responsibleAgencies { code nameAz nameEn }
    }
    timeline {
      kind fromPhase toPhase actorUserId actorAgencyCode occurredAt summary visitDate note outcome
    }
    referrals {
      id status urgency dueAt overdue reason createdAt
      fromAgency { code nameAz nameEn } toAgency { code nameAz nameEn } service { code nameAz nameEn }
    }
  }
}
"""

CATALOGUE = """
query ConsoleCaseCatalogue {
  agencies { code nameAz nameEn }
  services(first: 100) { edges { node { code nameAz nameEn } } }
}
"""

OPEN_CASE = """
mutation ConsoleOpenCase($input: OpenCaseInput!) {
  openCase(input: $input) { case { id } errors { field code message } }
}
"""


def _change_document(mutation: str, input_type: str) -> str:
    return (
        f"mutation ConsoleChangeCase($input: {input_type}!) "
        f"{{ {mutation}(input: $input) {{ case {{ id phase }} errors {{ field code message }} }} }}"
    )


# The changes a case page offers: the mutation, its input type, the phases it is offered in, the
# permission it needs, and its form's fields (form field: the API's input field).
OPEN_PHASES = ("ASSESSMENT", "SERVICE_PACKAGE", "COORDINATION", "MONITORING")


@dataclass(frozen=True)
class CaseChange:
    """A change a case page offers. `permission` is a named field, so the test that every checked
    action is in the policy's vocabulary (tests/test_actions.py) can read it."""

    mutation: str
    input: str
    phases: tuple[str, ...]
    permission: str
    fields: dict[str, str]


CHANGES: dict[str, CaseChange] = {
    "assessment": CaseChange(
        mutation="recordAssessment",
        input="RecordAssessmentInput",
        phases=OPEN_PHASES,
        permission="case:update",
        fields={"needs": "needs", "riskLevel": "riskLevel", "assessmentNote": "note"},
    ),
    "plan": CaseChange(
        mutation="setServicePlan",
        input="SetServicePlanInput",
        phases=("SERVICE_PACKAGE", "COORDINATION", "MONITORING"),
        permission="case:update",
        fields={
            "planNeeds": "needs",
            "goals": "goals",
            "serviceCodes": "serviceCodes",
            "responsibleAgencyCodes": "responsibleAgencyCodes",
        },
    ),
    "entries": CaseChange(
        mutation="addMonitoringEntry",
        input="AddMonitoringEntryInput",
        phases=("COORDINATION", "MONITORING"),
        permission="case:update",
        fields={"visitDate": "visitDate", "note": "note", "outcome": "outcome"},
    ),
    "close": CaseChange(
        mutation="closeCase",
        input="CloseCaseInput",
        phases=OPEN_PHASES,
        permission="case:close",
        fields={"closeReason": "reason"},
    ),
    "reopen": CaseChange(
        mutation="reopenCase",
        input="ReopenCaseInput",
        phases=("CLOSED",),
        permission="case:close",
        fields={"reopenReason": "reason"},
    ),
}
REQUIRED = {
    "assessment": ("needs", "riskLevel"),
    "plan": ("planNeeds", "goals", "responsibleAgencyCodes"),
    "entries": ("visitDate", "note", "outcome"),
    "close": ("closeReason",),
    "reopen": ("reopenReason",),
}
MANY = {"needs", "planNeeds", "serviceCodes", "responsibleAgencyCodes"}  # fields with several values

# What the case mutations' errors mean here, where the general words (`labels.ERRORS`) would mislead.
CASE_ERRORS: dict[tuple[str, str], str] = {
    ("id", "INVALID_TRANSITION"): N_(
        "The case's phase does not allow this now: assess the needs first, then set the plan, then "
        "record visits. A closed case must be reopened first."
    ),
    ("personId", "DUPLICATE"): N_("Your agency already has an open case about this person."),
    ("managerId", "INVALID"): N_("Give the user id of the case manager (at most 200 characters)."),
    ("visitDate", "INVALID"): N_("The visit cannot be in the future, nor before the case was opened."),
    ("needs", "INVALID"): N_("Choose each need once; a plan answers only needs the assessment found."),
    ("goals", "INVALID"): N_("Give at least one goal, one a line."),
    ("serviceCodes", "NOT_FOUND"): N_("No service has this code."),
    ("responsibleAgencyCodes", "INVALID"): N_("Choose the agencies responsible."),
    ("responsibleAgencyCodes", "NOT_FOUND"): N_("No agency has this code."),
    ("reason", "INVALID"): N_("Give the reason (at most 4,000 characters)."),
    ("note", "INVALID"): N_("Write the note (at most 4,000 characters)."),
    ("outcome", "INVALID"): N_("Write the outcome (at most 4,000 characters)."),
}
CHANGE_LABELS = {
    "assessment": N_("Record the needs assessment"),
    "plan": N_("Set the service plan"),
    "entries": N_("Add a monitoring visit"),
    "close": N_("Close the case"),
    "reopen": N_("Reopen the case"),
}


def case_error(error: dict[str, object]) -> str:
    """A case mutation's error in the person's language."""
    message = CASE_ERRORS.get((str(error.get("field") or ""), str(error.get("code") or "")))
    return i18n.gettext(message) if message is not None else field_error(error)


def case_errors(errors: list[dict[str, object]], fields: dict[str, str]) -> dict[str, str]:
    """Errors keyed by the form field whose API field they name; the others under `""` (the form's)."""
    by_api = {api: form for form, api in fields.items()}
    shown: dict[str, str] = {}
    for error in errors:
        key = by_api.get(str(error.get("field") or ""), "")
        text = case_error(error)
        shown[key] = f"{shown[key]} {text}" if key in shown else text
    return shown


def case_path(case_id: str) -> str:
    return "/cases/" + url_id(case_id)


def register(site: Site) -> None:
    @site.page("/persons/{id}/cases", name="open-case", permission="case:open", methods=("POST",))
    async def open_case(view: View) -> Response:
        person_id = view.path_id()
        typed = {"managerId": view.field("managerId")}
        errors = {} if typed["managerId"] else {"managerId": i18n.gettext("This field is required.")}
        if not errors:
            outcome = await view.run(OPEN_CASE, input={"personId": person_id, **typed})
            if outcome.forbidden:
                return view.render("forbidden.html", status_code=403)
            found = outcome.user_errors or outcome.payload("openCase")["errors"]
            if not found:
                return view.redirect(case_path(outcome.data["openCase"]["case"]["id"]))
            errors = case_errors(found, {"managerId": "managerId", "": "personId"})
        return await person_page(view, person_id, opening={"typed": typed, "errors": errors}, status=400)

    @site.page("/cases/{id}", name="case", title=N_("Case"), permission="case:read")
    async def case(view: View) -> Response:
        return await _case_page(view, view.path_id())

    for change, spec in CHANGES.items():
        site.page(
            f"/cases/{{id}}/{change}",
            name=f"case-{change}",
            permission=spec.permission,
            methods=("POST",),
        )(_changer(change))


def _changer(chosen: str) -> Handler:
    spec = CHANGES[chosen]

    async def change(view: View) -> Response:
        case_id = view.path_id()
        typed = _typed(view, chosen)
        errors = {
            name: i18n.gettext("This field is required.") for name in REQUIRED[chosen] if not typed.get(name)
        }
        if not errors:
            values = _input(chosen, typed)
            if values is None:
                errors = {"visitDate": i18n.gettext("Give the date as YYYY-MM-DD.")}
            else:
                outcome = await view.run(
                    _change_document(spec.mutation, spec.input), input={"id": case_id, **values}
                )
                if outcome.forbidden:  # another agency's case: the denial is logged by `view.run`
                    return view.render("forbidden.html", status_code=403)
                found = outcome.user_errors or outcome.payload(spec.mutation)["errors"]
                if not found:
                    return view.redirect(case_path(case_id) + "#h-" + chosen)
                errors = case_errors(found, spec.fields)
        return await _case_page(view, case_id, failed=chosen, typed=typed, errors=errors, status=400)

    return change


def _typed(view: View, change: str) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for name in CHANGES[change].fields:
        if name in MANY:
            values = view.form.getlist(name) if view.form is not None else []
            typed[name] = [v.strip() for v in values if isinstance(v, str) and v.strip()]
        else:
            typed[name] = view.field(name)
    if change == "assessment":
        for domain in LABELS["NeedDomain"]:
            typed[f"need-{domain}"] = view.field(f"need-{domain}")
    return typed


def _input(change: str, typed: dict[str, Any]) -> dict[str, Any] | None:
    """The mutation's input from what was typed (None: a value the API would not parse)."""
    if change == "assessment":
        needs = [{"domain": d, "description": typed.get(f"need-{d}") or None} for d in typed["needs"]]
        return {"needs": needs, "riskLevel": typed["riskLevel"], "note": typed["assessmentNote"] or None}
    if change == "plan":
        return {
            "needs": typed["planNeeds"],
            "goals": [line.strip() for line in typed["goals"].splitlines() if line.strip()],
            "serviceCodes": typed["serviceCodes"],
            "responsibleAgencyCodes": typed["responsibleAgencyCodes"],
        }
    if change == "entries":
        if not _is_day(typed["visitDate"]):
            return None
        return {"visitDate": typed["visitDate"], "note": typed["note"], "outcome": typed["outcome"]}
    api_field = next(iter(CHANGES[change].fields.items()))
    return {api_field[1]: typed[api_field[0]]}


def _is_day(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


async def _case_page(
    view: View,
    case_id: str,
    *,
    failed: str = "",
    typed: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    outcome = await view.run(CASE, id=case_id)
    found = outcome.data.get("case") if not outcome.user_errors else None
    if found is None:
        return view.render("not_found.html", status_code=404)
    actor = view.actor
    agency = (found["agency"] or {}).get("code")
    managing = actor is not None and agency == actor.agency_code
    offered = [
        change
        for change, spec in CHANGES.items()
        if managing and actor is not None and actor.may(spec.permission) and found["phase"] in spec.phases
    ]
    agencies: list[dict[str, Any]] = []
    services: list[dict[str, Any]] = []
    if "plan" in offered:
        catalogue = (await view.run(CATALOGUE)).data
        agencies = catalogue.get("agencies") or []
        services = [edge["node"] for edge in (catalogue.get("services") or {}).get("edges", [])]
    forms = {change: {"typed": _defaults(change, found), "errors": {}} for change in offered}
    if failed:
        forms[failed] = {"typed": typed or {}, "errors": errors or {}}
    may_refer = (
        managing
        and found["open"]
        and found["person"] is not None
        and actor is not None
        and actor.may("referral:create")
    )
    refer_path = ""
    if may_refer:
        refer_path = (
            "/referrals/new?person="
            + quote(found["person"]["id"], safe="")
            + "&case="
            + quote(found["id"], safe="")
        )
    return view.render(
        "case.html",
        status_code=status,
        case=found,
        managing=managing,
        offered=offered,
        forms=forms,
        failed=failed,
        change_labels=CHANGE_LABELS,
        agencies=agencies,
        services=services,
        labels=LABELS,
        refer_path=refer_path,
        sent=bool(view.query("sent")),
    )


def _defaults(change: str, case: dict[str, Any]) -> dict[str, Any]:
    """What a form shows before anything is typed: the plan starts from the assessed needs."""
    if change == "plan":
        plan = case.get("servicePlan")
        assessed = [need["domain"] for need in (case.get("assessment") or {}).get("needs", [])]
        if plan is not None:
            return {
                "planNeeds": list(plan["needs"]),
                "goals": "\n".join(plan["goals"] or []),
                "serviceCodes": [s["code"] for s in plan["services"]],
                "responsibleAgencyCodes": [a["code"] for a in plan["responsibleAgencies"]],
            }
        return {"planNeeds": assessed, "goals": "", "serviceCodes": [], "responsibleAgencyCodes": []}
    if change == "assessment":
        return {"needs": [], "riskLevel": "", "assessmentNote": ""}
    return {}
