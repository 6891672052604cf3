"""Loading agent.toml into typed settings, with the environment's overrides.

A bad file is one readable line naming the file, the key and what was expected; the caller
prints it and exits non-zero. Nothing here raises a traceback at a technician.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from agent.config.schema import Config
from agent.i18n import N_, _

DEFAULT_CONFIG = Path("/etc/kassa/agent.toml")
DEFAULT_STATE_DIR = Path("/var/lib/kassa")
DEFAULT_SOCKET = Path("/run/kassa/agent.sock")
EXAMPLE_CONFIG = Path(__file__).with_name("example.toml")

__all__ = ["Config", "ConfigError", "Settings", "load_settings", "parse_config", "socket_path"]


class ConfigError(Exception):
    """A configuration problem, already phrased for a person."""


@dataclass(frozen=True)
class Settings:
    """The config file's content plus where it came from and the resolved paths."""

    config: Config
    config_path: Path | None
    state_dir: Path
    socket: Path


# pydantic error types -> what a technician should read
_EXPECTED = {
    "int_parsing": N_("expected a whole number"),
    "int_type": N_("expected a whole number"),
    "float_parsing": N_("expected a number"),
    "float_type": N_("expected a number"),
    "string_type": N_("expected a string in quotes"),
    "bool_type": N_("expected true or false"),
    "bool_parsing": N_("expected true or false"),
    "model_type": N_("expected a [section]"),
    "model_attributes_type": N_("expected a [section]"),
    "dict_type": N_("expected a table"),
    "missing": N_("required"),
    "literal_error": N_("expected one of {expected}"),
    "greater_than": N_("must be greater than {gt}"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than_equal": N_("must be at most {le}"),
}


def _describe(error: dict) -> str:
    loc = [str(part) for part in error["loc"]]
    kind = error["type"]
    if kind == "extra_forbidden":
        section, key = loc[:-1], loc[-1]
        where = f"[{'.'.join(section)}] " if section else ""
        return _("{where}unknown key {key!r}: remove it or check its spelling").format(where=where, key=key)
    section, key = loc[:-1], loc[-1] if loc else ""
    where = f"[{'.'.join(section)}] {key}" if section else key
    if kind in _EXPECTED:
        message = _(_EXPECTED[kind]).format(**error.get("ctx", {}))
    else:
        message = error["msg"].removeprefix("Value error, ")
    if "input" in error and kind != "missing" and not isinstance(error["input"], dict):
        return _("{where}: {message} (got {value!r})").format(
            where=where, message=message, value=error["input"]
        )
    return f"{where}: {message}"


def parse_config(text: str, origin: str) -> Config:
    """Parse and validate TOML text; ``origin`` names the file in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            _("config {file}: not valid TOML: {error}").format(file=origin, error=exc)
        ) from None
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(error) for error in exc.errors())
        raise ConfigError(_("config {file}: {problems}").format(file=origin, problems=problems)) from None


def read_config(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(_("config {file}: no such file").format(file=path)) from None
    except UnicodeDecodeError:
        raise ConfigError(_("config {file}: not UTF-8 text").format(file=path)) from None
    except OSError as exc:
        raise ConfigError(
            _("config {file}: cannot read it: {error}").format(file=path, error=exc.strerror)
        ) from None
    return parse_config(text, str(path))


def load_settings(path: Path | str | None = None, env: dict[str, str] | None = None) -> Settings:
    """Resolve and load the config: ``path`` > $KASSA_CONFIG > /etc/kassa/agent.toml.

    A missing default file means an empty config (a dev machine has none); a file named
    explicitly must exist. $KASSA_STATE_DIR and $KASSA_SOCKET override the file.
    """
    env = os.environ if env is None else env
    explicit = path or env.get("KASSA_CONFIG")
    config_path = Path(explicit) if explicit else DEFAULT_CONFIG
    if explicit or config_path.exists():
        config = read_config(config_path)
    else:
        config, config_path = Config(), None
    state_dir = Path(env.get("KASSA_STATE_DIR") or config.agent.state_dir or DEFAULT_STATE_DIR)
    return Settings(
        config=config, config_path=config_path, state_dir=state_dir, socket=socket_path(config, env)
    )


def socket_path(config: Config | None = None, env: dict[str, str] | None = None) -> Path:
    """Where the daemon's API socket is: $KASSA_SOCKET > [agent] socket > /run/kassa/agent.sock."""
    env = os.environ if env is None else env
    configured = config.agent.socket if config else None
    return Path(env.get("KASSA_SOCKET") or configured or DEFAULT_SOCKET)
