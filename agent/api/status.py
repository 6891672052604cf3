"""``GET /v1/status``: the register at a glance, for `kassa status`, the TUI and monitoring.

The daemon fills in what it owns (store, devices, shift as the register reports it); each
component's ``status_summary()`` then adds or refines its sections (pairing, queue, streams,
products, FN), so one request shows the whole register.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from fastapi import APIRouter

from agent import __version__
from agent.api import schemas
from agent.api.deps import CtxDep, LangDep
from agent.api.sync import localize_stream
from agent.daemon.context import Context
from agent.daemon.devices import FISCAL_REGISTER, RECEIPT_PRINTER
from agent.fn_state import fn_summary

router = APIRouter(prefix="/v1", tags=["status"])
log = logging.getLogger("kassa.api")


def store_status(ctx: Context) -> dict[str, Any]:
    """The last background check of the store (agent.store.health); none before the first ends."""
    health = ctx.store.health
    return {
        "ok": health.ok if health is not None else None,
        "checked_at": health.checked_at.isoformat() if health is not None else None,
        "problem": health.problem if health is not None else None,
        "path": str(ctx.store.path),
    }


def shift_from_register(ctx: Context) -> dict[str, Any] | None:
    """The shift as the last status poll of the fiscal register saw it. When and how long ago it
    opened is the journal's to say (the register does not report it): its summary adds those."""
    handle = ctx.devices.fiscal_register
    status = handle.last_status if handle is not None else None
    if status is None:
        return None
    return {
        "open": status.shift_open,
        "number": status.shift_number,
        "opened_at": None,
        "hours_left": None,
        "expired": status.shift_expired,
    }


def fn_from_register(ctx: Context) -> dict[str, Any] | None:
    return fn_summary(ctx.devices.fiscal_register, ctx.clock)


def merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    """Add a component's sections; a section both have is merged key by key."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key].update(value)
        else:
            base[key] = value


def collect_status(ctx: Context, lang: str | None) -> dict[str, Any]:
    devices = ctx.devices
    services = ctx.services.running()
    status: dict[str, Any] = {
        "version": __version__,
        "paired": False,
        "pairing": None,
        "store": store_status(ctx),
        "printer": devices.summary(FISCAL_REGISTER, lang),
        "receipt_printer": devices.summary(RECEIPT_PRINTER, lang),
        "shift": shift_from_register(ctx),
        "queue": None,
        "streams": {},
        "products": None,
        "fn": fn_from_register(ctx),
        "daemon": {
            "pid": os.getpid(),
            "stopping": ctx.stopping,
            "profiles": ctx.profiles.names,
            "profile_errors": dict(ctx.profiles.errors),
            "components": sorted(services),
        },
    }
    for name, service in services.items():
        try:
            merge(status, service.status_summary())
        except Exception:
            log.exception("status of %s failed", name)
            status["daemon"].setdefault("failed", []).append(name)
    for entry in status["streams"].values():
        localize_stream(entry, lang)
    return status


@router.get(
    "/status",
    response_model=schemas.Status,
    summary="The register's state: pairing, store, devices, shift, queue, streams",
)
def get_status(ctx: CtxDep, lang: LangDep) -> dict[str, Any]:
    return collect_status(ctx, lang)
