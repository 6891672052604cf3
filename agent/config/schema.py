"""The typed shape of agent.toml. Unknown keys are errors: a typo must not be silently ignored."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.i18n import N_
from common.digits import is_digits
from common.line_speed import is_speed
from common.marking import GROUPS, SUBSTITUTES

MAX_EMPLOYEE_ID = 2**63 - 1  # SQLite's integer

# the groups decree 1944 of 21.11.2023 bans selling when the online check refuses (of ours: not medicines)
PERMISSIVE_GROUPS = ("milk", "water", "beer", "tobacco", "shoes", "clothes", "perfume", "tires")

TaxSystem = Literal["osn", "usn_income", "usn_income_expense", "envd", "esn", "patent"]

PROFILE_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")  # used with fullmatch: "$" lets a "\n" through


def known_zone(value: str) -> str:
    """A zone the system knows: a typo would otherwise surface as a failed receipt copy."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(N_("unknown time zone: use an IANA name such as Europe/Moscow")) from None
    return value


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShopSettings(Section):
    currency: str = Field("RUB", description="ISO 4217 code of the register's currency")
    timezone: str | None = Field(
        None,
        description="IANA zone of the shop; read but not used: a fiscal document's time on paper and in "
        "its QR code is the register's clock ([printer] timezone), as the FN stores it",
    )

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(N_("expected a three-letter ISO 4217 code such as RUB"))
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else known_zone(value)


class DeviceSettings(Section):
    port: str | None = Field(None, description='a device path, a pyserial URL, or "auto"')
    profile: str

    @field_validator("profile")
    @classmethod
    def _profile_name(cls, value: str) -> str:
        if not PROFILE_NAME.fullmatch(value):
            raise ValueError(N_("expected a profile name in lowercase with dashes, such as shtrih-m-01f"))
        return value


class PrinterSettings(DeviceSettings):
    """The fiscal register."""

    profile: str = "shtrih-m-01f"
    baud: int | None = Field(None, gt=0, description="None: the profile's baud rate")
    operator_password: int | None = Field(None, ge=0, le=99999999)
    admin_password: int | None = Field(None, ge=0, le=99999999)
    timezone: str = Field(
        "Europe/Moscow", description="IANA zone the register's (and its FN's) clock runs in"
    )
    tax_system: TaxSystem | None = Field(
        None, description="the shop's taxation system (tag 1055); None: the FN's only registered one"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @field_validator("baud")
    @classmethod
    def _line_speed(cls, value: int | None) -> int | None:
        if value is not None and not is_speed(value):
            raise ValueError(N_("expected a serial line speed, such as 9600 or 115200"))
        return value


class ReceiptPrinterSettings(DeviceSettings):
    """An optional ESC/POS printer."""

    profile: str = "generic-80mm"


class BackofficeSettings(Section):
    url: str | None = None
    ca_bundle: Path | None = None
    timeout: float = Field(10.0, gt=0, le=300, description="seconds a whole back-office request may take")


class AllegroSettings(Section):
    api_url: str = "https://api.allegro.pl"
    auth_url: str = "https://allegro.pl/auth/oauth"
    client_id: str = ""
    client_secret: str = ""


class MarketplaceSettings(Section):
    allegro: AllegroSettings = AllegroSettings()


class AgentSettings(Section):
    state_dir: Path | None = None
    socket: Path | None = None
    socket_group: str | None = Field("kassa", description="group owning the API socket (mode 0660)")
    profile_dir: Path | None = Field(None, description="firmware profiles; None: the ones shipped with kassa")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    language: Literal["ru", "en"] | None = None


class AccessSettings(Section):
    """Who may do what on the local API (docs/local-api.md, "Roles")."""

    session_idle_hours: float = Field(
        12.0, gt=0, le=24 * 7, description="a login session ends after this idle time"
    )
    session_max_hours: float = Field(
        24.0,
        gt=0,
        le=24 * 7,
        description="a login session ends this long after the login, however busy",
    )
    default_cashier: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="cashier on documents made without a login (the CLI, the daemon's own work): "
        "an employee's name or id; unset: the register's own operator name",
    )
    cashier_free_price: bool = Field(
        False, description="cashiers may sell free-price lines (a name and a price)"
    )
    cashier_discount_limit: int = Field(
        10, ge=0, le=100, description="percent of a receipt a cashier may give as a discount"
    )

    @field_validator("default_cashier")
    @classmethod
    def _cashier(cls, value: str | None) -> str | None:
        """Digits name an employee by id (``agent.api.access.default_cashier``): one SQLite can hold.
        "0" or 30 nines made every document without a login answer 500 internal_error."""
        if value is not None and is_digits(value) and not 1 <= int(value) <= MAX_EMPLOYEE_ID:
            raise ValueError(N_("expected an employee's name, or their id: a number from 1"))
        return value


class MarkingSettings(Section):
    """Marked goods (Честный ЗНАК)."""

    gs_substitute: str | None = Field(
        None,
        min_length=1,
        max_length=1,
        description="what a keyboard-mode scanner sends for GS (0x1D), e.g. ~; GS itself always works",
    )

    permissive_url: str | None = Field(
        None,
        max_length=500,
        description="the national system's online check (True API codes/check); unset: no permissive mode",
    )
    permissive_token: str = Field("", max_length=4096, description="its access token (secrets.toml)")
    permissive_timeout: float = Field(
        1.5,
        gt=0,
        le=10,
        description="seconds the whole online check may take before the sale goes on without it",
    )
    permissive_groups: tuple[str, ...] = Field(
        PERMISSIVE_GROUPS,
        description="the product groups under the permissive mode (decree 1944 of 21.11.2023)",
    )

    @field_validator("permissive_groups")
    @classmethod
    def _known_groups(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(group not in GROUPS for group in value):
            raise ValueError(
                N_("expected product groups of marked goods: milk, water, beer, tobacco, shoes, ...")
            )
        return value

    @field_validator("permissive_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError(N_("expected an http:// or https:// address"))
        return value

    @field_validator("gs_substitute")
    @classmethod
    def _not_in_codes(cls, value: str | None) -> str | None:
        if value is not None and value not in SUBSTITUTES:
            raise ValueError(N_("expected a character no marking code holds: ~ | # $ @ [ \\ ] ^ ` { }"))
        return value


class Config(Section):
    agent: AgentSettings = AgentSettings()
    access: AccessSettings = AccessSettings()
    shop: ShopSettings = ShopSettings()
    printer: PrinterSettings = PrinterSettings()
    receipt_printer: ReceiptPrinterSettings | None = None
    backoffice: BackofficeSettings = BackofficeSettings()
    marketplaces: MarketplaceSettings = MarketplaceSettings()
    marking: MarkingSettings = MarkingSettings()
