"""Logs: journald priority prefixes, and no token, PIN or sync code ever reaches them."""

from __future__ import annotations

import io
import logging

import pytest

from agent.logging import SecretFilter, setup_logging


@pytest.fixture
def log_to():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    setup_logging("debug", stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def test_priority_prefixes(log_to):
    log = logging.getLogger("kassa.test")
    log.debug("d")
    log.info("i")
    log.warning("w")
    log.error("e")
    log.critical("c")
    assert log_to.getvalue().splitlines() == [
        "<7>kassa.test: d",
        "<6>kassa.test: i",
        "<4>kassa.test: w",
        "<3>kassa.test: e",
        "<2>kassa.test: c",
    ]


def test_every_line_of_a_traceback_keeps_its_priority(log_to):
    try:
        raise ValueError("token=abcdef123456 in a traceback")
    except ValueError:
        logging.getLogger("kassa.test").exception("failed")
    lines = log_to.getvalue().splitlines()
    assert all(line.startswith("<3>") for line in lines)
    assert "abcdef123456" not in log_to.getvalue()


@pytest.mark.parametrize(
    ("message", "secret"),
    [
        ("paired: token=9f8e7d6c5b4a39281706", "9f8e7d6c5b4a39281706"),
        ('response {"register_id": "r1", "token": "tok-AbCdEf-123456"}', "tok-AbCdEf-123456"),
        ("headers: Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGciOiJIUzI1NiJ9"),
        ("login pin=4321 for cashier 3", "4321"),
        ("pairing with sync_code='7KQ2-M9XD-4' failed", "7KQ2-M9XD-4"),
        ("POST /token grant refresh_token=rt-998877665544&client_id=x", "rt-998877665544"),
        ("allegro device flow user_code: ABCD-EFGH", "ABCD-EFGH"),
        ("client_secret = s3cr3t-value", "s3cr3t-value"),
        ("operator password 30: admin_password=12345678", "12345678"),
    ],
)
def test_secrets_are_redacted(log_to, message, secret):
    logging.getLogger("kassa.test").info(message)
    output = log_to.getvalue()
    assert secret not in output
    assert "***" in output


def test_arguments_are_redacted_too(log_to):
    logging.getLogger("kassa.test").warning("back office said %s", {"token": "abc123456789"})
    assert "abc123456789" not in log_to.getvalue()


def test_a_registered_secret_is_redacted_anywhere(log_to):
    from agent.logging import secret_filter

    secret_filter.add_secret("PLAIN-CODE-XYZ9")
    logging.getLogger("httpx").warning("sent PLAIN-CODE-XYZ9 to the back office")
    assert "PLAIN-CODE-XYZ9" not in log_to.getvalue()


def test_ordinary_words_and_error_codes_stay_readable():
    text = SecretFilter().redact("error code=paper_out; pinned 3 items; spinning; 5 tokens left")
    assert text == "error code=paper_out; pinned 3 items; spinning; 5 tokens left"
