"""What every resolver receives: the database, the acting user, and this request's DataLoaders.

A context is made fresh for each request, and so are its loaders: a loader caches for one request only,
so nothing read for one caller is ever served to another.
"""

from dataclasses import dataclass
from functools import cached_property

from authz.store import PolicyStore
from resolvers.loaders import Loaders
from sxvis.access.pseudonyms import Pseudonyms
from sxvis.actors import Actor
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.database.scope import RowScope


@dataclass
class Context:
    db: Database
    actor: Actor
    settings: Settings
    pseudonyms: Pseudonyms
    policy: PolicyStore

    @cached_property
    def scope(self) -> RowScope:
        """What this request's transactions tell row-level security."""
        return RowScope.of(self.actor)

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.db, self.actor, self.scope)
