"""ESC/POS: receipt rendering speed and the wait for a printer that does not answer.

Rendering (layout, transliteration, CP866 encoding) is compared with python-escpos 3.1's own text
path (its magic encoder writing the same lines to a Dummy printer). The status case asks the
virtual printer, set "offline", for its status: our driver waits one reply time and says
"unknown"; python-escpos's Serial waits its whole timeout (1 s by default) and says "paper OK".
"""

from __future__ import annotations

import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

STATUS_BOUND_MS = 500
IDS = ("render", "printer-status")
REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def _receipt():
    from drivers.escpos.layout import PaymentLine, PrintedReceipt, ReceiptItem, TaxLine

    items = [
        ReceiptItem(
            f"Товар «номер {n}» — упаковка 1 кг", Decimal("1.250"), 12990, 16238, unit="кг", tax="НДС 20%"
        )
        for n in range(10)
    ]
    return PrintedReceipt(
        header=["ООО «Ромашка»", "г. Москва, ул. Тверская, д. 1"],
        title="КАССОВЫЙ ЧЕК / ПРИХОД",
        items=items,
        total=162380,
        taxes=[TaxLine("НДС 20%", 27063)],
        payments=[PaymentLine("НАЛИЧНЫМИ", 200000, 37620)],
        fiscal=[("ФН", "9960440300123456"), ("ФД", "12"), ("ФП", "1234567890")],
        footer=["Спасибо за покупку! Цены в ₽"],
    )


def _render_rate(profile, count: int) -> tuple[float, list[str]]:
    from drivers.escpos.layout import ReceiptLayout

    receipt = _receipt()
    started = time.perf_counter()
    for _ in range(count):
        layout = ReceiptLayout(profile)
        lines = [line for line in layout.render(receipt) if isinstance(line, str)]
        b"".join(line.encode(profile.encoding.codec) + b"\n" for line in lines)
    return count / (time.perf_counter() - started), lines


def _escpos_text_rate(lines: list[str], count: int) -> float:
    from escpos.printer import Dummy

    started = time.perf_counter()
    for _ in range(count):
        printer = Dummy(profile="TM-T20II")
        for line in lines:
            printer.textln(line)
        assert printer.output
    return count / (time.perf_counter() - started)


def _offline_status_seconds(profile) -> tuple[float, float, object, int]:
    from escpos.printer import Serial

    from drivers.escpos import open_printer
    from tests.fixtures.escpos import escpos_emulator

    with (
        tempfile.TemporaryDirectory(prefix="kassa-bench-escpos-") as scratch,
        escpos_emulator(Path(scratch)) as virtual,
    ):
        virtual.fault("offline")
        printer = open_printer(str(virtual.link), profile)
        try:
            started = time.perf_counter()
            state = printer.status()
            ours = time.perf_counter() - started
        finally:
            printer.close()
        theirs_printer = Serial(str(virtual.link), baudrate=profile.serial.baud)
        try:
            started = time.perf_counter()
            paper = theirs_printer.paper_status()
            theirs = time.perf_counter() - started
        finally:
            theirs_printer.close()
    return ours, theirs, state, paper


def cases(quick: bool) -> list[dict]:
    from drivers.profile import load_directory

    profiles = load_directory()[0]
    count = 100 if quick else 1000
    rate, lines = _render_rate(profiles["generic-80mm"], count)
    baseline = _escpos_text_rate(lines, count)
    ours, theirs, state, paper = _offline_status_seconds(profiles["escpos-emulator"])
    return [
        {
            "id": "render",
            "name": "escpos: lay out + encode a 10-line receipt (80 mm, CP866)",
            "value": round(rate, 1),
            "unit": "receipts/s",
            "baseline": "python-escpos 3.1 magic text encoder, same lines (Dummy printer)",
            "baseline_value": round(baseline, 1),
            "target": ">= 1",
            "on": "ratio",
        },
        {
            "id": "printer-status",
            "name": "escpos: status of a printer that never answers"
            + (" (unknown)" if state.unknown else " (WRONG: not unknown)")
            + f"; python-escpos 3.1 Serial.paper_status() takes {theirs * 1000:.0f} ms and says {paper}",
            # a wrong answer fails the row whatever its time
            "value": round(ours * 1000, 1) if state.unknown else 10**6,
            "unit": "ms",
            "baseline": "bound: one reply time + margin",
            "baseline_value": STATUS_BOUND_MS,
            "target": f"< {STATUS_BOUND_MS}",
        },
    ]
