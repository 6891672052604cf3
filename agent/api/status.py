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
from agent.api.deps import CtxDep, LangDep
from agent.daemon.context import Context

router = APIRouter(prefix="/v1", tags=["status"])
log = logging.getLogger("kassa.api")


def store_status(ctx: Context) -> dict[str, Any]:
    try:
        ok = ctx.store.pragma("quick_check") == "ok"
    except Exception as exc:  # a broken store is a status to show, not an error answer
        log.error("store check failed: %s", exc)
        ok = False
    return {"ok": ok, "path": str(ctx.store.path)}


def shift_from_register(ctx: Context) -> dict[str, Any] | None:
    """The shift as the last status poll of the fiscal register saw it. When and how long ago it
    opened is the journal's to say (the register does not report it): its summary adds those."""
    handle = getattr(ctx.devices, "fiscal", None)
    status = getattr(handle, "last_status", None)
    if status is None:
        return None
    return {
        "open": status.shift_open,
        "number": status.shift_number,
        "opened_at": None,
        "hours_left": None,
        "expired": status.shift_expired,
    }


FN_UNSENT_LIMIT_DAYS = 30  # the FN blocks when a document stays unsent to the OFD this long
OFD_WARNING_DAYS = 5  # warn this many days before it
FN_EXPIRY_WARNING_DAYS = 30  # and this many before the FN's keys end


def fn_from_register(ctx: Context) -> dict[str, Any] | None:
    """The FN as the last poll of the fiscal register saw it: its OFD queue counted on the FN's
    own clock (the one that blocks), its end of life, registration and warnings, days ahead."""
    handle = getattr(ctx.devices, "fiscal", None)
    ofd = getattr(handle, "last_ofd", None)
    fn = getattr(handle, "last_fn", None)
    if ofd is None:
        return None
    clock = getattr(fn, "clock", None) or ctx.clock()
    first = ofd.first_unsent_at
    days_left = None
    if ofd.unsent and first is not None:
        waited = max((clock - first).days, 0)
        days_left = min(max(FN_UNSENT_LIMIT_DAYS - waited, 0), FN_UNSENT_LIMIT_DAYS)
    expires = getattr(fn, "expires", None)
    expires_in = (expires - clock.date()).days if expires is not None else None
    warnings = [{"code": name} for name in getattr(fn, "warnings", ())]
    if days_left is not None and days_left <= OFD_WARNING_DAYS:
        warnings.append({"code": "ofd_days_left", "days": days_left})
    if expires_in is not None and expires_in <= FN_EXPIRY_WARNING_DAYS:
        warnings.append({"code": "fn_expires", "days": max(expires_in, 0)})
    return {
        "unsent": ofd.unsent,
        "oldest_unsent_at": first.isoformat() if first else None,
        "days_left": days_left,
        "clock": clock.isoformat() if fn is not None else None,
        "expires": expires.isoformat() if expires else None,
        "expires_in_days": expires_in,
        "tax_systems": list(getattr(fn, "tax_systems", ())),
        "warnings": warnings,
    }


def merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    """Add a component's sections; a section both have is merged key by key."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key].update(value)
        else:
            base[key] = value


def collect_status(ctx: Context, lang: str | None) -> dict[str, Any]:
    devices = ctx.devices
    status: dict[str, Any] = {
        "version": __version__,
        "paired": False,
        "pairing": None,
        "store": store_status(ctx),
        "printer": devices.summary("fiscal", lang) if devices else None,
        "receipt_printer": devices.summary("receipt_printer", lang) if devices else None,
        "shift": shift_from_register(ctx),
        "queue": None,
        "streams": {},
        "products": None,
        "fn": fn_from_register(ctx),
        "daemon": {
            "pid": os.getpid(),
            "stopping": ctx.stopping,
            "profiles": ctx.profiles.names if ctx.profiles else [],
            "profile_errors": dict(ctx.profiles.errors) if ctx.profiles else {},
            "components": sorted(ctx.services),
        },
    }
    for name, service in list(ctx.services.items()):
        summary = getattr(service, "status_summary", None)
        if summary is None:
            continue
        try:
            merge(status, summary())
        except Exception:
            log.exception("status of %s failed", name)
            status["daemon"].setdefault("failed", []).append(name)
    return status


@router.get("/status", summary="The register's state: pairing, store, devices, shift, queue, streams")
def get_status(ctx: CtxDep, lang: LangDep) -> dict[str, Any]:
    return collect_status(ctx, lang)
