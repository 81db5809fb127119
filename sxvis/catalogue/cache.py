"""The service passports held in memory by each process, for reads that name a few of them per request.

A page of persons with their enrollments names about ten passports; reading them from the table cost
the page 6% of its CPU (an ORM instance of 33 columns, 14 of them arrays, per passport). Passports
change only when the catalogue is installed again (`sxvis seed`, a deploy's migrations), so a copy at
most `ttl` seconds old serves as well; a code the copy lacks (a passport added since) reloads it at
once, at most once a second. Nothing about a person is held here: passports are public documents.
"""

import asyncio
import time
from collections.abc import Iterable

from sxvis.catalogue import service as catalogue
from sxvis.catalogue.models import Service
from sxvis.database import Database

MISSING_RELOAD_SECONDS = 1.0
"""However often unknown codes are asked for, the table is read at most this often for them."""


class ServiceCache:
    def __init__(self, db: Database, *, ttl: float = 30.0) -> None:
        self._db = db
        self._ttl = ttl
        self._by_code: dict[str, Service] = {}
        self._loaded_at: float | None = None
        self._lock = asyncio.Lock()

    async def get_many(self, codes: Iterable[str]) -> dict[str, Service]:
        """The passports with these codes that exist (a code no passport has is left out)."""
        wanted = set(codes)
        if self._needs_load(wanted):
            async with self._lock:
                if self._needs_load(wanted):  # another request may have loaded it meanwhile
                    async with self._db.reader() as session:
                        found = await catalogue.all_services(session)
                    self._by_code = {s.code: s for s in found}
                    self._loaded_at = time.monotonic()
        return {code: self._by_code[code] for code in wanted if code in self._by_code}

    def _needs_load(self, wanted: set[str]) -> bool:
        if self._loaded_at is None:
            return True
        age = time.monotonic() - self._loaded_at
        if age > self._ttl:
            return True
        return not wanted <= self._by_code.keys() and age > MISSING_RELOAD_SECONDS
