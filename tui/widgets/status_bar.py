"""The line at the bottom of every screen: back office reachable, unsent documents, register, shift, and
what needs a person (a document to settle, a damaged store)."""

from __future__ import annotations

from rich.text import Text

from agent.i18n import _, ngettext
from tui.plain import printable
from tui.progress import running
from tui.widgets.plain import PlainStatic


def describe(status: dict | None) -> Text:
    text = Text()
    if status is None:
        text.append("● ", style="bold red")
        text.append(_("Service not running"))
        return text
    receipts = (status.get("streams") or {}).get("receipts") or {}
    if not status.get("paired"):
        text.append("● ", style="yellow")
        text.append(_("Not connected"))
    elif receipts.get("last_error"):
        text.append("● ", style="bold red")
        text.append(_("Offline"))
    else:
        text.append("● ", style="bold green")
        text.append(_("Online"))
    for title, progress in running(status):  # a long sync: right after the link it runs over
        text.append("  │  ")
        text.append(f"↻ {printable(title, one_line=True)}: {progress}", style="bold cyan")
    depth = (status.get("queue") or {}).get("depth") or 0
    text.append("  │  ")
    text.append(ngettext("{n} unsent", "{n} unsent", depth).format(n=depth), style="bold" if depth else "")
    printer = status.get("printer") or {}
    state = printer.get("state") or "absent"
    text.append("  │  ")
    text.append(_("Register: "))
    text.append(printer_state(state), style="green" if state == "ready" else "bold red")
    shift = status.get("shift")
    text.append("  │  ")
    if shift is None:
        text.append(_("Shift: unknown"))
    elif shift.get("open"):
        hours = shift.get("hours_left")
        if shift.get("expired"):
            text.append(_("Shift {number}: over 24 h").format(number=shift.get("number")), style="bold red")
        elif hours is not None:
            text.append(
                _("Shift {number}, {hours} h left").format(number=shift.get("number"), hours=int(hours)),
                style="bold yellow" if hours < 2 else "",
            )
        else:
            text.append(_("Shift {number} open").format(number=shift.get("number")))
    else:
        text.append(_("Shift closed"))
    waiting = len(status.get("attention") or ())
    if waiting:
        # a document only a person can settle (a cash move the register could not confirm): F7 says which
        text.append("  │  ")
        text.append(
            ngettext("{n} document needs you (F7)", "{n} documents need you (F7)", waiting).format(n=waiting),
            style="bold red",
        )
    if (status.get("store") or {}).get("ok") is False:
        text.append("  │  ")
        text.append(_("Store damaged: call the technician"), style="bold red")
    if (status.get("sync") or {}).get("confirmation"):
        # products wait to be deleted: an administrator answers on the connection screen (F6)
        text.append("  │  ")
        text.append(_("Products to delete: confirm (F6)"), style="bold yellow")
    return text


def printer_state(state: str) -> str:
    return {
        "ready": _("device ready"),
        "absent": _("device not connected"),
        "error": _("device error"),
    }.get(state) or printable(state)


class StatusBar(PlainStatic):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "status", self._show)

    def _show(self, status: dict | None) -> None:
        self.update(describe(status))
