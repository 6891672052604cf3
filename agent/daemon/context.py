"""What every part of the running daemon shares, and how parts plug into it.

A component is a class ``Component(ctx)`` with ``async start()`` and ``async stop()``, listed
in ``COMPONENTS`` in start order (stopped in reverse). It puts the service it offers in its
field of ``ctx.services``, where the local API's routers find it
(``request.app.state.ctx.services.journal``). Every service answers ``status_summary()``
(sync, cheap: merged into ``GET /v1/status``); a service that applies an edited agent.toml
while running implements ``FollowsConfig``. The device handles are
``ctx.devices.fiscal_register`` and ``ctx.devices.receipt_printer`` (``agent.daemon.devices``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from agent.config import Config, Settings
from agent.daemon.devices import DeviceManager
from agent.daemon.profiles import ProfileRegistry
from agent.journal.protocol import FiscalJournal
from agent.marketplace.service import MarketplaceService
from agent.pairing.component import DaemonPairing
from agent.store import Store
from agent.store.types import utcnow
from agent.sync.service import SyncService

# "module:Class", in start order. Devices and the store come before all of these.
COMPONENTS: list[str] = [
    "agent.journal.component:JournalComponent",
    "agent.pairing.component:PairingComponent",
    "agent.sync.component:SyncComponent",
    "agent.marketplace.component:MarketplaceComponent",
]


class Component(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@runtime_checkable
class FollowsConfig(Protocol):
    """A service that applies an edited agent.toml while running (``ctx.settings`` is already new)."""

    def config_changed(self, config: Config) -> None: ...


class Service(Protocol):
    def status_summary(self) -> dict[str, Any]:
        """Sections of ``GET /v1/status`` this service owns (no device call, no network)."""
        ...


@runtime_checkable
class ConnectionChecks(Protocol):
    """A service with connections of its own to test (``POST /v1/check``): marketplace accounts."""

    def connection_checks(self, lang: str | None) -> list[dict[str, Any]]:
        """One result per connection, tried now (blocking: run in a worker thread)."""
        ...


@dataclass
class Services:
    """The services the components offer; None until their component has started."""

    journal: FiscalJournal | None = None
    pairing: DaemonPairing | None = None
    sync: SyncService | None = None
    marketplace: MarketplaceService | None = None

    def running(self) -> dict[str, Service]:
        return {item.name: value for item in fields(self) if (value := getattr(self, item.name)) is not None}


@dataclass
class Context:
    settings: Settings
    store: Store
    devices: DeviceManager
    profiles: ProfileRegistry  # the current valid firmware profiles by name
    clock: Callable[[], datetime] = utcnow  # aware UTC; tests replace it
    services: Services = field(default_factory=Services)
    stopping: bool = False  # set at SIGTERM: take no new work
