"""`setServiceCapacity`: a provider declares its places for a service (STYLE §3).

An agency admin declares their own agency's places, a system admin any agency's; anyone else, or an
agency admin naming another agency, gets a FORBIDDEN error, logged as a denial. Audited.
"""

import strawberry
from strawberry.types import Info

from resolvers import capacity as resolve
from resolvers.context import Context
from schema.catalogue.types import ServiceCapacity, capacity_of
from schema.errors import RegistryError
from sxvis.errors import DomainError


@strawberry.input
class SetServiceCapacityInput:
    agency_code: str
    service_code: str
    places: int = strawberry.field(description="How many persons the agency can serve at once (0 to 100000).")


@strawberry.type
class ServiceCapacityPayload:
    capacity: ServiceCapacity | None = None
    errors: list[RegistryError] = strawberry.field(default_factory=list)


@strawberry.type
class CapacityMutation:
    @strawberry.mutation(
        description="Declare how many places an agency has for a service it provides (agency admins for "
        "their own agency, system admins for any). Referrals to a provider without a free place are "
        "refused with NO_CAPACITY, except in an emergency. Audited."
    )
    async def set_service_capacity(
        self, info: Info[Context, None], input: SetServiceCapacityInput
    ) -> ServiceCapacityPayload:
        try:
            found = await resolve.set_service_capacity(
                info.context,
                agency_code=input.agency_code.strip(),
                service_code=input.service_code.strip(),
                places=input.places,
            )
        except DomainError as err:
            return ServiceCapacityPayload(errors=[RegistryError.of(err)])
        return ServiceCapacityPayload(capacity=capacity_of(found))
