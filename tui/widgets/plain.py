"""The only text widgets the screens use: they show strings as written, never as Rich markup.

A ``str`` given to Textual's Static, Label or a DataTable cell is parsed as markup, so a product
named ``[/]`` would raise MarkupError and ``Juice [new]`` would lose ``[new]``. These subclasses turn
markup off and strip control characters from every string they are given.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable, Label, Static

from tui.plain import plain, printable


def _safe(content: Any) -> Any:
    """A string without control characters; a Text that still has some (a caller forgot ``plain``)
    loses its inner styles rather than reach the terminal with them."""
    if isinstance(content, str):
        return printable(content)
    if isinstance(content, Text) and printable(content.plain) != content.plain:
        return plain(content.plain, content.style, justify=content.justify)
    return content


class PlainStatic(Static):
    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(_safe(content), **kwargs)

    def update(self, content: Any = "", **kwargs: Any) -> None:
        super().update(_safe(content), **kwargs)


class PlainLabel(Label):
    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(_safe(content), **kwargs)

    def update(self, content: Any = "", **kwargs: Any) -> None:
        super().update(_safe(content), **kwargs)


def one_line_cell(cell: Any) -> Any:
    """A table cell shown as written, on one line: a string as plain text, a Text without control
    characters or line breaks."""
    if isinstance(cell, str):
        return plain(cell, one_line=True)
    if isinstance(cell, Text) and printable(cell.plain, one_line=True) != cell.plain:
        return plain(cell.plain, cell.style, justify=cell.justify, one_line=True)
    return cell


class PlainTable(DataTable):
    """A DataTable whose string cells are shown as written, on one line."""

    def add_row(self, *cells: Any, **kwargs: Any):
        return super().add_row(*(one_line_cell(cell) for cell in cells), **kwargs)

    def update_cell(self, row_key, column_key, value: Any, **kwargs: Any) -> None:
        super().update_cell(row_key, column_key, one_line_cell(value), **kwargs)
