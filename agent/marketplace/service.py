"""What the local API, the CLI and the scheduler ask of marketplaces: connect an account by the
device flow, list and change accounts, import now, and settle paid orders automatically.

Imports are blocking (httpx + SQLite) and run in worker threads, one at a time per account.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import select

from agent.i18n import N_, translate
from agent.marketplace import accounts, errors
from agent.marketplace.allegro.api import AllegroApi, StaticToken, whoami
from agent.marketplace.allegro.auth import AccountAuth, store_grant
from agent.marketplace.allegro.connector import AllegroConnector
from agent.marketplace.allegro.oauth import DeviceGrant, OAuthClient, wait_for_approval
from agent.marketplace.orders import ImportRun, run_import
from agent.marketplace.tokens import TokenFiles
from agent.store import Store
from agent.store.models import MarketplaceAccount, MarketplaceOrder

log = logging.getLogger(__name__)

ERROR_RETRY = 60  # seconds before a failed import is tried again (at most its interval)
FLOW_KEEP = 600  # seconds a finished connect flow stays readable
MARKETPLACES = ("allegro",)


@dataclass
class ConnectFlow:
    id: str
    name: str | None
    grant: DeviceGrant
    started: float
    state: str = "pending"  # pending | connected | failed
    account: int | None = None
    error: errors.MarketplaceError | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    finished: float | None = None
    qr: list[str] = field(default_factory=list)  # drawn once: the CLI and the TUI poll the flow


def qr_text(data: str) -> list[str]:
    """The link as a QR code drawn with block characters, one string per terminal row."""
    import io

    import qrcode

    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_L)
    code.add_data(data)
    code.make(fit=True)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue().rstrip("\n").split("\n")


def error_json(exc: errors.MarketplaceError) -> str:
    params = {key: value for key, value in exc.params.items() if isinstance(value, str | int | float)}
    return json.dumps({"code": exc.code, "message": exc.message, "params": params})


def error_text(stored: str | None, lang: str | None) -> str | None:
    if not stored:
        return None
    try:
        data = json.loads(stored)
        params = {
            key: translate(value, lang) if key == "reason" else value for key, value in data["params"].items()
        }
        return translate(data["message"], lang, **params)
    except (ValueError, KeyError, TypeError):
        return stored


class MarketplaceService:
    def __init__(
        self,
        store: Store,
        state_dir: Path,
        config,  # agent.config.schema.Config
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] | None = None,
        deadline: float = 20.0,
        transport=None,
    ):
        self.store = store
        self.state_dir = Path(state_dir)
        self.config = config
        self.clock = clock
        self.sleep = sleep or self._sleep_unless_stopped  # between retries of a busy marketplace
        self.deadline = deadline
        self.transport = transport
        self.files = TokenFiles(state_dir)
        self.flows: dict[str, ConnectFlow] = {}
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()
        self.stopping = threading.Event()
        # the daemon's component plugs accounts into sync's scheduler through these
        self.on_connected: Callable[[int], None] = lambda account_id: None
        self.on_removed: Callable[[int], None] = lambda account_id: None
        self.wake: Callable[[], None] = lambda: None  # an outcome waits to go back: look now
        self._open: set[AllegroApi] = set()  # clients of imports in flight, broken at shutdown

    def config_changed(self, config) -> None:
        """agent.toml was edited: the next import and connection use the new addresses and keys."""
        self.config = config

    def stop(self) -> None:
        """Shutdown: no new request; the ones in flight end now rather than at their deadline."""
        self.stopping.set()
        for flow in self.flows.values():
            flow.cancel.set()
        for api in list(self._open):
            api.abort()

    async def import_now(self, account_ids: list[int] | None = None) -> list[dict]:
        """Import now without a scheduler (the daemon's component replaces this with sync's path)."""
        import asyncio

        ids = account_ids if account_ids is not None else [item["id"] for item in self.list_accounts()]
        return [await asyncio.to_thread(self.run_account, account_id) for account_id in ids]

    # ---- connecting -------------------------------------------------------------------------------
    def _oauth(self) -> OAuthClient:
        allegro = self.config.marketplaces.allegro
        return OAuthClient(
            allegro.auth_url,
            allegro.client_id,
            allegro.client_secret,
            timeout=self.deadline,
            transport=self.transport,
        )

    def start_connect(self, marketplace: str, name: str | None) -> dict:
        """Ask for a device code; a worker thread polls for approval. Returns what the seller needs."""
        if marketplace not in MARKETPLACES:
            raise errors.MarketplaceError(
                N_("unknown marketplace {name}: only allegro is supported"), name=marketplace
            )
        with self._oauth() as client:
            grant = client.start_device()
        link = grant.verification_uri_complete or grant.verification_uri
        flow = ConnectFlow(
            secrets.token_urlsafe(12), name, grant, time.monotonic(), qr=qr_text(link) if link else []
        )
        self._forget_old_flows()
        self.flows[flow.id] = flow
        threading.Thread(target=self._wait, args=(flow,), name=f"connect-{flow.id}", daemon=True).start()
        return self.flow_view(flow.id)

    def _forget_old_flows(self) -> None:
        now = time.monotonic()
        for key, flow in list(self.flows.items()):
            if flow.finished is not None and now - flow.finished > FLOW_KEEP:
                del self.flows[key]

    def _wait(self, flow: ConnectFlow) -> None:
        try:
            with self._oauth() as client:
                grant = wait_for_approval(
                    client, flow.grant, sleep=self._sleep_unless_stopped, cancelled=flow.cancel.is_set
                )
            flow.account = self._add_account(flow.name, grant)
            self.on_connected(flow.account)
            flow.state = "connected"
        except errors.MarketplaceError as exc:
            flow.state, flow.error = "failed", exc
        except Exception:
            log.exception("connecting a marketplace account failed")
            flow.state, flow.error = "failed", errors.MarketplaceError(detail="internal error")
        finally:
            flow.finished = time.monotonic()

    def _sleep_unless_stopped(self, seconds: float) -> None:
        self.stopping.wait(seconds)

    def _add_account(self, name: str | None, grant) -> int:
        """A new account, or the same seller's existing one connected again (its cursor and orders kept)."""
        api = AllegroApi(
            self.config.marketplaces.allegro.api_url, StaticToken(grant.access_token),
            deadline=self.deadline, sleep=self._sleep_unless_stopped, transport=self.transport,
        )  # fmt: skip
        with api:
            seller, login = whoami(api)
        now = self.clock()
        with self.store.write() as session:
            account = None
            if seller:
                account = session.exec(
                    select(MarketplaceAccount).where(
                        MarketplaceAccount.marketplace == "allegro", MarketplaceAccount.seller == seller
                    )
                ).first()
            if account is None:
                count = len(accounts.listed(session))
                account = MarketplaceAccount(
                    marketplace="allegro",
                    seller=seller or None,
                    name=(name or "").strip()[:64] or login or f"Allegro {count + 1}",
                )
            elif name:
                account.name = name.strip()[:64]
            account.state, account.reason = "connected", None
            account.token_expires_at, account.next_import_at = grant.expires_at(now), now
            session.add(account)
            session.flush()
            account_id = account.id
            # the pair is stored before the row commits: a crash leaves no connected account without it
            store_grant(self.files, account_id, grant, now)
        log.info("marketplace account %s connected", account_id)
        return account_id

    def flow_view(self, flow_id: str, lang: str | None = None) -> dict:
        flow = self.flows.get(flow_id)
        if flow is None:
            raise errors.MarketplaceError(
                N_("no connection attempt {id} (it ended long ago or never began)"), id=flow_id
            )
        grant = flow.grant
        link = grant.verification_uri_complete or grant.verification_uri
        out = {
            "id": flow.id,
            "state": flow.state,
            "user_code": grant.user_code,
            "verification_uri": grant.verification_uri,
            "verification_uri_complete": link,
            "interval": grant.interval,
            "expires_in": max(0, int(grant.expires_in - (time.monotonic() - flow.started))),
            "qr": flow.qr,
            "account": flow.account,
        }
        if flow.error is not None:
            out["error"] = {
                "code": flow.error.code,
                "message": translate(flow.error.message, lang, **flow.error.params),
            }
        return out

    def cancel_connect(self, flow_id: str) -> None:
        flow = self.flows.get(flow_id)
        if flow is not None:
            flow.cancel.set()

    # ---- accounts ---------------------------------------------------------------------------------
    def list_accounts(self, lang: str | None = None) -> list[dict]:
        now = self.clock()
        with self.store.read() as session:
            out = []
            for account in accounts.listed(session):
                item = accounts.view(session, account, lang, now)
                item["last_error"] = error_text(account.last_error, lang)
                out.append(item)
            return out

    def update_account(self, account_id: int, changes: dict, lang: str | None = None) -> dict:
        """Change settings; ValueError names the bad key. LookupError: no such account."""
        checked: dict = {}
        if "interval" in changes:
            try:
                checked["interval"] = accounts.check_interval(changes["interval"])
            except ValueError:
                raise ValueError("interval") from None
        for key in ("active", "auto_fiscalize"):
            if key in changes:
                if not isinstance(changes[key], bool):
                    raise ValueError(key)
                checked[key] = changes[key]
        if "payment_kind" in changes:
            if changes["payment_kind"] not in accounts.PAYMENT_KINDS:
                raise ValueError("payment_kind")
            checked["payment_kind"] = changes["payment_kind"]
        if "name" in changes:
            name = str(changes["name"] or "").strip()
            if not 1 <= len(name) <= 64:
                raise ValueError("name")
            checked["name"] = name
        now = self.clock()
        with self.store.write() as session:
            account = accounts.by_id(session, account_id)
            if account is None:
                raise LookupError(account_id)
            for key, value in checked.items():
                setattr(account, key, value)
            if "interval" in checked:
                account.next_import_at = None if checked["interval"] is None else now
            session.add(account)
            return accounts.view(session, account, lang, now)

    def remove_account(self, account_id: int) -> bool:
        """Forget the account and its tokens; its orders stay (settled ones are history)."""
        with self._account_lock(account_id), self.store.write() as session:
            account = accounts.by_id(session, account_id)
            if account is None:
                return False
            session.delete(account)
        self.files.remove(account_id)
        self.on_removed(account_id)
        return True

    # ---- importing --------------------------------------------------------------------------------
    def _account_lock(self, account_id: int) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(account_id, threading.Lock())

    def connector(self, account: MarketplaceAccount) -> tuple[AllegroConnector, AllegroApi]:
        def reconnect(reason: str) -> None:
            with self.store.write() as session:
                accounts.mark_reconnect(session, account.id, reason)

        def refreshed(expires: datetime) -> None:
            with self.store.write() as session:
                accounts.mark_refreshed(session, account.id, expires)

        auth = AccountAuth(
            account.id, account.name, self.files, self._oauth, self.clock,
            on_reconnect=reconnect, on_refreshed=refreshed, state_dir=self.state_dir,
        )  # fmt: skip
        api = AllegroApi(
            self.config.marketplaces.allegro.api_url,
            auth,
            deadline=self.deadline,
            sleep=self.sleep,
            stop=self.stopping.is_set,
            transport=self.transport,
        )
        return AllegroConnector(account.id, api, seller=account.seller), api

    def run_account(self, account_id: int, on_batch: Callable[[int], None] = lambda count: None) -> dict:
        """One import of one account (the scheduler's and «Обновить сейчас»'s path)."""
        with self._account_lock(account_id):
            with self.store.read() as session:
                account = accounts.by_id(session, account_id)
            if account is None:
                return {"account": account_id, "ok": False, "error": "no such account"}
            result = {"account": account_id, "ok": True, "moved": 0}
            run = ImportRun()
            calls = 0
            error: errors.MarketplaceError | None = None
            if account.state != "connected":
                error = errors.ReconnectNeeded(
                    marketplace="Allegro", name=account.name, reason=account.reason or ""
                )
            else:
                started = time.monotonic()
                connector, api = self.connector(account)
                self._open.add(api)
                try:
                    with api:
                        run = run_import(
                            self.store, connector, self.clock, self.config.shop.currency, on_batch=on_batch
                        )
                except errors.MarketplaceError as exc:
                    error = exc
                finally:
                    self._open.discard(api)
                    calls = api.calls
                result["seconds"] = round(time.monotonic() - started, 3)
            self._record(account_id, run, error)
            result.update(
                moved=run.moved, stored=run.stored, gone=run.gone, reported=run.reported, calls=calls
            )
            if error is not None:
                params = {key: value for key, value in error.params.items() if isinstance(value, str | int)}
                result.update(
                    ok=False, error=error.text, error_code=error.code, message_id=error.message, params=params
                )
                log.info("marketplace account %s import failed: %s", account_id, error.text)
            return result

    def _record(self, account_id: int, run: ImportRun, error: errors.MarketplaceError | None) -> None:
        now = self.clock()
        with self.store.write() as session:
            account = accounts.by_id(session, account_id)
            if account is None:
                return
            if error is None:
                account.last_import_at, account.last_error = now, None
            else:
                account.last_error = error_json(error)
            if account.interval is None:
                account.next_import_at = None
            else:
                wait = account.interval if error is None else min(account.interval, ERROR_RETRY)
                account.next_import_at = now + timedelta(seconds=wait)
            session.add(account)

    def auto_settle_candidates(self) -> list[int]:
        """Paid, waiting orders of accounts that settle automatically."""
        with self.store.read() as session:
            rows = session.exec(
                select(MarketplaceOrder.id)
                .join(MarketplaceAccount, MarketplaceAccount.id == MarketplaceOrder.account)
                .where(
                    MarketplaceOrder.source == MarketplaceAccount.marketplace,
                    MarketplaceOrder.status == "waiting",
                    MarketplaceOrder.paid.is_(True),
                    MarketplaceAccount.auto_fiscalize.is_(True),
                    MarketplaceAccount.active.is_(True),
                    MarketplaceOrder.currency == self.config.shop.currency,
                )
                .order_by(MarketplaceOrder.id)
            ).all()
            return list(rows)

    def status_summary(self) -> dict:
        with self.store.read() as session:
            listed = accounts.listed(session)
            return {
                "marketplaces": {
                    "accounts": len(listed),
                    "reconnect": sum(1 for account in listed if account.state != "connected"),
                }
            }
