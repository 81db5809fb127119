"""Install the reference data every database needs: agencies, the service passports, their providers.

Idempotent, so `sxvis serve` can run it at every start and a new passport reaches old databases.
"""

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis.catalogue import service as catalogue
from sxvis.catalogue.agencies import AGENCIES
from sxvis.catalogue.models import Agency
from sxvis.catalogue.passports import PASSPORTS

# Who provides each service. The passports name the executing agencies (§4); the centres and local
# bodies under them, and the accredited NGOs, are where a person actually receives the service.
_DOST_CENTRES = ("DOST-BAKI-1", "DOST-BAKI-4", "DOST-GENCE", "DOST-LENKERAN", "DOST-SEKI")
PROVIDERS: dict[str, tuple[str, ...]] = {
    # Social-pedagogical services (000 §4: DOST and SXA).
    "00-00-00-01": ("DOST", *_DOST_CENTRES, "SXA", "SXA-BAKI", "NGO-USAQ"),
    # Home care (01-09-15-00 §4: DOST centres, categories A-E); an accredited NGO under contract.
    "01-09-15-00": ("DOST", *_DOST_CENTRES, "NGO-YASLI"),
    # Domestic-violence victims (09-03-00-00: SXA, its rehabilitation centre, an accredited help centre).
    "09-03-00-00": ("SXA", "SXA-BAKI", "SXA-REAB", "NGO-QADIN"),
    # Sanatorium-resort vouchers (01-09-07-00: SXA and the DOST Agency).
    "01-09-07-00": ("SXA", "SXA-BAKI", "DOST", *_DOST_CENTRES),
}


def provider_pairs() -> list[tuple[str, str]]:
    """(service code, agency code) for every declared provider; each passport's executing agencies too."""
    pairs = {(p.code, agency) for p in PASSPORTS for agency in p.executing_agencies}
    pairs |= {(code, agency) for code, agencies in PROVIDERS.items() for agency in agencies}
    return sorted(pairs)


async def install_catalogue(session: AsyncSession) -> None:
    rows = [
        {
            "code": a.code,
            "name_az": a.name_az,
            "name_en": a.name_en,
            "kind": a.kind,
            "parent_code": a.parent_code,
            "region_code": a.region_code,
            "is_state_body": a.is_state_body,
        }
        for a in AGENCIES
    ]
    statement = insert(Agency).values(rows)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[Agency.code],
            set_={
                c: statement.excluded[c]
                for c in ("name_az", "name_en", "kind", "parent_code", "region_code", "is_state_body")
            },
        )
    )
    await catalogue.install_passports(session, PASSPORTS)
    await catalogue.install_providers(session, provider_pairs())
