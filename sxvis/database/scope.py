"""Which rows a transaction may touch: the settings the row-level security policies read (migration 0004).

Each transaction of the application role begins by saying whom it acts for:
`set_config('sxvis.agency', …, true)` and friends, local to that transaction, so a pooled connection
carries nothing from one request to the next. A transaction that says nothing sees nothing.
"""

import re
from dataclasses import dataclass

from sxvis.actors import Actor

APP_ROLE = "sxvis_app"
"""The application's database login (migration 0004): no superuser, no BYPASSRLS, owns nothing."""

_AGENCY_CODE = re.compile(r"^[A-Za-z0-9ƏəÜüÖöĞğİıÇçŞş_.-]{1,32}$")


@dataclass(frozen=True, slots=True)
class RowScope:
    agency: str
    reads_all: bool = False  # the registry-wide grant
    audits: bool = False  # auditors read every break-the-glass and notice

    def __post_init__(self) -> None:
        if not _AGENCY_CODE.match(self.agency):
            raise ValueError(f"not an agency code: {self.agency!r}")

    @classmethod
    def of(cls, actor: Actor) -> "RowScope":
        return cls(
            agency=actor.agency_code,
            reads_all=actor.reads_whole_registry,
            audits=actor.may("access_log:read"),
        )

    def parameters(self) -> dict[str, str]:
        return {
            "agency": self.agency,
            "remit": "all" if self.reads_all else "",
            "audit": "on" if self.audits else "",
        }

    def statement(self, *, generic_plans: bool = False) -> str:
        """`BEGIN` and the settings in one simple-protocol round trip; with `generic_plans`, the
        transaction's prepared statements run on PostgreSQL's generic plans (see `Database.scoped`).

        Literals rather than parameters, because the simple protocol (several statements in one message)
        takes none; the agency code is checked against a strict pattern when the scope is made, and
        quoted as SQL does besides.
        """
        agency = self.agency.replace("'", "''")
        remit = "all" if self.reads_all else ""
        audit = "on" if self.audits else ""
        return (
            "BEGIN; SELECT set_config('sxvis.agency', '" + agency + "', true), "
            "set_config('sxvis.remit', '" + remit + "', true), "
            "set_config('sxvis.audit', '"
            + audit
            + "', true)"
            + (", set_config('plan_cache_mode', 'force_generic_plan', true)" if generic_plans else "")
        )
