"""A server worker takes what it built at start out of the cyclic collector's sight once it has started
(`sxvis.web.app.freeze_startup_heap`); an app built where many are (the tests) leaves the heap alone."""

import gc
from collections.abc import Iterator

import pytest

from sxvis.config import Settings
from sxvis.database import Database
from sxvis.web.app import create_app


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def test_a_server_worker_freezes_its_start_up_heap_once_started(
    app_database: Database, settings: Settings, unfrozen: None
) -> None:
    app = create_app(settings, database=app_database, freeze_heap=True)
    assert gc.get_freeze_count() == 0

    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > 0


async def test_an_app_built_beside_others_leaves_the_heap_to_the_collector(
    app_database: Database, settings: Settings, unfrozen: None
) -> None:
    app = create_app(settings, database=app_database)

    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() == 0
