"""What every resolver receives: the database, the acting user, and this request's DataLoaders.

A context is made fresh for each request, and so are its loaders: a loader caches for one request only,
so nothing read for one caller is ever served to another.
"""

from dataclasses import dataclass
from functools import cached_property

from resolvers.loaders import Loaders
from sxvis.actors import Actor
from sxvis.config import Settings
from sxvis.database import Database


@dataclass
class Context:
    db: Database
    actor: Actor
    settings: Settings

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.db)
