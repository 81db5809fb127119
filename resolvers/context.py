"""What every resolver receives: the database, the acting user, and this request's DataLoaders.

A context is made fresh for each request, and so are its loaders: a loader caches for one request only,
so nothing read for one caller is ever served to another.
"""

from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from authz.store import PolicyStore
from integrations.hub import Integrations
from resolvers.loaders import Loaders
from sxvis.access.pseudonyms import Pseudonyms
from sxvis.actors import Actor
from sxvis.catalogue.cache import ServiceCache
from sxvis.checks import Freshness
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.database.scope import RowScope
from sxvis.referrals.deadlines import ResponseTimes


@dataclass
class Context:
    db: Database
    actor: Actor
    settings: Settings
    pseudonyms: Pseudonyms
    policy: PolicyStore
    integrations: Integrations | None = None  # the ministry clients and adapters (None: none configured)
    services: ServiceCache | None = None  # the process's copy of the passports (None: read the table)

    @cached_property
    def scope(self) -> RowScope:
        """What this request's transactions tell row-level security."""
        return RowScope.of(self.actor)

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.db, self.actor, self.scope, freshness=self.freshness)

    @cached_property
    def freshness(self) -> Freshness:
        """How long ministry facts are reused (`SXVIS_FACT_FRESHNESS_HOURS`)."""
        return Freshness.from_hours(self.settings.fact_freshness_hours)

    @cached_property
    def response_times(self) -> ResponseTimes:
        """How long receivers have to answer referrals (`SXVIS_REFERRAL_*`)."""
        return ResponseTimes(
            routine_working_days=self.settings.referral_routine_working_days,
            urgent_working_days=self.settings.referral_urgent_working_days,
            emergency=timedelta(minutes=self.settings.referral_emergency_minutes),
        )
