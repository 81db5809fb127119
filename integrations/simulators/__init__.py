"""The ministry simulators (`sxvis simulate`, `sxvis serve --demo`, the tests): real HTTP, no mocks.

`create_simulator_app(keys)` serves every ministry under its settings key; `SimulatorServer` runs it
with uvicorn in a thread on a loopback port; `demo_keys` and `endpoint_settings` make and share the keys
and settings a server needs to talk to it. `integrations.simulators.app` documents the routes.
"""

from integrations.simulators.app import (
    MINISTRIES,
    QUERIES,
    RECEIVERS,
    Faults,
    Received,
    SimulatorState,
    create_simulator_app,
)
from integrations.simulators.data import DemoWorld
from integrations.simulators.running import SimulatorServer, demo_keys, endpoint_settings, environment

__all__ = [
    "MINISTRIES",
    "QUERIES",
    "RECEIVERS",
    "DemoWorld",
    "Faults",
    "Received",
    "SimulatorServer",
    "SimulatorState",
    "create_simulator_app",
    "demo_keys",
    "endpoint_settings",
    "environment",
]
