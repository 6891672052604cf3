"""What every part of the running daemon shares, and how parts plug into it.

A component is a class ``Component(ctx)`` with ``async start()`` and ``async stop()``,
listed in ``COMPONENTS`` in start order (stopped in reverse). It puts the service it offers
in ``ctx.services`` under its name, where the local API's routers find it
(``request.app.state.ctx.services["journal"]``).

A service may also offer ``status_summary() -> dict`` (sync, cheap: merged into
``GET /v1/status``) and ``config_changed(config)`` (sync or async: called after the daemon
applied an edited agent.toml; ``ctx.settings`` is already the new one). Device handles are
``ctx.devices.fiscal`` / ``ctx.devices.receipt_printer`` (``agent.daemon.devices``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agent.config import Settings
from agent.store import Store
from agent.store.types import utcnow

# "module:Class", in start order. Devices and the store come before all of these.
COMPONENTS: list[str] = [
    "agent.journal.component:JournalComponent",
    "agent.pairing.component:PairingComponent",
    "agent.sync.component:SyncComponent",
    "agent.marketplace.component:MarketplaceComponent",
]


@dataclass
class Context:
    settings: Settings
    store: Store
    devices: Any  # agent.daemon.devices.DeviceManager
    profiles: Any  # agent.daemon.profiles.ProfileRegistry: the current valid profiles by name
    clock: Callable[[], datetime] = utcnow  # aware UTC; tests replace it
    services: dict[str, Any] = field(default_factory=dict)
    stopping: bool = False  # set at SIGTERM: take no new work
