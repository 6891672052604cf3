"""The cart's lines on the sale screen: a table that draws a line once and keeps it.

Textual's DataTable keys its render caches by a count of changes, so each added line drew every
visible cell again; with a scanner adding a line every 30 ms those redraws took the frames the
key presses and lookups needed. Here each line is rendered once into a strip and kept until that
line, the cursor or mouse on it, the column widths, the widget's width or its styles change: a
scan draws its own line and the line the cursor left.

It looks and moves as a row-cursor DataTable does: the header stays on top, the arrows, Page
Up/Down and Ctrl+Home/End move the cursor, Home/End scroll sideways, a click moves the cursor,
the line under the mouse is tinted. Cells are strings (shown as written, on one line) or Text.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.widgets.plain import one_line_cell

HEADER = 1  # lines above the first row
PADDING = 1  # columns of space either side of a cell


class CartTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    CartTable {
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .cart-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .cart-table--header {
                background-tint: $foreground 5%;
            }
        }
        & > .cart-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .cart-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .cart-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .cart-table--hover {
            background: $block-hover-background;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"cart-table--header", "cart-table--cursor", "cart-table--hover"}
    BINDINGS: ClassVar[list] = [
        Binding("enter", "select_line", show=False),
        Binding("up", "cursor_up", show=False),
        Binding("down", "cursor_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("ctrl+home", "first_line", show=False),
        Binding("ctrl+end", "last_line", show=False),
        Binding("home", "line_start", show=False),
        Binding("end", "line_end", show=False),
        Binding("left", "scroll_left", show=False),
        Binding("right", "scroll_right", show=False),
    ]

    class LineSelected(Message):
        """Enter on a line, or a click on the line the cursor is on."""

        def __init__(self, table: CartTable, row: int) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> CartTable:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._labels: list[Text] = []
        self._rows: list[tuple[Any, ...]] = []
        self._widths: list[int] = []  # each column's content width, padding not included
        self._cursor = 0
        self._hover: int | None = None  # the row under the mouse, while the mouse moves
        self._strips: dict[int, Strip] = {}  # row → its whole line, unscrolled; -1 is the header
        self._look: tuple | None = None  # what the kept strips were drawn with

    # -- content --------------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    def add_row(self, *cells: Any) -> None:
        """A line after the last one: only that line is drawn, unless it widens a column."""
        row = tuple(one_line_cell(cell) for cell in cells)
        self._rows.append(row)
        widths = [max(width, cell.cell_len) for width, cell in zip(self._widths, row, strict=False)]
        self._written(len(self._rows) - 1, widths)

    def update_row(self, index: int, *cells: Any) -> None:
        self._rows[index] = tuple(one_line_cell(cell) for cell in cells)
        self._written(index, self._measure())

    def clear(self) -> None:
        self._rows.clear()
        self._cursor = 0
        self._hover = None
        self._written(None, self._measure())
        self.scroll_to(0, 0, animate=False)

    def add_columns(self, *labels: str) -> None:
        self._labels = [one_line_cell(label) for label in labels]
        self._written(None, self._measure())

    def _measure(self) -> list[int]:
        return [
            max([label.cell_len, *(row[column].cell_len for row in self._rows if column < len(row))])
            for column, label in enumerate(self._labels)
        ]

    def _written(self, index: int | None, widths: list[int]) -> None:
        """After rows changed: other widths redraw every line, otherwise the row written alone."""
        # a new row changes the height to scroll; the strips already drawn stay as they are
        self.virtual_size = Size(sum(width + 2 * PADDING for width in widths), HEADER + len(self._rows))
        if widths != self._widths or index is None:
            self._widths = widths
            self._strips.clear()
            self.refresh()
        else:
            self._redraw(index)

    # -- cursor ---------------------------------------------------------------------------------
    def move_cursor(self, *, row: int, scroll: bool = True) -> None:
        row = max(0, min(row, len(self._rows) - 1))
        if row != self._cursor:
            self._redraw(self._cursor, row)
            self._cursor = row
        if scroll:
            self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        self.scroll_to_region(
            Region(0, HEADER + self._cursor, 1, 1),
            spacing=Spacing(HEADER, 0, 0, 0),
            animate=False,
            force=True,
            x_axis=False,
        )

    def _keyed(self, row: int) -> None:
        self._hover_on(None)  # the keys took over from the mouse
        self.move_cursor(row=row)

    def action_cursor_up(self) -> None:
        self._keyed(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self._keyed(self._cursor + 1)

    def action_page_up(self) -> None:
        self._keyed(self._cursor - self._page())

    def action_page_down(self) -> None:
        self._keyed(self._cursor + self._page())

    def action_first_line(self) -> None:
        self._keyed(0)

    def action_last_line(self) -> None:
        self._keyed(len(self._rows) - 1)

    def action_line_start(self) -> None:
        self.scroll_to(x=0, animate=False)

    def action_line_end(self) -> None:
        self.scroll_to(x=self.max_scroll_x, animate=False)

    def action_select_line(self) -> None:
        if self._rows:
            self.post_message(self.LineSelected(self, self._cursor))

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - HEADER)

    # -- mouse ----------------------------------------------------------------------------------
    def _row_at(self, event: events.MouseEvent) -> int | None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < HEADER:
            return None
        row = offset.y - HEADER + self.scroll_offset.y
        return row if row < len(self._rows) else None

    def _on_click(self, event: events.Click) -> None:
        row = self._row_at(event)
        if row is None:
            return
        if row == self._cursor:
            self.action_select_line()
        self.move_cursor(row=row)

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        self._hover_on(self._row_at(event))

    def _on_leave(self, event: events.Leave) -> None:
        self._hover_on(None)

    def _hover_on(self, row: int | None) -> None:
        if row != self._hover:
            self._redraw(*(r for r in (self._hover, row) if r is not None))
            self._hover = row

    # -- drawing --------------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()  # focus or a theme changes the cursor's colours, not only the background

    def _redraw(self, *rows: int) -> None:
        for row in rows:
            self._strips.pop(row, None)
            self.refresh_line(HEADER + row)

    def render_lines(self, crop: Region) -> list[Strip]:
        look = (
            self.size.width,
            self.rich_style,
            self.get_component_rich_style("cart-table--header"),
            self.get_component_rich_style("cart-table--cursor"),
            self.get_component_rich_style("cart-table--hover"),
        )
        if look != self._look:  # focus, theme or width changed: every line looks different
            self._look = look
            self._strips.clear()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = -1 if y < HEADER else y - HEADER + scroll_y
        base = self.rich_style
        if row >= len(self._rows):
            return Strip.blank(self.size.width, base)
        strip = self._strips.get(row)
        if strip is None:
            strip = self._strips[row] = self._draw(row)
        return strip.crop_extend(scroll_x, scroll_x + self.size.width, base)

    def _draw(self, row: int) -> Strip:
        """One whole line: the cells, then the row's style to the widget's right edge."""
        component = Style()
        if row < 0:
            cells, style = self._labels, self.get_component_rich_style("cart-table--header")
        else:
            cells, style = self._rows[row], self.rich_style
            if row == self._hover:
                component += self.get_component_rich_style("cart-table--hover")
            if row == self._cursor:
                component += self.get_component_rich_style("cart-table--cursor")
        # the cursor's colour wins over a cell's own, its background does not (as in a DataTable)
        post = Style.from_color(color=component.color)
        # a cell is never wider than its column (the widths are measured from the cells), so
        # the line is laid out here as Padding in a column would lay it out, and rendered once
        line = Text(end="", no_wrap=True)
        for cell, width in zip(cells, self._widths, strict=False):
            fill = " " * (width - cell.cell_len)
            left = fill[: {"center": len(fill) // 2, "right": len(fill)}.get(cell.justify or "", 0)]
            pad = cell.style if cell.justify in ("left", "center", "right") else ""  # as rich justifies
            line.append(" " * PADDING)
            line.append(left, pad)
            line.append_text(cell)
            line.append(fill[len(left) :], pad)
            line.append(" " * PADDING)
        segments = list(Segment.apply_style(line.render(self.app.console), style + component, post))
        rest = max(0, self.size.width - self.virtual_size.width)
        segments.append(Segment(" " * rest, style + component))
        return Strip(segments).simplify()
