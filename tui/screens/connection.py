"""Connection to the back office ("Подключение к кабинету"), following the register vendor's manual:
"Подключить ККТ" → code → "Соединение установлено" → exchange settings → "Сохранить"; later
"Изменить настройки обновления" (intervals only) and "Настроить подключение" (intervals and code);
"Обновить сейчас" always at hand."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button

from agent.i18n import N_, _
from tui.plain import plain, printable
from tui.progress import STREAM_NAMES, progress_text
from tui.screens.base import KassaScreen
from tui.screens.dialogs import ConfirmScreen
from tui.screens.pairing import PairScreen, SyncSettingsScreen, interval_label
from tui.screens.product import ProductScreen
from tui.timefmt import local_time
from tui.widgets.plain import PlainStatic, PlainTable

STREAMS = STREAM_NAMES


def connection_text(status: dict | None) -> Text:
    text = Text()
    if status is None:
        text.append(_("The kassa service does not answer."), style="bold red")
        return text
    if not status.get("paired"):
        text.append(_("The register is not connected to the back office."), style="bold yellow")
        text.append("\n" + _("Get a sync code in the back office and press “Connect the register”."))
        return text
    pairing = status.get("pairing") or {}
    if pairing.get("needs_repair"):
        text.append(_("The back office no longer accepts this register: pair it again."), style="bold red")
    else:
        text.append("✔ " + _("Connection established"), style="bold green")
    organization = pairing.get("organization") or ""
    store = pairing.get("store") or ""
    text.append(f"\n{printable(organization)}  {printable(store)}")
    if pairing.get("backoffice_url"):
        text.append("\n" + printable(pairing["backoffice_url"]), style="dim")
    queue = status.get("queue") or {}
    depth = queue.get("depth") or 0
    text.append("\n" + _("Documents waiting to be sent: {n}").format(n=depth), style="bold" if depth else "")
    return text


def check_text(answer: dict) -> Text:
    """One line per connection tried: a mark, what and where, the latency and the verdict in words."""
    text = Text()
    for check in (answer or {}).get("checks") or []:
        mark, style = ("✔", "green") if check.get("ok") else ("✘", "bold red")
        where = f" ({printable(check['target'])})" if check.get("target") else ""
        latency = check.get("latency_ms")
        took = _("{ms} ms").format(ms=latency) if latency is not None else "—"
        text.append(f"{mark} {printable(check.get('label', ''))}{where}: {took} — ", style=style)
        text.append(printable(check.get("message") or ""), style=style)
        text.append("\n")
    text.rstrip()
    return text


class ConnectionScreen(KassaScreen):
    TITLE = N_("Back-office connection")
    BINDINGS: ClassVar[list] = [
        Binding("f8", "sync_now", N_("Update now")),
        Binding("f9", "settings", N_("Update settings")),
        Binding("f10", "connect", N_("Set up the connection")),
        Binding("f11", "check", N_("Test the connection")),
        Binding("ctrl+n", "add_product", N_("Add a product")),
    ]
    ACTION_ROUTES: ClassVar[dict[str, str]] = {
        "sync_now": "POST /v1/sync",
        "settings": "PUT /v1/sync/settings",
        "connect": "POST /v1/pairing",
        "unpair": "DELETE /v1/pairing",
        "answer": "POST /v1/sync/confirm",
        "add_product": "POST /v1/products",
    }

    def __init__(self) -> None:
        super().__init__()
        self.settings: dict = {}
        self.conflicts: list[dict] = []
        self.asked = False

    def body(self) -> ComposeResult:
        with VerticalScroll(id="connection-body"):
            yield PlainStatic(connection_text(self.app.status), id="connection-state", classes="panel")
            with Horizontal(classes="buttons"):
                yield Button(_("Connect the register"), id="connect", variant="primary")
                yield Button(_("Change update settings"), id="settings")
                yield Button(_("Set up the connection"), id="reconnect")
                yield Button(_("Update now"), id="sync_now", variant="success")
            yield PlainStatic("", id="sync-result")
            with Horizontal(classes="buttons"):
                yield Button(_("Test the connection"), id="check")
                yield Button(_("Add a product"), id="add_product")
                yield Button(_("Disconnect the register"), id="unpair", variant="error")
            yield PlainStatic("", id="check-result")
            streams = PlainTable(id="streams", cursor_type="row")
            streams.add_columns(_("Exchange"), _("Interval"), _("Last sync"), _("Next run"), _("State"))
            yield streams
            yield PlainStatic("", id="conflicts-title")
            conflicts = PlainTable(id="conflicts", cursor_type="row")
            conflicts.add_columns(_("FD"), _("Kind"), _("Time"), _("Back office says"))
            yield conflicts

    def on_mount(self) -> None:
        self.watch(self.app, "status", self._status)

    def refresh_data(self) -> None:
        self.call(self.api.sync_settings, self._settings, failed=lambda _error: None, group="settings")
        self.call(
            lambda: self.api.documents("problems"), self._conflicts, failed=lambda _e: None, group="docs"
        )

    def _settings(self, settings: dict) -> None:
        self.settings = settings or {}
        self._status(self.app.status)
        question = self.settings.get("confirmation")
        if question and not self.may("answer"):
            # deleting products is an administrator's answer: a cashier only learns who gives it
            self.query_one("#sync-result", PlainStatic).update(
                plain(
                    _("Products wait to be deleted: an administrator confirms or keeps them here."),
                    "bold yellow",
                )
            )
        elif question and not self.asked:
            self.asked = True
            self.ask_product_sync(question)

    def ask_product_sync(self, question: dict) -> None:
        """A sync would delete products: the operator decides ("Синхронизировать товары")."""
        parts = []
        if question.get("local_products"):
            parts.append(
                _("Products added at the register that will be deleted: {n}").format(
                    n=question["local_products"]["count"]
                )
            )
        if question.get("mass_delete"):
            parts.append(
                _("The back office removed {n} of {total} products.").format(
                    n=question["mass_delete"]["count"], total=question["mass_delete"]["catalog_size"]
                )
            )

        def decided(yes: bool | None) -> None:
            if yes is None:
                return
            self.call(lambda: self.api.answer_product_sync(bool(yes)), lambda _answer: self.refresh_data())

        self.app.push_screen(
            ConfirmScreen(_("Product sync"), "\n".join(parts), _("Sync products"), _("Keep products")),
            decided,
        )

    def _status(self, status: dict | None) -> None:
        self.query_one("#connection-state", PlainStatic).update(connection_text(status))
        paired = bool(status and status.get("paired"))
        self.query_one("#connect", Button).display = not paired
        self.query_one("#settings", Button).display = paired
        self.query_one("#reconnect", Button).display = paired
        self.query_one("#unpair", Button).display = paired and self.may("unpair")
        table = self.query_one("#streams", PlainTable)
        table.clear()
        streams = (status or {}).get("streams") or {}
        for name, title in STREAMS.items():
            stream = streams.get(name) or {}
            if name == "receipts":
                interval = _("automatically")
            else:
                interval = interval_label(self.settings.get(name, stream.get("interval")))
            error = stream.get("last_error") or ""
            progress = progress_text(stream.get("progress"))
            # running now: how far, how fast and how long still; else the last attempt's error
            note = plain("↻ " + progress, "bold cyan") if progress else plain(error, "red") if error else ""
            table.add_row(
                _(title),
                interval,
                local_time(stream.get("last_success")) or "—",
                local_time(stream.get("next_run")) if name != "receipts" else "",
                note,
            )

    def _conflicts(self, documents: list[dict]) -> None:
        self.conflicts = [doc for doc in documents if doc.get("upload") in ("conflict", "rejected")]
        title = self.query_one("#conflicts-title", PlainStatic)
        table = self.query_one("#conflicts", PlainTable)
        table.clear()
        title.update(
            Text(_("Documents the back office did not accept: {n}").format(n=len(self.conflicts)), "bold red")
            if self.conflicts
            else ""
        )
        table.display = bool(self.conflicts)
        for doc in self.conflicts:
            table.add_row(
                str(doc.get("fd") or "—"),
                doc.get("type", ""),
                local_time(doc.get("fiscalized_at")),
                doc.get("message") or doc.get("last_error") or doc.get("upload", ""),
            )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        {
            "connect": self.action_connect,
            "reconnect": self.action_connect,
            "settings": self.action_settings,
            "sync_now": self.action_sync_now,
            "check": self.action_check,
            "unpair": self.action_unpair,
            "add_product": self.action_add_product,
        }[event.button.id]()

    def action_unpair(self) -> None:
        """Forget the back office's credentials; unsent documents and the address stay."""
        if not self.require("unpair"):
            return
        depth = ((self.app.status or {}).get("queue") or {}).get("depth") or 0
        question = _("The register stops exchanging data with the back office until it is connected again.")
        if depth:
            question += "\n" + _("Unsent documents are kept and go out after connecting again: {n}").format(
                n=depth
            )

        def decided(yes: bool | None) -> None:
            if yes:
                self.call(self.api.unpair, lambda _answer: self._unpaired())

        self.app.push_screen(
            ConfirmScreen(_("Disconnect the register"), question, _("Disconnect"), _("Cancel")), decided
        )

    def action_add_product(self) -> None:
        """A product of the register's own: only while product sync is off (the manual's OFF rule)."""
        if not self.require("add_product"):
            return
        if self.settings.get("product_sync", True):
            self.query_one("#sync-result", PlainStatic).update(
                plain(
                    _(
                        "Product sync is on: the register's products equal the back office's. Add the "
                        "product in the back office, or turn product sync off first (F9)."
                    ),
                    "bold yellow",
                )
            )
            return

        def added(product: dict | None) -> None:
            if product:
                self.query_one("#sync-result", PlainStatic).update(
                    plain(_("Product added: {name}").format(name=product.get("name", "")), "bold green")
                )

        self.app.push_screen(ProductScreen(), added)

    def _unpaired(self) -> None:
        self.notify(_("The register is disconnected from the back office."))
        self.app.refresh_status()
        self.refresh_data()

    def action_check(self) -> None:
        """ "Проверить соединение": a real round trip to each connection, with its latency and verdict."""
        self.query_one("#check-result", PlainStatic).update(_("Testing the connection…"))
        self.call(self.api.check_connection, self._checked, group="check", exclusive=True)

    def _checked(self, answer: dict) -> None:
        self.query_one("#check-result", PlainStatic).update(check_text(answer))

    def action_sync_now(self) -> None:
        self.query_one("#sync-result", PlainStatic).update(_("Exchanging data with the back office…"))

        def done(results: list[dict]) -> None:
            errors = [result for result in results if result.get("error")]
            text = Text()
            if errors:
                for result in errors:
                    name = _(STREAMS.get(result.get("stream", ""), result.get("stream", "")))
                    text.append(f"{name}: {printable(result['error'])}\n", style="bold red")
            else:
                text.append("✔ " + _("Data exchanged with the back office."), style="bold green")
            text.rstrip()
            self.query_one("#sync-result", PlainStatic).update(text)
            self.app.refresh_status()
            self.refresh_data()

        self.call(lambda: self.api.sync_now(), done, group="sync", exclusive=True)

    def action_settings(self) -> None:
        """ "Изменить настройки обновления": intervals and product sync, not the code."""
        if not self.require("settings"):
            return
        if not (self.app.status or {}).get("paired"):
            self.action_connect()
            return
        self.app.push_screen(SyncSettingsScreen(self.settings), self._saved)

    def action_connect(self) -> None:
        """ "Подключить ККТ" the first time, "Настроить подключение" later: a new code, then settings."""
        if not self.require("connect"):
            return

        def paired(answer: dict | None) -> None:
            if answer is None:
                return
            self.app.refresh_status()
            self.app.push_screen(SyncSettingsScreen(self.settings, just_paired=True), self._saved)

        self.app.push_screen(PairScreen((self.app.status or {}).get("backoffice_url")), paired)

    def _saved(self, settings: dict | None) -> None:
        if settings is not None:
            self.settings = settings
            self.notify(_("Settings saved."))
        self.refresh_data()
        self.app.refresh_status()
