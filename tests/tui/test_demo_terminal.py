"""`kassa demo` in a real terminal (tmux), driven by keys like a newcomer would: log in is done by
the demo, sell two items (a scanned barcode and a typed name), pay cash, see the receipt, open
the connection screen ("Соединение установлено"), press "Обновить сейчас", and find the receipt
in the reference back office. Then quit and check that nothing is left behind."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from agent.client import DaemonClient
from sim.kkt.marks import issue
from tests.conftest import REPO

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"),
]


class Terminal:
    """A detached tmux session of its own server (never the user's tmux)."""

    def __init__(self, command: str, env: dict[str, str]):
        self.server = f"kassa-test-{uuid.uuid4().hex[:8]}"
        self.env = env
        self.tmux("new-session", "-d", "-x", "120", "-y", "40", "-s", "demo", command)
        self.tmux("set-option", "-t", "demo", "remain-on-exit", "on")

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.server, "-u", "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=30,
        )
        return result.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "demo")

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "demo", "-l", text)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "demo", *keys)

    def wait_for(self, *texts: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            time.sleep(0.25)
        raise AssertionError(f"{texts} not on the screen after {timeout} s:\n{screen}")

    def exited(self) -> bool:
        return self.tmux("display-message", "-p", "-t", "demo", "#{pane_dead}").strip() == "1"

    def close(self) -> None:
        self.tmux("kill-server")


def running(directory: Path) -> str:
    """The ids of the processes whose command line names ``directory``."""
    return subprocess.run(["pgrep", "-f", str(directory)], capture_output=True, text=True).stdout.strip()


@pytest.fixture
def temp():
    """The demo's $TMPDIR, short enough for its socket path (a longer one makes the demo use /tmp)."""
    directory = Path(tempfile.mkdtemp(prefix="kassa-test-", dir="/tmp"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def test_demo_sells_two_items_and_the_receipt_reaches_the_back_office(temp):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("KASSA_", "TMUX"))}
    env.update(TMPDIR=str(temp), LANG="C.UTF-8", TERM="xterm-256color")
    command = f"cd {REPO} && {sys.executable} -m agent demo --lang ru"
    terminal = Terminal(command, env)
    try:
        try:
            terminal.wait_for("Продажа", "Петров Сергей", "Смена", timeout=120)
        except AssertionError as failure:
            logs = {log.name: log.read_text()[-2000:] for log in temp.glob("kassa-demo-*/*.log")}
            raise AssertionError(f"{failure}\nlogs of the parts: {logs}") from None
        (demo_dir,) = temp.glob("kassa-demo-*")
        with DaemonClient(demo_dir / "agent.sock") as client:
            products = client.get("/v1/products", params={"limit": 100})["items"]
        pieces = [p for p in products if not p["weighted"] and not p["marked"]]
        scanned = next(p for p in pieces if p["barcodes"])
        typed = next(p for p in pieces if p["code"] != scanned["code"] and not p["name"].isascii())
        word = typed["name"].split()[0].lower()

        terminal.type(scanned["barcodes"][0])
        terminal.keys("Enter")
        terminal.wait_for(scanned["name"])
        terminal.type(word)
        terminal.wait_for(typed["name"])
        terminal.keys("Enter")
        total = (scanned["price"] + typed["price"]) / 100
        terminal.wait_for(f"ИТОГ: {total:,.2f}".replace(",", " "))
        terminal.keys("Enter")  # an empty search line: payment
        terminal.wait_for("Оплата", "К оплате")
        terminal.keys("C-u")
        terminal.wait_for(f"Недостаточно: ещё {total:,.2f}".replace(",", " "))
        terminal.type("5000")
        change = 5000 - total
        terminal.wait_for(f"Сдача: {change:,.2f}".replace(",", " "))
        terminal.keys("Enter")
        screen = terminal.wait_for("Чек пробит", f"СДАЧА: {change:,.2f}".replace(",", " "), timeout=90)
        assert "ФД" in screen

        # marked goods: the scanner types the DataMatrix with GS as Ctrl+] through the real terminal
        milk = next(p for p in products if p["marked"] and p["barcodes"])
        head, tail = issue(milk["barcodes"][0].zfill(14), "milk").split("\x1d")
        terminal.type(milk["barcodes"][0])
        terminal.keys("Enter")
        terminal.wait_for("маркированный товар: отсканируйте код DataMatrix")
        terminal.type(head)
        terminal.keys("C-]")
        terminal.type(tail)
        terminal.keys("Enter")
        terminal.wait_for(
            "код действителен: товар можно продать", f"ИТОГ: {milk['price'] / 100:,.2f}".replace(",", " ")
        )
        terminal.keys("Enter")
        terminal.wait_for("Оплата", "К оплате")
        terminal.keys("Enter")
        terminal.wait_for("Чек пробит", timeout=90)

        terminal.keys("F6")
        terminal.wait_for("Подключение к кабинету", "Соединение установлено", "Обновить сейчас")
        terminal.keys("F8")
        terminal.wait_for("Обмен данными с бэк-офисом выполнен", timeout=90)

        database = str(demo_dir / "backoffice.db")
        documents = subprocess.run(
            [sys.executable, "-m", "agent", "backoffice", "documents", "--db", database],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=60,
            check=True,
        )
        sales = [doc for doc in json.loads(documents.stdout) if doc["type"] == "sale"]
        assert len(sales) == 2
        assert sales[0]["document"]["total"] == scanned["price"] + typed["price"]
        assert {line["code"] for line in sales[0]["document"]["lines"]} == {scanned["code"], typed["code"]}
        assert [line["code"] for line in sales[1]["document"]["lines"]] == [milk["code"]]

        terminal.keys("C-q")
        deadline = time.monotonic() + 60
        while not terminal.exited() and time.monotonic() < deadline:
            time.sleep(0.25)
        assert terminal.exited(), terminal.screen()
        assert not demo_dir.exists(), "the demo left its temporary directory behind"
        assert not any(Path(temp).iterdir())
    finally:
        terminal.close()


def test_ctrl_c_while_the_demo_starts_stops_every_part_and_removes_the_temp_dir(temp):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("KASSA_", "TMUX"))}
    env.update(TMPDIR=str(temp), LANG="C.UTF-8", TERM="xterm-256color")
    terminal = Terminal(f"cd {REPO} && {sys.executable} -m agent demo --lang en", env)
    try:
        terminal.wait_for("Seeding and starting the reference back office", timeout=90)
        (demo_dir,) = temp.glob("kassa-demo-*")
        kkt_log = demo_dir / "kkt.log"
        assert kkt_log.exists()
        terminal.keys("C-c")
        screen = terminal.wait_for("Interrupted.", "Stopping the demo", timeout=60)
        deadline = time.monotonic() + 30
        while not terminal.exited() and time.monotonic() < deadline:
            time.sleep(0.25)
        assert terminal.exited(), screen
        assert not demo_dir.exists()
        # a step the Ctrl+C cut short is SIGKILLed; on a busy machine it may take a moment to be gone
        deadline = time.monotonic() + 10
        while (leftovers := running(demo_dir)) and time.monotonic() < deadline:
            time.sleep(0.25)
        assert leftovers == "", "a part of the demo is still running"
    finally:
        terminal.close()
