"""The token and the sync code are hidden in every log line once the agent has seen them."""

from __future__ import annotations

from agent.logging import secret_filter
from agent.pairing.token_file import read_token, write_token


def test_a_token_written_or_read_is_redacted_from_logs(tmp_path):
    token = "tok-9f8e7d6c5b4a39281706"
    write_token(tmp_path, token)
    assert token not in secret_filter.redact(f"back office echoed {token} in a 500 answer")
    assert read_token(tmp_path) == token
    assert (tmp_path / "backoffice.token").stat().st_mode & 0o777 == 0o600
