"""`kassa demo`: the whole register on one machine, no hardware, no network.

Starts the KKT emulator, the virtual ESC/POS printer, the reference back office (seeded, with a
fresh sync code) and a daemon on a temporary state dir; pairs it, syncs, and opens the cashier's
screen logged in as the demo cashier. Every part runs as a subprocess in its own session, so
Ctrl+C reaches only us and we stop them in order. Whatever happens, every part stops and the
temporary directory is removed; a part that fails is named, with the end of its log.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import click
import httpx

from agent.i18n import N_, _, set_language
from common.marking import GS, MarkingCodeError, parse

KASSA = [sys.executable, "-m", "agent"]
START_TIMEOUT = 90.0  # seconds per part; generous for a loaded 2-core terminal
DEMO_PRODUCTS = 40
DEMO_ORDERS = 3
# marked goods of the seeded catalog (their GTINs are their barcodes) and the emulator's code layout
DEMO_MARKED = (
    ("Молоко 3,2% 1 л", "04600000000015", "milk"),
    ("Вода питьевая 1,5 л", "04600000001524", "water"),
)
DEMO_ALLEGRO_SKUS = ("100007", "100008", "100009")  # unmarked goods of the seeded catalog: the lines match
PR_SET_PDEATHSIG = 1
SOCKET_PATH_MAX = 100  # a unix socket's path is limited to 108 bytes
EXIT_INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl+C


class PartFailed(Exception):
    """A part of the demo did not start or stopped; the message names it."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def die_with_parent() -> None:
    """In the child: get SIGTERM if the demo itself dies without cleaning up (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Part:
    """One subprocess of the demo, its log, and how to stop it."""

    def __init__(self, title: str, args: list[str], log: Path, env: dict[str, str]):
        self.title, self.args, self.log, self.env = title, args, log, env
        self.process: subprocess.Popen | None = None

    def start(self) -> Part:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*KASSA, *self.args],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 8) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def failed(self, what: str) -> PartFailed:
        message = _("{part}: {what}").format(part=_(self.title), what=what)
        tail = self.tail()
        return PartFailed(f"{message}\n{tail}" if tail else message)

    def wait_for(self, ready, what: str, timeout: float = START_TIMEOUT) -> None:
        """Poll ``ready()`` until true; the part exiting or the time running out is a failure."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise self.failed(_("exited with code {code}").format(code=self.process.returncode))
            with contextlib.suppress(Exception):
                if ready():
                    return
            time.sleep(0.1)
        raise self.failed(_("not ready after {seconds} s ({what})").format(seconds=int(timeout), what=what))

    def stop(self) -> None:
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


class Demo:
    def __init__(self, say=click.echo, currency: str = "RUB"):
        self.say = say
        self.currency = currency
        self.dir = Path(tempfile.mkdtemp(prefix="kassa-demo-"))
        if len(str(self.dir / "agent.sock")) > SOCKET_PATH_MAX:  # a long $TMPDIR: use /tmp
            self.dir.rmdir()
            self.dir = Path(tempfile.mkdtemp(prefix="kassa-demo-", dir="/tmp"))
        self.parts: list[Part] = []
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KASSA_")}
        for key in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
            self.env.pop(key, None)
        scratch = self.dir / "tmp"
        scratch.mkdir()
        self.env.update(PYTHONUNBUFFERED="1", TMPDIR=str(scratch))  # the parts' scratch files go too
        self.config = self.dir / "agent.toml"
        self.socket = self.dir / "agent.sock"
        self.daemon_env = {
            **self.env,
            "KASSA_CONFIG": str(self.config),
            "KASSA_STATE_DIR": str(self.dir / "state"),
            "KASSA_SOCKET": str(self.socket),
        }
        self.backoffice_db = self.dir / "backoffice.db"
        self.backoffice_url = ""
        self.allegro_url = ""
        self.staff: list[tuple[str, str, str]] = []

    # -- steps ----------------------------------------------------------------------------------
    def step(self, message: str) -> None:
        with contextlib.suppress(OSError):
            self.say("• " + message)

    def part(self, title: str, args: list[str], log: str, env: dict | None = None) -> Part:
        part = Part(title, args, self.dir / log, env or self.env)
        self.parts.append(part)
        return part.start()

    def run_once(self, title: str, args: list[str], env: dict | None = None, timeout: float = 120) -> str:
        """A one-shot command; its stdout, or a failure naming the step."""
        # the English output is parsed; the person reads our own translated lines
        run_env = {**(env or self.env), "LANG": "C.UTF-8", "LANGUAGE": ""}
        run_env.pop("LC_ALL", None)
        run_env.pop("LC_MESSAGES", None)
        try:
            result = subprocess.run(
                [*KASSA, *args],
                env=run_env,
                capture_output=True,
                text=True,
                timeout=timeout,
                start_new_session=True,
            )
        except subprocess.TimeoutExpired:
            raise PartFailed(
                _("{part}: no answer in {seconds} s").format(part=_(title), seconds=timeout)
            ) from None
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            raise PartFailed(_("{part}: {what}").format(part=_(title), what=" ".join(detail)))
        self.last_stderr = result.stderr
        return result.stdout

    def start_kkt(self) -> None:
        self.step(_("Starting the fiscal register emulator (ШТРИХ-М-01Ф)…"))
        link = self.dir / "kkt"
        part = self.part(
            N_("fiscal register emulator"),
            ["emulate", "kkt", "--link", str(link), "--state", str(self.dir / "kkt-state.json")],
            "kkt.log",
        )
        part.wait_for(lambda: "ready" in part.log.read_text(), _("waiting for its pty"))
        self.kkt_link = link

    def start_printer(self) -> None:
        self.step(_("Starting the virtual receipt printer…"))
        link = self.dir / "escpos"
        self.receipts_dir = self.dir / "printed"
        part = self.part(
            N_("virtual receipt printer"),
            ["emulate", "escpos", "--link", str(link), "--out", str(self.receipts_dir)],
            "escpos.log",
        )
        part.wait_for(lambda: "ready" in part.log.read_text(), _("waiting for its pty"))
        self.printer_link = link

    def start_backoffice(self) -> None:
        self.step(_("Seeding and starting the reference back office…"))
        self.run_once(
            N_("back-office seed"),
            [
                "backoffice",
                "seed",
                "--db",
                str(self.backoffice_db),
                "--products",
                str(DEMO_PRODUCTS),
                "--employees",
                "4",
                "--orders",
                str(DEMO_ORDERS),
            ],
        )
        self.staff = re.findall(r"^(.+?) \((\w+)\): PIN ([0-9]+)$", self.last_stderr, re.MULTILINE)
        port = free_port()
        self.backoffice_url = f"http://127.0.0.1:{port}"
        part = self.part(
            N_("reference back office"),
            ["backoffice", "serve", "--port", str(port), "--db", str(self.backoffice_db)],
            "backoffice.log",
        )
        part.wait_for(
            lambda: httpx.get(f"{self.backoffice_url}/api/v1/health", timeout=2).status_code == 200,
            _("waiting for {url}").format(url=self.backoffice_url),
        )

    def start_allegro(self) -> None:
        self.step(_("Starting the fake Allegro with a demo seller's orders…"))
        port = free_port()
        self.allegro_url = f"http://127.0.0.1:{port}"
        skus = [arg for sku in DEMO_ALLEGRO_SKUS for arg in ("--sku", sku)]
        part = self.part(
            N_("fake Allegro"),
            ["emulate", "allegro", "--port", str(port), "--interval", "0.5", "--auto-approve", "demo-seller",
             "--orders", str(DEMO_ORDERS), *skus],
            "allegro.log",
        )  # fmt: skip
        part.wait_for(
            lambda: httpx.get(f"{self.allegro_url}/skojarz-aplikacje", timeout=2).status_code == 200,
            _("waiting for {url}").format(url=self.allegro_url),
        )

    def connect_allegro(self) -> None:
        self.step(_("Connecting the demo Allegro account (device flow) and importing its orders…"))
        self.run_once(N_("Allegro account"), ["marketplace", "add", "allegro", "--name", "Allegro demo"],
                      env=self.daemon_env)  # fmt: skip
        self.run_once(N_("Allegro import"), ["marketplace", "import"], env=self.daemon_env)

    def start_daemon(self) -> None:
        self.step(_("Starting the kassa service on a temporary state directory…"))
        self.config.write_text(
            f'[shop]\ncurrency = "{self.currency}"\n\n'
            "[marketplaces.allegro]\n"
            f'api_url = "{self.allegro_url}"\n'
            f'auth_url = "{self.allegro_url}/auth/oauth"\n'
            'client_id = "kassa-demo"\n'
            'client_secret = "kassa-demo-secret"\n\n'
            "[printer]\n"
            f'port = "{self.kkt_link}"\n'
            'profile = "shtrih-m-01f"\n\n'
            "[receipt_printer]\n"
            f'port = "{self.printer_link}"\n'
            'profile = "escpos-emulator"\n\n'
            "[backoffice]\n"
            f'url = "{self.backoffice_url}"\n',
            encoding="utf-8",
        )
        self.daemon = self.part(N_("kassa service"), ["run"], "daemon.log", self.daemon_env)
        transport = httpx.HTTPTransport(uds=str(self.socket))

        def ready() -> bool:
            with httpx.Client(transport=transport, base_url="http://kassa", timeout=5) as client:
                status = client.get("/v1/status").json()
            return (status.get("printer") or {}).get("state") == "ready"

        self.daemon.wait_for(ready, _("waiting for the register to be ready"))

    def pair(self) -> None:
        self.step(_("Pairing the register with the back office (Подключить ККТ)…"))
        code = self.run_once(
            N_("back-office sync code"), ["backoffice", "code", "--db", str(self.backoffice_db)]
        )
        self.run_once(
            N_("pairing"),
            ["pair", code.strip().splitlines()[-1], "--backoffice", self.backoffice_url],
            env=self.daemon_env,
        )
        self.step(_("Loading products and employees (Обновить сейчас)…"))
        self.run_once(N_("first sync"), ["sync", "--wait"], env=self.daemon_env)

    def cashier_pin(self) -> str | None:
        for _name, role, pin in self.staff:
            if role == "cashier":
                return pin
        return self.staff[0][2] if self.staff else None

    def start(self) -> None:
        self.start_kkt()
        self.start_printer()
        self.start_backoffice()
        self.start_allegro()
        self.start_daemon()
        self.pair()
        self.connect_allegro()
        for name, role, pin in self.staff:
            self.say("  " + _("{name} ({role}): PIN {pin}").format(name=name, role=_(role), pin=pin))
        self.list_marks()
        self.step(_("Ready. Back office: {url}").format(url=self.backoffice_url))
        self.say(
            "  "
            + _("What the back office received: kassa backoffice documents --db {db}").format(
                db=self.backoffice_db
            )
        )

    def list_marks(self) -> None:
        """Codes the emulated FN takes as genuine, to scan or paste one per unit of marked goods."""
        self.say("  " + _("Marked goods: paste one code per unit (kassa emulate marks GTIN prints more):"))
        for name, gtin, group in DEMO_MARKED:
            args = ["emulate", "marks", gtin, "--count", "3", "--group", group, "--raw"]
            for code in self.run_once(N_("Marking codes"), args).split("\n"):  # splitlines() splits at GS
                pasted = code.replace(GS, "")  # a terminal's paste loses GS: the code must read without it
                with contextlib.suppress(MarkingCodeError):
                    if parse(pasted).code == code:
                        self.say(f"    {name}: {pasted}")

    def broken_part(self) -> Part | None:
        return next((part for part in self.parts if not part.alive()), None)

    def stop(self) -> None:
        for part in reversed(self.parts):
            with contextlib.suppress(Exception):
                part.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def watch(demo: Demo, app, stop: threading.Event, problem: list[str]) -> None:
    """While the screen is open, a part that stops closes it with a message naming the part."""
    while not stop.wait(1.0):
        broken = demo.broken_part()
        if broken is not None:
            problem.append(
                _("{part} stopped unexpectedly").format(part=_(broken.title)) + "\n" + broken.tail()
            )
            with contextlib.suppress(Exception):
                app.call_from_thread(app.exit)
            return


class Terminated(Exception):
    """SIGTERM or SIGHUP: stop like Ctrl+C does."""


def on_terminate(app_box: list) -> None:
    """SIGTERM/SIGHUP close the screen if it is open, else abort the start; cleanup runs either way."""

    def handler(_signum, _frame) -> None:
        app = app_box[0] if app_box else None
        if app is not None and app.is_running:
            threading.Thread(target=lambda: app.call_from_thread(app.exit), daemon=True).start()
            return
        raise Terminated

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


@click.command("demo", help=_("Run everything on emulated hardware and open the TUI."))
@click.option(
    "--lang", type=click.Choice(["ru", "en"]), default=None, help=_("Language (default: the locale's).")
)
@click.option(
    "--currency",
    type=click.Choice(["RUB", "PLN"]),
    default="RUB",
    show_default=True,
    help=_("The shop's currency: with PLN the Allegro orders can be fiscalized, with RUB they show why not."),
)
def demo(lang: str | None, currency: str) -> None:
    from agent.cli import UserError

    language = set_language(lang)
    runner = Demo(currency=currency)
    problem: list[str] = []
    interrupted = False
    app_box: list = []
    on_terminate(app_box)
    try:
        try:
            runner.start()
            from tui.cli import build_app

            app = build_app(language, pin=runner.cashier_pin(), env=runner.daemon_env)
            app_box.append(app)
            stop = threading.Event()
            watcher = threading.Thread(target=watch, args=(runner, app, stop, problem), daemon=True)
            watcher.start()
            try:
                app.run()
            finally:
                stop.set()
        except PartFailed as failure:
            problem.append(str(failure))
        except (KeyboardInterrupt, Terminated):
            interrupted = True
            with contextlib.suppress(OSError):
                click.echo(_("Interrupted."), err=True)
    finally:
        with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
            click.echo(_("Stopping the demo…"), err=True)
        runner.stop()
    if problem:
        raise UserError(_("the demo stopped: {problem}").format(problem=problem[0]))
    if interrupted:
        sys.exit(EXIT_INTERRUPTED)
