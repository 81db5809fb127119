"""The four service passports as seed data (sxvis/catalogue/passports.py), checked without a database.

Section numbers (§) are those of the source files in shared/domain/; where the digest and a source differ,
the source wins.
"""

import re
from pathlib import Path

import pytest

from sxvis.catalogue.enums import (
    ApplicationForm,
    DocumentForm,
    DurationUnit,
    EligibleUser,
    Fee,
    RefusalGround,
)
from sxvis.catalogue.passports import (
    DOMESTIC_VIOLENCE,
    HOME_CARE,
    PASSPORTS,
    SANATORIUM_VOUCHERS,
    SOCIAL_PEDAGOGICAL,
)
from sxvis.catalogue.seed_types import Duration, PassportSeed

AGENCY_CODES = {"EESMN", "SXA", "DOST", "DSMF", "DMX", "DEMX", "DTSERX"}
SOURCE_DIR = Path(__file__).resolve().parents[2] / "shared" / "domain"

each_passport = pytest.mark.parametrize("passport", PASSPORTS, ids=[p.code for p in PASSPORTS])


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _quoted_texts(passport: PassportSeed) -> list[str]:
    return [
        passport.name_az,
        *passport.classification,
        *passport.performing_units,
        *passport.legal_basis,
        *passport.communication_channels,
        *passport.places_of_service,
        *(document.name_az for document in passport.required_documents),
        *passport.procedure,
        *passport.information_systems,
    ]


# The catalogue as a whole


def test_catalogue_holds_one_passport_per_source_file_000_to_003() -> None:
    assert [p.source_document for p in PASSPORTS] == [
        "000_0a8abb4ad98fdae1.txt",
        "001_dd29f61437556229.txt",
        "002_e8e0cfb57d1bfd03.txt",
        "003_b6d03b9eb18aab58.txt",
    ]


@each_passport
def test_every_passport_code_has_the_nn_nn_nn_nn_shape(passport: PassportSeed) -> None:
    assert re.fullmatch(r"\d{2}-\d{2}-\d{2}-\d{2}", passport.code)


def test_passport_codes_are_unique() -> None:
    codes = [p.code for p in PASSPORTS]
    assert len(codes) == len(set(codes))


@each_passport
def test_every_passport_serves_citizens_and_permanent_resident_foreigners_and_stateless_persons(
    passport: PassportSeed,
) -> None:
    assert set(passport.eligible_users) == {
        EligibleUser.CITIZEN,
        EligibleUser.FOREIGNER_PERMANENT_RESIDENT,
        EligibleUser.STATELESS_PERMANENT_RESIDENT,
    }


@each_passport
def test_every_executing_and_back_office_agency_is_a_known_agency_code(passport: PassportSeed) -> None:
    assert set(passport.executing_agencies) | set(passport.back_office) <= AGENCY_CODES


@each_passport
def test_every_passport_has_a_legal_basis_a_procedure_and_required_documents(passport: PassportSeed) -> None:
    assert passport.legal_basis
    assert passport.procedure
    assert passport.required_documents


@each_passport
def test_every_passport_names_its_service_in_both_languages(passport: PassportSeed) -> None:
    assert passport.name_az.strip()
    assert passport.name_en.strip()
    assert passport.name_az != passport.name_en


@each_passport
def test_every_duration_given_is_a_non_negative_whole_number(passport: PassportSeed) -> None:
    durations = [passport.total_duration, passport.front_office_duration, passport.back_office_duration]
    assert all(d.value >= 0 for d in durations if d is not None)


@each_passport
def test_quoted_azerbaijani_text_appears_verbatim_in_the_source_file(passport: PassportSeed) -> None:
    source_file = SOURCE_DIR / passport.source_document
    if not source_file.exists():
        pytest.skip(f"source document not available: {source_file}")
    source = _normalised(source_file.read_text(encoding="utf-8"))
    missing = [text for text in _quoted_texts(passport) if _normalised(text) not in source]
    assert missing == []


# 000 Social-pedagogical services


def test_social_pedagogical_passport_has_the_placeholder_code_because_000_gives_none() -> None:
    assert SOCIAL_PEDAGOGICAL.code == "00-00-00-01"
    assert any("placeholder" in note for note in SOCIAL_PEDAGOGICAL.notes)


def test_social_pedagogical_passport_duration_follows_the_individual_rehabilitation_program() -> None:
    assert SOCIAL_PEDAGOGICAL.total_duration is None
    assert SOCIAL_PEDAGOGICAL.duration_note is not None
    assert "Fərdi Reabilitasiya Proqramına əsasən" in SOCIAL_PEDAGOGICAL.duration_note


def test_social_pedagogical_passport_requires_the_individual_rehabilitation_program() -> None:
    assert SOCIAL_PEDAGOGICAL.requires_irp
    assert any(d.name_az == "Fərdi Reabilitasiya Proqramı" for d in SOCIAL_PEDAGOGICAL.required_documents)


@pytest.mark.parametrize(
    "passport", [HOME_CARE, DOMESTIC_VIOLENCE, SANATORIUM_VOUCHERS], ids=lambda p: p.code
)
def test_passports_other_than_000_do_not_tie_the_service_to_the_individual_rehabilitation_program(
    passport: PassportSeed,
) -> None:
    assert not passport.requires_irp


def test_social_pedagogical_passport_is_free() -> None:
    assert SOCIAL_PEDAGOGICAL.fee is Fee.FREE


def test_social_pedagogical_passport_refuses_or_ends_only_for_no_legal_basis_or_removal_000_section_14() -> (
    None
):
    assert SOCIAL_PEDAGOGICAL.refusal_grounds == (
        RefusalGround.NO_LEGAL_BASIS,
        RefusalGround.REMOVAL_FROM_SERVICE,
    )


def test_social_pedagogical_passport_is_performed_by_dost_and_sxa_000_section_4() -> None:
    assert set(SOCIAL_PEDAGOGICAL.executing_agencies) == {"DOST", "SXA"}


def test_social_pedagogical_procedure_assesses_the_need_on_the_day_the_application_arrives() -> None:
    assert any("müraciət daxil olduğu gün" in step for step in SOCIAL_PEDAGOGICAL.procedure)


def test_social_pedagogical_identity_document_is_accepted_as_a_copy_000_section_15() -> None:
    identity_card = SOCIAL_PEDAGOGICAL.required_documents[0]
    assert identity_card.forms == (DocumentForm.COPY,)


# 001 Social-household services at home (01-09-15-00)


def test_home_care_passport_durations_follow_001_sections_12_to_18() -> None:
    assert HOME_CARE.total_duration == Duration(15, DurationUnit.DAY)
    assert HOME_CARE.front_office_duration == Duration(2, DurationUnit.DAY)
    assert HOME_CARE.back_office_duration == Duration(13, DurationUnit.DAY)
    assert HOME_CARE.operator_standard_minutes == 15


def test_home_care_front_and_back_office_days_add_up_to_the_total() -> None:
    assert HOME_CARE.front_office_duration is not None
    assert HOME_CARE.back_office_duration is not None
    assert HOME_CARE.total_duration is not None
    total = HOME_CARE.front_office_duration.value + HOME_CARE.back_office_duration.value
    assert total == HOME_CARE.total_duration.value


def test_home_care_passport_refuses_for_incomplete_documents_or_no_legal_basis_001_section_9() -> None:
    assert HOME_CARE.refusal_grounds == (RefusalGround.INCOMPLETE_DOCUMENTS, RefusalGround.NO_LEGAL_BASIS)


def test_home_care_passport_is_executed_by_dost_centres_a_to_e() -> None:
    assert HOME_CARE.executing_agencies == ("DOST",)
    assert {f"{category} kateqoriyalı DOST Mərkəzi" for category in "ABCDE"} <= set(
        HOME_CARE.performing_units
    )


def test_home_care_passport_asks_for_the_five_documents_of_001_section_21() -> None:
    assert len(HOME_CARE.required_documents) == 5


def test_home_care_fee_choice_is_explained_because_001_section_19_marks_no_option() -> None:
    assert HOME_CARE.fee_note is not None
    assert "Ödənişsiz" in HOME_CARE.fee_note


def test_home_care_procedure_posts_the_decision_to_e_sosial_a_working_day_before_the_deadline() -> None:
    assert "ən az bir iş günü qalmış" in HOME_CARE.procedure[-1]
    assert "E-sosial" in HOME_CARE.procedure[-1]


# 002 Domestic-violence victims (09-03-00-00)


def test_domestic_violence_passport_is_free_and_refuses_only_for_no_legal_basis() -> None:
    assert DOMESTIC_VIOLENCE.fee is Fee.FREE
    assert DOMESTIC_VIOLENCE.refusal_grounds == (RefusalGround.NO_LEGAL_BASIS,)


def test_domestic_violence_passport_durations_follow_002_sections_12_to_18() -> None:
    assert DOMESTIC_VIOLENCE.total_duration == Duration(1, DurationUnit.DAY)
    assert DOMESTIC_VIOLENCE.front_office_duration == Duration(1, DurationUnit.HOUR)
    assert DOMESTIC_VIOLENCE.back_office_duration == Duration(1, DurationUnit.DAY)
    assert DOMESTIC_VIOLENCE.operator_standard_minutes == 60


def test_domestic_violence_passport_is_executed_by_sxa() -> None:
    assert DOMESTIC_VIOLENCE.executing_agencies == ("SXA",)
    assert DOMESTIC_VIOLENCE.back_office == ("SXA",)


def test_domestic_violence_application_is_made_in_person_or_through_a_legal_representative() -> None:
    assert DOMESTIC_VIOLENCE.application_forms == (ApplicationForm.IN_PERSON, ApplicationForm.REPRESENTATIVE)


def test_domestic_violence_procedure_informs_the_police() -> None:
    assert any("hüquq-mühafizə orqanlarına məlumat verilir" in step for step in DOMESTIC_VIOLENCE.procedure)


def test_domestic_violence_procedure_sends_the_placement_request_to_sxa_with_anonymity_protected() -> None:
    last_step = DOMESTIC_VIOLENCE.procedure[-1]
    assert "anonimliyi qorunmaq şərtilə" in last_step
    assert "Sosial Xidmətlər Agentliyinə göndərilir" in last_step


# 003 Sanatorium-resort vouchers (01-09-07-00)


def test_sanatorium_passport_durations_follow_003_sections_12_to_18() -> None:
    assert SANATORIUM_VOUCHERS.total_duration == Duration(2, DurationUnit.DAY)
    assert SANATORIUM_VOUCHERS.front_office_duration == Duration(2, DurationUnit.DAY)
    assert SANATORIUM_VOUCHERS.back_office_duration == Duration(0, DurationUnit.DAY)
    assert SANATORIUM_VOUCHERS.operator_standard_minutes == 10


def test_sanatorium_passport_is_free_and_refuses_only_for_no_legal_basis() -> None:
    assert SANATORIUM_VOUCHERS.fee is Fee.FREE
    assert SANATORIUM_VOUCHERS.refusal_grounds == (RefusalGround.NO_LEGAL_BASIS,)


def test_sanatorium_passport_is_executed_by_sxa_and_dost() -> None:
    assert set(SANATORIUM_VOUCHERS.executing_agencies) == {"SXA", "DOST"}


def test_sanatorium_passport_is_fully_electronic_and_fully_automated_003_sections_26_and_27() -> None:
    assert SANATORIUM_VOUCHERS.electronisation_degree == "Tam"
    assert SANATORIUM_VOUCHERS.automation_degree == "Tam"


def test_sanatorium_procedure_gives_vouchers_in_queue_order() -> None:
    assert any("Növbəlilik prinsipinə uyğun" in step for step in SANATORIUM_VOUCHERS.procedure)


def test_sanatorium_procedure_checks_employment_only_for_treatment_vouchers() -> None:
    employment_step = SANATORIUM_VOUCHERS.procedure[3]
    assert "müalicə putyovkası" in employment_step
    assert "istirahət putyovkası üçün müraciət edənlər istisna olmaqla" in employment_step
