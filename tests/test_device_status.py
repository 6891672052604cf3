"""Device-status words in one place: both status types name their conditions with the same msgids."""

from __future__ import annotations

from drivers import device_status as words
from drivers.escpos.status import PrinterStatus
from drivers.fiscal_register import RegisterStatus


def register(**conditions) -> RegisterStatus:
    fields = dict(
        mode=4,
        submode=0,
        shift_open=True,
        shift_number=7,
        shift_expired=False,
        document_open=False,
        paper_out=False,
        waiting_continue=False,
        cover_open=False,
    )
    return RegisterStatus(**{**fields, **conditions})


def test_a_register_names_its_conditions_most_urgent_first():
    assert register().problems() == [] and words.headline(register()) is None
    assert words.messages(register()) == [words.READY]
    both = register(shift_expired=True, paper_out=True)
    assert both.problems() == [words.PAPER_OUT, words.SHIFT_EXPIRED]
    assert words.headline(both) == words.PAPER_OUT


def test_register_and_printer_use_the_same_words():
    printer = PrinterStatus(online=False, paper_end=True, unknown=False)
    assert words.headline(printer) == words.headline(register(paper_out=True)) == words.PAPER_OUT
    assert words.headline(PrinterStatus(online=False, cover_open=True, unknown=False)) == words.COVER_OPEN


def test_paper_near_end_is_only_a_warning():
    near = PrinterStatus(online=True, paper_near_end=True, unknown=False)
    assert words.headline(near) in words.WARNINGS
    assert words.headline(None) is None
