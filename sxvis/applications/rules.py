"""What each passport asks at intake: the ministry checks (rule 8) and the required documents a check's
fact proves, so that they are not asked for on paper (rule 7).

Keyed by the passport's code and, for documents, by the document's position in the passport's list
(`service_required_documents.position`, the order of the source).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sxvis.checks.enums import CheckKind

HOME_CARE = "01-09-15-00"
VOUCHERS = "01-09-07-00"
TREATMENT = "TREATMENT"


def intake_checks(service_code: str, kind: str | None) -> list[CheckKind]:
    """Rule 8: the checks an application of this passport (and variant) runs at intake."""
    if service_code == HOME_CARE:
        # 001 step 5 (disability through TSERAS); 001 steps 1 and 4 (relatives obliged to care living in
        # the same locality: who is registered at the person's address).
        return [CheckKind.DISABILITY, CheckKind.ADDRESS_RESIDENTS]
    if service_code == VOUCHERS:
        # 003 step 5 (disability through TSERAS); 003 step 4: employment through the employment-contract
        # subsystem for treatment vouchers, "istirahət putyovkası üçün müraciət edənlər istisna olmaqla".
        if kind == TREATMENT:
            return [CheckKind.DISABILITY, CheckKind.EMPLOYMENT]
        return [CheckKind.DISABILITY]
    return []


Proof = Callable[[dict[str, Any] | None], bool]


@dataclass(frozen=True, slots=True)
class ElectronicSource:
    """A required document a ministry's fact stands for (rule 7; 001 §21 note, 000 §15)."""

    kind: CheckKind
    proves: Proof


def _found(value: dict[str, Any] | None) -> bool:
    return value is not None


def _no_able_bodied_relative(value: dict[str, Any] | None) -> bool:
    residents = (value or {}).get("residents") or []
    return value is not None and not any(r.get("ableBodied") for r in residents)


ELECTRONIC_DOCUMENTS: dict[tuple[str, int], ElectronicSource] = {
    # 001 §21.3: the TSEK decision confirming the disability: TSERAS holds it.
    (HOME_CARE, 3): ElectronicSource(CheckKind.DISABILITY, _found),
    # 001 §21.4: the certificate of the persons registered at the person's address.
    (HOME_CARE, 4): ElectronicSource(CheckKind.ADDRESS_RESIDENTS, _found),
    # 001 §21.5: no able-bodied family member obliged to care: the same register shows who lives there.
    (HOME_CARE, 5): ElectronicSource(CheckKind.ADDRESS_RESIDENTS, _no_able_bodied_relative),
    # 003 §21.2: the document confirming a privileged person: a disability in TSERAS (003 §5, the law
    # on the rights of persons with disabilities).
    (VOUCHERS, 2): ElectronicSource(CheckKind.DISABILITY, _found),
}
