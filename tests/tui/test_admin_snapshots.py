"""SVG snapshots of the administrators' dialogs in Russian and English at 80×24 (fixed data and clock)."""

from __future__ import annotations

from datetime import date

import pytest

from agent.i18n import set_language
from tests.tui.fake_api import EMPLOYEES, FakeApi, FakeDaemon
from tests.tui.test_snapshots import focused, settle
from tui.app import KassaApp
from tui.screens.correction import CorrectionScreen
from tui.screens.product import ProductScreen


async def correction_dialog(pilot) -> None:
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    pilot.app.push_screen(CorrectionScreen(today=date(2026, 11, 30)))
    await focused(pilot, "sign")


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_correction_dialog_layout(snap_compare, lang):
    set_language(lang)
    try:
        app = KassaApp(FakeApi(FakeDaemon()), employee=EMPLOYEES["1111"], poll_seconds=0)
        assert snap_compare(app, terminal_size=(80, 24), run_before=correction_dialog)
    finally:
        set_language("en")


async def product_dialog(pilot) -> None:
    await settle(pilot)
    await pilot.press("f6")
    await settle(pilot)
    pilot.app.push_screen(ProductScreen())
    await focused(pilot, "code")


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_product_dialog_layout(snap_compare, lang):
    set_language(lang)
    try:
        app = KassaApp(FakeApi(FakeDaemon()), employee=EMPLOYEES["1111"], poll_seconds=0)
        assert snap_compare(app, terminal_size=(80, 24), run_before=product_dialog)
    finally:
        set_language("en")
