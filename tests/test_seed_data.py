"""The name and geography data behind the synthetic registry: pure data, checked without a database."""

import math
from collections import Counter

import pytest

from sxvis.geography import REGIONS, STREET_NAMES, district_by_code, region_by_code
from sxvis.seed.names import (
    CYRILLIC_SPELLINGS,
    FEMALE_FIRST_NAMES,
    MALE_FIRST_NAMES,
    SURNAME_ROOTS,
    NameGenerator,
    female_surname,
    patronymic,
)

AZERBAIJANI_LETTERS = set("ABCÇDEƏFGĞHXIİJKQLMNOÖPRSŞTUÜVYZ" + "abcçdeəfgğhxıijkqlmnoöprsştuüvyz")

each_name_list = pytest.mark.parametrize(
    "names", [MALE_FIRST_NAMES, FEMALE_FIRST_NAMES, SURNAME_ROOTS], ids=["male", "female", "surnames"]
)


def _people(seed: int, count: int = 50) -> list[tuple[str, str, str]]:
    generator = NameGenerator(seed)
    return [generator.person(female=index % 2 == 0) for index in range(count)]


# Names


def test_name_generator_repeats_its_people_for_the_same_seed() -> None:
    assert _people(7) == _people(7)


def test_name_generator_gives_other_people_for_another_seed() -> None:
    assert _people(7) != _people(8)


def test_name_generator_favours_the_most_common_names() -> None:
    generator = NameGenerator(1)
    counts = Counter(generator.first_name(female=False) for _ in range(5000))
    assert counts[MALE_FIRST_NAMES[0]] > 5 * counts[MALE_FIRST_NAMES[-1]]


def test_generated_woman_has_female_first_name_surname_and_patronymic() -> None:
    first, last, father = NameGenerator(3).person(female=True)
    assert first in FEMALE_FIRST_NAMES
    assert last in {female_surname(male) for male in SURNAME_ROOTS}
    assert father.endswith(" qızı")


def test_generated_man_has_male_first_name_surname_and_patronymic() -> None:
    first, last, father = NameGenerator(3).person(female=False)
    assert first in MALE_FIRST_NAMES
    assert last in SURNAME_ROOTS
    assert father.endswith(" oğlu")


def test_generated_son_never_bears_his_fathers_name() -> None:
    generator = NameGenerator(11)
    for _ in range(2000):
        first, _last, father = generator.person(female=False)
        assert father != patronymic(first, female=False)


def test_patronymic_of_a_son_ends_in_oglu() -> None:
    assert patronymic("Əli", female=False) == "Əli oğlu"


def test_patronymic_of_a_daughter_ends_in_qizi() -> None:
    assert patronymic("Əli", female=True) == "Əli qızı"


def test_patronymic_rejects_an_empty_fathers_name() -> None:
    with pytest.raises(ValueError, match="empty"):
        patronymic("  ", female=True)


def test_female_surname_adds_a_to_an_ov_surname() -> None:
    assert female_surname("Məmmədov") == "Məmmədova"


def test_female_surname_adds_a_to_a_yev_surname() -> None:
    assert female_surname("Əliyev") == "Əliyeva"


@pytest.mark.parametrize("surname", ["Zeynallı", "Məmmədli", "Əlizadə", "Rzazadə"])
def test_female_surname_leaves_li_and_zade_surnames_unchanged(surname: str) -> None:
    assert female_surname(surname) == surname


def test_female_surname_rejects_a_surname_already_in_female_form() -> None:
    with pytest.raises(ValueError, match="Məmmədova"):
        female_surname("Məmmədova")


def test_every_surname_has_a_female_form() -> None:
    for surname in SURNAME_ROOTS:
        female_surname(surname)


@each_name_list
def test_name_list_has_no_duplicates(names: tuple[str, ...]) -> None:
    assert len(set(names)) == len(names)


@each_name_list
def test_names_use_only_the_azerbaijani_latin_alphabet(names: tuple[str, ...]) -> None:
    assert {name for name in names if not set(name) <= AZERBAIJANI_LETTERS} == set()


def test_cyrillic_spellings_map_mammadov_to_mamedov() -> None:
    assert CYRILLIC_SPELLINGS["Məmmədov"] == "Мамедов"


def test_cyrillic_spellings_are_for_known_surnames() -> None:
    assert set(CYRILLIC_SPELLINGS) <= set(SURNAME_ROOTS)


# Geography


def test_region_codes_run_from_az_01_to_az_14_in_order() -> None:
    assert [region.code for region in REGIONS] == [f"AZ-{number:02d}" for number in range(1, 15)]


def test_every_district_code_starts_with_its_region_code() -> None:
    for region in REGIONS:
        for district in region.districts:
            assert district.code.startswith(region.code + "-"), district


def test_district_codes_are_unique() -> None:
    codes = [district.code for region in REGIONS for district in region.districts]
    assert len(set(codes)) == len(codes)


def test_district_names_are_unique() -> None:
    names = [district.name_az for region in REGIONS for district in region.districts]
    assert len(set(names)) == len(names)


def test_baku_has_its_twelve_city_rayons() -> None:
    assert len(region_by_code("AZ-01").districts) == 12


def test_population_weights_sum_to_one() -> None:
    assert math.isclose(sum(region.population_weight for region in REGIONS), 1.0)


def test_baku_carries_about_a_quarter_of_the_population() -> None:
    assert 0.2 <= region_by_code("AZ-01").population_weight <= 0.25


def test_region_by_code_finds_the_region() -> None:
    assert region_by_code("AZ-08").name_az == "Lənkəran-Astara"


def test_district_by_code_finds_the_district() -> None:
    assert district_by_code("AZ-01-03").name_az == "Nəsimi"


def test_region_by_code_raises_key_error_for_an_unknown_code() -> None:
    with pytest.raises(KeyError):
        region_by_code("AZ-15")


def test_district_by_code_raises_key_error_for_an_unknown_code() -> None:
    with pytest.raises(KeyError):
        district_by_code("AZ-01-99")


def test_street_names_are_unique() -> None:
    assert len(set(STREET_NAMES)) == len(STREET_NAMES)
