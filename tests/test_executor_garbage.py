"""An operation's executor is freed when its request ends, not left for the cyclic garbage collector
(`schema.execution.helpers_without_cycle`): at thousands of requests a second that garbage made the
collector's full passes stall a worker every second or two."""

import asyncio
import gc
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from graphql.execution import Executor

from resolvers.context import Context
from schema.execution import helpers_without_cycle
from tests.conftest import Api
from tests.documents import PERSON_BY_FIN, REGISTER_PERSON
from tests.factories import person_input


@pytest.fixture
def cyclic_garbage() -> Iterator[list[Any]]:
    """What the cyclic collector finds unreachable while the test runs, kept instead of freed."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def _of_type(objects: list[Any], kind: type) -> list[Any]:
    return [thing for thing in objects if isinstance(thing, kind)]


async def test_a_read_leaves_neither_its_executor_nor_its_context_to_the_cyclic_collector(
    api: Api, cyclic_garbage: list[Any]
) -> None:
    fin = "7GCR001"
    (await api.execute(REGISTER_PERSON, input=person_input(fin=fin))).payload("registerPerson")
    gc.collect()
    cyclic_garbage.clear()

    for _ in range(3):
        assert (await api.execute(PERSON_BY_FIN, fin=fin)).ok()["person"]["fin"] == fin
    gc.collect()

    assert _of_type(cyclic_garbage, Executor) == []
    assert _of_type(cyclic_garbage, Context) == []


class Recorder:
    """Stands in for an executor: records what its helpers were asked to do."""

    def __init__(self) -> None:
        self.tracked: list[Any] = []
        self.gathered: list[Any] = []

    def track_async_work(self, values: Sequence[Any]) -> None:
        self.tracked.extend(values)

    def gather_async_work(self, values: Sequence[Any]) -> Any:
        self.gathered.extend(values)
        return asyncio.gather(*values)


async def _answer(value: int) -> int:
    await asyncio.sleep(0)
    return value


async def test_while_the_executor_lives_the_helpers_are_its_own_methods() -> None:
    executor = Recorder()
    helpers = helpers_without_cycle(executor)
    first, second = _answer(1), _answer(2)

    helpers.track([first])
    assert await helpers.gather([second]) == [2]

    assert executor.tracked == [first]
    assert executor.gathered == [second]
    await first


async def test_the_helpers_do_not_keep_their_executor_alive() -> None:
    executor = Recorder()
    alive = weakref.ref(executor)
    helpers = helpers_without_cycle(executor)
    gc.disable()  # freed by reference counting alone, as the end of a request frees it
    try:
        del executor
        assert alive() is None
    finally:
        gc.enable()
    assert await helpers.gather([_answer(3)]) == [3]


async def test_helpers_that_outlive_their_executor_still_gather() -> None:
    helpers = helpers_without_cycle(Recorder())

    assert await helpers.gather([_answer(1), _answer(2)]) == [1, 2]


async def test_helpers_that_outlive_their_executor_still_settle_tracked_work() -> None:
    helpers = helpers_without_cycle(Recorder())
    settled = asyncio.Event()

    async def work() -> None:
        settled.set()

    helpers.track([work(), "not awaitable"])

    await asyncio.wait_for(settled.wait(), timeout=5)


def test_helpers_that_outlive_their_executor_close_tracked_work_no_loop_can_run() -> None:
    helpers = helpers_without_cycle(Recorder())
    work = _answer(1)

    helpers.track([work])

    assert work.cr_frame is None  # closed, never to be reported as "never awaited"
