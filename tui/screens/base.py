"""What every working screen shares: title line, status bar, footer, and API calls in workers.

Every call to the daemon runs in a worker so the screen keeps answering while the register prints.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Button, Footer

from agent.client import DaemonError
from agent.i18n import _
from tui.bindings import localize_bindings
from tui.errors import is_register_problem, remedy
from tui.outcome import outcome_unknown, unknown_outcome_remedy
from tui.screens.dialogs import RegisterProblemScreen, SessionEndedScreen
from tui.widgets.plain import PlainStatic
from tui.widgets.status_bar import StatusBar


class KassaScreen(Screen):
    TITLE = ""  # a msgid, translated when shown
    # action (or button id; "cash('in')" is "cash_in") → the API route it calls: shown only when the
    # daemon lets this session call that route (the role table is the daemon's, never copied here)
    ACTION_ROUTES: ClassVar[dict[str, str]] = {}

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self)
        self._held_keys: dict[Hashable, str] = {}

    @property
    def api(self):
        return self.app.api

    def compose(self) -> ComposeResult:
        yield PlainStatic(self.title_line(), id="topbar")
        yield from self.body()
        yield StatusBar(id="statusbar")
        yield Footer()

    def body(self) -> ComposeResult:
        yield from ()

    def title_line(self) -> str:
        employee = self.api.employee or {}
        who = employee.get("name") or ""
        role = _("administrator") if employee.get("role") == "administrator" else _("cashier")
        title = _(self.TITLE)
        return f" {title}   {who} ({role})" if who else f" {title}"

    def on_screen_resume(self) -> None:
        self.query_one("#topbar", PlainStatic).update(self.title_line())
        self.refresh_data()

    def refresh_data(self) -> None:
        """Load what the screen shows (called whenever it comes to the front)."""

    def may(self, action: str) -> bool:
        route = self.ACTION_ROUTES.get(action)
        return route is None or self.api.may(route)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if parameters and isinstance(parameters[0], str):
            action = f"{action}_{parameters[0]}"
        return self.may(action)

    def on_mount(self) -> None:
        for button in self.query(Button):
            if button.id in self.ACTION_ROUTES:
                button.display = self.may(button.id)

    def require(self, action: str) -> bool:
        if self.may(action):
            return True
        self.notify(_("Only an administrator may do this."), severity="error")
        return False

    def call(
        self,
        work: Callable[[], Awaitable[Any]],
        done: Callable[[Any], Any] | None = None,
        *,
        failed: Callable[[DaemonError], Any] | None = None,
        group: str = "api",
        exclusive: bool = False,
    ) -> None:
        """Run ``work()`` in a worker; hand the answer to ``done`` or the error to ``failed``
        (by default a notification with the daemon's message). A session the daemon ended is
        logged in again over the open screens, and the cashier repeats what was refused."""

        async def runner() -> None:
            try:
                result = await work()
            except DaemonError as error:
                if error.code == "login_required" and group != "register" and self.api.employee:
                    self.log_in_again(error)
                if failed:
                    failed(error)
                else:
                    self.notify(error.message, severity="error", timeout=8)
                return
            if done:
                done(result)

        self.run_worker(runner, group=group, exclusive=exclusive)

    def log_in_again(self, error: DaemonError, then: Callable[[bool | None], Any] | None = None) -> None:
        if not isinstance(self.app.screen, SessionEndedScreen):
            self.app.push_screen(SessionEndedScreen(error.message), then)

    # -- operations on the register ---------------------------------------------------------------
    def operation_key(self, operation: Hashable) -> str:
        """The idempotency key for ``operation`` (e.g. ``("cash", "in", 1000)``): the one of its last
        attempt while that attempt's outcome is open, else a new one."""
        return self._held_keys.get(operation) or str(uuid.uuid4())

    def run_on_register(
        self,
        work: Callable[[], Awaitable[Any]],
        done: Callable[[Any], Any],
        *,
        failed: Callable[[DaemonError], Any] | None = None,
        stopped: Callable[[DaemonError], Any] | None = None,
        held: tuple[Hashable, str] | None = None,
        unsettled: bool = False,
    ) -> None:
        """Run a register operation; when the register needs the cashier's hand, or nobody knows
        whether it finished, say what to do and offer Continue: the same request again, which the
        daemon's uuid makes safe. ``failed`` gets the errors Continue cannot help with (default: a
        notification), ``stopped`` the problem the cashier chose not to continue. ``held`` is
        (operation, key): the key is reused for the same operation until its outcome is known.

        Once an attempt's outcome was unknown (``unsettled``), only a success settles it: a later
        error is the daemon refusing that retry (the session ended, another cashier's rights), not
        news that the first attempt did nothing, so it is never ``failed`` (whose callers start
        afresh with a new uuid). A session that ended is logged in again over the open screens."""

        def finished(answer: Any) -> None:
            if held:
                self._held_keys.pop(held[0], None)
            done(answer)

        def again() -> None:
            self.run_on_register(work, done, failed=failed, stopped=stopped, held=held, unsettled=unsettled)

        def refused(error: DaemonError) -> None:
            if held:
                self._held_keys.pop(held[0], None)
            if failed:
                failed(error)
            else:
                self.notify(error.message, severity="error", timeout=10)

        def problem(error: DaemonError) -> None:
            nonlocal unsettled
            unsettled = unsettled or outcome_unknown(error)
            login = error.code == "login_required"
            if not login and not unsettled and not is_register_problem(error):
                refused(error)
                return
            if held and (unsettled or not login):
                self._held_keys[held[0]] = held[1]
            if login:

                def logged_in(ok: bool | None) -> None:
                    if ok:
                        again()
                    elif unsettled and stopped:
                        stopped(error)
                    elif not unsettled:
                        refused(error)

                self.log_in_again(error, logged_in)
                return

            def decided(yes: bool | None) -> None:
                if yes:
                    again()
                elif stopped:
                    stopped(error)

            hint = unknown_outcome_remedy() if unsettled else remedy(error)
            self.app.push_screen(RegisterProblemScreen(error.message, hint), decided)

        self.call(work, finished, failed=problem, group="register")
