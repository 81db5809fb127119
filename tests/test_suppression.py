"""Small-count suppression (`sxvis.suppression`): one rule, followed alike by `referralStatistics` and
`serviceStatistics` (issue 16 item 8, rule 13), so nobody can be singled out by either."""

from typing import Any

from sxvis.applications import statistics as applications
from sxvis.referrals import statistics as referrals
from sxvis.suppression import THRESHOLD, Bucket, Count, Figure, buckets, figure, suppress


def referral_aggregates(n: int) -> dict[str, Any]:
    """What `sxvis_referral_statistics` returns for `n` routine referrals, all answered in time."""
    return {
        "total": n,
        "answered": n,
        "due": n,
        "answered_on_time": n,
        "median_seconds": 3600,
        "p90_seconds": 7200,
        "by_urgency": {"ROUTINE": n},
        "by_status": {"ACCEPTED": n},
        "by_outcome": {"OPEN": n},
        "overdue_by_urgency": {},
    }


def application_aggregates(n: int) -> dict[str, Any]:
    """What `sxvis_service_statistics` returns for `n` persons, each with one application decided in time."""
    return {
        "persons": n,
        "applications": n,
        "decided": n,
        "timed": n,
        "on_time": n,
        "median_days": 2,
        "waiting": n,
        "served": n,
        "median_wait_days": 10,
        "persons_by_category": {"ADULT_WITH_DISABILITY": n},
        "persons_by_region": {"AZ-01": n},
        "by_service": {"01-09-15-00": n},
        "by_channel": {"SELF_SERVICE": n},
        "by_outcome": {"APPROVED": n},
        "queues": {"01-09-15-00:REST": n},
    }


def test_a_count_below_the_threshold_is_suppressed_and_one_at_it_is_shown() -> None:
    assert THRESHOLD == 5
    assert suppress(4) == Count(None, True)
    assert suppress(5) == Count(5, False)
    assert suppress(0) == Count(None, True)


def test_a_figure_resting_on_too_few_records_is_suppressed() -> None:
    assert figure(12.5, based_on=4) == Figure(None, True)
    assert figure(12.5, based_on=5) == Figure(12.5, False)
    assert figure(None, based_on=50) == Figure(None, True)


def test_buckets_that_add_up_to_no_total_are_suppressed_each_on_its_own() -> None:
    assert buckets(["A", "B"], {"A": 2, "B": 7}, 0) == [
        Bucket("A", Count(None, True)),
        Bucket("B", Count(7, False)),
    ]


def test_four_records_show_nothing_in_either_statistics() -> None:
    few_referrals = referrals.summarise(referral_aggregates(THRESHOLD - 1))
    few_applications = applications.summarise(application_aggregates(THRESHOLD - 1))
    assert few_referrals.total == few_applications.applications == Count(None, True)
    assert (
        few_referrals.median_response_seconds
        == few_applications.median_days_to_decision
        == Figure(None, True)
    )
    assert few_referrals.by_urgency[0] == Bucket("ROUTINE", Count(None, True))
    assert few_applications.by_service == [Bucket("01-09-15-00", Count(None, True))]


def test_five_records_show_their_counts_and_figures_in_either_statistics() -> None:
    enough_referrals = referrals.summarise(referral_aggregates(THRESHOLD))
    enough_applications = applications.summarise(application_aggregates(THRESHOLD))
    assert enough_referrals.total == enough_applications.applications == Count(THRESHOLD, False)
    assert enough_referrals.answered_within_deadline == enough_applications.decided_within_deadline
    assert enough_applications.decided_within_deadline == Figure(1.0, False)
    assert enough_applications.by_service == [Bucket("01-09-15-00", Count(THRESHOLD, False))]


def test_a_small_bucket_hidden_under_a_shown_total_takes_the_smallest_shown_one_with_it_in_either() -> None:
    # 6 in-person and 2 by call centre under a total of 8: the 2 could be worked out as 8 - 6.
    channels = {"IN_PERSON": 6, "CALL_CENTRE": 2}
    raw_applications = {**application_aggregates(8), "by_channel": channels}
    raw_referrals = {**referral_aggregates(8), "by_urgency": {"ROUTINE": 6, "URGENT": 2}}
    by_channel = {b.key: b.count for b in applications.summarise(raw_applications).by_channel}
    by_urgency = {b.key: b.count for b in referrals.summarise(raw_referrals).by_urgency}
    assert by_channel["IN_PERSON"] == by_urgency["ROUTINE"] == Count(None, True)
    assert by_channel["CALL_CENTRE"] == by_urgency["URGENT"] == Count(None, True)
