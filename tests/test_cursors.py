"""A page's cursors are encoded when asked for, one by one, and are the cursors the API always gave."""

from typing import Any

import pytest

from sxvis.pagination import Cursors, decode_cursor, encode_cursor

ROWS = [("AMANOV", "a1"), ("BABAYEV", "b2"), ("CAFAROV", "c3")]


def _counting_key(calls: list[Any]) -> Any:
    def key(row: tuple[str, str]) -> tuple[str, str]:
        calls.append(row)
        return row

    return key


def test_a_cursor_is_the_encoding_of_its_rows_key() -> None:
    cursors = Cursors(ROWS, lambda row: row)
    assert list(cursors) == [encode_cursor(*row) for row in ROWS]
    assert decode_cursor(cursors[1], arity=2) == ["BABAYEV", "b2"]


def test_asking_for_the_last_cursor_encodes_only_that_one() -> None:
    calls: list[Any] = []
    cursors = Cursors(ROWS, _counting_key(calls))
    assert cursors[-1] == encode_cursor("CAFAROV", "c3")
    assert cursors[2] == cursors[-1]
    assert calls == [("CAFAROV", "c3")]  # once, and no other row's


def test_cursors_index_and_slice_like_a_list() -> None:
    cursors = Cursors(ROWS, lambda row: row)
    assert len(cursors) == 3
    assert cursors[0:2] == [encode_cursor(*ROWS[0]), encode_cursor(*ROWS[1])]
    assert not Cursors([], lambda row: row)
    with pytest.raises(IndexError):
        cursors[3]
