"""The fiscal drive at a glance, from the device manager's last poll: for `GET /v1/status`, `kassa
status`, the TUI and the back office's heartbeat."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

FN_UNSENT_LIMIT_DAYS = 30  # the FN blocks when a document stays unsent to the OFD this long
OFD_WARNING_DAYS = 5  # warn this many days before it
FN_EXPIRY_WARNING_DAYS = 30  # and this many before the FN's keys end


def printer_state(handle: Any) -> str:
    """The fiscal register's state as the heartbeat tells the back office: "absent" when none is set up."""
    return handle.state if handle is not None else "absent"


def fn_summary(handle: Any, pc_clock: Callable[[], datetime]) -> dict[str, Any] | None:
    """The FN as the last poll of the fiscal register (``handle``) saw it: its OFD queue counted on
    the FN's own clock (the one that blocks), its end of life, registration and warnings, days ahead."""
    ofd = getattr(handle, "last_ofd", None)
    fn = getattr(handle, "last_fn", None)
    if ofd is None:
        return None
    clock = getattr(fn, "clock", None) or pc_clock()
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
