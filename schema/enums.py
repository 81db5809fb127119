"""The domain enums, exposed to GraphQL under their own names (the values are the public codes)."""

import strawberry

from sxvis.catalogue import enums as catalogue
from sxvis.registry import enums as registry

AgencyKind = strawberry.enum(catalogue.AgencyKind)
DurationUnit = strawberry.enum(catalogue.DurationUnit)
ApplicationForm = strawberry.enum(catalogue.ApplicationForm)
ResponseForm = strawberry.enum(catalogue.ResponseForm)
RefusalGround = strawberry.enum(catalogue.RefusalGround)
EligibleUser = strawberry.enum(catalogue.EligibleUser)
Fee = strawberry.enum(catalogue.Fee)
DocumentForm = strawberry.enum(catalogue.DocumentForm)
Sex = strawberry.enum(registry.Sex)
ResidenceStatus = strawberry.enum(registry.ResidenceStatus)
HouseholdRelation = strawberry.enum(registry.HouseholdRelation)
CircumstanceCategory = strawberry.enum(
    registry.CircumstanceCategory, description="The difficult life circumstances of the Strategy's section 3."
)
EnrollmentStatus = strawberry.enum(registry.EnrollmentStatus)
EnrollmentEndReason = strawberry.enum(
    registry.EnrollmentEndReason,
    description="Why an enrollment ended; a passport refusal ground counts only where the passport lists it.",
)
