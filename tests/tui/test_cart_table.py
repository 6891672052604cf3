"""The cart table: moves and looks as the cashier expects, and a scanned line draws only itself."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Input

from tests.tui.fake_api import EMPLOYEES, FakeApi, FakeDaemon
from tui.app import KassaApp
from tui.widgets.cart_table import CartTable

MILK, BREAD, TEA = "4600000000017", "4600000000024", "4600000000031"


class TableApp(App):
    CSS = "CartTable { height: 8; }"  # a header and seven lines; the search line above has the focus

    def __init__(self) -> None:
        super().__init__()
        self.selected: list[int] = []

    def compose(self) -> ComposeResult:
        yield Input(id="search")
        table = CartTable(id="cart")
        table.add_columns("#", "Name", "Amount")
        yield table

    def on_cart_table_line_selected(self, event: CartTable.LineSelected) -> None:
        self.selected.append(event.row)


def strips(table: CartTable) -> list:
    """The screen's lines where the table is."""
    shown = table.app.screen._compositor.render_strips()
    return shown[table.region.y : table.region.bottom]


def lines(table: CartTable) -> list[str]:
    return [strip.text.rstrip() for strip in strips(table)]


def fill(table: CartTable, count: int, start: int = 0) -> None:
    for number in range(start + 1, start + count + 1):
        table.add_row(str(number), f"Goods [{number}]", Text(f"{number}.00", justify="right"))
        table.move_cursor(row=table.row_count - 1)


@pytest.mark.anyio
async def test_the_cursor_follows_each_new_line_and_the_header_stays_on_top():
    app = TableApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(CartTable)
        fill(table, 20)
        await pilot.pause()
        shown = lines(table)
        assert shown[0].split() == ["#", "Name", "Amount"]
        assert shown[7].split() == ["20", "Goods", "[20]", "20.00"]  # markup-like names as written
        assert shown[1].split()[0] == "14"
        assert table.cursor_row == 19
        blurred = cursor_colour(table)
        table.focus()
        await pilot.pause()
        assert cursor_colour(table) != blurred  # the cursor says where the keys go


def cursor_colour(table: CartTable):
    return strips(table)[7]._segments[0].style.bgcolor


@pytest.mark.anyio
async def test_keys_and_clicks_move_the_cursor():
    app = TableApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(CartTable)
        fill(table, 20)
        table.focus()
        await pilot.press("up", "up")
        assert table.cursor_row == 17
        await pilot.press("pageup")
        assert table.cursor_row == 10
        await pilot.press("ctrl+home")
        assert table.cursor_row == 0
        await pilot.pause()
        assert lines(table)[1].split()[0] == "1"
        await pilot.press("pagedown", "down")
        assert table.cursor_row == 8
        await pilot.press("ctrl+end")
        assert table.cursor_row == 19
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == [19]
        await pilot.click(CartTable, offset=(5, 1))  # the first line shown: 14
        assert table.cursor_row == 13
        await pilot.click(CartTable, offset=(5, 1))  # a click on the cursor's line selects it
        await pilot.pause()
        assert app.selected == [19, 13]
        await pilot.click(CartTable, offset=(5, 0))  # the header: nothing
        assert table.cursor_row == 13


@pytest.mark.anyio
async def test_a_new_line_draws_itself_and_the_line_the_cursor_left(monkeypatch):
    app = TableApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(CartTable)
        fill(table, 20)
        await pilot.pause()
        drawn: list[int] = []
        draw = table._draw
        monkeypatch.setattr(table, "_draw", lambda row: drawn.append(row) or draw(row))
        for count in range(20, 25):
            fill(table, 1, start=count)
            await pilot.pause()
        assert lines(table)[7].split()[0] == "25"
        # each new line, and the line the cursor left (once or, between two paints, twice)
        assert set(drawn) == {19, 20, 21, 22, 23, 24} and len(drawn) <= 10, drawn
        drawn.clear()
        table.add_row("26", "A name longer than any before it", "1.00")  # a wider column: all again
        lines(table)
        assert sorted(drawn) == [-1, *range(18, 25)]  # the header and the seven lines shown


@pytest.mark.anyio
async def test_the_cashier_removes_the_line_chosen_with_the_arrows(english):
    app = KassaApp(FakeApi(FakeDaemon()), employee=EMPLOYEES["2222"], poll_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for code in (MILK, BREAD, TEA):
            await pilot.press(*code, "enter")
            await pilot.pause(0.1)
            await app.workers.wait_for_complete()
        sale = app.screen
        table = sale.query_one("#cart", CartTable)
        assert table.row_count == 3 and table.cursor_row == 2
        table.focus()
        await pilot.press("up", "delete")
        await pilot.pause()
        assert [line.code for line in sale.cart.lines] == ["MILK-1L", "TEA-100"]
        assert table.row_count == 2 and table.cursor_row == 0
        shown = "\n".join(lines(table))
        assert "Хлеб белый" not in shown and "Чай чёрный 100 г" in shown
