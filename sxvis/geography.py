"""Azerbaijan's administrative geography, for the addresses of synthetic people.

Addresses in the demo and scale data should name real places in the right region, and people should be
spread over the country roughly as the population is (about a quarter in Baku), so that filters by
region and district return realistic volumes. The regions are the 14 economic regions of the
presidential decree of 7 July 2021 ("Azərbaycan Respublikasında iqtisadi rayonların yeni bölgüsü
haqqında"); each lists the cities and rayons the decree assigns to it, except Baku, which the decree
names only as "Bakı şəhəri" and which is split here into its 12 city rayons.

The codes "AZ-01".."AZ-14" and "AZ-01-01".. are this project's own, in a fixed project order; they are
neither the decree's numbering nor ISO 3166-2:AZ codes. Population weights are rounded shares of the
registered population around 2021; displaced people are registered by their district of origin, so
Qarabağ and Şərqi Zəngəzur carry more weight than their present residents. They are for sampling demo
data only.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class District:
    """A city or rayon; in Baku, one of the city's rayons."""

    code: str
    name_az: str
    name_en: str
    is_city: bool = False  # a city of republican significance ("şəhəri") rather than a rayon ("rayonu")


@dataclass(frozen=True)
class Region:
    code: str
    name_az: str
    name_en: str
    districts: tuple[District, ...]
    population_weight: float  # share of the country's population; the weights of all regions sum to 1


def _region(
    number: int,
    name_az: str,
    name_en: str,
    population_weight: float,
    cities: tuple[tuple[str, str], ...],
    rayons: tuple[tuple[str, str], ...],
) -> Region:
    """Number the region and its districts, cities first, in the order given."""
    code = f"AZ-{number:02d}"
    places = [(az, en, True) for az, en in cities] + [(az, en, False) for az, en in rayons]
    districts = tuple(
        District(code=f"{code}-{index:02d}", name_az=az, name_en=en, is_city=is_city)
        for index, (az, en, is_city) in enumerate(places, start=1)
    )
    return Region(code, name_az, name_en, districts, population_weight)


REGIONS: tuple[Region, ...] = (
    _region(1, "Bakı", "Baku", 0.230, cities=(), rayons=(
        ("Binəqədi", "Binagadi"), ("Nərimanov", "Narimanov"), ("Nəsimi", "Nasimi"), ("Nizami", "Nizami"),
        ("Qaradağ", "Garadagh"), ("Sabunçu", "Sabunchu"), ("Səbail", "Sabail"), ("Suraxanı", "Surakhani"),
        ("Xətai", "Khatai"), ("Xəzər", "Khazar"), ("Yasamal", "Yasamal"), ("Pirallahı", "Pirallahi"),
    )),
    _region(2, "Abşeron-Xızı", "Absheron-Khizi", 0.060, cities=(("Sumqayıt", "Sumgait"),), rayons=(
        ("Abşeron", "Absheron"), ("Xızı", "Khizi"),
    )),
    _region(3, "Dağlıq Şirvan", "Mountainous Shirvan", 0.033, cities=(), rayons=(
        ("Ağsu", "Aghsu"), ("İsmayıllı", "Ismayilli"), ("Qobustan", "Gobustan"), ("Şamaxı", "Shamakhi"),
    )),
    _region(4, "Gəncə-Daşkəsən", "Ganja-Dashkasan", 0.062,
            cities=(("Gəncə", "Ganja"), ("Naftalan", "Naftalan")), rayons=(
        ("Daşkəsən", "Dashkasan"), ("Goranboy", "Goranboy"), ("Göygöl", "Goygol"), ("Samux", "Samukh"),
    )),
    _region(5, "Qarabağ", "Karabakh", 0.087, cities=(("Xankəndi", "Khankendi"),), rayons=(
        ("Ağcabədi", "Aghjabadi"), ("Ağdam", "Aghdam"), ("Bərdə", "Barda"), ("Füzuli", "Fuzuli"),
        ("Xocalı", "Khojaly"), ("Xocavənd", "Khojavend"), ("Şuşa", "Shusha"), ("Tərtər", "Tartar"),
    )),
    _region(6, "Qazax-Tovuz", "Gazakh-Tovuz", 0.068, cities=(), rayons=(
        ("Ağstafa", "Aghstafa"), ("Gədəbəy", "Gadabay"), ("Qazax", "Gazakh"), ("Şəmkir", "Shamkir"),
        ("Tovuz", "Tovuz"),
    )),
    _region(7, "Quba-Xaçmaz", "Guba-Khachmaz", 0.054, cities=(), rayons=(
        ("Xaçmaz", "Khachmaz"), ("Quba", "Guba"), ("Qusar", "Gusar"), ("Siyəzən", "Siyazan"),
        ("Şabran", "Shabran"),
    )),
    _region(8, "Lənkəran-Astara", "Lankaran-Astara", 0.093, cities=(), rayons=(
        ("Astara", "Astara"), ("Cəlilabad", "Jalilabad"), ("Lerik", "Lerik"), ("Lənkəran", "Lankaran"),
        ("Masallı", "Masally"), ("Yardımlı", "Yardimli"),
    )),
    _region(9, "Mil-Muğan", "Mil-Mughan", 0.050, cities=(), rayons=(
        ("Beyləqan", "Beylagan"), ("İmişli", "Imishli"), ("Saatlı", "Saatly"), ("Sabirabad", "Sabirabad"),
    )),
    _region(10, "Şəki-Zaqatala", "Shaki-Zagatala", 0.062, cities=(), rayons=(
        ("Balakən", "Balakan"), ("Qax", "Gakh"), ("Qəbələ", "Gabala"), ("Oğuz", "Oghuz"), ("Şəki", "Shaki"),
        ("Zaqatala", "Zagatala"),
    )),
    _region(11, "Şərqi Zəngəzur", "East Zangezur", 0.034, cities=(), rayons=(
        ("Cəbrayıl", "Jabrayil"), ("Kəlbəcər", "Kalbajar"), ("Qubadlı", "Gubadly"), ("Laçın", "Lachin"),
        ("Zəngilan", "Zangilan"),
    )),
    _region(12, "Mərkəzi Aran", "Central Aran", 0.073, cities=(("Mingəçevir", "Mingachevir"),), rayons=(
        ("Ağdaş", "Aghdash"), ("Göyçay", "Goychay"), ("Kürdəmir", "Kurdamir"), ("Ucar", "Ujar"),
        ("Yevlax", "Yevlakh"), ("Zərdab", "Zardab"),
    )),
    _region(13, "Şirvan-Salyan", "Shirvan-Salyan", 0.048, cities=(("Şirvan", "Shirvan"),), rayons=(
        ("Biləsuvar", "Bilasuvar"), ("Hacıqabul", "Hajigabul"), ("Neftçala", "Neftchala"),
        ("Salyan", "Salyan"),
    )),
    _region(14, "Naxçıvan", "Nakhchivan", 0.046, cities=(("Naxçıvan", "Nakhchivan"),), rayons=(
        ("Babək", "Babek"), ("Culfa", "Julfa"), ("Kəngərli", "Kangarli"), ("Ordubad", "Ordubad"),
        ("Sədərək", "Sadarak"), ("Şahbuz", "Shahbuz"), ("Şərur", "Sharur"),
    )),
)  # fmt: skip

STREET_NAMES: tuple[str, ...] = (
    "Nizami küçəsi", "Füzuli küçəsi", "Azadlıq prospekti", "Heydər Əliyev prospekti",
    "Neftçilər prospekti", "Rəşid Behbudov küçəsi", "Səməd Vurğun küçəsi", "Üzeyir Hacıbəyli küçəsi",
    "Xaqani küçəsi", "Cəfər Cabbarlı küçəsi", "Natəvan küçəsi", "Şah İsmayıl Xətai prospekti",
    "Həsən bəy Zərdabi küçəsi", "Zərifə Əliyeva küçəsi", "Atatürk prospekti", "Bülbül prospekti",
    "Tbilisi prospekti", "Babək prospekti", "Qara Qarayev prospekti", "Hüseyn Cavid prospekti",
    "Sabir küçəsi", "Molla Pənah Vaqif küçəsi", "Koroğlu küçəsi", "Cavadxan küçəsi",
    "Nəriman Nərimanov prospekti", "28 May küçəsi", "20 Yanvar küçəsi", "Şəhriyar küçəsi",
    "İstiqlaliyyət küçəsi", "Dilarə Əliyeva küçəsi", "Əhməd Cavad küçəsi", "Məmməd Əmin Rəsulzadə küçəsi",
    "Mehdi Hüseyn küçəsi", "Ziya Bünyadov prospekti", "Abbas Səhhət küçəsi", "Süleyman Rəhimov küçəsi",
    "Əliağa Vahid küçəsi", "Mikayıl Müşfiq küçəsi", "Dədə Qorqud küçəsi", "Nəsimi küçəsi",
    "Bakıxanov küçəsi", "Gəncə prospekti",
)  # fmt: skip

_REGIONS_BY_CODE: dict[str, Region] = {region.code: region for region in REGIONS}
_DISTRICTS_BY_CODE: dict[str, District] = {
    district.code: district for region in REGIONS for district in region.districts
}


def region_by_code(code: str) -> Region:
    """The region with this code ("AZ-08"); `KeyError` if there is none."""
    try:
        return _REGIONS_BY_CODE[code]
    except KeyError:
        raise KeyError(f"unknown region code: {code!r}") from None


def district_by_code(code: str) -> District:
    """The district with this code ("AZ-08-04"); `KeyError` if there is none."""
    try:
        return _DISTRICTS_BY_CODE[code]
    except KeyError:
        raise KeyError(f"unknown district code: {code!r}") from None
