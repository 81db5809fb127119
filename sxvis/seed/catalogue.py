"""Install the reference data every database needs: agencies, the service passports, their providers.

Idempotent, so `sxvis serve` can run it at every start and a new passport reaches old databases.
"""

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis.catalogue import service as catalogue
from sxvis.catalogue.agencies import AGENCIES
from sxvis.catalogue.models import Agency
from sxvis.catalogue.passports import PASSPORTS


def provider_pairs() -> list[tuple[str, str]]:
    """Which agencies provide each service: its executing agencies, and their centres and local bodies."""
    children: dict[str, list[str]] = {}
    for agency in AGENCIES:
        if agency.parent_code is not None:
            children.setdefault(agency.parent_code, []).append(agency.code)
    pairs: list[tuple[str, str]] = []
    for passport in PASSPORTS:
        for executing in passport.executing_agencies:
            pairs.append((passport.code, executing))
            pairs.extend((passport.code, child) for child in children.get(executing, []))
    # Accredited NGOs help domestic-violence victims (Strategy 8.4; passport 09-03-00-00).
    pairs.extend(
        (p.code, a.code)
        for p in PASSPORTS
        if p.code == "09-03-00-00"
        for a in AGENCIES
        if a.code == "NGO-QADIN"
    )
    return sorted(set(pairs))


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
