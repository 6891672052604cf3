"""Small modal questions: confirm, a register problem with Continue, type a value."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select

from agent.client import DaemonError
from agent.i18n import _
from tui.bindings import localize_bindings
from tui.widgets.plain import PlainLabel, PlainStatic


class Dialog(ModalScreen):
    BINDINGS: ClassVar[list] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FormDialog(Dialog):
    """A form whose Enter in a field and whose "yes" button both submit; "no" closes it with None."""

    def submit(self) -> None:
        raise NotImplementedError

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes":
            self.submit()
        else:
            self.dismiss(None)


def picker(options: list[tuple[str, str]], value: str, id: str) -> Select:
    """A compact Select that always holds one of its options."""
    return Select(options, value=value, allow_blank=False, id=id, compact=True)


def choices(titles: dict[str, str]) -> list[tuple[str, str]]:
    """A Select's options from {value: untranslated title}."""
    return [(_(title), key) for key, title in titles.items()]


class ConfirmScreen(Dialog):
    """A yes/no question whose yes button names the action (as the vendor's manual does)."""

    def __init__(self, title: str, question: str, yes: str, no: str | None = None) -> None:
        super().__init__()
        self.title_text, self.question, self.yes, self.no = title, question, yes, no or _("Cancel")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield PlainLabel(self.title_text, classes="dialog-title")
            yield PlainStatic(self.question, classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, variant="primary", id="yes")
                yield Button(self.no, id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class RegisterProblemScreen(Dialog):
    """The register could not finish: what is wrong, what to do, then Continue (the same request)."""

    def __init__(self, message: str, remedy: str) -> None:
        super().__init__()
        self.message, self.remedy = message, remedy

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error"):
            yield PlainLabel(_("The register needs attention"), classes="dialog-title")
            yield PlainStatic(self.message, id="problem", classes="dialog-text")
            yield PlainStatic(self.remedy, id="remedy", classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Continue"), variant="primary", id="yes")
                yield Button(_("Cancel"), id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class PromptScreen(FormDialog):
    """Ask for one value; the check function returns an error to show, or None when it is fine."""

    def __init__(self, title: str, label: str, value: str = "", check=None, password: bool = False) -> None:
        super().__init__()
        self.title_text, self.label, self.value, self.check = title, label, value, check
        self.password = password

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield PlainLabel(self.title_text, classes="dialog-title")
            yield PlainLabel(self.label)
            yield Input(self.value, id="value", password=self.password, select_on_focus=True)
            yield PlainStatic("", id="prompt-error", classes="error-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("OK"), variant="primary", id="yes")
                yield Button(_("Cancel"), id="no")

    def on_mount(self) -> None:
        self.query_one("#value", Input).focus()

    def submit(self) -> None:
        value = self.query_one("#value", Input).value
        problem = self.check(value) if self.check else None
        if problem:
            self.query_one("#prompt-error", PlainStatic).update(problem)
            return
        self.dismiss(value)


class SessionEndedScreen(FormDialog):
    """The daemon ended the session (a restart, its lifetime) while work was open on the screens:
    a PIN here logs in again without leaving them, so what was held (a sale whose outcome is not
    known, its idempotency key) is still there to finish. True once logged in, None when cancelled."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield PlainLabel(_("Log in again"), classes="dialog-title")
            yield PlainStatic(self.message, classes="dialog-text")
            yield PlainLabel(_("Enter your PIN to continue where you were."))
            yield Input(id="value", password=True, placeholder=_("PIN"), max_length=12)
            yield PlainStatic("", id="prompt-error", classes="error-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Log in"), variant="primary", id="yes")
                yield Button(_("Cancel"), id="no")

    def on_mount(self) -> None:
        self.query_one("#value", Input).focus()

    def submit(self) -> None:
        pin = self.query_one("#value", Input).value.strip()
        if pin:
            self.run_worker(self._login(pin), group="relogin", exclusive=True)

    async def _login(self, pin: str) -> None:
        error = self.query_one("#prompt-error", PlainStatic)
        error.update(_("Checking…"))
        try:
            await self.app.api.login(pin)
        except DaemonError as refused:
            error.update(refused.message)
            self.query_one("#value", Input).value = ""
            return
        self.dismiss(True)
