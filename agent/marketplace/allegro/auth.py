"""An account's access token, refreshed when due, one refresher at a time.

The order of steps is the whole point (the refresh token rotates and the old one dies at once):

1. mark the stored pair ``refreshing`` (durably) and send the refresh;
2. store the new pair atomically (0600) before anything uses it; only then clear the mark.

A crash after 1 leaves the mark. The next refresh still tries the stored token (the request may
never have reached Allegro); if Allegro refuses it, the account is marked "re-connect needed" with
that reason rather than retried in a loop. A refused token without the mark means the grant was
revoked or has expired.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from agent.i18n import N_
from agent.journal.crash import crash_point
from agent.marketplace import errors
from agent.marketplace.allegro.oauth import Grant, InvalidGrant, OAuthClient
from agent.marketplace.tokens import TokenFiles, Tokens

log = logging.getLogger(__name__)

EARLY = timedelta(minutes=5)  # refresh this long before the access token runs out
REASON_INTERRUPTED = N_(
    "a token refresh was interrupted before the new token was saved, and Allegro no longer accepts "
    "the old one"
)
REASON_REFUSED = N_("Allegro refused the refresh token (access revoked, expired, or the password changed)")
REASON_MISSING = N_("the account's token file is missing or unreadable")


def store_grant(files: TokenFiles, account: int, grant: Grant, now: datetime) -> Tokens:
    tokens = Tokens(grant.access_token, grant.refresh_token, grant.expires_at(now).isoformat())
    files.write(account, tokens)
    return tokens


class AccountAuth:
    """Bearer tokens for one account. ``on_reconnect(reason_msgid)`` records that it must be connected
    again; ``on_refreshed(expires_at)`` records the new validity (both write the account's row)."""

    def __init__(
        self,
        account: int,
        name: str,
        files: TokenFiles,
        oauth: Callable[[], OAuthClient],
        clock: Callable[[], datetime],
        *,
        on_reconnect: Callable[[str], None],
        on_refreshed: Callable[[datetime], None] = lambda expires: None,
        state_dir=None,
    ):
        self.account, self.name = account, name
        self.files, self.oauth, self.clock = files, oauth, clock
        self.on_reconnect, self.on_refreshed = on_reconnect, on_refreshed
        self.state_dir = state_dir

    def _reconnect(self, reason: str) -> errors.ReconnectNeeded:
        self.on_reconnect(reason)
        return errors.ReconnectNeeded(marketplace="Allegro", name=self.name, reason=reason)

    def token(self, *, force: bool = False) -> str:
        """A usable access token; ``force`` refreshes even a current one (Allegro answered 401)."""
        tokens = self.files.read(self.account)
        if tokens is None:
            raise self._reconnect(REASON_MISSING)
        if not force and not tokens.refreshing and tokens.expires() - EARLY > self.clock():
            return tokens.access_token
        with self.files.refreshing(self.account):
            current = self.files.read(self.account)  # another refresher may have done it meanwhile
            if current is None:
                raise self._reconnect(REASON_MISSING)
            if current.access_token != tokens.access_token and not current.refreshing:
                return current.access_token
            return self._refresh(current)

    def _refresh(self, tokens: Tokens) -> str:
        interrupted = tokens.refreshing
        if not interrupted:
            self.files.write(self.account, tokens.marked(True))
        try:
            with self.oauth() as client:
                grant = client.refresh(tokens.refresh_token)
        except InvalidGrant:
            reason = REASON_INTERRUPTED if interrupted else REASON_REFUSED
            log.warning("marketplace account %s: refresh refused; it must be connected again", self.account)
            raise self._reconnect(reason) from None
        except errors.Busy:
            # Allegro answered and did not rotate: the stored token is still the valid one
            if not interrupted:
                self.files.write(self.account, tokens.marked(False))
            raise
        # errors.Unreachable: the request may or may not have reached Allegro; the mark stays
        crash_point("token_received", self.state_dir)
        now = self.clock()
        stored = store_grant(self.files, self.account, grant, now)
        self.on_refreshed(stored.expires())
        return stored.access_token
