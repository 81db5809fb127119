"""Applications under the service passports in the console (issue 16): the intake form, the list, an
application's page with its deadlines, evidence and history and the moves (assess, decide, withdraw),
and the queue of rationed services (vouchers) with its allocation.

The pages run the API's `submitApplication`, `applications`, `application`, `assessApplication`,
`decideApplication`, `withdrawApplication` and `allocateFromQueue` as the signed-in user.
"""

from typing import Any, NamedTuple

from starlette.responses import Response

from sxvis.web.console import i18n
from sxvis.web.console.labels import LABELS, errors_by_field
from sxvis.web.console.pages import N_, Site, View, new_key, url_id

PAGE = 50
PERSON = "person { id pseudonym lastName firstName patronymic }"
SUMMARY = f"""
  id status kind channel submittedAt deadlineAt overdue queuePosition
  {PERSON} service {{ code nameAz nameEn }} handlingAgency {{ code nameAz nameEn }}
"""

LIST = f"""
query ConsoleApplications($filter: ApplicationFilter, $after: String) {{
  applications(filter: $filter, first: {PAGE}, after: $after) {{
    totalCount edges {{ node {{ {SUMMARY} }} }} pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

ONE = f"""
query ConsoleApplication($id: ID!) {{
  application(id: $id) {{
    {SUMMARY}
    applicantKind representative {{ name relation document }} assessmentDueAt decisionPostBy assessedAt need
    decidedAt refusalGround decisionNote decisionPostedAt queuedAt allocatedAt allocatedPosition
    withdrawnReason escalatedAt provider {{ code nameAz nameEn }}
    deadlines {{ kind dueAt met }}
    documents {{ position form }}
    missingDocuments {{ position nameAz nameEn forms }}
    evidence {{ kind status sourceSystem messageId obtainedAt pendingSince error }}
    waitingFor
    history {{ action fromStatus toStatus actorUser actorAgencyCode note at }}
  }}
}}
"""

NEW = """
query ConsoleNewApplication($id: ID!) {
  person(id: $id) { id pseudonym lastName firstName patronymic }
  consents(personId: $id) { id purpose validUntil inForce agency { code } }
  services(first: 100) { edges { node { code nameAz nameEn } } }
}
"""
SERVICES = "query ConsoleServices { services(first: 100) { edges { node { code nameAz nameEn } } } }"

SUBMIT = """
mutation ConsoleSubmitApplication($input: SubmitApplicationInput!) {
  submitApplication(input: $input) { application { id } errors { field code message } }
}
"""
PAYLOAD = "application { id status } errors { field code message }"


def _move(name: str, mutation: str, input_type: str) -> str:
    return f"mutation {name}($input: {input_type}!) {{ {mutation}(input: $input) {{ {PAYLOAD} }} }}"


ASSESS = _move("ConsoleAssess", "assessApplication", "AssessApplicationInput")
DECIDE = _move("ConsoleDecide", "decideApplication", "DecideApplicationInput")
WITHDRAW = _move("ConsoleWithdraw", "withdrawApplication", "WithdrawApplicationInput")
ALLOCATE = """
mutation ConsoleAllocate($input: AllocateFromQueueInput!) {
  allocateFromQueue(input: $input) { served { id allocatedPosition } errors { field code message } }
}
"""

SUBMIT_FIELDS = (
    "fin",
    "serviceCode",
    "kind",
    "applicantKind",
    "channel",
    "consentId",
    "representativeName",
    "representativeRelation",
    "representativeDocument",
)


class Move(NamedTuple):
    """A move of an application on its page: its document, the permission it needs, its form's fields."""

    document: str
    permission: str
    fields: tuple[str, ...]
    required: tuple[str, ...]


MOVES = {
    "assess": Move(ASSESS, "application:assess", ("need", "note"), ("need",)),
    "decide": Move(
        DECIDE,
        "application:decide",
        ("decision", "ground", "note", "providerCode", "irpReference"),
        ("decision",),
    ),
    "withdraw": Move(WITHDRAW, "application:withdraw", ("reason",), ("reason",)),
}
OPEN = ("SUBMITTED", "ASSESSED", "WAITING")
VOUCHERS = "01-09-07-00"


def _path(application_id: str) -> str:
    return "/applications/" + url_id(application_id)


def register(site: Site) -> None:
    @site.page(
        "/applications/new",
        name="new-application",
        title=N_("New application"),
        permission="application:submit",
        nav=True,
    )
    async def new(view: View) -> Response:
        return await _form(view, view.query("person"), {"applicantKind": "SELF", "channel": "IN_PERSON"}, {})

    @site.page(
        "/applications/new", name="new-application", permission="application:submit", methods=("POST",)
    )
    async def submit(view: View) -> Response:
        person_id = view.field("personId")
        typed = {name: view.field(name) for name in SUBMIT_FIELDS}
        errors = {
            name: i18n.gettext("This field is required.")
            for name in ("serviceCode", "applicantKind", "channel")
            if not typed[name]
        }
        if not person_id and not typed["fin"]:
            errors["fin"] = i18n.gettext("Give the person's FIN.")
        if errors:
            return await _form(view, person_id, typed, errors, status=400)
        values: dict[str, Any] = {
            "serviceCode": typed["serviceCode"],
            "applicantKind": typed["applicantKind"],
            "channel": typed["channel"],
            "idempotencyKey": view.field("idempotencyKey") or new_key(),
        }
        if person_id:
            values["personId"] = person_id
        else:
            values["fin"] = typed["fin"]
        for name in ("kind", "consentId"):
            if typed[name]:
                values[name] = typed[name]
        if typed["representativeName"]:
            values["representative"] = {
                "name": typed["representativeName"],
                "relation": typed["representativeRelation"] or None,
                "document": typed["representativeDocument"] or None,
            }
        outcome = await view.run(SUBMIT, input=values)
        found = outcome.user_errors or outcome.payload("submitApplication")["errors"]
        if not found:
            return view.redirect(_path(outcome.data["submitApplication"]["application"]["id"]))
        known = set(SUBMIT_FIELDS) | {"personId"}
        shown = errors_by_field(found, known)
        if "personId" in shown:
            shown["fin"] = shown.pop("personId")
        if "representative" in {str(e.get("field") or "").split(".")[0] for e in found}:
            shown["representativeName"] = shown.pop("", "")
        return await _form(view, person_id, typed, shown, status=400)

    @site.page(
        "/applications/queue",
        name="voucher-queue",
        title=N_("Voucher queue"),
        permission="queue:allocate",
        nav=True,
    )
    async def queue(view: View) -> Response:
        return await _queue(view, {"serviceCode": VOUCHERS, "kind": "TREATMENT", "count": "1"}, {})

    @site.page("/applications/queue", name="voucher-queue", permission="queue:allocate", methods=("POST",))
    async def allocate(view: View) -> Response:
        typed = {name: view.field(name) for name in ("serviceCode", "kind", "count")}
        errors: dict[str, str] = {}
        if not typed["serviceCode"]:
            errors["serviceCode"] = i18n.gettext("This field is required.")
        if not typed["count"].isdigit() or not 1 <= int(typed["count"]) <= 100:
            errors["count"] = i18n.gettext("A whole number from 1 to 100.")
        if not errors:
            values = {
                "serviceCode": typed["serviceCode"],
                "kind": typed["kind"] or None,
                "count": int(typed["count"]),
            }
            outcome = await view.run(ALLOCATE, input=values)
            found = outcome.user_errors or outcome.payload("allocateFromQueue")["errors"]
            if not found:
                served = len(outcome.data["allocateFromQueue"]["served"])
                return view.redirect(f"/applications/queue?served={served}")
            errors = errors_by_field(found, set(typed))
        return await _queue(view, typed, errors, status=400)

    @site.page(
        "/applications",
        name="applications",
        title=N_("Applications"),
        permission="application:read",
        nav=True,
    )
    async def applications(view: View) -> Response:
        status = view.query("status")
        given: dict[str, Any] = {}
        if status in LABELS["ApplicationStatus"]:
            given["status"] = status
        if view.query("overdue") == "1":
            given["overdue"] = True
        outcome = await view.run(LIST, filter=given or None, after=view.query("after") or None)
        found = outcome.data["applications"]
        return view.render(
            "applications.html",
            found=found,
            items=[edge["node"] for edge in found["edges"]],
            typed={"status": status, "overdue": view.query("overdue")},
            statuses=LABELS["ApplicationStatus"],
        )

    @site.page("/applications/{id}", name="application", permission="application:read")
    async def application(view: View) -> Response:
        return await _page(view, view.path_id(), {}, status=200)

    for move, (document, permission, fields, required) in MOVES.items():
        _register_move(site, move, document, permission, fields, required)


def _register_move(
    site: Site, move: str, document: str, permission: str, fields: tuple[str, ...], required: tuple[str, ...]
) -> None:
    mutation = {
        "assess": "assessApplication",
        "decide": "decideApplication",
        "withdraw": "withdrawApplication",
    }[move]

    @site.page(
        f"/applications/{{id}}/{move}", name=f"application-{move}", permission=permission, methods=("POST",)
    )
    async def moved(view: View) -> Response:
        application_id = view.path_id()
        typed = {name: view.field(name) for name in fields}
        errors = {name: i18n.gettext("This field is required.") for name in required if not typed[name]}
        if move == "decide" and typed.get("decision") == "REFUSE" and not typed.get("ground"):
            errors["ground"] = i18n.gettext("A refusal needs its ground.")
        if not errors:
            values = {"id": application_id} | {k: v for k, v in typed.items() if v}
            outcome = await view.run(document, input=values)
            found = outcome.user_errors or outcome.payload(mutation)["errors"]
            if not found:
                return view.redirect(_path(application_id))
            errors = errors_by_field(found, set(fields))
        return await _page(view, application_id, {move: {"typed": typed, "errors": errors}}, status=400)


async def _page(
    view: View, application_id: str, forms: dict[str, dict[str, Any]], *, status: int
) -> Response:
    outcome = await view.run(ONE, id=application_id)
    found = outcome.data.get("application")
    if found is None:
        return view.site.error(view.request, 404, i18n.gettext("There is no such page."))
    empty: dict[str, Any] = {"typed": {}, "errors": {}}
    actor = view.actor
    return view.render(
        "application.html",
        a=found,
        forms={move: forms.get(move, empty) for move in MOVES},
        may={move: actor is not None and actor.may(step.permission) for move, step in MOVES.items()},
        open=found["status"] in OPEN,
        decisions=LABELS["ApplicationDecision"],
        grounds=LABELS["RefusalGround"],
        status_code=status,
    )


async def _form(
    view: View, person_id: str, typed: dict[str, str], errors: dict[str, str], *, status: int = 200
) -> Response:
    person = None
    consents: list[dict[str, Any]] = []
    if person_id:
        outcome = await view.run(NEW, id=person_id)
        person = outcome.data.get("person")
        consents = [c for c in outcome.data.get("consents") or [] if c["inForce"]]
        services = outcome.data["services"]
    else:
        services = (await view.run(SERVICES)).data["services"]
    return view.render(
        "application_new.html",
        person=person,
        person_id=person_id if person else "",
        consents=consents,
        services=[edge["node"] for edge in services["edges"]],
        typed=typed,
        errors=errors,
        kinds=LABELS["ApplicantKind"],
        channels=LABELS["ApplicationForm"],
        key=view.field("idempotencyKey") or new_key(),
        status_code=status,
    )


async def _queue(view: View, typed: dict[str, str], errors: dict[str, str], *, status: int = 200) -> Response:
    outcome = await view.run(LIST, filter={"queue": True}, after=view.query("after") or None)
    found = outcome.data["applications"]
    waiting = sorted((edge["node"] for edge in found["edges"]), key=lambda a: a["queuePosition"] or 0)
    return view.render(
        "voucher_queue.html",
        waiting=waiting,
        found=found,
        typed=typed,
        errors=errors,
        served=view.query("served"),
        status_code=status,
    )
