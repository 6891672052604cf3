"""HTTP exchanges with a marketplace, each bounded in time and size as a whole
(``agent.http_exchange``). Sockets are tracked per client (``Link``), because a kept-alive
connection is opened by an earlier exchange. Every marketplace call (OAuth and REST) goes through
``Link.send``.
"""

from __future__ import annotations

import httpx

from agent.http_exchange import Answer, Breaker, Broken, DeadlinePassed, TooLarge, exchange
from agent.marketplace import errors

MAX_BODY = 8 * 1024 * 1024

__all__ = ["MAX_BODY", "Answer", "Link"]


class Link:
    """One httpx client's exchanges: ``send`` one, ``cut`` the one in flight (and refuse more)."""

    def __init__(self, http: httpx.Client, marketplace: str, url: str):
        self.http, self.marketplace, self.url = http, marketplace, url
        self._breaker = Breaker()

    def cut(self) -> None:
        """From another thread (shutdown): end the exchange in flight now and every later one."""
        self._breaker.trip()

    def send(self, request: httpx.Request, deadline: float) -> Answer:
        """The whole answer within ``deadline`` seconds; Deadline, Unreachable or Refused otherwise."""
        try:
            return exchange(self.http, request, deadline=deadline, max_body=MAX_BODY, breaker=self._breaker)
        except Broken:
            raise errors.MarketplaceError(detail="stopping") from None
        except (DeadlinePassed, httpx.TimeoutException):
            raise errors.Deadline(marketplace=self.marketplace, seconds=round(deadline)) from None
        except TooLarge as exc:
            raise errors.Refused(
                marketplace=self.marketplace, http=exc.status, detail="answer too large"
            ) from None
        except httpx.HTTPError as exc:
            raise errors.Unreachable(
                marketplace=self.marketplace, url=self.url, detail=type(exc).__name__
            ) from None
