"""Pair, re-pair and unpair: the one implementation behind `kassa pair`, POST /v1/pairing and the TUI.

The token goes to a 0600 file in the state dir; the Pairing row holds everything else. Re-pairing
replaces the credentials and the sync positions (a new back office has its own cursors) but never
touches the outbox: every unsent document is uploaded to whichever back office is paired next.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import update
from sqlmodel import select

from agent.backoffice import BackofficeClient, RegisterIdentity, errors
from agent.backoffice.client import check_url, display_url, url_secret
from agent.backoffice.codes import normalize_code
from agent.config.schema import BackofficeSettings
from agent.logging import secret_filter
from agent.pairing.token_file import read_token, remove_token, write_token
from agent.store import Store
from agent.store.models import OutboxItem, Pairing, Setting, SyncCursor
from agent.store.types import utcnow

log = logging.getLogger(__name__)

# the back office's address outlives an unpairing: pairing again needs only a new code
LAST_URL_KEY = "pairing.backoffice_url"


@dataclass(frozen=True)
class PairingInfo:
    organization: str
    organization_inn: str
    store: str
    store_address: str
    backoffice_url: str
    register_id: str
    needs_repair: bool
    paired_at: datetime

    def as_dict(self) -> dict:
        return {
            "organization": self.organization,
            "organization_inn": self.organization_inn,
            "store": self.store,
            "store_address": self.store_address,
            "backoffice_url": display_url(self.backoffice_url),
            "register_id": self.register_id,
            "needs_repair": self.needs_repair,
            "paired_at": self.paired_at.isoformat(),
        }


def _info(row: Pairing) -> PairingInfo:
    return PairingInfo(
        organization=row.organization_name,
        organization_inn=row.organization_inn,
        store=row.store_name,
        store_address=str((row.store or {}).get("address") or ""),
        backoffice_url=row.backoffice_url,
        register_id=row.register_id,
        needs_repair=row.needs_repair,
        paired_at=row.paired_at,
    )


class PairingService:
    def __init__(
        self,
        store: Store,
        state_dir: Path,
        settings: BackofficeSettings | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.store = store
        self.state_dir = Path(state_dir)
        self.settings = settings or BackofficeSettings()
        self.clock = clock
        self.listeners: list[Callable[[str], None]] = []  # called with "paired" | "unpaired" | "needs_repair"

    # -- reading -------------------------------------------------------------------------
    def info(self) -> PairingInfo | None:
        with self.store.read() as session:
            row = session.get(Pairing, 1)
            return _info(row) if row else None

    def token(self) -> str | None:
        return read_token(self.state_dir)

    def client(self, timeout: float | None = None) -> BackofficeClient:
        """A client with this register's credentials; NotPaired / Unauthorized when it cannot have one."""
        info = self.info()
        token = self.token()
        if info is None or token is None:
            raise errors.NotPaired()
        if info.needs_repair:
            raise errors.Unauthorized()
        secret_filter.add_secret(url_secret(info.backoffice_url))
        return BackofficeClient(
            info.backoffice_url,
            token,
            ca_bundle=self.settings.ca_bundle,
            timeout=timeout or self.settings.timeout,
        )

    def status_summary(self) -> dict:
        info = self.info()
        paired = info is not None and self.token() is not None
        pairing = info.as_dict() if info is not None else None  # what pairing answered, all of it
        # where "Подключить ККТ" pairs when no address is typed (configured, else the last one)
        address = display_url(self.settings.url or self.last_url()) or None
        return {"paired": paired, "pairing": pairing, "backoffice_url": address}

    def last_url(self) -> str | None:
        """The address of the current pairing, else of the last one (kept by `unpair`)."""
        with self.store.read() as session:
            row = session.get(Pairing, 1)
            if row is not None:
                return row.backoffice_url
            remembered = session.get(Setting, LAST_URL_KEY)
            return str(remembered.value) if remembered is not None and remembered.value else None

    def resolve_url(self, url: str | None) -> str:
        """The address to pair with: given, else configured, else the current (or last) pairing's; checked."""
        if not url:
            url = self.settings.url or self.last_url()
        return check_url(url)

    # -- changing ------------------------------------------------------------------------
    def pair(self, code: str, register: RegisterIdentity, url: str | None = None) -> PairingInfo:
        """Pair (or re-pair) with the back office at ``url`` (default: configured, then current)."""
        code = normalize_code(code)  # a typo is caught before anything else happens
        secret_filter.add_secret(code)
        url = self.resolve_url(url)
        secret_filter.add_secret(url_secret(url))
        with BackofficeClient(
            url, ca_bundle=self.settings.ca_bundle, timeout=self.settings.timeout
        ) as client:
            result = client.pair(code, register)
        write_token(self.state_dir, result.token)
        with self.store.write() as session:
            row = session.get(Pairing, 1)
            changed = row is None or row.backoffice_url != url or row.register_id != result.register_id
            if row is None:
                row = Pairing(
                    backoffice_url=url,
                    register_id=result.register_id,
                    organization_name=result.organization_name,
                    organization_inn=result.organization_inn,
                    store_name="",
                    kkt_serial=register.kkt_serial,
                    fn_serial=register.fn_serial,
                )
            row.backoffice_url = url
            row.register_id = result.register_id
            row.organization_name = result.organization_name
            row.organization_inn = result.organization_inn
            row.store_name = str(result.store.get("name") or "")
            row.store = result.store
            row.kkt_serial = register.kkt_serial
            row.fn_serial = register.fn_serial
            row.paired_at = self.clock()
            row.needs_repair = False
            session.add(row)
            _remember_url(session, url)
            if changed:
                # the new back office has its own change sequences: start every pulled stream afresh
                for cursor in session.exec(select(SyncCursor)).all():
                    session.delete(cursor)
            # unsent documents go out to the new pairing at once, not after an old backoff
            session.execute(
                update(OutboxItem.__table__)
                .where(OutboxItem.__table__.c.status == "pending")
                .values(next_attempt_at=None, attempts=0)
            )
        log.info("paired with %s as register %s", display_url(url), result.register_id)
        self._notify("paired")
        return self.info()  # type: ignore[return-value]

    def unpair(self) -> bool:
        """Forget the credentials; documents (sent or not), the catalog and the address stay.
        False when not paired."""
        with self.store.write() as session:
            row = session.get(Pairing, 1)
            if row is not None:
                _remember_url(session, row.backoffice_url)
                session.delete(row)
        had_token = self.token() is not None
        remove_token(self.state_dir)
        if row is None and not had_token:
            return False
        log.info("unpaired")
        self._notify("unpaired")
        return True

    def mark_needs_repair(self) -> None:
        """The back office answered 401: keep everything, stop talking to it, ask for a new code."""
        with self.store.write() as session:
            row = session.get(Pairing, 1)
            if row is None or row.needs_repair:
                return
            row.needs_repair = True
            session.add(row)
        log.warning("the back office refused the register's credentials; pairing again is needed")
        self._notify("needs_repair")

    def _notify(self, event: str) -> None:
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception:  # a listener's failure must not undo a pairing
                log.exception("pairing listener failed")


def _remember_url(session, url: str) -> None:
    setting = session.get(Setting, LAST_URL_KEY) or Setting(key=LAST_URL_KEY)
    setting.value = url
    setting.updated_at = utcnow()
    session.add(setting)
