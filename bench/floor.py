"""The floor under ``idle-rss``: the product brief's libraries alone, used the way the daemon uses them.

``python -m bench.floor DIR`` prints one number, the RSS in KiB of a process holding no kassa code:
SQLModel with one table in an SQLite file (an ORM insert and select), FastAPI with one route and
one response model served by uvicorn on loopback, 20 requests to it through httpx (its TLS trust
loaded, as the daemon's back-office client does), pyserial and a watchdog observer running; the
same two imports blocked and the same two malloc arenas as ``kassa run``
(``agent/cli/run_cmd.py``). Measured 3 s after the last request. What the daemon holds over this
is kassa's own: its modules, the API's models, the store, the journal and the sync.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import socket
import sys
import threading
import time
from pathlib import Path

BLOCKED = ("httpx._main", "pydantic.v1")  # as NEVER_IMPORTED in agent/cli/__init__.py
M_ARENA_MAX = -8
ARENAS = 2
REQUESTS = 20


def measure(directory: Path) -> int:
    for name in BLOCKED:
        sys.modules.setdefault(name, None)
    ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt(M_ARENA_MAX, ARENAS)

    import httpx
    import serial  # noqa: F401  (imported as the daemon's driver does)
    import uvicorn
    import watchdog.observers
    from fastapi import FastAPI
    from pydantic import BaseModel
    from sqlmodel import Field, Session, SQLModel, create_engine, select

    class Product(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        code: str = Field(index=True)
        name: str

    class Answer(BaseModel):
        code: str
        name: str

    engine = create_engine(f"sqlite:///{directory / 'floor.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Product(code="1", name="товар"))
        session.commit()

    app = FastAPI()

    @app.get("/products/{code}", response_model=Answer)
    def product(code: str) -> Answer:
        with Session(engine) as session:
            found = session.exec(select(Product).where(Product.code == code)).one()
            return Answer(code=found.code, name=found.name)

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True).start()
    observer = watchdog.observers.Observer()
    observer.schedule(_Ignore(), str(directory))
    observer.start()
    with httpx.Client(timeout=10) as client:
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 30 s")
            time.sleep(0.02)
        for _ in range(REQUESTS):
            client.get(f"http://127.0.0.1:{port}/products/1").raise_for_status()
        time.sleep(3)
        return _rss_kib()


class _Ignore:
    def dispatch(self, event) -> None:
        pass


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


if __name__ == "__main__":
    print(measure(Path(sys.argv[1])))
