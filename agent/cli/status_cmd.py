"""`kassa status [--json] [--check]`: the register at a glance, from the running daemon.

``--check`` is for monitoring and the technician's first look: it tries each connection now (POST
/v1/check: back office, devices, marketplace accounts, with latencies), lists what needs attention
and exits 1 if anything does. Exit 3 means the daemon is not running.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

import click

from agent.cli.sync_cmd import describe_progress, describe_refusal
from agent.i18n import N_, _, ngettext
from common.errors import Message
from common.money import format_money

EXIT_ATTENTION = 1
EXIT_NOT_RUNNING = 3
SHIFT_HOURS_WARNING = 1.0  # hours left before the 24-hour limit
QUEUE_AGE_WARNING = 3600  # seconds the oldest unsent document may wait before we say so
FN_DAYS_WARNING = 5
CHECK_TIMEOUT = 60  # seconds: every round trip has its own, shorter deadline

STATES = {
    "ready": N_("ready"),
    "absent": N_("not connected"),
    "error": N_("error"),
    "not_configured": N_("not configured"),
}


STREAMS = {
    "receipts": N_("receipts"),
    "products": N_("products"),
    "employees": N_("employees"),
    "orders": N_("orders"),
}
INTERVALS = {"continuous": N_("continuously"), "never": N_("never automatically")}


def stream_order(streams: dict[str, Any]) -> list[str]:
    known = [name for name in STREAMS if name in streams]
    return known + sorted(set(streams) - set(known))


def stream_label(name: str) -> str:
    return _(STREAMS[name]) if name in STREAMS else name


def local_time(value: str | None) -> str:
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    if seconds < 120:
        return ngettext("{n} second", "{n} seconds", seconds).format(n=seconds)
    if seconds < 7200:
        return ngettext("{n} minute", "{n} minutes", seconds // 60).format(n=seconds // 60)
    if seconds < 2 * 86400:
        return ngettext("{n} hour", "{n} hours", seconds // 3600).format(n=seconds // 3600)
    return ngettext("{n} day", "{n} days", seconds // 86400).format(n=seconds // 86400)


def describe_device(device: dict[str, Any] | None) -> str:
    if not device:
        return _("not configured")
    if device.get("state") == "not_configured":
        return _("not configured") + (f": {device['message']}" if device.get("message") else "")
    state = _(STATES.get(device.get("state"), device.get("state") or "?"))
    parts = [state]
    where = []
    if device.get("model"):
        where.append(device["model"])
    if device.get("port"):
        where.append(_("on {port}").format(port=device["port"]))
    if device.get("profile"):
        where.append(_("(profile {profile})").format(profile=device["profile"]))
    if where:
        parts.append("— " + " ".join(where))
    text = " ".join(parts)
    if device.get("message"):
        text += f": {device['message']}"
    return text


def describe_shift(shift: dict[str, Any] | None) -> str:
    if not shift:
        return _("unknown (the fiscal register has not answered yet)")
    if not shift.get("open"):
        if shift.get("number") is None:
            return _("closed")
        return _("closed (last shift {number})").format(number=shift["number"])
    text = _("open, number {number}, since {since}").format(
        number=shift.get("number", "?"), since=local_time(shift.get("opened_at"))
    )
    if shift.get("expired"):
        return text + "; " + _("over 24 hours: close it with a Z report")
    if shift.get("hours_left") is not None:
        text += "; " + _("{hours} h left before the 24-hour limit").format(hours=shift["hours_left"])
    return text


def describe_queue(queue: dict[str, Any] | None) -> str:
    if not queue:
        return "—"
    depth = queue.get("depth") or 0
    if not depth:
        return _("everything uploaded")
    text = ngettext("{n} document to upload", "{n} documents to upload", depth).format(n=depth)
    if queue.get("oldest_age_seconds") is not None:
        text += ", " + _("the oldest waits {age}").format(age=duration(queue["oldest_age_seconds"]))
    return text


def describe_stream(stream: dict[str, Any]) -> str:
    interval = stream.get("interval")
    if interval is None:
        every = _(INTERVALS["never"])
    elif isinstance(interval, int | float):
        every = _("every {interval}").format(interval=duration(interval))
    else:
        every = _(INTERVALS[interval]) if interval in INTERVALS else str(interval)
    text = _("last success {last}, next {next} ({every})").format(
        last=local_time(stream.get("last_success")), next=local_time(stream.get("next_run")), every=every
    )
    if stream.get("state") == "running" and stream.get("progress"):
        text += "; " + _("running now: {progress}").format(progress=describe_progress(stream["progress"]))
    if stream_error(stream):
        text += "; " + _("last error: {error}").format(error=stream_error(stream))
    if stream.get("skipped"):
        text += "; " + ngettext("{n} record refused", "{n} records refused", stream["skipped"]).format(
            n=stream["skipped"]
        )
    return text


FN_WARNINGS = {
    "fn_replace_urgent": N_("the FN must be replaced within 3 days"),
    "fn_replace_soon": N_("the FN must be replaced within 30 days"),
    "fn_memory_low": N_("the FN's memory is 90 % full: replace it soon"),
    "ofd_timeout": N_("the OFD has not confirmed documents for too long: check the internet connection"),
}
TAX_SYSTEM_NAMES = {
    "osn": N_("general (ОСН)"),
    "usn_income": N_("simplified, income (УСН доход)"),
    "usn_income_expense": N_("simplified, income minus expense (УСН доход − расход)"),
    "envd": N_("ЕНВД"),
    "esn": N_("agricultural (ЕСХН)"),
    "patent": N_("patent (ПСН)"),
}


def describe_fn_warning(warning: dict[str, Any]) -> str:
    code = warning.get("code")
    if code == "fn_expires":
        return _("the FN's keys end in {days} days: order a new FN").format(days=warning.get("days"))
    if code == "ofd_days_left":
        return _("{days} days left before the FN blocks").format(days=warning.get("days"))
    return _(FN_WARNINGS[code]) if code in FN_WARNINGS else str(code)


def stream_error(stream: dict[str, Any]) -> str | None:
    """The stream's last error in the user's language (the English text when no msgid came)."""
    error = stream.get("error") or {}
    if error.get("message_id"):
        return Message(error["message_id"], {"detail": "", **(error.get("params") or {})}).render(_)
    return stream.get("last_error")


def refused_records(name: str, stream: dict[str, Any]) -> list[str]:
    """One line per record the stream's last attempt refused, naming it and why."""
    lines = []
    for record in stream.get("skipped_records") or []:
        lines.append(
            _("{stream}: record {record} refused: {reason}").format(
                stream=stream_label(name),
                record=record.get("record"),
                reason=describe_refusal(record),
            )
        )
    more = (stream.get("skipped") or 0) - len(lines)
    if more > 0:
        lines.append(_("{stream}: and {n} more refused").format(stream=stream_label(name), n=more))
    return lines


def describe_fn(fn: dict[str, Any] | None) -> str:
    if not fn:
        return "—"
    unsent = fn.get("unsent") or 0
    if not unsent:
        text = _("all documents sent to the OFD")
    else:
        text = ngettext(
            "{n} document not sent to the OFD", "{n} documents not sent to the OFD", unsent
        ).format(n=unsent)
        text += ", " + _("oldest {when}").format(when=local_time(fn.get("oldest_unsent_at")))
        if fn.get("days_left") is not None:
            text += ", " + _("{days} days left before the FN blocks").format(days=fn["days_left"])
    if fn.get("expires"):
        text += "; " + _("FN valid until {date} ({days} days)").format(
            date=fn["expires"], days=fn.get("expires_in_days")
        )
    if fn.get("tax_systems"):
        names = ", ".join(_(TAX_SYSTEM_NAMES.get(name, name)) for name in fn["tax_systems"])
        text += "; " + _("taxation: {systems}").format(systems=names)
    return text


def describe_pairing(status: dict[str, Any]) -> str:
    pairing = status.get("pairing") or {}
    if not status.get("paired"):
        if status.get("backoffice_url"):
            return _("not paired: kassa pair CODE (back office {url})").format(url=status["backoffice_url"])
        return _("not paired: kassa pair CODE --backoffice URL")
    text = _("paired with {organization}, store {store} ({url})").format(
        organization=pairing.get("organization") or "?",
        store=pairing.get("store") or "?",
        url=pairing.get("backoffice_url") or "?",
    )
    if pairing.get("needs_repair"):
        text += "; " + _("the back office refused the token: pair again")
    return text


def describe_question(question: dict[str, Any]) -> str:
    """A pending deletion question of product sync, one line, with how to answer it."""
    parts = []
    local = question.get("local_products") or {}
    if local.get("count"):
        parts.append(
            ngettext(
                "{n} product added at this register",
                "{n} products added at this register",
                local["count"],
            ).format(n=local["count"])
        )
    mass = question.get("mass_delete") or {}
    if mass.get("count"):
        parts.append(
            _("{count} of {total} products deleted by the back office").format(
                count=mass["count"], total=mass.get("catalog_size", "?")
            )
        )
    return _(
        "waiting for a confirmation to delete {what}: kassa sync confirm (delete) or kassa sync keep"
    ).format(what=_(" and ").join(parts) or "?")


def pending_question(status: dict[str, Any]) -> dict[str, Any] | None:
    return ((status.get("sync") or {}).get("confirmation")) or None


NEEDS_PERSON_KINDS = {"cash_in": N_("cash in"), "cash_out": N_("cash out")}


def describe_needs_person(item: dict[str, Any]) -> str:
    """A document whose fate only a person can tell (a cash move the register could not confirm)."""
    kind = NEEDS_PERSON_KINDS.get(item.get("type"), item.get("type") or "?")
    return _("{kind} of {amount} at {time} ({uuid}) needs a person: {message}").format(
        kind=_(kind),
        amount=format_money(int(item.get("total") or 0)),
        time=local_time(item.get("created_at")),
        uuid=item.get("uuid"),
        message=_(item.get("message") or ""),
    )


def attention(status: dict[str, Any], checks: list[dict[str, Any]] | None = None) -> list[str]:
    """What a technician should look at, one line each; empty when all is well.

    With ``checks`` (the round trips just made) the connections' lines come from them rather than
    from what the last polls saw."""
    problems = [describe_needs_person(item) for item in status.get("attention") or ()]
    store = status.get("store") or {}
    if store.get("ok") is False:
        problems.append(_("the store failed its check: {path}").format(path=store.get("path", "?")))
    if checks is not None:
        problems += [f"{check['label']}: {check['message']}" for check in checks if not check["ok"]]
        if not any(check["name"] == "fiscal_register" for check in checks):
            problems.append(f"{_('fiscal register')}: {describe_device(status.get('printer'))}")
    for key, name in (("printer", N_("fiscal register")), ("receipt_printer", N_("receipt printer"))):
        device = status.get(key)
        if checks is not None or (device is None and key == "receipt_printer"):
            continue
        if not device or device.get("state") != "ready" or device.get("message"):
            problems.append(f"{_(name)}: {describe_device(device)}")
    if checks is None and not status.get("paired"):
        problems.append(_("not paired with the back office"))
    elif checks is None and (status.get("pairing") or {}).get("needs_repair"):
        problems.append(_("the back office refused the token: pair again"))
    shift = status.get("shift") or {}
    if shift.get("expired"):
        problems.append(_("the shift is over 24 hours: close it with a Z report"))
    elif (
        shift.get("open")
        and shift.get("hours_left") is not None
        and shift["hours_left"] < SHIFT_HOURS_WARNING
    ):
        problems.append(_("the shift reaches 24 hours in {hours} h").format(hours=shift["hours_left"]))
    queue = status.get("queue") or {}
    if (queue.get("oldest_age_seconds") or 0) > QUEUE_AGE_WARNING:
        problems.append(_("documents wait for upload: {queue}").format(queue=describe_queue(queue)))
    streams = status.get("streams") or {}
    for name in stream_order(streams):
        error = stream_error(streams[name] or {})
        if error:
            problems.append(
                _("sync of {stream} failed: {error}").format(stream=stream_label(name), error=error)
            )
        problems.extend(refused_records(name, streams[name] or {}))
    question = pending_question(status)
    if question:
        problems.append(_("product sync: {question}").format(question=describe_question(question)))
    fn = status.get("fn") or {}
    warnings = fn.get("warnings")
    if warnings is None and fn.get("days_left") is not None and fn["days_left"] <= FN_DAYS_WARNING:
        warnings = [{"code": "ofd_days_left", "days": fn["days_left"]}]
    for warning in warnings or ():
        problems.append(_("FN/OFD: {fn}").format(fn=describe_fn_warning(warning)))
    for file, problem in sorted(((status.get("daemon") or {}).get("profile_errors") or {}).items()):
        problems.append(_("firmware profile {file} is invalid: {problem}").format(file=file, problem=problem))
    return problems


def describe_checks(checks: list[dict[str, Any]]) -> list[str]:
    """One line per round trip: what, where, the verdict and how long it took."""
    lines = []
    for check in checks:
        verdict = _("ok") if check["ok"] else _("FAILED")
        where = f" ({check['target']})" if check.get("target") else ""
        latency = _("{ms} ms").format(ms=check["latency_ms"]) if check.get("latency_ms") is not None else "—"
        lines.append(f"{check['label']}{where}: {verdict}, {latency}: {check['message']}")
    return lines


def describe_store(store: dict[str, Any]) -> str:
    if store.get("ok") is None:
        return _("being checked")
    return _("ok") if store["ok"] else _("FAILED its check")


def render(status: dict[str, Any]) -> str:
    products = status.get("products") or {}
    rows = [
        (_("Daemon"), _("running, version {version}").format(version=status.get("version", "?"))),
        (_("Back office"), describe_pairing(status)),
        (_("Store"), describe_store(status.get("store") or {})),
        (_("Fiscal register"), describe_device(status.get("printer"))),
    ]
    if status.get("receipt_printer") is not None:
        rows.append((_("Receipt printer"), describe_device(status["receipt_printer"])))
    rows += [
        (_("Shift"), describe_shift(status.get("shift"))),
        (_("Upload queue"), describe_queue(status.get("queue"))),
    ]
    if products:
        sync = _("on") if products.get("product_sync") else _("off")
        rows.append(
            (
                _("Products"),
                _("{count} (product sync {state})").format(count=products.get("count", 0), state=sync),
            )
        )
    question = pending_question(status)
    if question:
        rows.append((_("Question"), describe_question(question)))
    streams = status.get("streams") or {}
    for name in stream_order(streams):
        rows.append(
            (_("Sync: {stream}").format(stream=stream_label(name)), describe_stream(streams[name] or {}))
        )
    rows.append((_("FN/OFD"), describe_fn(status.get("fn"))))
    width = max(len(label) for label, _value in rows) + 2
    lines = [f"{label + ':':<{width}} {value}" for label, value in rows]
    lines.extend(describe_needs_person(item) for item in status.get("attention") or ())
    for name in stream_order(streams):
        lines.extend(refused_records(name, streams[name] or {}))
    return "\n".join(lines)


@click.command("status", help=_("Show the register's state."))
@click.option("--json", "as_json", is_flag=True, help=_("print the daemon's status as JSON"))
@click.option(
    "--check",
    is_flag=True,
    help=_("test the connections now and list what needs attention; exit 1 if anything does"),
)
def status(as_json: bool, check: bool) -> None:
    from agent.cli import EXIT_CONFIG, UserError, echo
    from agent.client import DaemonClient, DaemonError, DaemonNotRunning
    from agent.config import ConfigError, load_settings, socket_path

    config_problem = None
    try:
        socket = load_settings().socket
    except ConfigError as exc:  # a broken config must not hide the daemon's answer: it may be running fine
        config_problem = str(exc)
        socket = socket_path()
    try:
        with DaemonClient(socket, timeout=15) as client:
            data = client.get("/v1/status")
    except DaemonNotRunning as exc:
        if config_problem:
            # the daemon reads the same file: starting it would fail the same way
            echo(f"kassa: {config_problem}", err=True)
            raise UserError(
                _(
                    "the kassa daemon is not running, and it will not start until the config is fixed "
                    "(check it with: kassa config check)"
                ),
                EXIT_CONFIG,
            ) from None
        raise UserError(exc.message, EXIT_NOT_RUNNING) from None
    except DaemonError as exc:
        raise UserError(exc.message) from None
    if config_problem:
        echo(
            _("kassa: {problem} (the running daemon still uses the config it started with)").format(
                problem=config_problem
            ),
            err=True,
        )
    checks = None
    if check:
        try:
            with DaemonClient(socket, timeout=CHECK_TIMEOUT) as client:
                checks = client.post("/v1/check")["checks"]
        except DaemonError as exc:
            raise UserError(exc.message) from None
    problems = attention(data, checks)
    if config_problem:
        problems.insert(0, config_problem)
    if as_json:
        if check:
            data = dict(data, attention=problems, checks=checks)
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        echo(render(data))
        if check:
            echo()
            echo(_("Connection check:"))
            for line in describe_checks(checks or []):
                echo(f"  {line}")
            echo()
            if problems:
                echo(_("Needs attention:"))
                for problem in problems:
                    echo(f"  - {problem}")
            else:
                echo(_("Nothing needs attention."))
    if check and problems:
        sys.exit(EXIT_ATTENTION)  # not click's Exit: `kassa`'s main() runs click non-standalone
