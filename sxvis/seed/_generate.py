"""Synthetic registry records for the demo and for load tests: pure Python, no database.

Search, duplicate detection, remit and paging are only fairly tested on data shaped like the real
registry: families that share a surname root and whose children carry the head's name in their
patronymic, people spread over the regions as the population is, circumstances that fit a person's age,
and enrollments that obey the passports (eligibility, IRP, refusal grounds). Everything random comes
from one `random.Random` seeded by (seed, start), UUIDs included, so a seed names a data set. FINs come
from the person's index instead, through a bijection: a later run that starts where an earlier one
stopped gets other indexes, hence other FINs, and cannot clash.

Rows are NamedTuples whose field names are the table's column names, so the loader can COPY them as
they are and the column lists cannot drift from the records.
"""

import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from typing import NamedTuple

from sxvis import clock
from sxvis.catalogue.agencies import AGENCIES
from sxvis.catalogue.passports import PASSPORTS
from sxvis.geography import REGIONS, STREET_NAMES
from sxvis.registry.enums import (
    CircumstanceCategory,
    EnrollmentEndReason,
    EnrollmentStatus,
    HouseholdRelation,
    ResidenceStatus,
)
from sxvis.seed.catalogue import provider_pairs
from sxvis.seed.names import NameGenerator, female_surname, patronymic

RECORDED_BY = "seed@VXSIDA"


class PersonRow(NamedTuple):
    id: uuid.UUID
    fin: str
    last_name: str
    first_name: str
    patronymic: str
    birth_date: date
    sex: str
    residence_status: str
    region_code: str
    district_code: str
    address_line: str | None
    phone: str | None
    email: str | None
    protected: bool
    household_id: uuid.UUID | None
    registered_by: str
    protected_by: str | None  # the agency that protects them: the one that registered the protection


class HouseholdRow(NamedTuple):
    id: uuid.UUID
    head_person_id: uuid.UUID
    region_code: str
    district_code: str
    address_line: str


class MemberRow(NamedTuple):
    person_id: uuid.UUID
    household_id: uuid.UUID
    relation: str


class CircumstanceRow(NamedTuple):
    id: uuid.UUID
    person_id: uuid.UUID
    category: str
    since: date
    until: date | None
    source_agency: str
    recorded_by: str


class EnrollmentRow(NamedTuple):
    id: uuid.UUID
    person_id: uuid.UUID
    service_code: str
    provider_code: str
    status: str
    started_on: date
    ended_on: date | None
    end_reason: str | None
    irp_reference: str | None
    recorded_by: str


@dataclass
class Batch:
    """Whole households (a household never spans two batches), so each batch loads on its own."""

    persons: list[PersonRow] = field(default_factory=list)
    households: list[HouseholdRow] = field(default_factory=list)
    members: list[MemberRow] = field(default_factory=list)
    circumstances: list[CircumstanceRow] = field(default_factory=list)
    enrollments: list[EnrollmentRow] = field(default_factory=list)


# FINs

FIN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
FIN_SPACE = 36**7
# A multiplier prime to 36 is invertible modulo 36**7, so index -> FIN is a bijection on [0, 36**7); a
# large one scatters neighbouring indexes over the whole space, so seeded FINs do not look sequential.
_FIN_MULTIPLIER = 48_271_000_013
_FIN_OFFSET = 20_260_101_777


def fin_for(index: int) -> str:
    """The FIN of the person with this index: distinct indexes give distinct FINs."""
    if not 0 <= index < FIN_SPACE:
        raise ValueError(f"a person index lies in [0, 36**7), not {index}")
    number = (index * _FIN_MULTIPLIER + _FIN_OFFSET) % FIN_SPACE
    letters = []
    for _ in range(7):
        number, digit = divmod(number, 36)
        letters.append(FIN_ALPHABET[digit])
    return "".join(reversed(letters))


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _anniversary(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # born on 29 February
        return born.replace(year=born.year + years, day=28)


# Circumstances

_C = CircumstanceCategory
_ANY_AGE = 200
# Ages (whole years, inclusive) at which a category can hold: the Strategy's children are under 18, care
# leavers 18-23, the elderly 65 and over; the rest follow the law on who can be in the situation.
_AGES: dict[CircumstanceCategory, tuple[int, int]] = {
    _C.CHILD_WITHOUT_PARENTAL_CARE: (0, 17),
    _C.CARE_LEAVER_WITHOUT_HOME: (18, 23),
    _C.CHILD_WITH_DISABILITY: (0, 17),
    _C.ADULT_WITH_DISABILITY: (18, _ANY_AGE),
    _C.NEGLECTED_CHILD: (0, 17),
    _C.UNABLE_TO_SELF_CARE: (18, _ANY_AGE),
    _C.TERMINALLY_ILL: (0, _ANY_AGE),
    _C.TRAFFICKING_VICTIM: (14, _ANY_AGE),
    _C.TRAFFICKING_RISK: (12, 35),
    _C.DOMESTIC_VIOLENCE_VICTIM: (16, _ANY_AGE),
    _C.HOMELESS: (18, _ANY_AGE),
    _C.SOCIALLY_EXCLUDED: (18, _ANY_AGE),
    _C.RELEASED_FROM_PRISON: (18, _ANY_AGE),
    _C.ELDERLY: (65, _ANY_AGE),
}
# The chance that a person whose age allows a category is in it, tuned for about 1.2 circumstances a
# person. Domestic violence is left out: it comes only with protection (`_PROTECTED_SHARE`), so the two
# always travel together; homelessness comes only with having no household.
_RATES: dict[CircumstanceCategory, float] = {
    _C.ELDERLY: 0.9,
    _C.ADULT_WITH_DISABILITY: 0.45,
    _C.CHILD_WITH_DISABILITY: 0.45,
    _C.CHILD_WITHOUT_PARENTAL_CARE: 0.5,  # only children not living with a parent
    _C.CARE_LEAVER_WITHOUT_HOME: 0.4,  # only young adults not living with a parent
    _C.NEGLECTED_CHILD: 0.3,
    _C.SOCIALLY_EXCLUDED: 0.3,
    _C.UNABLE_TO_SELF_CARE: 0.2,
    _C.TRAFFICKING_RISK: 0.12,
    _C.RELEASED_FROM_PRISON: 0.1,
    _C.TERMINALLY_ILL: 0.04,
    _C.TRAFFICKING_VICTIM: 0.03,
}
# Which body usually establishes each circumstance (and so is its source in the registry).
_SOURCES: dict[CircumstanceCategory, tuple[str, ...]] = {
    _C.CHILD_WITHOUT_PARENTAL_CARE: ("ETN", "AQUPDK", "SXA"),
    _C.CARE_LEAVER_WITHOUT_HOME: ("ETN", "SXA"),
    _C.CHILD_WITH_DISABILITY: ("DTSERX",),
    _C.ADULT_WITH_DISABILITY: ("DTSERX",),
    _C.NEGLECTED_CHILD: ("AQUPDK", "DIN", "ETN"),
    _C.UNABLE_TO_SELF_CARE: ("DTSERX", "SN", "DOST"),
    _C.TERMINALLY_ILL: ("SN", "ITSDA"),
    _C.TRAFFICKING_VICTIM: ("DIN",),
    _C.TRAFFICKING_RISK: ("DIN", "AQUPDK"),
    _C.DOMESTIC_VIOLENCE_VICTIM: ("DIN", "AQUPDK", "SXA-REAB"),
    _C.HOMELESS: ("SXA", "SXA-BAKI", "DIN"),
    _C.SOCIALLY_EXCLUDED: ("SXA", "SXA-BAKI", "DOST"),
    _C.RELEASED_FROM_PRISON: ("EN", "SXA-ADAPT"),
    _C.ELDERLY: ("DSMF", "DOST"),
}
# Not for a child or young adult who lives with a parent.
_ONLY_WITHOUT_PARENTS = frozenset({_C.CHILD_WITHOUT_PARENTAL_CARE, _C.CARE_LEAVER_WITHOUT_HOME})
# Situations a person leaves behind; the others last (age-bound ones end with the age itself).
_CAN_END = frozenset({_C.NEGLECTED_CHILD, _C.TRAFFICKING_RISK, _C.SOCIALLY_EXCLUDED, _C.RELEASED_FROM_PRISON})
_ENDED_SHARE = 0.15
_LOOKBACK_DAYS = 12 * 365  # the oldest records are from the registry's predecessors, about 12 years ago
# Female victims are several times more often protected than male ones; together about 0.5% of persons.
_PROTECTED_SHARE = {True: 0.013, False: 0.002}

# Enrollments

# Which circumstances lead to which service. 000 §2 names the social-pedagogical groups (children with
# disabilities, neglected minors, persons unable to care for themselves, the terminally ill); its code
# is a placeholder, so it is whatever passport is not named here.
_NEEDS: dict[str, frozenset[CircumstanceCategory]] = {
    "01-09-15-00": frozenset(
        {_C.ELDERLY, _C.ADULT_WITH_DISABILITY, _C.UNABLE_TO_SELF_CARE, _C.TERMINALLY_ILL}
    ),
    "09-03-00-00": frozenset({_C.DOMESTIC_VIOLENCE_VICTIM}),
    "01-09-07-00": frozenset({_C.ADULT_WITH_DISABILITY, _C.CHILD_WITH_DISABILITY}),
}
_SOCIAL_PEDAGOGICAL_NEEDS = frozenset(
    {_C.CHILD_WITH_DISABILITY, _C.NEGLECTED_CHILD, _C.UNABLE_TO_SELF_CARE, _C.TERMINALLY_ILL}
)
# Chance that a person who needs a service is enrolled in it; victims of violence are placed at once.
_UPTAKE = {"09-03-00-00": 0.8}
_DEFAULT_UPTAKE = 0.5
_ENROLLMENT_ENDED_SHARE = 0.25
_COMPLETED_WEIGHT = 4  # against 1 for withdrawal and for each refusal ground of the passport

# People and places

_RESIDENCE = (
    ResidenceStatus.CITIZEN,
    ResidenceStatus.FOREIGNER_PERMANENT_RESIDENT,
    ResidenceStatus.STATELESS_PERMANENT_RESIDENT,
    ResidenceStatus.OTHER,
)
_RESIDENCE_CUM = tuple(accumulate((0.965, 0.018, 0.009, 0.008)))
_REGION_CUM = tuple(accumulate(region.population_weight for region in REGIONS))
# Persons are registered by the DOST centre or SXA body of their region, else by the national agencies.
_REGISTRARS: dict[str, tuple[str, ...]] = {
    "AZ-01": ("DOST-BAKI-1", "DOST-BAKI-4", "SXA-BAKI"),
    "AZ-04": ("DOST-GENCE",),
    "AZ-08": ("DOST-LENKERAN",),
    "AZ-10": ("DOST-SEKI",),
}
_NATIONAL_REGISTRARS = ("DOST", "SXA")
_MOBILE_PREFIXES = ("50", "51", "55", "70", "77", "99", "10")
_EMAIL_DOMAINS = ("mail.az", "gmail.com", "box.az", "mail.ru")
_ASCII = str.maketrans("əƏıİöÖüÜşŞçÇğĞ", "eEiIoOuUsScCgG")
_AGENCY_REGION = {agency.code: agency.region_code for agency in AGENCIES}

_R = HouseholdRelation
# Household shapes, with the share of households of each; "unhoused" is a person in no household
# (a homeless adult, or a child in a state institution).
_KINDS = ("single", "couple", "nuclear", "extended", "single_parent", "grandparents", "siblings", "unhoused")
_KIND_CUM = tuple(accumulate((0.15, 0.12, 0.40, 0.14, 0.08, 0.04, 0.02, 0.05)))
_MAX_MEMBERS = 6


@dataclass(frozen=True, slots=True)
class _Member:
    relation: HouseholdRelation | None  # None: in no household
    female: bool
    age: int
    first_name: str
    last_name: str
    patronymic: str
    parents_at_home: bool = False
    forced: tuple[CircumstanceCategory, ...] = ()


@dataclass(frozen=True, slots=True)
class _Service:
    code: str
    needs: frozenset[CircumstanceCategory]
    eligible: frozenset[str]  # residence statuses, as values
    requires_irp: bool
    end_reasons: tuple[str, ...]
    end_reason_cum: tuple[float, ...]
    providers: tuple[str, ...]
    uptake: float


def _services() -> tuple[_Service, ...]:
    providers: dict[str, list[str]] = {}
    for service_code, agency_code in provider_pairs():
        providers.setdefault(service_code, []).append(agency_code)
    services = []
    for passport in PASSPORTS:
        if passport.code not in providers:
            continue
        grounds = tuple(ground.value for ground in passport.refusal_grounds)
        reasons = (EnrollmentEndReason.COMPLETED.value, EnrollmentEndReason.PERSON_WITHDREW.value, *grounds)
        weights = (_COMPLETED_WEIGHT, 1, *(1 for _ in grounds))
        services.append(
            _Service(
                code=passport.code,
                needs=_NEEDS.get(passport.code, _SOCIAL_PEDAGOGICAL_NEEDS),
                # Rule 1: eligibility is by residence status; OTHER matches no EligibleUser.
                eligible=frozenset(user.value for user in passport.eligible_users),
                requires_irp=passport.requires_irp,
                end_reasons=reasons,
                end_reason_cum=tuple(accumulate(weights)),
                providers=tuple(providers[passport.code]),
                uptake=_UPTAKE.get(passport.code, _DEFAULT_UPTAKE),
            )
        )
    return tuple(services)


def generate(
    seed: int, count: int, *, start: int = 0, today: date | None = None, batch_size: int = 10_000
) -> Iterator[Batch]:
    """Batches of `count` persons numbered from `start`, with their households, circumstances and
    enrollments, as of `today` (the clock's date if not given). A batch closes at the end of the household
    that brings it to `batch_size` persons, so it may hold a few more."""
    if count < 0 or start < 0:
        raise ValueError("count and start cannot be negative")
    if start + count > FIN_SPACE:
        raise ValueError("there are only 36**7 FINs")
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    return _Generator(seed, start, today or clock.today()).batches(count, batch_size)


class _Generator:
    def __init__(self, seed: int, start: int, today: date) -> None:
        # Seeded by (seed, start) so a continuation gets fresh UUIDs, not a replay of the first run's.
        self._rng = random.Random(f"sxvis-seed:{seed}:{start}")
        self._names = NameGenerator(self._rng.getrandbits(64))
        self._index = start
        self._today = today
        self._services = _services()
        self._provider_cum: dict[tuple[str, str], tuple[float, ...]] = {}

    def batches(self, count: int, batch_size: int) -> Iterator[Batch]:
        remaining = count
        batch = Batch()
        while remaining > 0:
            members = self._family()[:remaining]
            self._emit(members, batch)
            remaining -= len(members)
            if len(batch.persons) >= batch_size or remaining == 0:
                yield batch
                batch = Batch()

    # Households and names

    def _family(self) -> list[_Member]:
        rng = self._rng
        kind = rng.choices(_KINDS, cum_weights=_KIND_CUM)[0]
        root = self._names.surname(female=False)
        if kind == "unhoused":
            if rng.random() < 0.7:
                age = rng.randint(18, 70)
                return [self._member(None, rng.random() < 0.3, age, root, forced=(_C.HOMELESS,))]
            age = rng.randint(0, 17)
            return [
                self._member(None, rng.random() < 0.5, age, root, forced=(_C.CHILD_WITHOUT_PARENTAL_CARE,))
            ]
        if kind == "single":
            age = min(95, int(rng.triangular(18, 96, 72)))
            return [self._member(_R.HEAD, rng.random() < 0.6, age, root)]
        if kind == "siblings":
            father = self._male_name()
            size = rng.randint(2, 3)
            ages = sorted((rng.randint(10, 30) for _ in range(size)), reverse=True)
            ages[0] = max(ages[0], 18)
            return [
                self._member(_R.HEAD if i == 0 else _R.SIBLING, rng.random() < 0.5, age, root, father=father)
                for i, age in enumerate(ages)
            ]
        if kind == "single_parent":
            mother = self._member(_R.HEAD, True, rng.randint(22, 55), root)
            father = self._male_name()  # absent: divorced, widowed or away
            oldest = min(mother.age - 18, 30)
            return [mother, *self._children(_R.CHILD, oldest, root, father, rng.randint(1, 3), at_home=True)]
        if kind == "grandparents":
            head = self._member(_R.HEAD, rng.random() < 0.4, rng.randint(55, 85), root)
            family = [head]
            if not head.female and rng.random() < 0.6:
                family.append(self._member(_R.SPOUSE, True, max(50, head.age - rng.randint(0, 6)), root))
            son = self._male_name()  # the grandchildren's father, not living with them
            return family + self._children(_R.GRANDCHILD, 17, root, son, rng.randint(1, 3), at_home=False)
        low, high = (22, 90) if kind == "couple" else (24, 62)
        head_father = self._male_name()
        head = self._member(_R.HEAD, False, rng.randint(low, high), root, father=head_father)
        spouse = self._member(_R.SPOUSE, True, max(18, head.age - rng.randint(0, 8)), root)
        family = [head, spouse]
        if kind == "couple":
            return family
        oldest = min(head.age, spouse.age) - 18
        children = rng.randint(1, 2) if kind == "extended" else rng.choices((1, 2, 3, 4), (7, 8, 4, 1))[0]
        family += self._children(_R.CHILD, min(oldest, 30), root, head.first_name, children, at_home=True)
        if kind == "extended":
            # The head's parents: his father is the man his patronymic names.
            father_age = head.age + rng.randint(22, 35)
            mother_age = father_age - rng.randint(0, 6)
            if father_age <= 95:
                family.append(self._member(_R.PARENT, False, father_age, root, first=head_father))
            if mother_age <= 95 and rng.random() < 0.8:
                family.append(self._member(_R.PARENT, True, mother_age, root))
        return family[:_MAX_MEMBERS]

    def _children(
        self, relation: HouseholdRelation, oldest: int, root: str, father: str, count: int, *, at_home: bool
    ) -> list[_Member]:
        rng = self._rng
        return [
            self._member(
                relation,
                rng.random() < 0.49,
                rng.randint(0, max(0, oldest)),
                root,
                father=father,
                parents_at_home=at_home,
            )
            for _ in range(count)
        ]

    def _male_name(self, *, avoid: str | None = None) -> str:
        name = self._names.first_name(female=False)
        while name == avoid:
            name = self._names.first_name(female=False)
        return name

    def _member(
        self,
        relation: HouseholdRelation | None,
        female: bool,
        age: int,
        root: str,
        *,
        father: str | None = None,
        first: str | None = None,
        parents_at_home: bool = False,
        forced: tuple[CircumstanceCategory, ...] = (),
    ) -> _Member:
        if first is None:
            first = self._names.first_name(female)
            # A son is not given his father's name (as in NameGenerator.person).
            while not female and first == father:
                first = self._names.first_name(female)
        if father is None:
            father = self._male_name(avoid=None if female else first)
        last = female_surname(root) if female else root
        return _Member(
            relation, female, age, first, last, patronymic(father, female=female), parents_at_home, forced
        )

    # Records

    def _emit(self, members: Sequence[_Member], batch: Batch) -> None:
        rng = self._rng
        region = rng.choices(REGIONS, cum_weights=_REGION_CUM)[0]
        district = rng.choice(region.districts)
        status = rng.choices(_RESIDENCE, cum_weights=_RESIDENCE_CUM)[0].value
        housed = members[0].relation is not None
        household_id = self._uuid() if housed else None
        address = self._address() if housed else None
        local = _REGISTRARS.get(region.code)
        registrar = rng.choice(local) if local and rng.random() < 0.8 else rng.choice(_NATIONAL_REGISTRARS)
        head_id: uuid.UUID | None = None
        for member in members:
            person_id = self._uuid()
            if head_id is None:  # the first member is the head
                head_id = person_id
            born = self._born(member.age)
            age = age_on(born, self._today)
            protected = age >= 18 and rng.random() < _PROTECTED_SHARE[member.female]
            batch.persons.append(
                PersonRow(
                    id=person_id,
                    fin=fin_for(self._index),
                    last_name=member.last_name,
                    first_name=member.first_name,
                    patronymic=member.patronymic,
                    birth_date=born,
                    sex="FEMALE" if member.female else "MALE",
                    residence_status=status,
                    region_code=region.code,
                    district_code=district.code,
                    address_line=address,
                    phone=self._phone(age),
                    email=self._email(member, age),
                    protected=protected,
                    household_id=household_id,
                    registered_by="SXA-REAB" if protected else registrar,
                    protected_by="SXA-REAB" if protected else None,
                )
            )
            self._index += 1
            if household_id is not None and member.relation is not None:
                batch.members.append(MemberRow(person_id, household_id, member.relation.value))
            forced = (*member.forced, _C.DOMESTIC_VIOLENCE_VICTIM) if protected else member.forced
            held = self._circumstances(person_id, born, age, member, forced, batch)
            self._enrollments(person_id, born, status, region.code, held, batch)
        if household_id is not None and head_id is not None and address is not None:
            batch.households.append(HouseholdRow(household_id, head_id, region.code, district.code, address))

    def _circumstances(
        self,
        person_id: uuid.UUID,
        born: date,
        age: int,
        member: _Member,
        forced: tuple[CircumstanceCategory, ...],
        batch: Batch,
    ) -> dict[CircumstanceCategory, date]:
        rng = self._rng
        drawn = [
            category
            for category, rate in _RATES.items()
            if _AGES[category][0] <= age <= _AGES[category][1]
            and not (member.parents_at_home and category in _ONLY_WITHOUT_PARENTS)
            and category not in forced
            and rng.random() < rate
        ]
        held: dict[CircumstanceCategory, date] = {}
        for category in (*forced, *drawn):
            earliest = max(
                _anniversary(born, _AGES[category][0]), self._today - timedelta(days=_LOOKBACK_DAYS)
            )
            since = self._day_between(earliest, self._today)
            until = None
            if category in _CAN_END and category not in forced and rng.random() < _ENDED_SHARE:
                until = self._day_between(since, self._today)
            else:
                held[category] = since
            batch.circumstances.append(
                CircumstanceRow(
                    self._uuid(),
                    person_id,
                    category.value,
                    since,
                    until,
                    rng.choice(_SOURCES[category]),
                    RECORDED_BY,
                )
            )
        return held

    def _enrollments(
        self,
        person_id: uuid.UUID,
        born: date,
        status: str,
        region_code: str,
        held: dict[CircumstanceCategory, date],
        batch: Batch,
    ) -> None:
        rng = self._rng
        for service in self._services:
            if status not in service.eligible:
                continue
            needs = [since for category, since in held.items() if category in service.needs]
            if not needs or rng.random() >= service.uptake:
                continue
            started = self._day_between(max(min(needs), born), self._today)
            ended_on = end_reason = None
            if rng.random() < _ENROLLMENT_ENDED_SHARE:
                ended_on = self._day_between(started, self._today)
                end_reason = rng.choices(service.end_reasons, cum_weights=service.end_reason_cum)[0]
            irp = f"IRP-{started.year}-{rng.randrange(1, 1_000_000):06d}" if service.requires_irp else None
            batch.enrollments.append(
                EnrollmentRow(
                    id=self._uuid(),
                    person_id=person_id,
                    service_code=service.code,
                    provider_code=self._provider(service, region_code),
                    status=(EnrollmentStatus.ENDED if ended_on else EnrollmentStatus.ACTIVE).value,
                    started_on=started,
                    ended_on=ended_on,
                    end_reason=end_reason,
                    irp_reference=irp,
                    recorded_by=RECORDED_BY,
                )
            )

    def _provider(self, service: _Service, region_code: str) -> str:
        """A provider of the service, most likely one in the person's region, then a national one."""
        key = (service.code, region_code)
        cum = self._provider_cum.get(key)
        if cum is None:
            weights = []
            for code in service.providers:
                home = _AGENCY_REGION.get(code)
                weights.append(2.0 if home is None else 8.0 if home == region_code else 0.2)
            cum = self._provider_cum[key] = tuple(accumulate(weights))
        return self._rng.choices(service.providers, cum_weights=cum)[0]

    # Values

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self._rng.getrandbits(128), version=4)

    def _born(self, age: int) -> date:
        return self._today - timedelta(days=int((age + self._rng.random()) * 365.2425))

    def _day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self._rng.randint(0, max(0, (last - first).days)))

    def _address(self) -> str:
        rng = self._rng
        street = rng.choice(STREET_NAMES)
        if rng.random() < 0.6:
            return f"{street}, ev {rng.randint(1, 180)}, mənzil {rng.randint(1, 120)}"
        return f"{street}, ev {rng.randint(1, 180)}"

    def _phone(self, age: int) -> str | None:
        rng = self._rng
        if rng.random() >= (0.88 if age >= 18 else 0.4 if age >= 14 else 0.0):
            return None
        prefix = rng.choice(_MOBILE_PREFIXES)
        return f"+994 {prefix} {rng.randint(200, 999)} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"

    def _email(self, member: _Member, age: int) -> str | None:
        rng = self._rng
        if not 18 <= age <= 65 or rng.random() >= 0.15:
            return None
        local = f"{member.first_name}.{member.last_name}".translate(_ASCII).lower()
        if rng.random() < 0.5:
            local += str(rng.randint(1, 99))
        return f"{local}@{rng.choice(_EMAIL_DOMAINS)}"
