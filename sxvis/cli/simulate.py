"""`sxvis simulate`: the ministry simulators on their own; and the demo's simulators for `sxvis serve --demo`.

Both generate the ministries' HMAC keys into the data folder (once) and point SXVİS at the simulators
through the `SXVIS_MINISTRY__<NAME>__*` variables, the same an operator sets for the real ministries.
"""

import os
import time
from typing import Annotated

import typer
from rich.console import Console

from sxvis.config import Settings

console = Console(stderr=True)

DEMO_PERSONS = 2000


def simulate_command(
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8100,
    host: Annotated[str, typer.Option(help="Address to listen on (keep it loopback).")] = "127.0.0.1",
    seed: Annotated[int, typer.Option(help="Seed of the demo registry the answers follow.")] = 2026,
    persons: Annotated[int, typer.Option(help="Persons of the demo registry.", min=0)] = DEMO_PERSONS,
) -> None:
    """Serve every ministry's simulator (TSERAS, employment, VEMTAS, address, pension, E-sosial, police).

    Prints the environment a server needs to talk to them; Ctrl+C stops them.
    """
    from integrations.simulators import (
        DemoWorld,
        SimulatorServer,
        create_simulator_app,
        demo_keys,
        environment,
    )
    from sxvis.logging import configure

    settings = Settings()
    configure(settings)
    keys = demo_keys(settings.data_dir)
    world = DemoWorld(seed=seed, persons=persons)
    with SimulatorServer(create_simulator_app(keys, world=world), host=host, port=port) as server:
        console.print(
            f"Ministry simulators on {server.url} (admin: {server.url}/_admin/…, loopback only); keys in "
            f"{settings.data_dir / 'ministry-keys'}. Point a server at them with:",
            soft_wrap=True,
        )
        for name, value in environment(server.url, keys).items():
            print(f"export {name}={value}", flush=True)
        console.print("Ctrl+C stops them.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console.print("stopping the simulators")


def start_demo_simulators(settings: Settings, *, seed: int) -> object | None:
    """For `sxvis serve --demo`: the simulators in a thread of this process, on a free loopback port,
    and this process's environment pointing every ministry at them (the workers inherit it). Nothing
    when the operator configured ministries already. Returns the running server (None if not started)."""
    from integrations.settings import IntegrationSettings
    from integrations.simulators import (
        DemoWorld,
        SimulatorServer,
        create_simulator_app,
        demo_keys,
        environment,
    )

    if IntegrationSettings().ministry:
        console.print("Ministries are configured (SXVIS_MINISTRY__*): the demo simulators are not started.")
        return None
    keys = demo_keys(settings.data_dir)
    app = create_simulator_app(keys, world=DemoWorld(seed=seed, persons=DEMO_PERSONS))
    server = SimulatorServer(app).start()
    os.environ.update(environment(server.url, keys))
    console.print(f"Ministry simulators on {server.url}; checks and outbound messages go there.")
    return server
