"""The built-in streams, in the order status and ``kassa sync`` list them.

A new built-in stream is its own module with a class that implements ``agent.sync.stream.Stream``
and takes ``StreamOptions``; its line here is the only other change. Streams that exist once per
configured account register themselves at run time (``SyncEngine.add_stream``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent.sync.catalog import ProductStream
from agent.sync.employees import EmployeeStream
from agent.sync.orders import BackofficeOrderStream
from agent.sync.receipts import ReceiptStream
from agent.sync.records import Known
from agent.sync.stream import Stream

BUILTIN = (ReceiptStream, ProductStream, EmployeeStream, BackofficeOrderStream)


@dataclass
class StreamOptions:
    """What built-in streams take from the daemon's configuration."""

    page_limit: int = 500
    catalog_page_limit: int = 1000  # the protocol's most: half the requests and commits of 500
    batch: int = 500  # documents per upload request (the protocol takes up to 1,000)
    backoff: Any = None  # agent.sync.receipts.Backoff
    payload: Callable | None = None  # how fiscal documents become their upload bodies (tests replace it)
    shop_currency: str = "RUB"
    printer_state: Callable[[], str] = field(default=lambda: "unknown")
    fn_state: Callable[[], dict | None] = field(default=lambda: None)  # the FN's summary (agent.fn_state)
    known: Callable[[], Known] = field(default=Known)  # the codes the register's profile knows


def builtin(options: StreamOptions) -> list[Stream]:
    return [cls(options) for cls in BUILTIN]
