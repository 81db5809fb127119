"""Referrals in the console: creating one (with the capacity answer's alternatives as choices), and the
inbox, incoming and outgoing, kept up to date without reloading.

The live part is the `referralEvents` subscription itself, run in process (`Operations.subscribe`) and
sent to the browser as server-sent events: each delivery is re-authorized and logged exactly as on the
websocket, and the event carries no personal data: it names the referral, and the page fetches that
row alone (`/referrals/rows`, a normal, logged `referral(id)` query) and swaps it in out of band.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import orjson
from starlette.responses import Response, StreamingResponse

from sxvis.web.console import i18n
from sxvis.web.console.labels import LABELS, errors_by_field
from sxvis.web.console.pages import N_, Site, View, new_key, url_id

INBOX_PAGE = 50
KEEPALIVE_SECONDS = 15.0
READY_SECONDS = 10.0

REFERRAL_FIELDS = """
  id status urgency dueAt overdue flaggedForReview reason outcome createdAt
  person { id pseudonym lastName firstName patronymic }
  fromAgency { code nameAz nameEn } toAgency { code nameAz nameEn } service { code nameAz nameEn }
"""

INBOX = f"""
query ConsoleInbox($direction: ReferralDirection!, $first: Int!) {{
  referrals(filter: {{direction: $direction}}, first: $first) {{ edges {{ node {{ {REFERRAL_FIELDS} }} }} }}
}}
"""

NEW_REFERRAL = """
query ConsoleNewReferral($id: ID!) {
  person(id: $id) { id pseudonym lastName firstName patronymic birthDate }
  consents(personId: $id) { id purpose validUntil inForce agency { code } }
  agencies { code nameAz nameEn isStateBody }
  services(first: 100) { edges { node { code nameAz nameEn } } }
}
"""

CREATE = """
mutation ConsoleCreateReferral($input: CreateReferralInput!) {
  createReferral(input: $input) {
    referral { id }
    errors { field code message }
    alternatives { agencyCode freePlaces agency { nameAz nameEn } }
  }
}
"""

MOVES: dict[str, tuple[str, str, str | None]] = {
    # move: (mutation, input type, the text field it needs)
    "accept": ("acceptReferral", "MoveReferralInput", None),
    "reject": ("rejectReferral", "ReasonedMoveInput", "reason"),
    "start": ("startReferral", "MoveReferralInput", None),
    "complete": ("completeReferral", "CompleteReferralInput", "outcome"),
    "fail": ("failReferral", "ReasonedMoveInput", "reason"),
    "cancel": ("cancelReferral", "ReasonedMoveInput", "reason"),
}
# Which moves each side may offer in each state (the services decide; this only chooses the buttons).
OFFERED = {
    ("INCOMING", "REQUESTED"): ("accept", "reject"),
    ("INCOMING", "ACCEPTED"): ("start",),
    ("INCOMING", "IN_PROGRESS"): ("complete", "fail"),
    ("OUTGOING", "REQUESTED"): ("cancel",),
}
MOVE_LABELS = {
    "accept": N_("Accept"),
    "reject": N_("Reject"),
    "start": N_("Start"),
    "complete": N_("Complete"),
    "fail": N_("Could not do it"),
    "cancel": N_("Cancel"),
}
TEXT_LABELS = {"reason": N_("Reason"), "outcome": N_("Outcome")}

ROWS_AT_ONCE = 20
"""The most rows one live refresh fetches; a larger burst refreshes the whole inbox instead."""


def _rows_document(count: int) -> str:
    """`referral(id)` for each moved referral, under aliases: one document, one batched (and logged) read."""
    variables = ", ".join(f"$id{n}: ID!" for n in range(count))
    fields = " ".join(f"r{n}: referral(id: $id{n}) {{ {REFERRAL_FIELDS} }}" for n in range(count))
    return f"query ConsoleInboxRows({variables}) {{ {fields} }}"


EVENTS = "subscription ConsoleInboxEvents { referralEvents { toStatus byAgencyCode at referral { id } } }"

CREATE_FIELDS = ("toAgencyCode", "serviceCode", "urgency", "reason", "consentId")


def _move_document(move: str) -> str:
    mutation, input_type, _ = MOVES[move]
    return (
        f"mutation ConsoleMoveReferral($input: {input_type}!) "
        f"{{ {mutation}(input: $input) {{ referral {{ id status }} errors {{ field code message }} }} }}"
    )


def register(site: Site) -> None:
    @site.page("/referrals/new", name="refer", title=N_("New referral"), permission="referral:create")
    async def new_referral(view: View) -> Response:
        typed = {"urgency": "ROUTINE", "caseId": view.query("case")}
        return await _form(view, view.query("person"), typed=typed, errors={})

    @site.page("/referrals/new", name="refer", permission="referral:create", methods=("POST",))
    async def create(view: View) -> Response:
        person_id = view.field("personId")
        typed = {name: view.field(name) for name in CREATE_FIELDS}
        typed["caseId"] = view.field("caseId")  # a referral made within a case (rule 11: coordination)
        alternative = view.field("alternative")
        if alternative:
            typed["toAgencyCode"] = alternative
        errors = {
            name: i18n.gettext("This field is required.")
            for name in ("toAgencyCode", "urgency", "reason")
            if not typed[name]
        }
        if errors:
            return await _form(view, person_id, typed=typed, errors=errors, status=400)
        values: dict[str, Any] = {k: v for k, v in typed.items() if v}
        values |= {"personId": person_id, "idempotencyKey": view.field("idempotencyKey") or new_key()}
        outcome = await view.run(CREATE, input=values)
        if outcome.user_errors:
            errors = errors_by_field(outcome.user_errors, set(CREATE_FIELDS))
            return await _form(view, person_id, typed=typed, errors=errors, status=400)
        payload = outcome.payload("createReferral")
        if not payload["errors"]:
            if typed["caseId"]:
                return view.redirect("/cases/" + url_id(typed["caseId"]) + "?sent=1#referrals")
            return view.redirect("/referrals?sent=" + quote(payload["referral"]["id"], safe=""))
        errors = errors_by_field(payload["errors"], set(CREATE_FIELDS))
        return await _form(
            view, person_id, typed=typed, errors=errors, alternatives=payload["alternatives"], status=400
        )

    @site.page("/referrals", name="inbox", title=N_("Referrals"), permission="referral:read", nav=True)
    async def inbox(view: View) -> Response:
        return view.render("inbox.html", sent=bool(view.query("sent")), **await _inbox(view))

    @site.page("/referrals/table", name="inbox-table", permission="referral:read")
    async def table(view: View) -> Response:
        return view.render("_inbox_tables.html", **await _inbox(view))

    @site.page("/referrals/rows", name="inbox-rows", permission="referral:read")
    async def rows(view: View) -> Response:
        """The rows of the referrals a live event named (`id`, repeated), for an out-of-band swap: each
        replaces its row where the page shows it (`shown`), or comes first in its table. Only these
        referrals are read (and logged), not the two lists again."""
        asked = list(dict.fromkeys(view.request.query_params.getlist("id")))
        if not asked or len(asked) > ROWS_AT_ONCE:
            return Response(status_code=400)
        shown = set(view.request.query_params.getlist("shown"))
        outcome = await view.run(_rows_document(len(asked)), **{f"id{n}": v for n, v in enumerate(asked)})
        own = view.actor.agency_code if view.actor is not None else ""
        found = []
        for n, referral_id in enumerate(asked):
            referral = outcome.data.get(f"r{n}")
            if referral is None:  # not (or no longer) the agency's to read: its row stays as it was
                continue
            receiver = (referral.get("toAgency") or {}).get("code")
            direction = "INCOMING" if receiver == own else "OUTGOING"
            found.append({"referral": referral, "direction": direction, "shown": referral_id in shown})
        return view.render("_inbox_rows.html", found=found, **_inbox_words())

    @site.page("/referrals/events", name="inbox-events", permission="referral:read")
    async def events(view: View) -> Response:
        if view.principal is None:
            return Response(status_code=401)
        return StreamingResponse(
            _event_stream(view),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @site.page("/referrals/{id}/{move}", name="move", permission="referral:read", methods=("POST",))
    async def move(view: View) -> Response:
        referral_id = view.path_id()
        chosen = view.request.path_params["move"]
        if chosen not in MOVES:
            return view.render("not_found.html", status_code=404)
        mutation, _, text_field = MOVES[chosen]
        values: dict[str, Any] = {"id": referral_id}
        problem = ""
        if text_field is not None:
            values[text_field] = view.field(text_field)
            if not values[text_field]:
                problem = i18n.gettext("This field is required.")
        if not problem:
            outcome = await view.run(_move_document(chosen), input=values)
            if outcome.forbidden:
                problem = i18n.gettext("Your role may not do this.")
            else:
                errors = outcome.user_errors or outcome.payload(mutation)["errors"]
                problem = " ".join(errors_by_field(errors, set()).values())
        listing = await _inbox(view)
        if problem:  # shown beside the move's field, keeping what was typed in it
            typed = values.get(text_field, "") if text_field is not None else ""
            listing |= {
                "problem": problem,
                "problem_for": referral_id,
                "problem_move": chosen,
                "typed": typed,
            }
        if view.request.headers.get("hx-request"):
            return view.render("_inbox_tables.html", **listing)
        if not problem:
            return view.redirect("/referrals")
        return view.render("inbox.html", status_code=400, **listing)


async def _form(
    view: View,
    person_id: str,
    *,
    typed: dict[str, str],
    errors: dict[str, str],
    alternatives: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    outcome = await view.run(NEW_REFERRAL, id=person_id) if person_id else None
    person = outcome.data.get("person") if outcome is not None and not outcome.user_errors else None
    if outcome is None or person is None:
        return view.render("not_found.html", status_code=404)
    services = [edge["node"] for edge in outcome.data["services"]["edges"]]
    consents = [c for c in outcome.data.get("consents") or [] if c["inForce"]]
    return view.render(
        "refer.html",
        status_code=status,
        person=person,
        agencies=[
            a for a in outcome.data["agencies"] if a["code"] != (view.actor.agency_code if view.actor else "")
        ],
        services=services,
        consents=consents,
        typed=typed,
        errors=errors,
        alternatives=alternatives or [],
        idempotency_key=new_key(),  # each submission of this form is its own request
        labels=LABELS,
    )


async def _inbox(view: View) -> dict[str, Any]:
    listings: dict[str, list[dict[str, Any]]] = {}
    for direction in ("INCOMING", "OUTGOING"):
        outcome = await view.run(INBOX, direction=direction, first=INBOX_PAGE)
        listings[direction] = [edge["node"] for edge in outcome.data["referrals"]["edges"]]
    return {"incoming": listings["INCOMING"], "outgoing": listings["OUTGOING"], **_inbox_words()}


def _inbox_words() -> dict[str, Any]:
    """What the inbox's rows need besides the referrals: the moves each side may offer, their words."""
    return {
        "offered": OFFERED,
        "move_labels": MOVE_LABELS,
        "moves": MOVES,
        "text_labels": TEXT_LABELS,
        "problem": "",
        "problem_for": "",
        "problem_move": "",
        "typed": "",
    }


async def _event_stream(view: View) -> AsyncIterator[bytes]:
    """`referralEvents` as server-sent events until the token expires or the browser leaves."""
    principal = view.principal
    if principal is None:
        return
    yield b": connected\n\n"
    listening = asyncio.Event()
    subscription = view.site.operations.subscribe(principal, view.request, EVENTS, listening=listening)
    deadline = principal.expires_at
    first: asyncio.Future[Any] = asyncio.ensure_future(anext(subscription))
    pending: asyncio.Future[Any] | None = first
    try:
        waiting: asyncio.Future[Any] = asyncio.ensure_future(listening.wait())
        await asyncio.wait({waiting, first}, timeout=READY_SECONDS, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if listening.is_set():
            yield b"event: ready\ndata: {}\n\n"
        while True:
            remaining = (deadline - datetime.now(UTC)).total_seconds()
            if remaining <= 0:
                yield b"event: expired\ndata: {}\n\n"
                return
            if pending is None:
                pending = asyncio.ensure_future(anext(subscription))
            done, _ = await asyncio.wait({pending}, timeout=min(KEEPALIVE_SECONDS, remaining))
            if not done:
                yield b": keep-alive\n\n"
                continue
            try:
                outcome = pending.result()
            except StopAsyncIteration:
                return
            finally:
                pending = None
            event = outcome.data.get("referralEvents")
            if event is None:
                if outcome.errors:
                    yield b"event: refused\ndata: {}\n\n"
                    return
                continue
            data = {
                "referral": event["referral"]["id"],
                "status": event["toStatus"],
                "by": event["byAgencyCode"],
            }
            yield b"event: referral\ndata: " + orjson.dumps(data) + b"\n\n"
    finally:
        if pending is not None:
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)  # stopped before the generator closes
        await subscription.aclose()  # type: ignore[attr-defined]
