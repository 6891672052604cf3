"""Outside text is shown exactly as written on every screen: Rich markup is not parsed (a product
named ``[/]`` must not crash the TUI, ``Juice [new]`` keeps its ``[new]``) and escape sequences never
reach the terminal. The names come through the in-memory daemon, as the real one would send them."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest

from agent.client import DaemonError
from agent.terminal_text import printable
from tests.tui.fake_api import PRODUCTS, WHEN, FakeApi, FakeDaemon, catalog_product, through_contract
from tui.app import KassaApp
from tui.screens.dialogs import PromptScreen, RegisterProblemScreen
from tui.screens.pairing import PairScreen

pytestmark = pytest.mark.anyio

ESC = "\x1b[2J\x1b]0;pwned\x07"  # clear the screen, retitle the terminal
NAMES = {
    "product": "[/]",
    "juice": "Juice [new]",
    "styled": "[bold red]Cheese[/bold red]" + ESC,
    "employee": "[/]Ivanova" + ESC + " [b]",
    "organization": "[i]OOO Romashka[/i] \x9b31m",
    "store": "[/store] No 1",
    "order": "[link=http://x]Tea[/link] [/]",
    "error": "Paper [/] out" + ESC,
}
HOSTILE_PRODUCTS = [
    catalog_product(11, "H-1", NAMES["product"], 100, ["4600000000093"]),
    catalog_product(12, "H-2", NAMES["juice"], 200, []),
    catalog_product(13, "H-3", NAMES["styled"], 300, []),
]


def shown(name: str) -> str:
    """How a hostile name must look on screen: every character but the control ones, as written."""
    return printable(name, one_line=True).strip()


def screen_text(app: KassaApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def assert_clean(text: str) -> None:
    assert not any(ch in text for ch in "\x1b\x07\x9b"), repr(text)


class HostileDaemon(FakeDaemon):
    def __init__(self) -> None:
        super().__init__()
        pairing = self.status["pairing"]
        pairing.update(organization=NAMES["organization"], store=NAMES["store"])
        pairing["backoffice_url"] = "http://[/]" + ESC
        self.status["printer"].update(model=NAMES["styled"], message=NAMES["error"])
        self.status["streams"]["products"]["last_error"] = NAMES["error"]
        order = self.orders[0]
        order.update(marketplace=NAMES["order"], remote_id="[/]A-1" + ESC, reason=NAMES["error"])
        order["buyer"]["name"] = NAMES["employee"]
        order["lines"][0]["name"] = NAMES["order"]
        lines = [
            {
                "code": "H-1",
                "name": NAMES["product"],
                "quantity": "1.000",
                "price": 100,
                "discount": 0,
                "amount": 100,
            },
            {
                "code": "H-2",
                "name": NAMES["juice"],
                "quantity": "1.000",
                "price": 200,
                "discount": 0,
                "amount": 200,
            },
        ]
        receipt = self.add_receipt(lines, [{"kind": "cash", "amount": 300}])
        receipt["cashier"] = {"name": NAMES["employee"]}
        receipt["error"] = {"code": "paper_out", "message": NAMES["error"]}

    def handle(self, method, path, body, params):
        if (method, path) == ("GET", "/v1/products"):
            query = params.get("q", "").lower()
            found = [
                p for p in HOSTILE_PRODUCTS + PRODUCTS if query in p["name"].lower() or query in p["barcodes"]
            ]
            self.calls.append((method, path, body))
            answer = {"items": copy.deepcopy(found), "total": len(found), "product_sync": True}
            return through_contract(method, path, answer)
        if (method, path) == ("GET", "/v1/documents"):
            document = {
                "id": 1,
                "uuid": "u1",
                "fd": 5,
                "type": "[/]sale",
                "fiscalized_at": WHEN,
                "upload": "conflict",
                "attempts": 1,
                "message": NAMES["error"],
            }
            return through_contract(method, path, {"items": [document], "counts": {"conflict": 1}})
        if (method, path) == ("POST", "/v1/pairing"):
            answer = {"paired": True, "pairing": {"organization": NAMES["organization"]}}
            return through_contract(method, path, answer)
        return super().handle(method, path, body, params)


async def settle(pilot, seconds: float = 0.05) -> None:
    await pilot.pause(seconds)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_every_screen_shows_markup_and_escapes_as_plain_text(english):
    daemon = HostileDaemon()
    employee = {"id": 9, "name": NAMES["employee"], "role": "administrator"}
    app = KassaApp(FakeApi(daemon), employee=employee, poll_seconds=0)
    async with app.run_test(size=(150, 45)) as pilot:
        app.refresh_status()
        await settle(pilot)
        text = screen_text(app)
        assert shown(NAMES["employee"]) in text  # the title line
        assert_clean(text)

        await pilot.press(*"[")  # search results: every hostile name at once
        await settle(pilot, 0.4)
        text = screen_text(app)
        for key in ("product", "juice", "styled"):
            assert shown(NAMES[key]) in text, key
        assert_clean(text)
        await pilot.press("escape", *"4600000000093", "enter")  # the product named [/] into the cart
        await settle(pilot)
        await pilot.press(*"juice", "enter")
        await settle(pilot, 0.3)
        assert [line.name for line in app.screen.cart.lines] == [NAMES["product"], NAMES["juice"]]
        text = screen_text(app)
        assert "[/]" in text and "Juice [new]" in text
        assert_clean(text)
        await pilot.press("f8")  # the quantity dialog names the line
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        assert "Juice [new]" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)

        daemon.fail_next.append(DaemonError("sale_refused", NAMES["error"], 422))
        await pilot.press("f10", "enter")  # pay: refused with a hostile message, shown as a toast too
        await settle(pilot, 0.2)
        text = screen_text(app)
        assert shown(NAMES["error"]) in text
        assert_clean(text)

        daemon.fail_next.append(DaemonError("paper_out", NAMES["error"], 409, retryable=True))
        await pilot.press("f10", "enter")
        await settle(pilot, 0.2)
        assert isinstance(app.screen, RegisterProblemScreen)
        text = screen_text(app)
        assert shown(NAMES["error"]) in text
        assert_clean(text)
        await pilot.press("escape")
        await settle(pilot)

        for key, expected in (
            ("f3", (NAMES["product"], NAMES["juice"], NAMES["employee"], NAMES["error"])),
            ("f5", (NAMES["order"], "[/]A-1", NAMES["employee"], NAMES["error"])),
            ("f6", (NAMES["organization"], NAMES["store"], "http://[/]", NAMES["error"], "[/]sale")),
            ("f7", (NAMES["styled"], NAMES["error"])),
        ):
            await pilot.press(key)
            await settle(pilot, 0.2)
            text = screen_text(app)
            for name in expected:
                assert shown(name) in text, (key, name, text)
            assert_clean(text)

        await pilot.press("f6")
        app.push_screen(PairScreen())
        await settle(pilot)
        await pilot.press(*"ABCD", "enter")
        await settle(pilot, 0.2)
        text = screen_text(app)
        assert shown(NAMES["organization"]) in text
        assert_clean(text)


async def test_a_hostile_login_error_is_plain(english):
    daemon = FakeDaemon()
    original = daemon.handle

    def refuse(method, path, body, params):
        if path == "/v1/login":
            raise DaemonError("pin_wrong", NAMES["error"], 403)
        return original(method, path, body, params)

    daemon.handle = refuse
    app = KassaApp(FakeApi(daemon), poll_seconds=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"1234", "enter")
        await settle(pilot)
        text = screen_text(app)
        assert shown(NAMES["error"]) in text
        assert_clean(text)


TEXT_WIDGETS = {
    "Static",
    "Label",
    "DataTable",
    "OptionList",
    "SelectionList",
    "RichLog",
    "Log",
    "Markdown",
    "Pretty",
    "Digits",
    "ListItem",
    "Tree",
}


def test_screens_use_only_the_plain_text_widgets():
    """Textual's own text widgets parse strings as markup: only tui/widgets/plain.py may use them."""
    root = Path(__file__).resolve().parents[2] / "tui"
    offenders = []
    for path in root.rglob("*.py"):
        if path == root / "widgets" / "plain.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual.widgets"):
                offenders += [f"{path.name}: {a.name}" for a in node.names if a.name in TEXT_WIDGETS]
            on = not (
                isinstance(node, ast.keyword)
                and isinstance(node.value, ast.Constant)
                and not node.value.value
            )
            if isinstance(node, ast.keyword) and node.arg == "markup" and on:
                offenders.append(f"{path.name}:{node.lineno}: markup=")
    assert not offenders
