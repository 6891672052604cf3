"""JSON and text from outside: unreadable is a ValueError, and a log record stays one line."""

from __future__ import annotations

import logging

import pytest

from agent.journal.permissive import _read
from agent.logging import JournalFormatter
from common import outside_json

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize("body", [DEEP, b'{"a": NaN}', b"[Infinity]", b"[-Infinity]", b"{oops", b"\xff"])
def test_unreadable_json_from_outside_is_a_value_error(body):
    with pytest.raises(ValueError):
        outside_json.loads(body)


def test_readable_json_is_read_as_json_reads_it():
    assert outside_json.loads(b'{"a": [1, 2.5, "\\u0442"], "b": null}') == {"a": [1, 2.5, "т"], "b": None}


def test_a_marking_system_answer_nested_too_deep_is_no_answer_and_no_crash():
    assert _read(DEEP, ["0104600000000000215abc"]) is None


def test_a_log_record_with_outside_text_is_one_printable_entry():
    record = logging.LogRecord(
        "agent.sync.engine",
        logging.INFO,
        __file__,
        1,
        "sync failed: %s",
        ("oops\n<2>kassa.journal: FN replaced\u2028<3>x \x1b]0;pwned\x07 end",),
        None,
    )
    line = JournalFormatter("%(name)s: %(message)s").format(record)
    assert line == "<6>agent.sync.engine: sync failed: oops <2>kassa.journal: FN replaced <3>x  end"
