"""Resolvers of domestic-violence cases: one scoped transaction each, one service call."""

import uuid

from resolvers.context import Context
from resolvers.registry import changing_person, in_transaction
from sxvis.errors import Duplicate
from sxvis.protection import service
from sxvis.protection.models import Interview
from sxvis.registry import persons


async def register_domestic_violence_case(
    ctx: Context, data: service.NewDomesticViolenceCase
) -> service.Registered:
    try:
        return await changing_person(
            ctx,
            lambda s: service.register_domestic_violence_case(
                s, ctx.actor, data=data, response_times=ctx.response_times
            ),
            person_id=data.person_id,
            action=service.REGISTER,
        )
    except Duplicate as err:
        # As for registerPerson: if the FIN is a protected person's, their protecting agency is told
        # (in a transaction of its own, since the registration's rolled back).
        if err.field == "person.fin" and data.person is not None:
            fin = data.person.fin
            await in_transaction(ctx, lambda s: persons.report_taken_fin(s, ctx.actor, fin=fin))
        raise


async def interviews(ctx: Context, *, case_id: uuid.UUID) -> list[Interview]:
    return await in_transaction(ctx, lambda s: service.interviews_of(s, ctx.actor, case_id=case_id))
