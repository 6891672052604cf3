"""The TLS trust for the back office: the usual CAs, plus the ones in ``[backoffice] ca_bundle``.

The bundle adds to the trusted CAs (a private CA for a self-hosted back office); it never
replaces them, so setting it cannot break a back office behind a public certificate.
Verification is always on.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import certifi


def tls_context(ca_bundle: Path | str | None = None) -> ssl.SSLContext:
    """The system's CAs and certifi's (what httpx trusts by default), plus ``ca_bundle``."""
    context = ssl.create_default_context()  # the system's CAs, hostname check, verification on
    context.load_verify_locations(cafile=certifi.where())
    if ca_bundle:
        context.load_verify_locations(cafile=str(ca_bundle))
    return context
