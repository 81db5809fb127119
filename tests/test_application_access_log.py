"""Every read and write of an application leaves an access event naming the person, in the same
transaction (DESIGN, "Access log"): the submission, each move, a read by id, a listing, the person's
applications, and the evidence with each fact's provenance."""

from sqlalchemy import text

from sxvis.database import Database
from tests.applications_support import APPLICATION, APPLICATIONS, ASSESS, register, submitted
from tests.conftest import Api


async def actions_about(db: Database, person_id: str) -> list[str]:
    from strawberry import relay

    real = relay.GlobalID.from_id(person_id).node_id
    async with db.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT action FROM access_events WHERE person_id = CAST(:p AS uuid)"
                " OR CAST(:p AS uuid) = ANY(person_ids) ORDER BY id"
            ),
            {"p": real},
        )
        return [row[0] for row in rows]


async def test_each_application_read_and_write_is_in_the_access_log(api: Api, db: Database) -> None:
    person = await register(api)
    application = await submitted(api, personId=person["id"])
    await api.execute(ASSESS, input={"id": application["id"], "need": "help"})
    await api.execute("query O($id: ID!) { application(id: $id) { id } }", id=application["id"])
    await api.execute(APPLICATIONS)
    await api.execute("query P($id: ID!) { person(id: $id) { applications { id } } }", id=person["id"])
    await api.execute(APPLICATION, id=application["id"])

    logged = await actions_about(db, person["id"])
    for action in (
        "application:submit",
        "application:assess",
        "application:read",
        "application:evidence",
        "check:run",
    ):
        assert action in logged, (action, logged)
    assert logged.count("application:read") >= 4
