"""Running the simulators: keys, the settings that point SXVİS at them, and a server in a thread.

`sxvis simulate` and `sxvis serve --demo` generate one HMAC key per ministry into the data folder
(`ministry-keys/<name>.key`, made once, mode 0600), so the simulators and the server share them without
anyone configuring anything; the server learns the simulators' address and keys through the same
`SXVIS_MINISTRY__<NAME>__*` variables an operator would set for the real ministries.
"""

import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from pydantic import SecretStr
from starlette.applications import Starlette

from integrations.settings import IntegrationSettings, MinistryEndpoint
from integrations.simulators.app import MINISTRIES, SENDERS
from sxvis.keyfiles import read_or_create

CLIENT_ID = "AZ/GOV/SXVIS"
"""SXVİS's member id at the simulated ministries (`X-Road-Client`)."""

STARTUP_SECONDS = 30.0


def demo_keys(data_dir: Path) -> dict[str, SecretStr]:
    """Each ministry's HMAC key, made in `data_dir/ministry-keys/` on first use and read after."""
    folder = data_dir / "ministry-keys"
    return {name: SecretStr(read_or_create(folder / f"{name}.key")) for name in (*MINISTRIES, *SENDERS)}


def endpoint_settings(
    base_url: str, keys: Mapping[str, SecretStr], *, client_id: str = CLIENT_ID, **limits: Any
) -> IntegrationSettings:
    """Settings pointing every ministry at the simulators at `base_url`; `limits` (read_timeout,
    budget_seconds …) apply to each endpoint."""
    root = base_url.rstrip("/")
    return IntegrationSettings(
        ministry={
            name: MinistryEndpoint(base_url=f"{root}/{name}/", client_id=client_id, hmac_key=key, **limits)
            for name, key in keys.items()
        }
    )


def environment(
    base_url: str, keys: Mapping[str, SecretStr], *, client_id: str = CLIENT_ID
) -> dict[str, str]:
    """The same, as the `SXVIS_MINISTRY__*` variables a server reads (secrets included: for the
    server's own environment, never for a log)."""
    root = base_url.rstrip("/")
    variables: dict[str, str] = {}
    for name, key in keys.items():
        prefix = f"SXVIS_MINISTRY__{name.upper()}__"
        variables[prefix + "BASE_URL"] = f"{root}/{name}/"
        variables[prefix + "CLIENT_ID"] = client_id
        variables[prefix + "HMAC_KEY"] = key.get_secret_value()
    return variables


class SimulatorServer:
    """The simulators served by uvicorn in a background thread, on a loopback port (free unless given).

    ::

        with SimulatorServer(create_simulator_app(keys)) as simulators:
            settings = endpoint_settings(simulators.url, keys)
    """

    def __init__(self, app: Starlette, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._socket = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host = host
        self.port = int(self._socket.getsockname()[1])
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="sxvis-simulators", daemon=True
        )

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> "SimulatorServer":
        self._thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulators did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> "SimulatorServer":
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
