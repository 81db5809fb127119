"""How much of a person one actor sees: field minimisation by permission, pseudonyms for the protected.

The one place these rules live (DESIGN, "Data minimisation"). The policy declares the permissions
(`person:read_contact`, `person:read_address`); this module applies them, and every front shows a
`PersonView`, never a raw record.

- Without `person:read_contact`: no phone, no e-mail.
- Without `person:read_address`: no address line (region and district stay).
- A protected person whose identity is not disclosed to the actor (the agency that holds the protection
  sees it; so does a user who broke the glass, until it expires): no names, FIN, birth date, age,
  address, contact or household, and a pseudonymous id and label of the actor's agency instead.
"""

import uuid
from dataclasses import dataclass
from datetime import date

from sxvis.access.pseudonyms import Pseudonyms
from sxvis.actors import Actor
from sxvis.registry.enums import ResidenceStatus, Sex
from sxvis.registry.records import PersonLike

READ_CONTACT = "person:read_contact"
READ_ADDRESS = "person:read_address"


@dataclass(frozen=True, slots=True)
class PersonView:
    id: uuid.UUID  # the real id: for loading relations server-side, never shown when pseudonymous
    public_id: str  # the id the actor sees: the real one, or a pseudonymous one
    pseudonym: str | None
    fin: str | None
    last_name: str | None
    first_name: str | None
    patronymic: str | None
    birth_date: date | None
    sex: Sex
    residence_status: ResidenceStatus
    region_code: str | None
    district_code: str | None
    address_line: str | None
    phone: str | None
    email: str | None
    protected: bool
    date_of_death: date | None
    household_id: uuid.UUID | None
    registered_by: str

    @property
    def pseudonymous(self) -> bool:
        return self.pseudonym is not None


def disclose(actor: Actor, person: PersonLike, *, disclosed: bool, pseudonyms: Pseudonyms) -> PersonView:
    """`person` as `actor` may see it; `disclosed` says whether a protected identity is open to them."""
    contact = actor.may(READ_CONTACT)
    address = actor.may(READ_ADDRESS)
    if person.protected and not disclosed:
        return PersonView(
            id=person.id,
            public_id=pseudonyms.public_id(person.id, actor.agency_code),
            pseudonym=pseudonyms.label(person.id, actor.agency_code),
            fin=None,
            last_name=None,
            first_name=None,
            patronymic=None,
            birth_date=None,
            sex=person.sex,
            residence_status=person.residence_status,
            region_code=None,
            district_code=None,
            address_line=None,
            phone=None,
            email=None,
            protected=True,
            date_of_death=person.date_of_death,
            household_id=None,
            registered_by=person.registered_by,
        )
    return PersonView(
        id=person.id,
        public_id=str(person.id),
        pseudonym=None,
        fin=person.fin,
        last_name=person.last_name,
        first_name=person.first_name,
        patronymic=person.patronymic,
        birth_date=person.birth_date,
        sex=person.sex,
        residence_status=person.residence_status,
        region_code=person.region_code,
        district_code=person.district_code,
        address_line=person.address_line if address else None,
        phone=person.phone if contact else None,
        email=person.email if contact else None,
        protected=person.protected,
        date_of_death=person.date_of_death,
        household_id=person.household_id,
        registered_by=person.registered_by,
    )
