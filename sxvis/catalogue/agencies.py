"""The agencies that share SXVİS (the "domains" of the access policies), as seed data.

Codes are the public contract of the access model and the API; names follow the digest of
shared/domain (README, "Agencies"). Back-office codes of passport 01-09-15-00 (DSMF, DMX, DƏMX, DTSERX,
DOST, ƏƏSMN) appear as EESMN, DSMF, DMX, DEMX, DTSERX and DOST.
"""

from dataclasses import dataclass

from sxvis.catalogue.enums import AgencyKind


@dataclass(frozen=True)
class AgencySeed:
    code: str
    name_az: str
    name_en: str
    kind: AgencyKind
    parent_code: str | None = None
    region_code: str | None = None
    is_state_body: bool = True


_M, _A, _C, _L, _NGO = (
    AgencyKind.MINISTRY,
    AgencyKind.AGENCY,
    AgencyKind.CENTRE,
    AgencyKind.LOCAL_BODY,
    AgencyKind.NGO,
)

AGENCIES: tuple[AgencySeed, ...] = (
    AgencySeed(
        "EESMN",
        "Əmək və Əhalinin Sosial Müdafiəsi Nazirliyi",
        "Ministry of Labour and Social Protection of the Population",
        _M,
    ),
    AgencySeed("SXA", "Sosial Xidmətlər Agentliyi", "Social Services Agency", _A, "EESMN"),
    AgencySeed(
        "DOST", "Davamlı və Operativ Sosial Təminat Agentliyi (DOST Agentliyi)", "DOST Agency", _A, "EESMN"
    ),
    AgencySeed("DSMF", "Dövlət Sosial Müdafiə Fondu", "State Social Protection Fund", _A, "EESMN"),
    AgencySeed("DMX", "Dövlət Məşğulluq Xidməti", "State Employment Service", _A, "EESMN"),
    AgencySeed("DEMX", "Dövlət Əmək Müfəttişliyi Xidməti", "State Labour Inspection Service", _A, "EESMN"),
    AgencySeed(
        "DTSERX",
        "Dövlət Tibbi-Sosial Ekspertiza və Reabilitasiya Xidməti",
        "State Medical-Social Expertise and Rehabilitation Service",
        _A,
        "EESMN",
    ),
    AgencySeed(
        "VXSIDA",
        "Vətəndaşlara Xidmət və Sosial İnnovasiyalar üzrə Dövlət Agentliyi",
        "State Agency for Public Service and Social Innovations (operator of SXVİS)",
        _A,
    ),
    AgencySeed("SN", "Səhiyyə Nazirliyi", "Ministry of Health", _M),
    AgencySeed("ETN", "Elm və Təhsil Nazirliyi", "Ministry of Science and Education", _M),
    AgencySeed(
        "AQUPDK",
        "Ailə, Qadın və Uşaq Problemləri üzrə Dövlət Komitəsi",
        "State Committee for Family, Women and Children Affairs",
        _A,
    ),
    AgencySeed("DIN", "Daxili İşlər Nazirliyi", "Ministry of Internal Affairs (police)", _M),
    AgencySeed("EN", "Ədliyyə Nazirliyi", "Ministry of Justice (penitentiary service)", _M),
    AgencySeed(
        "ITSDA", "İcbari Tibbi Sığorta üzrə Dövlət Agentliyi", "Mandatory Health Insurance Agency", _A
    ),
    # DOST centres (categories A-E, 01-09-15-00 §4) and SXA's local bodies and institutions.
    AgencySeed(
        "DOST-BAKI-1",
        "1 nömrəli Bakı DOST Mərkəzi (A kateqoriyalı)",
        "Baku DOST Centre No. 1 (category A)",
        _C,
        "DOST",
        "AZ-01",
    ),
    AgencySeed(
        "DOST-BAKI-4",
        "4 nömrəli Bakı DOST Mərkəzi (B kateqoriyalı)",
        "Baku DOST Centre No. 4 (category B)",
        _C,
        "DOST",
        "AZ-01",
    ),
    AgencySeed(
        "DOST-GENCE",
        "Gəncə DOST Mərkəzi (C kateqoriyalı)",
        "Ganja DOST Centre (category C)",
        _C,
        "DOST",
        "AZ-04",
    ),
    AgencySeed(
        "DOST-LENKERAN",
        "Lənkəran DOST Mərkəzi (D kateqoriyalı)",
        "Lankaran DOST Centre (category D)",
        _C,
        "DOST",
        "AZ-08",
    ),
    AgencySeed(
        "DOST-SEKI",
        "Şəki DOST Mərkəzi (E kateqoriyalı)",
        "Shaki DOST Centre (category E)",
        _C,
        "DOST",
        "AZ-10",
    ),
    AgencySeed(
        "SXA-BAKI",
        "Sosial Xidmətlər Agentliyinin Bakı şəhər ərazi bölməsi",
        "Social Services Agency, Baku local body",
        _L,
        "SXA",
        "AZ-01",
    ),
    AgencySeed(
        "SXA-REAB",
        "Məişət zorakılığından zərər çəkmiş şəxslər üçün Sosial Reabilitasiya Mərkəzi",
        "Social Rehabilitation Centre for victims of domestic violence",
        _C,
        "SXA",
        "AZ-01",
    ),
    AgencySeed(
        "SXA-ADAPT",
        "Penitensiar müəssisələrdən azad edilmiş şəxslər üçün Sosial Adaptasiya Mərkəzi",
        "Social Adaptation Centre for persons released from penitentiary institutions",
        _C,
        "SXA",
        "AZ-01",
    ),
    # Accredited NGOs: not state bodies, so referrals to them need the person's consent.
    AgencySeed(
        "NGO-QADIN",
        "Təmiz Dünya Qadınlara Yardım İctimai Birliyi",
        "Clean World Aid to Women Public Union",
        _NGO,
        is_state_body=False,
        region_code="AZ-01",
    ),
    AgencySeed(
        "NGO-USAQ",
        "Uşaqlara Dəstək İctimai Birliyi",
        "Support for Children Public Union",
        _NGO,
        is_state_body=False,
        region_code="AZ-01",
    ),
    AgencySeed(
        "NGO-YASLI",
        "Yaşlılara Qayğı Mərkəzi İctimai Birliyi",
        "Care for the Elderly Public Union",
        _NGO,
        is_state_body=False,
        region_code="AZ-04",
    ),
)
