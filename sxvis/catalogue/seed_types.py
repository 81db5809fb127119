"""The shape of a service passport as seed data, independent of the database.

`passports.py` fills these from the source documents in `shared/domain/`; the seeding code turns them
into rows. Keeping the data in plain frozen dataclasses lets a test read the catalogue without a database.
"""

from dataclasses import dataclass, field

from sxvis.catalogue.enums import (
    ApplicationForm,
    DocumentForm,
    DurationUnit,
    EligibleUser,
    Fee,
    RefusalGround,
    ResponseForm,
)


@dataclass(frozen=True)
class Duration:
    value: int
    unit: DurationUnit


@dataclass(frozen=True)
class RequiredDocument:
    name_az: str
    name_en: str
    forms: tuple[DocumentForm, ...]
    note: str | None = None


@dataclass(frozen=True)
class PassportSeed:
    """One service passport, every field of the 001 form (§1-27) in a structured slot."""

    code: str  # NN-NN-NN-NN (§2)
    name_az: str  # §1
    name_en: str
    source_document: str  # file name in shared/domain/
    classification: tuple[str, ...]  # §3
    performing_units: tuple[str, ...]  # §4, as written in the passport
    executing_agencies: tuple[str, ...]  # agency codes that provide the service (e.g. "DOST", "SXA")
    legal_basis: tuple[str, ...]  # §5, one act a line
    application_forms: tuple[ApplicationForm, ...]  # §6
    communication_channels: tuple[str, ...]  # §7
    response_forms: tuple[ResponseForm, ...]  # §8
    refusal_grounds: tuple[RefusalGround, ...]  # §9
    eligible_users: tuple[EligibleUser, ...]  # §10
    back_office: tuple[str, ...]  # §11, agency codes (DSMF, DMX, DEMX, DTSERX, DOST, EESMN, SXA …)
    total_duration: Duration | None  # §12; None where the passport ties it to something else
    front_office_duration: Duration | None  # §13
    back_office_duration: Duration | None  # §14
    operator_standard_minutes: int | None  # §15
    fee: Fee  # §16
    fee_note: str | None
    places_of_service: tuple[str, ...]  # §17
    required_documents: tuple[RequiredDocument, ...]  # §18-22
    procedure: tuple[str, ...]  # step-by-step procedure, one step a line (Azerbaijani)
    information_systems: tuple[str, ...]  # E-sosial, MEİS subsystems …
    electronisation_degree: str | None
    automation_degree: str | None
    duration_note: str | None = None  # e.g. "per the Individual Rehabilitation Program"
    requires_irp: bool = False  # rule 14: the service follows the Individual Rehabilitation Program
    variants: tuple[str, ...] = ()  # what an application chooses between (003: TREATMENT or REST vouchers)
    rationed: bool = False  # rule 9: given in queue order as places come
    notes: tuple[str, ...] = field(default_factory=tuple)
