"""Azerbaijani personal names for the synthetic demo and scale data.

A registry of Azerbaijani citizens is only a fair test of search, deduplication and display if its names
look like the real ones: written in the Azerbaijani Latin alphabet (ə, ı, İ, ş, ç, ğ, ö, ü, x, q),
with surnames that change with sex (Məmmədov / Məmmədova) and patronymics in the official
"father's name + oğlu / qızı" form. The lists are ordered roughly from most to least common, and
`NameGenerator` draws from them with Zipf-like weights, so a large data set has the heavy clusters of
identical names ("Əli Məmmədov") that make name search and duplicate detection hard in practice.

`CYRILLIC_SPELLINGS` holds the Russian-Cyrillic spellings under which many of the same people appear in
older documents; name-search tests use it to check that both spellings find the same person.

Everything here is stdlib-only data, so it can be read by tests and tools without a database.
"""

import random
from collections.abc import Sequence
from itertools import accumulate

MALE_FIRST_NAMES: tuple[str, ...] = (
    "Əli", "Məmməd", "Hüseyn", "Həsən", "Elvin", "Rəşad", "Elnur", "Ramil", "Tural", "Orxan",
    "Vüqar", "Kamran", "Murad", "Nicat", "Elçin", "Rauf", "Fərid", "Anar", "Rövşən", "Şahin",
    "Ramin", "Elşən", "Namiq", "Zaur", "Emin", "Cavid", "Fuad", "Vüsal", "Samir", "İlqar",
    "İlham", "Azər", "Elxan", "Kənan", "Nurlan", "Ruslan", "Səbuhi", "Teymur", "Tofiq", "Arif",
    "Əhməd", "Yusif", "İbrahim", "İsmayıl", "Cəfər", "Abbas", "Rəhim", "Kərim", "Qasım", "Mirzə",
    "Vaqif", "Natiq", "Mübariz", "Səməd", "Rəsul", "Eldar", "Elmar", "Elşad", "Ceyhun", "Taleh",
    "Toğrul", "Ülvi", "Cavad", "Mahir", "Məhəmməd", "Mehdi", "Musa", "Nadir", "Oqtay", "Pərviz",
    "Rafiq", "Sahib", "Sərxan", "Seymur", "Tahir", "Vasif", "Vidadi", "Yaşar", "Zakir", "Zahid",
    "Akif", "Aydın", "Babək", "Bəxtiyar", "Coşqun", "Dadaş", "Emil", "Etibar", "Fazil", "Firudin",
    "Fikrət", "Qədir", "Qurban", "Hikmət", "Həbib", "İmran", "İsa", "Kamal", "Kamil", "Lətif",
    "Məhərrəm", "Müşfiq", "Nazim", "Nizami", "Nurəddin", "Oruc", "Polad", "Rüstəm", "Sabir", "Sadiq",
    "Şamil", "Şəhriyar", "Telman", "Uğur", "Vahid", "Vəli", "Xəyal", "Xəyyam", "Yaqub", "Zeynal",
    "Əziz", "Əsəd", "Ələkbər", "Əmir", "Bağır", "Novruz", "Şükür", "Nəsir",
)  # fmt: skip

FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "Aygün", "Günel", "Leyla", "Aynur", "Səbinə", "Nərmin", "Gülnar", "Sevinc", "Aysel", "Fatimə",
    "Zəhra", "Nigar", "Könül", "Ləman", "Ülviyyə", "Xədicə", "Lalə", "Nərgiz", "Gülər", "Səidə",
    "Şəbnəm", "Sevda", "Aytən", "Vüsalə", "Türkan", "Tərlan", "Rəna", "Nuranə", "Aidə", "Afaq",
    "Arzu", "Bahar", "Cəmilə", "Dilarə", "Dilbər", "Elmira", "Elnarə", "Esmira", "Fəridə", "Firuzə",
    "Gülşən", "Gülnarə", "Günay", "Hicran", "İlahə", "İradə", "Jalə", "Kəmalə", "Kifayət", "Lamiyə",
    "Mehriban", "Məlahət", "Mətanət", "Nailə", "Nazilə", "Nəzakət", "Pərvanə", "Röya", "Samirə", "Sara",
    "Solmaz", "Şəhla", "Şəlalə", "Şükufə", "Təranə", "Ülkər", "Ulduz", "Vəfa", "Xatirə", "Yeganə",
    "Zərifə", "Zülfiyyə", "Zümrüd", "Sənubər", "Səkinə", "Rəhilə", "Qənirə", "Gülnaz", "Humay", "Ayan",
    "Aylin", "Ayşən", "Fidan", "Rübabə", "Məryəm", "Mədinə", "Zeynəb", "Əminə", "Aişə", "Gültəkin",
    "Nəzrin", "Kamilə", "Sevil", "Validə", "Vəsilə", "Xanım", "Xumar", "Yasəmən", "Səadət", "Pəri",
    "Fərqanə", "Bəsti", "Rəfiqə", "Sürəyya", "Həcər", "Gülarə", "Mələk", "Nuray", "Nilufər", "İnci",
    "Aytac", "Lətafət", "Mənsurə", "Əsmər", "Əfsanə", "Ədilə", "Çiçək", "Banu", "Gülbəniz", "Qumru",
)  # fmt: skip

# Full male surnames, most common first. Those ending in -ov/-yev/-ev take "a" for a woman; the -li/-lı
# and -zadə surnames at the end are the same for both sexes.
SURNAME_ROOTS: tuple[str, ...] = (
    "Məmmədov", "Əliyev", "Hüseynov", "Həsənov", "Quliyev", "İsmayılov", "Əhmədov", "Abdullayev",
    "Abbasov", "Cəfərov", "Süleymanov", "Musayev", "Qasımov", "Rəhimov", "Kərimov", "Bağırov",
    "İbrahimov", "Babayev", "Hacıyev", "Mustafayev", "Rzayev", "Orucov", "Sadıqov", "Əsədov",
    "Əkbərov", "Vəliyev", "Zeynalov", "Nəbiyev", "Salmanov", "Səfərov", "Bayramov", "Yusifov",
    "Rüstəmov", "Mehdiyev", "Kazımov", "Tağıyev", "Axundov", "Qurbanov", "Məhərrəmov", "Rəsulov",
    "Heydərov", "Nağıyev", "Hümbətov", "Şirinov", "Əsgərov", "Əzizov", "Əmirov", "Aslanov",
    "Ələkbərov", "Paşayev", "Əfəndiyev", "Qədirov", "Muradov", "İsayev", "Xəlilov", "Cavadov",
    "Sultanov", "Məlikov", "Həşimov", "Nuriyev", "Nəcəfov", "Talıbov", "Bəşirov", "Fərzəliyev",
    "Həmidov", "İmanov", "Yaqubov", "Baxşəliyev", "Məmmədəliyev", "Mirzəyev", "Osmanov", "Rəhmanov",
    "Səmədov", "Şahbazov", "Şahverdiyev", "Zülfüqarov", "Atakişiyev", "Ağayev", "Bəkirov", "Bünyadov",
    "Cabbarov", "Dadaşov", "Eyvazov", "Fətəliyev", "Fərhadov", "Qafarov", "Qəhrəmanov", "Qənbərov",
    "Həbibov", "Hətəmov", "İsgəndərov", "Lətifov", "Mahmudov", "Mikayılov", "Mövsümov", "Nadirov",
    "Nəzərov", "Ömərov", "Pənahov", "Piriyev", "Salahov", "Seyidov", "Şərifov", "Tahirov",
    "Teymurov", "Umudov", "Vahabov", "Yəhyayev", "Zahidov", "Qarayev", "Nəsibov", "Mansurov",
    "Mərdanov", "Ramazanov", "Rəcəbov", "Cəlilov", "Cəbrayılov", "Camalov", "Həmzəyev", "Kamalov",
    "Mürsəlov", "Namazov", "Nərimanov", "Niftəliyev", "Rəşidov", "Səlimov", "Şamilov", "Vəkilov",
    "Vəzirov", "Xankişiyev", "Zakirov", "Şükürov", "Novruzov", "Nəsirov", "Allahverdiyev", "Hacıbəyov",
    "Zeynallı", "Əlizadə", "Rzazadə", "Hüseynzadə", "Məmmədli", "Cəfərli", "Abbaslı", "Qasımlı",
    "Həsənli", "Bayramlı", "Kərimli", "Quluzadə", "Tağızadə", "Nəsibli",
)  # fmt: skip

# Russian-Cyrillic spellings as found in Soviet-era documents and Russian-language records. They are
# conventional, not a letter-by-letter transliteration: ə becomes а or е, h becomes г, q becomes к and
# c becomes дж, and the "-yev" ending is written "-ев".
CYRILLIC_SPELLINGS: dict[str, str] = {
    "Məmmədov": "Мамедов",
    "Əliyev": "Алиев",
    "Hüseynov": "Гусейнов",
    "Quliyev": "Кулиев",
    "Həsənov": "Гасанов",
    "Cəfərov": "Джафаров",
    "İsmayılov": "Исмаилов",
    "Bağırov": "Багиров",
    "Şükürov": "Шукюров",
    "Rəhimov": "Рагимов",
    "Kərimov": "Керимов",
    "Abbasov": "Аббасов",
    "Novruzov": "Новрузов",
    "Əhmədov": "Ахмедов",
    "Nəsirov": "Насиров",
}

_INFLECTED_ENDINGS: tuple[str, ...] = ("ov", "ev", "in")  # "-yev" is covered by "ev"
_INVARIANT_ENDINGS: tuple[str, ...] = ("li", "lı", "lu", "lü", "zadə")


def female_surname(male: str) -> str:
    """The woman's form of a male surname: Məmmədov → Məmmədova, Zeynallı → Zeynallı.

    Raises `ValueError` for a surname of neither kind (including one already in the female form), so a
    mistake in the data shows up rather than producing "Məmmədovaa".
    """
    if male.endswith(_INFLECTED_ENDINGS):
        return male + "a"
    if male.endswith(_INVARIANT_ENDINGS):
        return male
    raise ValueError(f"not a male Azerbaijani surname form: {male!r}")


def patronymic(father_first_name: str, *, female: bool) -> str:
    """The official patronymic: the father's first name plus "qızı" for a daughter, "oğlu" for a son."""
    name = father_first_name.strip()
    if not name:
        raise ValueError("father's first name is empty")
    return f"{name} {'qızı' if female else 'oğlu'}"


def _zipf_cum_weights(size: int, exponent: float = 1.0) -> tuple[float, ...]:
    """Cumulative weights 1/1, 1/2, 1/3, … so the first entry of a list is drawn most often."""
    return tuple(accumulate(1.0 / (rank**exponent) for rank in range(1, size + 1)))


_MALE_CUM: tuple[float, ...] = _zipf_cum_weights(len(MALE_FIRST_NAMES))
_FEMALE_CUM: tuple[float, ...] = _zipf_cum_weights(len(FEMALE_FIRST_NAMES))
_SURNAME_CUM: tuple[float, ...] = _zipf_cum_weights(len(SURNAME_ROOTS))


class NameGenerator:
    """Deterministic source of Azerbaijani names: the same seed gives the same sequence of people."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def _pick(self, names: Sequence[str], cum_weights: Sequence[float]) -> str:
        return self._rng.choices(names, cum_weights=cum_weights, k=1)[0]

    def first_name(self, female: bool) -> str:
        if female:
            return self._pick(FEMALE_FIRST_NAMES, _FEMALE_CUM)
        return self._pick(MALE_FIRST_NAMES, _MALE_CUM)

    def surname(self, female: bool) -> str:
        male = self._pick(SURNAME_ROOTS, _SURNAME_CUM)
        return female_surname(male) if female else male

    def person(self, female: bool) -> tuple[str, str, str]:
        """(first name, surname, patronymic) of one person; a son is not given his father's name."""
        first = self.first_name(female)
        surname = self.surname(female)
        father = self.first_name(female=False)
        while not female and father == first:
            father = self.first_name(female=False)
        return first, surname, patronymic(father, female=female)
