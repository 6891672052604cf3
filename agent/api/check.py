"""``POST /v1/check``: "Проверить соединение" — a real round trip to each thing the register talks to.

Unlike ``GET /v1/status`` (what the last runs saw), this tries now: the back office with the register's
credentials, each configured device, and every connection a service offers through
``connection_checks(lang)`` (marketplace accounts). Each answer has a latency in ms and a verdict.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from agent.api import schemas
from agent.api.deps import CtxDep, LangDep
from agent.backoffice import errors as backoffice_errors
from agent.daemon.context import ConnectionChecks, Context
from agent.daemon.devices import DEVICE_NAMES, DeviceHandle
from agent.fn_state import fn_summary, printer_state
from agent.i18n import N_, translate, translations
from agent.journal.records import outbox_queue
from drivers.device_status import WARNINGS, headline
from drivers.errors import DriverError

router = APIRouter(prefix="/v1", tags=["status"])

DEVICE_TIMEOUT = 5.0  # seconds: a status query answers in well under a second


def _result(name: str, label: str, target: str | None, ok: bool, started: float | None, message: str) -> dict:
    latency = round((time.monotonic() - started) * 1000) if started is not None else None
    return {
        "name": name,
        "label": label,
        "target": target,
        "ok": ok,
        "latency_ms": latency,
        "message": message,
    }


def check_backoffice(ctx: Context, lang: str | None) -> dict:
    """An authenticated heartbeat: the address, TLS, the token and the server all answer, or say which not."""
    label = translate(N_("back office"), lang)
    pairing = ctx.services.pairing
    info = pairing.info() if pairing else None
    target = info.backoffice_url if info else None
    started = None
    try:
        if pairing is None:
            raise backoffice_errors.NotPaired()
        fiscal_register = ctx.devices.fiscal_register
        with ctx.store.read() as session:  # what the receipts stream's heartbeat says, not less
            depth = outbox_queue(session, ctx.clock())["depth"]
        with pairing.client() as client:
            started = time.monotonic()
            client.heartbeat(printer_state(fiscal_register), depth, fn_summary(fiscal_register, ctx.clock))
    except backoffice_errors.BackofficeError as exc:
        if isinstance(exc, backoffice_errors.Unauthorized) and info is not None and not info.needs_repair:
            pairing.mark_needs_repair()
        message = exc.render(translations(lang).gettext)
        return _result("backoffice", label, target, False, started, message)
    return _result("backoffice", label, target, True, started, translate(N_("answered"), lang))


async def check_device(handle: DeviceHandle, lang: str | None) -> dict:
    label = translate(DEVICE_NAMES[handle.kind], lang)
    target = handle.resolved_port or handle.port
    started = time.monotonic()
    try:
        status = await handle.call(lambda device: device.status(), timeout=DEVICE_TIMEOUT)
    except DriverError as exc:
        return _result(handle.kind, label, target, False, started, exc.render(translations(lang).gettext))
    message = headline(status)
    if message:
        # it answered, but something needs a hand (paper, cover, a 24-hour shift)
        ok = message in WARNINGS
        text = translate(N_("answered, but: {problem}"), lang, problem=translate(message, lang))
        return _result(handle.kind, label, target, ok, started, text)
    return _result(handle.kind, label, target, True, started, translate(N_("answered"), lang))


async def run_checks(ctx: Context, lang: str | None) -> list[dict]:
    jobs = [run_in_threadpool(check_backoffice, ctx, lang)]
    jobs += [check_device(handle, lang) for handle in ctx.devices.handles]
    for service in ctx.services.running().values():
        if isinstance(service, ConnectionChecks):
            jobs.append(run_in_threadpool(service.connection_checks, lang))
    results: list[dict] = []
    for outcome in await asyncio.gather(*jobs):
        results.extend(outcome if isinstance(outcome, list) else [outcome])
    return results


@router.post(
    "/check",
    response_model=schemas.Checks,
    summary="Test the connections now: back office, devices, marketplace accounts",
)
async def check(ctx: CtxDep, lang: LangDep) -> dict:
    results = await run_checks(ctx, lang)
    return {"ok": all(result["ok"] for result in results), "checks": results}
