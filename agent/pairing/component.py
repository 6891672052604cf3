"""The daemon's pairing component: offers ``ctx.services.pairing``."""

from __future__ import annotations

import asyncio

from agent.backoffice import RegisterIdentity
from agent.pairing.identity import read_identity
from agent.pairing.service import PairingInfo, PairingService


class PairingComponent:
    def __init__(self, ctx):
        self.ctx = ctx
        self.service = DaemonPairing(ctx)

    async def start(self) -> None:
        self.ctx.services.pairing = self.service

    async def stop(self) -> None:
        self.ctx.services.pairing = None


class DaemonPairing(PairingService):
    """The pairing service plus the async entry points the local API uses."""

    def __init__(self, ctx):
        super().__init__(
            ctx.store, ctx.settings.state_dir, ctx.settings.config.backoffice, clock=lambda: ctx.clock()
        )
        self.ctx = ctx
        self._lock = asyncio.Lock()

    async def identity(self) -> RegisterIdentity:
        return await read_identity(self.ctx.devices)

    async def pair_async(self, code: str, url: str | None = None) -> PairingInfo:
        from agent.backoffice.codes import normalize_code

        normalize_code(code)  # "mistyped" before even asking the register
        self.resolve_url(url)
        async with self._lock:
            identity = await self.identity()
            return await asyncio.to_thread(self.pair, code, identity, url)

    async def unpair_async(self) -> bool:
        async with self._lock:
            return await asyncio.to_thread(self.unpair)
