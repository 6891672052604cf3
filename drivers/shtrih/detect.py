"""Find Shtrih-M registers: which port, which speed, which model, which firmware profile.

One ENQ per speed tells a Shtrih-M device (it answers ACK or NAK) from silence or noise;
then the device names itself (0xFC), its serial (table 18, else 0x11), INN (0x11) and
its FN (FF02). Ports are
probed in parallel so a machine with many serial ports is scanned in seconds.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from drivers.profile import PROFILE_DIR, Profile, load_directory
from drivers.shtrih import values as v
from drivers.shtrih.errors import ShtrihError
from drivers.shtrih.link import Link
from drivers.shtrih.register import SERIAL_TABLE, format_inn, parse_device_type, parse_full_status

BAUDS = [115200, 57600, 38400, 19200, 9600, 4800, 2400]
DEFAULT_PASSWORD = 30  # the system administrator's factory password
PROBE_TIMEOUT = 2.0


@dataclass(frozen=True)
class DetectedRegister:
    port: str
    baud: int
    model: str
    serial: str
    fn_serial: str
    inn: str
    profile: str | None  # the matching firmware profile, None when no profile knows the model

    def as_dict(self) -> dict:
        return asdict(self)


def matching_profile(model: str, profiles: dict[str, Profile]) -> str | None:
    wanted = " ".join(model.casefold().split())
    for name, profile in sorted(profiles.items()):
        if profile.protocol == "shtrih" and " ".join(profile.model.casefold().split()) == wanted:
            return name
    return None


def _identify(link: Link) -> tuple[str, str, str, str]:
    def ask(command: int, data: bytes = b"", password: bool = True) -> bytes:
        data = (v.le(DEFAULT_PASSWORD, 4) if password else b"") + data
        frame = link.transact(command, data, PROBE_TIMEOUT)
        if not frame.data or frame.data[0] != 0:
            return b""
        return frame.data[1:]

    kind = ask(0xFC, password=False)
    full = ask(0x11)
    fn = ask(0xFF02)
    table, row, field = SERIAL_TABLE
    serial = v.parse_text(ask(0x1F, bytes([table]) + v.le(row, 2) + bytes([field])))
    model = parse_device_type(kind)["model"] if len(kind) >= 6 else ""
    status = parse_full_status(full) if len(full) >= 46 else {"serial": None, "inn": None}
    if not serial and status["serial"] is not None:
        serial = f"{status['serial']:010d}"
    inn = format_inn(status["inn"]) if status["inn"] is not None else ""
    return model, serial, v.parse_text(fn) if fn else "", inn


def probe_port(port: str, bauds: list[int], profiles: dict[str, Profile]) -> DetectedRegister | None:
    if "://" not in port and not os.path.exists(port):
        return None
    for baud in bauds:
        link = Link(port, baud, write_timeout=1.0)
        try:
            link.open()
            if not link.probe():
                continue
            model, serial, fn_serial, inn = _identify(link)
        except ShtrihError:
            continue
        finally:
            link.close()
        return DetectedRegister(port, baud, model, serial, fn_serial, inn, matching_profile(model, profiles))
    return None


def detect(
    ports: list[str], bauds: list[int] | None = None, profile_dir: Path = PROFILE_DIR
) -> list[DetectedRegister]:
    """Every register found on ``ports`` (tried at ``bauds``, fastest first), with the profile of
    ``profile_dir`` that names its model."""
    profiles, _errors = load_directory(profile_dir)
    speeds = bauds or BAUDS
    if not ports:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(ports))) as pool:
        results = pool.map(lambda port: probe_port(port, speeds, profiles), ports)
    return [found for found in results if found is not None]
