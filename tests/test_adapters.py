"""Each query adapter against its simulated ministry, over real HTTP: records, "no record" with its
provenance, and the ministry's failures mapped to ours (issue 7, item 3)."""

import time
from datetime import date
from decimal import Decimal

import pytest

from integrations.errors import MalformedAnswer, MinistryFailed, MinistryTimedOut
from integrations.protocol import (
    AddressRecord,
    AidRecord,
    DisabilityRecord,
    EmploymentRecord,
    PensionRecord,
    Resident,
)
from integrations.signing import Attribution
from sxvis.errors import MinistryUnavailable
from tests.simulators import Ministries

OFFICIAL = Attribution(user_id="aysel@SXA", issue="person/7d3c1b0e")
FIN = "5ABC123"


async def test_tseras_gives_the_group_cause_and_end_with_the_message_it_answered(
    ministries: Ministries,
) -> None:
    ministries.put("tseras", FIN, {"group": 2, "cause": "work injury", "valid_until": "2027-05-31"})
    async with ministries.integrations() as hub:
        assert hub.disability is not None
        answer = await hub.disability.disability_of(FIN, on_behalf=OFFICIAL)
    assert answer.record == DisabilityRecord(group=2, cause="work injury", valid_until=date(2027, 5, 31))
    assert answer.source_system == "TSERAS"
    assert [r["message_id"] for r in ministries.received("tseras")] == [answer.message_id]


async def test_no_tseras_record_is_an_answer_with_its_provenance(ministries: Ministries) -> None:
    ministries.put("tseras", FIN, None)
    async with ministries.integrations() as hub:
        assert hub.disability is not None
        answer = await hub.disability.disability_of(FIN, on_behalf=OFFICIAL)
    assert answer.record is None
    assert [r["message_id"] for r in ministries.received("tseras")] == [answer.message_id]


async def test_employment_says_whether_and_where_the_person_works(ministries: Ministries) -> None:
    ministries.put("employment", FIN, {"employed": True, "employer": "Azərsu ASC", "since": "2019-09-01"})
    async with ministries.integrations() as hub:
        assert hub.employment is not None
        answer = await hub.employment.employment_of(FIN, on_behalf=OFFICIAL)
    assert answer.record == EmploymentRecord(employed=True, employer="Azərsu ASC", since=date(2019, 9, 1))
    assert answer.source_system == "EMPLOYMENT_CONTRACTS"


async def test_vemtas_gives_the_amount_as_money(ministries: Ministries) -> None:
    ministries.put("vemtas", FIN, {"receives": True, "amount": "245.50", "until": "2026-12-31"})
    async with ministries.integrations() as hub:
        assert hub.targeted_aid is not None
        answer = await hub.targeted_aid.aid_of(FIN, on_behalf=OFFICIAL)
    assert answer.record == AidRecord(receives=True, amount=Decimal("245.50"), until=date(2026, 12, 31))


async def test_the_address_registry_lists_residents_with_ages_and_relations(ministries: Ministries) -> None:
    resident = {
        "fin": "7XYZ890",
        "name": "Əliyeva Aynur",
        "birth_date": "1990-02-03",
        "age": 36,
        "relation": "CHILD",
    }
    ministries.put("address", FIN, {"address": "Nizami küçəsi 12", "residents": [resident]})
    async with ministries.integrations() as hub:
        assert hub.address is not None
        answer = await hub.address.residents_of(FIN, on_behalf=OFFICIAL)
    assert answer.record == AddressRecord(
        address="Nizami küçəsi 12",
        residents=(Resident("7XYZ890", "Əliyeva Aynur", date(1990, 2, 3), 36, "CHILD"),),
    )


async def test_pension_gives_kind_and_amount(ministries: Ministries) -> None:
    ministries.put("pension", FIN, {"receives": True, "kind": "AGE", "amount": "412.00"})
    async with ministries.integrations() as hub:
        assert hub.pension is not None
        answer = await hub.pension.pension_of(FIN, on_behalf=OFFICIAL)
    assert answer.record == PensionRecord(receives=True, kind="AGE", amount=Decimal("412.00"))


async def test_a_ministry_that_is_down_is_unavailable(ministries: Ministries) -> None:
    ministries.faults("pension", down=True)
    async with ministries.integrations(retry_attempts=1) as hub:
        assert hub.pension is not None
        with pytest.raises(MinistryFailed):
            await hub.pension.pension_of(FIN, on_behalf=OFFICIAL)


async def test_an_answer_of_the_wrong_shape_is_malformed(ministries: Ministries) -> None:
    ministries.put("tseras", FIN, {"group": "severe"})
    async with ministries.integrations() as hub:
        assert hub.disability is not None
        with pytest.raises(MalformedAnswer):
            await hub.disability.disability_of(FIN, on_behalf=OFFICIAL)


async def test_injected_latency_beyond_the_budget_ends_the_call_at_the_budget(ministries: Ministries) -> None:
    ministries.faults("employment", latency_ms=5000)
    async with ministries.integrations(read_timeout=0.4, connect_timeout=0.2, budget_seconds=0.8) as hub:
        assert hub.employment is not None
        started = time.monotonic()
        with pytest.raises(MinistryTimedOut) as timed_out:
            await hub.employment.employment_of(FIN, on_behalf=OFFICIAL)
    assert isinstance(timed_out.value, MinistryUnavailable)
    assert time.monotonic() - started < 1.5
