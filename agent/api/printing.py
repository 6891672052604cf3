"""Paper from the receipt printer: ``POST /v1/receipts/{id}/copy`` and ``POST /v1/devices/test``.

Copy → ``{"printed": true, "device": "receipt_printer", "receipt_id"}``; test →
``{"printed": true, "device": "receipt_printer", "profile"}``. 404 ``receipt_not_found``,
409 ``receipt_not_fiscalized`` (only a fiscalized receipt has a copy), 503 ``device_unavailable``
when no receipt printer is configured or it is unplugged; printer faults come back as the driver's
errors (paper end, cover open).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from agent.api.deps import CtxDep, IdPath
from agent.api.errors import ApiError
from agent.api.schemas import Printed, TestPrint
from agent.daemon.devices import DeviceHandle, unavailable
from agent.i18n import N_
from agent.journal.views import RECEIPT_TYPES
from agent.printing.receipt_copy import receipt_copy
from agent.printing.test_page import sample_receipt
from agent.store.models import FiscalDocument

router = APIRouter(prefix="/v1", tags=["printing"])


def receipt_printer(ctx) -> DeviceHandle:
    handle = ctx.devices.receipt_printer
    if handle is None:
        raise unavailable("receipt_printer", N_("no receipt printer is configured ([receipt_printer] port)"))
    return handle


def fiscal_zone(config) -> ZoneInfo:
    """The zone of the register's clock (``[printer] timezone``): a fiscal document's date and time
    (tag 1012) on paper and in its QR code are the FN's own, which the tax service checks the QR
    against, whatever zone the shop or this machine is set to."""
    return ZoneInfo(config.printer.timezone)


@router.post("/receipts/{receipt_id}/copy", response_model=Printed)
async def print_copy(receipt_id: IdPath, ctx: CtxDep) -> dict[str, Any]:
    zone = fiscal_zone(ctx.settings.config)

    def build():
        with ctx.store.read() as session:
            doc = session.get(FiscalDocument, receipt_id)
            if doc is None or doc.type not in RECEIPT_TYPES:
                raise ApiError(404, "receipt_not_found", N_("no receipt {id} in the journal"), id=receipt_id)
            if doc.status != "fiscalized":
                raise ApiError(
                    409,
                    "receipt_not_fiscalized",
                    N_("receipt {id} is not fiscalized: it has no copy"),
                    id=receipt_id,
                )
            return receipt_copy(session, doc, zone)

    copy = await run_in_threadpool(build)  # a receipt that has no copy is that, whatever the printer
    printer = receipt_printer(ctx)
    await printer.call(lambda device, receipt: device.print_receipt(receipt), copy)
    return {"printed": True, "device": "receipt_printer", "receipt_id": receipt_id}


@router.post("/devices/test", response_model=Printed)
async def test_print(body: TestPrint, ctx: CtxDep) -> dict[str, Any]:
    printer = receipt_printer(ctx)
    await printer.call(lambda device: device.print_receipt(sample_receipt(device.profile)))
    return {"printed": True, "device": body.device, "profile": printer.profile.name}
