"""The social worker's pages about persons: search as you type, a person's page, registration,
consent, break-the-glass. Each runs the GraphQL documents below, as the signed-in user."""

from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from sxvis.web.console import i18n
from sxvis.web.console.labels import LABELS, errors_by_field
from sxvis.web.console.pages import N_, Site, View, url_id

SEARCH_MIN_LETTERS = 2
# The best matches shown as the worker types. Beyond them the page says only that more match, not how
# many: counting every match cost a large agency 150-400 ms a keystroke on a million persons, several
# times the search itself (docs/performance.md, "A count and a search cost a small remit").
SEARCH_PAGE = 20

SEARCH = """
query ConsoleSearch($text: String!, $first: Int!) {
  persons(filter: {text: $text}, first: $first) {
    pageInfo { hasNextPage }
    edges { node { id pseudonym fin lastName firstName patronymic birthDate age regionCode protected } }
  }
}
"""

PERSON = """
query ConsolePerson($id: ID!, $checks: Boolean!, $cases: Boolean!) {
  person(id: $id) {
    id pseudonym fin lastName firstName patronymic birthDate age sex residenceStatus
    regionCode districtCode addressLine phone email protected dateOfDeath
    registeredBy { code nameAz nameEn }
    circumstances { category since until active note sourceAgency { code } }
    enrollments {
      status startedOn endedOn serviceCode service { nameAz nameEn } provider { code nameAz nameEn }
    }
    checks @include(if: $checks) {
      kind status sourceSystem messageId obtainedAt validUntil fresh pendingSince error
    }
    cases @include(if: $cases) { id phase open openedAt closedAt managerId agency { code nameAz nameEn } }
  }
}
"""

PERSON_REFERRALS = """
query ConsolePersonReferrals($id: ID!, $cases: Boolean!) {
  referrals(filter: {personId: $id}, first: 100) {
    totalCount
    edges {
      node {
        id status urgency dueAt overdue createdAt caseId @include(if: $cases)
        fromAgency { code nameAz nameEn } toAgency { code nameAz nameEn } service { code nameAz nameEn }
      }
    }
  }
}
"""

CONSENTS = """
query ConsolePersonConsents($id: ID!) {
  consents(personId: $id) { id purpose validUntil inForce recordedAt agency { code nameAz nameEn } }
}
"""

AGENCIES = "query ConsoleAgencies { agencies { code nameAz nameEn isStateBody } }"

REGISTER = """
mutation ConsoleRegister($input: RegisterPersonInput!) {
  registerPerson(input: $input) { person { id } errors { field code message } }
}
"""

RECORD_CONSENT = """
mutation ConsoleRecordConsent($input: RecordConsentInput!) {
  recordConsent(input: $input) { consent { id } errors { field code message } }
}
"""

UPDATE = """
mutation ConsoleUpdatePerson($input: UpdatePersonInput!) {
  updatePerson(input: $input) { person { id } errors { field code message } }
}
"""

BREAK_GLASS = """
mutation ConsoleBreakGlass($input: BreakGlassInput!) {
  breakGlass(input: $input) { grant { expiresAt person { id } } errors { field code message } }
}
"""

REGISTER_FIELDS = (
    "fin",
    "lastName",
    "firstName",
    "patronymic",
    "birthDate",
    "sex",
    "residenceStatus",
    "regionCode",
    "districtCode",
    "addressLine",
    "phone",
    "email",
)
REQUIRED = {"fin", "lastName", "firstName", "birthDate", "sex", "residenceStatus"}
CONSENT_FIELDS = ("agencyCode", "purpose", "validUntil")
BREAK_GLASS_FIELDS = ("reasonCode", "reason")


def register(site: Site) -> None:
    @site.page("/persons", name="persons", title=N_("Find a person"), permission="person:search", nav=True)
    async def persons(view: View) -> Response:
        text = view.query("q")
        results = await _search(view, text)
        return view.render("persons.html", q=text, **results)

    @site.page("/persons/results", name="person-results", permission="person:search")
    async def results(view: View) -> Response:
        text = view.query("q")
        return view.render("_person_results.html", q=text, **await _search(view, text))

    @site.page(
        "/persons/new", name="register", title=N_("Register a person"), permission="person:register", nav=True
    )
    async def register_form(view: View) -> Response:
        return view.render("register.html", typed={}, errors={}, labels=LABELS, words=_register_words())

    @site.page("/persons/new", name="register", permission="person:register", methods=("POST",))
    async def register_person(view: View) -> Response:
        typed = {name: view.field(name) for name in REGISTER_FIELDS}
        typed["protected"] = "on" if view.field("protected") else ""
        errors = {name: i18n.gettext("This field is required.") for name in REQUIRED if not typed.get(name)}
        if not errors:
            values: dict[str, Any] = {k: v for k, v in typed.items() if v and k != "protected"}
            values["protected"] = bool(typed["protected"])
            outcome = await view.run(REGISTER, input=values)
            if outcome.user_errors:
                errors = errors_by_field(outcome.user_errors, set(REGISTER_FIELDS))
            else:
                payload = outcome.payload("registerPerson")
                if not payload["errors"]:
                    return view.redirect(_person_path(payload["person"]["id"]))
                errors = errors_by_field(payload["errors"], set(REGISTER_FIELDS))
        return view.render(
            "register.html",
            status_code=400,
            typed=typed,
            errors=errors,
            labels=LABELS,
            words=_register_words(),
        )

    @site.page(
        "/persons/{id}/edit", name="correct", title=N_("Correct the record"), permission="person:update"
    )
    async def correct_form(view: View) -> Response:
        person = await _editable(view)
        if person is None:
            return view.render("not_found.html", status_code=404)
        typed = {name: str(person.get(name) or "") for name in REGISTER_FIELDS}
        typed["protected"] = "on" if person.get("protected") else ""
        return _edit_page(view, person, typed, {})

    @site.page("/persons/{id}/edit", name="correct", permission="person:update", methods=("POST",))
    async def correct(view: View) -> Response:
        person = await _editable(view)
        if person is None:
            return view.render("not_found.html", status_code=404)
        typed = {name: view.field(name) for name in REGISTER_FIELDS}
        typed["protected"] = "on" if view.field("protected") else ""
        errors = {name: i18n.gettext("This field is required.") for name in REQUIRED if not typed.get(name)}
        if errors:
            return _edit_page(view, person, typed, errors, status=400)
        # Only what changed is sent: "only the fields given change" (updatePerson).
        changes: dict[str, Any] = {
            name: (typed[name] or None)
            for name in REGISTER_FIELDS
            if typed[name] != str(person.get(name) or "")
        }
        if bool(typed["protected"]) != bool(person.get("protected")):
            changes["protected"] = bool(typed["protected"])
        if changes:
            outcome = await view.run(UPDATE, input={"id": person["id"], **changes})
            found = outcome.user_errors or outcome.payload("updatePerson")["errors"]
            if found:
                return _edit_page(
                    view, person, typed, errors_by_field(found, set(REGISTER_FIELDS)), status=400
                )
        return view.redirect(_person_path(person["id"]))

    @site.page("/persons/{id}", name="person", title=N_("Person"), permission="person:read")
    async def person(view: View) -> Response:
        return await person_page(view, view.path_id())

    @site.page("/persons/{id}/consents", name="consent", permission="consent:record", methods=("POST",))
    async def record_consent(view: View) -> Response:
        person_id = view.path_id()
        typed = {name: view.field(name) for name in CONSENT_FIELDS}
        errors = {name: i18n.gettext("This field is required.") for name in CONSENT_FIELDS if not typed[name]}
        if not errors:
            outcome = await view.run(RECORD_CONSENT, input={"personId": person_id, **typed})
            found = outcome.user_errors or outcome.payload("recordConsent")["errors"]
            if not found:
                return view.redirect(_person_path(person_id) + "#consents")
            errors = errors_by_field(found, set(CONSENT_FIELDS))
        return await person_page(view, person_id, consent={"typed": typed, "errors": errors}, status=400)

    @site.page(
        "/persons/{id}/break-glass", name="break-glass", permission="person:break_glass", methods=("POST",)
    )
    async def break_glass(view: View) -> Response:
        person_id = view.path_id()
        typed = {name: view.field(name) for name in BREAK_GLASS_FIELDS}
        errors = {
            name: i18n.gettext("This field is required.") for name in BREAK_GLASS_FIELDS if not typed[name]
        }
        if not errors:
            outcome = await view.run(BREAK_GLASS, input={"personId": person_id, **typed})
            found = outcome.user_errors or outcome.payload("breakGlass")["errors"]
            if not found:
                opened = outcome.data["breakGlass"]["grant"]["person"]
                return view.redirect(_person_path(opened["id"] if opened else person_id))
            errors = errors_by_field(found, set(BREAK_GLASS_FIELDS))
        return await person_page(view, person_id, glass={"typed": typed, "errors": errors}, status=400)


async def _editable(view: View) -> dict[str, Any] | None:
    outcome = await view.run(PERSON, id=view.path_id(), checks=False, cases=False)
    found = outcome.data.get("person") if not outcome.user_errors else None
    if found is None or found.get("pseudonym"):
        return None  # a record shown under a pseudonym is not for this agency to correct
    return found  # type: ignore[no-any-return]


def _edit_page(
    view: View, person: dict[str, Any], typed: dict[str, str], errors: dict[str, str], *, status: int = 200
) -> Response:
    return view.render(
        "register.html",
        status_code=status,
        typed=typed,
        errors=errors,
        labels=LABELS,
        words={
            "action": f"/persons/{url_id(person['id'])}/edit",
            "heading": i18n.gettext("Correct the record of %(name)s")
            % {"name": f"{person['lastName']} {person['firstName']}"},
            "submit": i18n.gettext("Save the corrections"),
        },
    )


async def _search(view: View, text: str) -> dict[str, Any]:
    if len(text.strip()) < SEARCH_MIN_LETTERS:
        return {"found": None, "more": False, "problem": ""}
    outcome = await view.run(SEARCH, text=text.strip(), first=SEARCH_PAGE)
    if outcome.user_errors:
        problem = i18n.gettext("This search cannot be run; change it.")
        return {"found": None, "more": False, "problem": problem}
    connection = outcome.data["persons"]
    return {
        "found": [edge["node"] for edge in connection["edges"]],
        "more": connection["pageInfo"]["hasNextPage"],
        "problem": "",
    }


async def person_page(
    view: View,
    person_id: str,
    *,
    consent: dict[str, Any] | None = None,
    glass: dict[str, Any] | None = None,
    opening: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    # Only what the role may read: asking for more would be refused (and logged as a denial) each time.
    may = view.actor.may if view.actor is not None else (lambda action: False)
    outcome = await view.run(PERSON, id=person_id, checks=may("check:read"), cases=may("case:read"))
    found = outcome.data.get("person") if not outcome.user_errors else None
    if found is None:
        return view.render("not_found.html", status_code=404)
    consents: list[dict[str, Any]] = []
    if view.actor is not None and view.actor.may("consent:record") and not found["pseudonym"]:
        listed = await view.run(CONSENTS, id=found["id"])
        consents = listed.data.get("consents") or []
    referrals: list[dict[str, Any]] = []
    referral_count = 0
    if may("referral:read"):  # all of them, made within a case or not (`referrals(filter: {personId})`)
        answer = (await view.run(PERSON_REFERRALS, id=found["id"], cases=may("case:read"))).data
        referrals = [edge["node"] for edge in answer["referrals"]["edges"]]
        referral_count = answer["referrals"]["totalCount"]
    own = view.actor.agency_code if view.actor is not None else ""
    may_open_case = (
        may("case:open")
        and "cases" in found
        and not any(c["open"] and c["agency"] and c["agency"]["code"] == own for c in found["cases"])
    )
    agencies = (await view.run(AGENCIES)).data.get("agencies") or []
    return view.render(
        "person.html",
        status_code=status,
        person=found,
        consents=consents,
        agencies=agencies,
        consent=consent or {"typed": {}, "errors": {}},
        glass=glass or {"typed": {}, "errors": {}},
        opening=opening or {"typed": {"managerId": view.actor.user_id if view.actor else ""}, "errors": {}},
        may_open_case=may_open_case or opening is not None,
        referrals=referrals,
        referral_count=referral_count,
        labels=LABELS,
        refer_path="/referrals/new?person=" + quote(found["id"], safe=""),
    )


def _register_words() -> dict[str, str]:
    return {
        "action": "/persons/new",
        "heading": i18n.gettext("Register a person"),
        "submit": i18n.gettext("Register"),
    }


def _person_path(person_id: str) -> str:
    return "/persons/" + url_id(person_id)
