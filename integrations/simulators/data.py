"""What the simulated ministries know: answers consistent with the demo registry, derived from the FIN.

The demo registry is generated, not stored (`sxvis.seed._generate`, deterministic for a seed), so the
simulators generate the same persons, households and circumstances, and answer from them: a demo person
with a disability circumstance has a TSERAS record, an elderly one a pension, a household's members are
registered at its address with their relations and ages. Where the registry holds nothing the ministry
would know (an employer, an amount), a hash of the seed, the ministry and the FIN decides, so every
answer is the same on every run. A FIN the demo does not know gets hash-derived answers too, except the
address registry, which has no address for it (404).

Tests and demos can set the answer for one FIN (`put`): a record, or None for "no record".
"""

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sxvis import clock
from sxvis.registry.enums import CircumstanceCategory, HouseholdRelation
from sxvis.seed._generate import CircumstanceRow, PersonRow, age_on, generate

_C = CircumstanceCategory
_R = HouseholdRelation

Answer = dict[str, Any] | None
"""A ministry's record for one FIN (the JSON body of a 200), or None for "no record" (a 404)."""

_CAUSES_ADULT = ("general illness", "work injury", "occupational disease", "since childhood", "war injury")
_CAUSES_ADULT_CUM = (0.55, 0.67, 0.75, 0.9, 1.0)
_EMPLOYERS = (
    "Azərsu ASC",
    "Azərişıq ASC",
    "Bakı Metropoliteni QSC",
    "Azərbaycan Dəmir Yolları QSC",
    "Kapital Bank ASC",
    "Bravo Supermarket MMC",
    "Gəncə Tekstil Fabriki MMC",
    "Lənkəran Çay MMC",
    "Şəki İpək MMC",
    "Rayon İcra Hakimiyyəti",
    "Ümumtəhsil məktəbi",
    "Mərkəzi Rayon Xəstəxanası",
)
_DISABLING = frozenset({_C.ADULT_WITH_DISABILITY, _C.CHILD_WITH_DISABILITY})
_MARGINAL = frozenset({_C.HOMELESS, _C.SOCIALLY_EXCLUDED, _C.RELEASED_FROM_PRISON, _C.UNABLE_TO_SELF_CARE})

# A resident's relation to the household head, seen from the person asked about (rows: the person's own
# relation to the head). What a table cannot tell (a head's parent seen by the head's spouse …) is
# OTHER_RELATIVE; a non-relative or guardian stays what it is.
_SEEN_FROM: dict[_R, dict[_R, _R]] = {
    _R.SPOUSE: {_R.HEAD: _R.SPOUSE, _R.CHILD: _R.CHILD, _R.GRANDCHILD: _R.GRANDCHILD},
    _R.CHILD: {_R.HEAD: _R.PARENT, _R.SPOUSE: _R.PARENT, _R.CHILD: _R.SIBLING, _R.PARENT: _R.GRANDPARENT},
    _R.PARENT: {_R.HEAD: _R.CHILD, _R.CHILD: _R.GRANDCHILD, _R.PARENT: _R.SPOUSE, _R.SIBLING: _R.CHILD},
    _R.SIBLING: {_R.HEAD: _R.SIBLING, _R.SIBLING: _R.SIBLING, _R.PARENT: _R.PARENT},
    _R.GRANDPARENT: {_R.HEAD: _R.GRANDCHILD, _R.GRANDPARENT: _R.SPOUSE, _R.PARENT: _R.CHILD},
    _R.GRANDCHILD: {_R.HEAD: _R.GRANDPARENT, _R.SPOUSE: _R.GRANDPARENT, _R.GRANDCHILD: _R.SIBLING},
}


def seen_from(subject: _R, other: _R) -> _R:
    if other in (_R.NON_RELATIVE, _R.GUARDIAN) or subject is _R.HEAD:
        return other
    return _SEEN_FROM.get(subject, {}).get(other, _R.OTHER_RELATIVE)


@dataclass
class _Household:
    address: str
    members: list[tuple[uuid.UUID, _R]] = field(default_factory=list)


class DemoWorld:
    """The simulated ministries' knowledge of the demo registry (`sxvis serve --demo`: 2,000 persons)."""

    def __init__(self, *, seed: int = 2026, persons: int = 2000, today: date | None = None) -> None:
        self.seed = seed
        self.today = today or clock.today()
        self._persons: dict[str, PersonRow] = {}
        self._by_id: dict[uuid.UUID, PersonRow] = {}
        self._held: dict[uuid.UUID, set[CircumstanceCategory]] = defaultdict(set)
        self._households: dict[uuid.UUID, _Household] = {}
        self._relation: dict[uuid.UUID, _R] = {}
        self._overrides: dict[tuple[str, str], Answer] = {}
        for batch in generate(seed, persons, today=self.today):
            for person in batch.persons:
                self._persons[person.fin] = person
                self._by_id[person.id] = person
            for circumstance in batch.circumstances:
                if self._active(circumstance):
                    self._held[circumstance.person_id].add(CircumstanceCategory(circumstance.category))
            addresses = {h.id: h.address_line for h in batch.households}
            for member in batch.members:
                household = self._households.setdefault(
                    member.household_id, _Household(addresses.get(member.household_id, ""))
                )
                household.members.append((member.person_id, _R(member.relation)))
                self._relation[member.person_id] = _R(member.relation)

    def _active(self, row: CircumstanceRow) -> bool:
        return row.until is None or row.until >= self.today

    @property
    def fins(self) -> list[str]:
        return list(self._persons)

    def knows(self, fin: str) -> bool:
        return fin in self._persons

    def put(self, ministry: str, fin: str, answer: Answer) -> None:
        """Make `ministry` answer `answer` for `fin` from now on (None: "no record", a 404)."""
        self._overrides[(ministry, fin)] = answer

    def forget_overrides(self) -> None:
        self._overrides.clear()

    def answer(self, ministry: str, fin: str) -> Answer:
        if (ministry, fin) in self._overrides:
            return self._overrides[(ministry, fin)]
        person = self._persons.get(fin)
        if ministry == "tseras":
            return self._disability(fin, person)
        if ministry == "employment":
            return self._employment(fin, person)
        if ministry == "vemtas":
            return self._aid(fin, person)
        if ministry == "address":
            return None if person is None else self._residents(person)
        if ministry == "pension":
            return self._pension(fin, person)
        raise ValueError(f"{ministry} answers no queries")

    # Deterministic chance: the same seed, ministry, FIN and question give the same number in [0, 1).

    def _roll(self, ministry: str, fin: str, question: str = "") -> float:
        digest = hashlib.sha256(f"{self.seed}:{ministry}:{fin}:{question}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def _age(self, person: PersonRow) -> int:
        return age_on(person.birth_date, self.today)

    def _disability(self, fin: str, person: PersonRow | None) -> Answer:
        held = self._held.get(person.id, set()) if person else set()
        roll = self._roll("tseras", fin)
        if person is None:
            disabled = roll < 0.06  # about the country's share (614,731 of 10.16 million)
        else:
            disabled = bool(held & _DISABLING) or (_C.UNABLE_TO_SELF_CARE in held and roll < 0.4)
        if not disabled:
            return None
        child = person is not None and self._age(person) < 18
        group = 1 if child else 1 + sum(roll > edge for edge in (0.2, 0.65))
        cause_roll = self._roll("tseras", fin, "cause")
        cause = "since childhood" if child else _pick(_CAUSES_ADULT, _CAUSES_ADULT_CUM, cause_roll)
        # Group I, and anyone past 60, is set without a re-examination date; the rest for one to three years.
        lasting = group == 1 or (person is not None and self._age(person) >= 60)
        days = 365 + int(self._roll("tseras", fin, "days") * 730)
        until = None if lasting else self.today + timedelta(days=days)
        return {"group": group, "cause": cause, "valid_until": _iso(until)}

    def _employment(self, fin: str, person: PersonRow | None) -> Answer:
        roll = self._roll("employment", fin)
        if person is None:
            working, born = roll < 0.5, None
        else:
            age = self._age(person)
            held = self._held.get(person.id, set())
            chance = 0.2 if held & _MARGINAL else 0.55
            severe = self._disability(fin, person)
            if severe is not None and severe["group"] == 1:
                chance = 0.03
            working, born = 18 <= age < 65 and roll < chance, person.birth_date
        if not working:
            return {"employed": False, "employer": None, "since": None}
        earliest = self.today - timedelta(days=10 * 365)
        if born is not None:
            earliest = max(earliest, date(born.year + 18, born.month, min(born.day, 28)))
        span = max(1, (self.today - earliest).days)
        since = earliest + timedelta(days=int(self._roll("employment", fin, "since") * span))
        employer = _EMPLOYERS[int(self._roll("employment", fin, "employer") * len(_EMPLOYERS))]
        return {"employed": True, "employer": employer, "since": since.isoformat()}

    def _aid(self, fin: str, person: PersonRow | None) -> Answer:
        # Targeted assistance is granted to a family: every member gets the same answer.
        members = 1
        key = fin
        needy = False
        if person is not None and person.household_id is not None:
            household = self._households.get(person.household_id)
            if household is not None:
                members = len(household.members)
                key = str(person.household_id)
                needy = any(
                    self._held.get(pid, set()) & (_DISABLING | _MARGINAL) for pid, _ in household.members
                )
        roll = self._roll("vemtas", key)
        if roll >= (0.3 if needy else 0.1):
            return {"receives": False, "amount": None, "until": None}
        amount = 75 * members + int(self._roll("vemtas", key, "amount") * 60)
        until = self.today + timedelta(days=30 + int(self._roll("vemtas", key, "until") * 330))
        return {"receives": True, "amount": f"{amount}.00", "until": until.isoformat()}

    def _residents(self, person: PersonRow) -> Answer:
        if person.household_id is None:
            return None  # not registered at any address (homeless, or in an institution)
        household = self._households.get(person.household_id)
        if household is None:
            return None
        subject = self._relation.get(person.id, _R.HEAD)
        residents = []
        for member_id, relation in household.members:
            if member_id == person.id:
                continue
            other = self._by_id[member_id]
            residents.append(
                {
                    "fin": other.fin,
                    "name": f"{other.last_name} {other.first_name} {other.patronymic}",
                    "birth_date": other.birth_date.isoformat(),
                    "age": self._age(other),
                    "relation": seen_from(subject, relation).value,
                }
            )
        return {"address": f"{household.address}, {person.district_code}", "residents": residents}

    def _pension(self, fin: str, person: PersonRow | None) -> Answer:
        roll = self._roll("pension", fin)
        if person is None:
            kind = "AGE" if roll < 0.12 else None
        else:
            age = self._age(person)
            held = self._held.get(person.id, set())
            if age >= 65:
                kind = "AGE"
            elif self._disability(fin, person) is not None and age >= 18:
                kind = "DISABILITY"
            elif _C.CHILD_WITHOUT_PARENTAL_CARE in held and roll < 0.5:
                kind = "SURVIVOR"
            else:
                kind = None
        if kind is None:
            return {"receives": False, "kind": None, "amount": None}
        base = {"AGE": 280, "DISABILITY": 230, "SURVIVOR": 180}[kind]
        amount = base + int(self._roll("pension", fin, "amount") * 320)
        return {"receives": True, "kind": kind, "amount": f"{amount}.00"}


def _pick(values: tuple[str, ...], cumulative: tuple[float, ...], roll: float) -> str:
    for value, edge in zip(values, cumulative, strict=True):
        if roll < edge:
            return value
    return values[-1]


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
