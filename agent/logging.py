"""The daemon's logs: stderr with journald priority prefixes, and no secrets in them.

Under systemd stderr goes to the journal, which reads a leading ``<N>`` as the syslog
priority, so ``journalctl -p warning`` works without a journald library. Tokens, PINs and
sync codes must never reach a log line (logs get copied into support tickets): the
``SecretFilter`` on the handler rewrites every record before it is formatted, whichever
library logged it.
"""

from __future__ import annotations

import logging
import re
import sys
import threading

from agent.terminal_text import printable

# logging level -> syslog priority (sd-daemon(3))
PRIORITIES = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}
REDACTED = "***"

# key = value, key: value, "key": "value", key=value in query strings
_SECRET_KEYS = (
    r"token|access_token|refresh_token|device_code|user_code|sync_code|pairing_code|pin|pin_hash|password"
    r"|passwd|secret|client_secret|api_key|authorization|cookie"
)
_KEY_VALUE = re.compile(
    rf"""(?ix)
    (?P<key>["']?\b(?:[a-z_]*_)?(?:{_SECRET_KEYS})\b["']?)   # the key, maybe quoted, maybe prefixed
    (?P<sep>\s*[:=]\s*)
    (?P<value>"[^"]*"|'[^']*'|[^\s,;&}}\]]+)
    """
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")


class SecretFilter(logging.Filter):
    """Redact secrets from log records: known values, and the values of secret-looking keys."""

    def __init__(self) -> None:
        super().__init__()
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def add_secret(self, value: str | None) -> None:
        """Redact this exact value wherever it appears (a token just received, a PIN typed)."""
        if value and len(value) >= 4:
            with self._lock:
                self._known.add(value)

    def redact(self, text: str) -> str:
        with self._lock:
            known = sorted(self._known, key=len, reverse=True)
        for value in known:
            text = text.replace(value, REDACTED)
        text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
        return _KEY_VALUE.sub(_redact_value, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        record.exc_info = None if record.exc_text else record.exc_info
        return True


def _redact_value(match: re.Match) -> str:
    value = match.group("value")
    quote = value[0] if value[:1] in "\"'" else ""
    return f"{match.group('key')}{match.group('sep')}{quote}{REDACTED}{quote}"


class JournalFormatter(logging.Formatter):
    """``<6>logger: message`` — the priority prefix journald understands.

    A record's message is one line of printable text: outside text logged in it (a back office's
    error, a product name) can neither forge further entries with a line break and a ``<2>`` nor
    send escape sequences to the terminal reading the log. A traceback keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = printable(record.message, one_line=True)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        priority = PRIORITIES.get(record.levelno, 6 if record.levelno < logging.WARNING else 3)
        text = super().format(record)
        return "\n".join(f"<{priority}>{line}" for line in text.splitlines() or [""])


secret_filter = SecretFilter()


def setup_logging(level: str = "info", stream=None) -> logging.Handler:
    """Send every logger to stderr through the secret filter; returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JournalFormatter("%(name)s: %(message)s"))
    handler.addFilter(secret_filter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    set_level(level)
    # uvicorn's own handlers would bypass the filter: route them through the root
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("watchdog").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return handler


def set_level(level: str) -> None:
    logging.getLogger().setLevel(getattr(logging, level.upper(), logging.INFO))
    noisy = logging.INFO if level == "debug" else logging.WARNING
    logging.getLogger("httpx").setLevel(noisy)
    logging.getLogger("httpcore").setLevel(max(noisy, logging.INFO))
