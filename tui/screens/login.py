"""Login by PIN: the daemon checks it offline against the employees synced from the back office.

A register with no employees yet cannot log anyone in, so the login screen itself offers the
first-time connection ("Подключить ККТ", as the vendor's manual opens it right after setup) or,
when already paired, "Обновить сейчас" to fetch the employees.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical
from textual.widgets import Button, Input

from agent.client import DaemonError
from agent.i18n import N_, _
from tui.screens.base import KassaScreen
from tui.screens.pairing import PairScreen, SyncSettingsScreen
from tui.widgets.plain import PlainLabel, PlainStatic


class LoginScreen(KassaScreen):
    TITLE = N_("Login")

    def body(self) -> ComposeResult:
        with Center(id="login-center"), Vertical(id="login-box"):
            yield PlainLabel(_("Enter your PIN"), classes="dialog-title")
            yield Input(id="pin", password=True, placeholder=_("PIN"), max_length=12)
            yield PlainStatic("", id="login-error", classes="error-text")
            with Horizontal(classes="dialog-buttons", id="first-steps"):
                yield Button(_("Connect the register"), id="first-connect", variant="primary")
                yield Button(_("Update now"), id="first-sync", variant="success")

    def on_mount(self) -> None:
        self.query_one("#pin", Input).focus()
        self.query_one("#first-steps").display = False
        self.call(self.first_run, group="first-run", failed=lambda _error: None)

    async def first_run(self) -> None:
        """An unpaired register opens "Подключить ККТ" for the technician; anyone else is told who pairs."""
        status = await self.api.status()
        if status.get("paired"):
            return
        try:
            technician = (await self.api.session()).get("role") == "technician"
        except DaemonError:
            technician = False
        if technician:
            self.app.push_screen(PairScreen(status.get("backoffice_url")), self._paired)
        else:
            self.query_one("#login-error", PlainStatic).update(
                _(
                    "The register is not connected to the back office yet. The technician connects it: "
                    "sudo kassa tui (or sudo kassa pair CODE)."
                )
            )

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        pin = self.query_one("#pin", Input)
        pin.value = ""
        pin.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        pin = event.value.strip()
        if not pin:
            return
        self.query_one("#login-error", PlainStatic).update(_("Checking…"))
        self.call(lambda: self.api.login(pin), self._logged_in, failed=self._refused, exclusive=True)

    def _logged_in(self, employee: dict) -> None:
        self.query_one("#login-error", PlainStatic).update("")
        self.app.enter(employee)

    def _refused(self, error: DaemonError) -> None:
        self.query_one("#login-error", PlainStatic).update(error.message)
        pin = self.query_one("#pin", Input)
        pin.value = ""
        pin.focus()
        if error.code == "no_employees":
            paired = bool((self.app.status or {}).get("paired"))
            self.query_one("#first-steps").display = True
            self.query_one("#first-connect").display = not paired
            self.query_one("#first-sync").display = paired

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "first-connect":
            self.app.push_screen(PairScreen((self.app.status or {}).get("backoffice_url")), self._paired)
        elif event.button.id == "first-sync":
            self.fetch_employees()

    def _paired(self, answer: dict | None) -> None:
        if answer is None:
            return
        self.app.refresh_status()
        self.app.push_screen(SyncSettingsScreen({}, just_paired=True), lambda _saved: self.fetch_employees())

    def fetch_employees(self) -> None:
        message = self.query_one("#login-error", PlainStatic)
        message.update(_("Exchanging data with the back office…"))

        def done(results: list[dict]) -> None:
            problems = [result["error"] for result in results if result.get("error")]
            message.update("\n".join(problems) if problems else _("Employees loaded: enter your PIN."))
            self.query_one("#first-steps").display = bool(problems)
            self.app.refresh_status()
            self.query_one("#pin", Input).focus()

        self.call(lambda: self.api.sync_now(), done, exclusive=True)
