"""Firmware profiles: one TOML file per device model/firmware, validated at load.

A profile is data: what the device can do (code page, columns, cut, QR), how to talk to it
(baud, flow control, timeouts, passwords) and how the shop's tax rates and payment kinds map
to its numbers. A bad file is refused with an error that names the file and the field.
"""

from __future__ import annotations

import codecs
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from common.line_speed import check_speed
from drivers.errors import N_, DriverError

PROFILE_DIR = Path(__file__).resolve().parent.parent / "firmware_profiles"


class ProfileError(DriverError):
    code = "profile_invalid"
    message = N_("firmware profile {file}: {problem}")
    exit_code = 78  # sysexits EX_CONFIG, as for a bad config


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SerialSettings(_Section):
    baud: int = Field(115200, gt=0)
    flow: Literal["none", "xonxoff", "rtscts"] = "none"
    write_timeout: float = Field(5.0, gt=0, description="seconds; a printer holding XOFF must not hang us")

    @field_validator("baud")
    @classmethod
    def _line_speed(cls, value: int) -> int:
        return check_speed(value)


class MediaSettings(_Section):
    width_mm: int = Field(gt=0)
    dots: int = Field(gt=0, description="printable dots per line")
    columns: dict[str, int] = Field(description="characters per line for each font, e.g. {a = 48, b = 64}")


class EncodingSettings(_Section):
    codepage_slot: int = Field(ge=0, le=255, description="the ESC t n slot of the code page")
    codec: str = Field(description="Python codec of that code page, e.g. cp866")
    transliterate: dict[str, str] = Field(default_factory=dict, description="what the code page lacks")
    substitute: str = Field(
        "■", min_length=1, max_length=1, description="printed for a character nothing else can render"
    )

    @field_validator("codec")
    @classmethod
    def _known_codec(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown codec {value!r}") from None
        return value

    @model_validator(mode="after")
    def _substitute_encodable(self) -> EncodingSettings:
        try:
            self.substitute.encode(self.codec)
        except UnicodeEncodeError:
            raise ValueError(f"substitute {self.substitute!r} is not in {self.codec}") from None
        return self


class StatusSettings(_Section):
    dle_eot: bool = True
    near_end_sensor: bool = False
    asb: bool = False
    reply_margin: float = Field(
        0.2, gt=0, le=5, description="seconds a DLE EOT reply may take beyond its byte time"
    )


class FeatureSettings(_Section):
    cut: bool = True
    partial_cut: bool = False
    drawer: bool = False
    native_qr: bool = False


class FiscalPasswords(_Section):
    operator: int = Field(30, ge=0, le=99999999)
    admin: int = Field(30, ge=0, le=99999999)


class FiscalSettings(_Section):
    ffd_version: Literal["1.05", "1.1", "1.2"] = "1.2"
    taxes: dict[str, int] = Field(description="tax rate code (vat20, vat10, ...) -> the device's tax number")
    payment_types: dict[str, int] = Field(description="payment kind (cash, card, ...) -> the device's number")
    payment_objects: dict[str, int] = Field(
        default_factory=dict, description="payment-object type -> tag 1212"
    )
    payment_methods: dict[str, int] = Field(default_factory=dict, description="payment method -> tag 1214")
    units: dict[str, int] = Field(default_factory=dict, description="measure code -> tag 2108")
    operation_v2: bool = Field(
        True, description="the register takes FF46/FF45; false: classic 0x80/0x82/0x85"
    )
    passwords: FiscalPasswords = FiscalPasswords()


class Timeouts(_Section):
    default: float = Field(10.0, gt=0)
    status: float = Field(3.0, gt=0)
    x_report: float = Field(30.0, gt=0)
    z_report: float = Field(65.0, gt=0)
    open_shift: float = Field(120.0, gt=0)
    # FF61: the FN waits for the national system's answer through the OFD before it answers
    mark_check: float = Field(40.0, gt=0)


class Profile(_Section):
    name: str
    vendor: str
    model: str
    protocol: Literal["shtrih", "escpos"]
    escpos_db_profile: str | None = Field(
        None, description="base profile in python-escpos's printer database"
    )
    serial: SerialSettings = SerialSettings()
    media: MediaSettings | None = None
    encoding: EncodingSettings | None = None
    status: StatusSettings = StatusSettings()
    features: FeatureSettings = FeatureSettings()
    fiscal: FiscalSettings | None = None
    timeouts: Timeouts = Timeouts()
    verified_on_hardware: bool = False

    @model_validator(mode="after")
    def _protocol_needs(self) -> Profile:
        if self.protocol == "shtrih" and self.fiscal is None:
            raise ValueError("a shtrih profile needs a [fiscal] section")
        if self.protocol == "escpos":
            missing = [
                key for key in ("escpos_db_profile", "media", "encoding") if getattr(self, key) is None
            ]
            if missing:
                raise ValueError(f"an escpos profile needs {', '.join(missing)}")
        return self


def _describe(error: dict) -> str:
    loc = [str(part) for part in error["loc"]]
    where = (f"[{'.'.join(loc[:-1])}] {loc[-1]}" if len(loc) > 1 else loc[0]) if loc else ""
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown field"
    message = error["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def parse_profile(text: str, file: str, expected_name: str | None = None) -> Profile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(file=file, problem=f"not valid TOML: {exc}") from None
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(file=file, problem="; ".join(_describe(e) for e in exc.errors())) from None
    if expected_name is not None and profile.name != expected_name:
        raise ProfileError(
            file=file, problem=f"name {profile.name!r} must equal the file name {expected_name!r}"
        )
    return profile


def load_profile(path: Path) -> Profile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(file=str(path), problem=exc.strerror or str(exc)) from None
    return parse_profile(text, str(path), expected_name=path.stem)


def load_directory(directory: Path = PROFILE_DIR) -> tuple[dict[str, Profile], list[ProfileError]]:
    """Every valid profile in ``directory`` by name, and the errors of the invalid ones."""
    profiles: dict[str, Profile] = {}
    errors: list[ProfileError] = []
    for path in sorted(Path(directory).glob("*.toml")):
        try:
            profiles[path.stem] = load_profile(path)
        except ProfileError as exc:
            errors.append(exc)
    return profiles, errors
