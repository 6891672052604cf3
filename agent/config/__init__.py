"""Loading agent.toml (and the secrets beside it) into typed settings, with the environment's overrides.

A bad file is one readable line naming the file, the key and what was expected; the caller
prints it and exits non-zero. Nothing here raises a traceback at a technician.

Secrets (register passwords, the marketplace client secret) live in secrets.toml beside
agent.toml, mode 0600 for the service's user: agent.toml is readable by every cashier (group
kassa). A secret still found in agent.toml is used, with a warning to move it.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent.config.schema import Config
from agent.i18n import N_, _
from drivers.profile import PROFILE_DIR

DEFAULT_CONFIG = Path("/etc/kassa/agent.toml")
SECRETS_NAME = "secrets.toml"
MAX_CONFIG_BYTES = 1 << 20  # a config is a few KiB; a bigger file is the wrong file
# the keys that may only be read by the service: (section, ..., key)
SECRET_KEYS = (
    ("printer", "operator_password"),
    ("printer", "admin_password"),
    ("marketplaces", "allegro", "client_secret"),
    ("marking", "permissive_token"),
)
DEFAULT_STATE_DIR = Path("/var/lib/kassa")
DEFAULT_SOCKET = Path("/run/kassa/agent.sock")
EXAMPLE_CONFIG = Path(__file__).with_name("example.toml")
EXAMPLE_SECRETS = Path(__file__).with_name("secrets.example.toml")

__all__ = [
    "Config",
    "ConfigError",
    "Settings",
    "load_settings",
    "parse_config",
    "secrets_path",
    "socket_path",
]


class ConfigError(Exception):
    """A configuration problem, already phrased for a person."""


@dataclass(frozen=True)
class Settings:
    """The config file's content plus where it came from and the resolved paths."""

    config: Config
    config_path: Path | None
    state_dir: Path
    socket: Path
    secrets_path: Path | None = None  # the secrets file that was read, if any
    warnings: tuple[str, ...] = ()  # the daemon logs them; `kassa config check` prints them
    profile_dir: Path = PROFILE_DIR  # firmware profiles


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
        message = _(error["msg"].removeprefix("Value error, "))  # our validators' messages are msgids
    if "input" in error and kind != "missing" and not isinstance(error["input"], dict):
        return _("{where}: {message} (got {value!r})").format(
            where=where, message=message, value=error["input"]
        )
    return f"{where}: {message}"


def _toml(text: str, origin: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            _("config {file}: not valid TOML: {error}").format(file=origin, error=exc)
        ) from None


def _validate(data: dict[str, Any], origin: str) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(error) for error in exc.errors())
        raise ConfigError(_("config {file}: {problems}").format(file=origin, problems=problems)) from None


def parse_config(text: str, origin: str) -> Config:
    """Parse and validate TOML text; ``origin`` names the file in error messages."""
    return _validate(_toml(text, origin), origin)


def read_text(path: Path) -> str:
    """The file's text: a regular file of at most MAX_CONFIG_BYTES in UTF-8, else one clear line."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise ConfigError(_("config {file}: not a regular file").format(file=path))
        with path.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(_("config {file}: no such file").format(file=path)) from None
    except OSError as exc:
        raise ConfigError(
            _("config {file}: cannot read it: {error}").format(file=path, error=exc.strerror or exc)
        ) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            _("config {file}: larger than {size} KiB: is it the right file?").format(
                file=path, size=MAX_CONFIG_BYTES // 1024
            )
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(_("config {file}: not UTF-8 text").format(file=path)) from None


def read_config(path: Path) -> Config:
    return parse_config(read_text(path), str(path))


def secrets_path(config_path: Path | None) -> Path:
    """secrets.toml in the config file's directory."""
    return (config_path or DEFAULT_CONFIG).with_name(SECRETS_NAME)


def _key_name(key: tuple[str, ...]) -> str:
    return f"[{'.'.join(key[:-1])}] {key[-1]}"


def _pop(data: dict[str, Any], key: tuple[str, ...]) -> tuple[bool, Any]:
    node = data
    for part in key[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict) and key[-1] in node:
        return True, node[key[-1]]
    return False, None


def _put(data: dict[str, Any], key: tuple[str, ...], value: Any) -> None:
    node = data
    for part in key[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            return  # a broken section: validation names it
    node[key[-1]] = value


def read_secrets(path: Path) -> dict[str, Any] | None:
    """The secrets file's values, checked; None when there is none or this user may not read it
    (a cashier's CLI: the daemon reads it)."""
    try:
        text = read_text(path)
    except ConfigError:
        if not path.exists() or not os.access(path, os.R_OK):
            return None
        raise
    data = _toml(text, str(path))
    secrets: dict[str, Any] = {}
    for key in SECRET_KEYS:
        found, value = _pop(data, key)
        if found:
            _put(secrets, key, value)
    leftover = _flatten(data) - {key for key in SECRET_KEYS}
    if leftover:
        names = ", ".join(sorted(_key_name(key) for key in leftover))
        raise ConfigError(
            _("config {file}: {keys}: not a secret: it belongs in agent.toml").format(file=path, keys=names)
        )
    _validate(secrets, str(path))
    return secrets


def _flatten(data: dict[str, Any], prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    keys: set[tuple[str, ...]] = set()
    for name, value in data.items():
        if isinstance(value, dict):
            keys |= _flatten(value, (*prefix, name))
        else:
            keys.add((*prefix, name))
    return keys


def load_config(path: Path | None) -> tuple[Config, Path | None, tuple[str, ...]]:
    """agent.toml (None: no file, all defaults) with the secrets file beside it merged in."""
    data = _toml(read_text(path), str(path)) if path is not None else {}
    warnings = []
    for key in SECRET_KEYS:
        if _pop(data, key)[0]:
            warnings.append(
                _(
                    "config {file}: {key} is a secret: move it to {secrets} (mode 0600); "
                    "it is read from {file} for now"
                ).format(file=path, key=_key_name(key), secrets=secrets_path(path))
            )
    origin = str(path) if path is not None else "(defaults)"
    config = _validate(data, origin)
    secrets_file = secrets_path(path)
    secrets = read_secrets(secrets_file)
    if secrets is None:
        return config, None, tuple(warnings)
    mode = secrets_file.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.append(
            _("config {file}: others may read it (mode {mode:o}): chmod 600 {file}").format(
                file=secrets_file, mode=stat.S_IMODE(mode)
            )
        )
    for key in SECRET_KEYS:
        found, value = _pop(secrets, key)
        if found:
            _put(data, key, value)
    return _validate(data, origin), secrets_file, tuple(warnings)


def load_settings(path: Path | str | None = None, env: dict[str, str] | None = None) -> Settings:
    """Resolve and load the config: ``path`` > $KASSA_CONFIG > /etc/kassa/agent.toml.

    A missing default file means an empty config (a dev machine has none); a file named
    explicitly must exist. $KASSA_STATE_DIR, $KASSA_SOCKET and $KASSA_PROFILE_DIR override the
    file; without either, the profiles are the ones shipped with kassa.
    """
    env = os.environ if env is None else env
    explicit = path or env.get("KASSA_CONFIG")
    config_path: Path | None = Path(explicit) if explicit else DEFAULT_CONFIG
    if not explicit and not config_path.exists():
        config_path = None
    config, secrets_file, warnings = load_config(config_path)
    state_dir = Path(env.get("KASSA_STATE_DIR") or config.agent.state_dir or DEFAULT_STATE_DIR)
    return Settings(
        config=config,
        config_path=config_path,
        state_dir=state_dir,
        socket=socket_path(config, env),
        secrets_path=secrets_file,
        warnings=warnings,
        profile_dir=Path(env.get("KASSA_PROFILE_DIR") or config.agent.profile_dir or PROFILE_DIR),
    )


# keys the running daemon reads once, at start: a reload keeps their old values and says so
RESTART_KEYS = {
    "agent": ("state_dir", "socket", "profile_dir"),
    "backoffice": ("ca_bundle", "timeout"),  # the back-office clients are built with them
}


def keep_restart_keys(old: Config, new: Config) -> tuple[Config, list[str]]:
    """``new`` as a reload may apply it: the RESTART_KEYS keep their ``old`` values. Also the
    names (``[section] key``) of those that changed, to announce that a restart is needed."""
    changed = []
    for section, keys in RESTART_KEYS.items():
        before, after = getattr(old, section), getattr(new, section)
        kept = {key: getattr(before, key) for key in keys if getattr(before, key) != getattr(after, key)}
        if kept:
            changed += [f"[{section}] {key}" for key in kept]
            new = new.model_copy(update={section: after.model_copy(update=kept)})
    return new, changed


def socket_path(config: Config | None = None, env: dict[str, str] | None = None) -> Path:
    """Where the daemon's API socket is: $KASSA_SOCKET > [agent] socket > /run/kassa/agent.sock."""
    env = os.environ if env is None else env
    configured = config.agent.socket if config else None
    return Path(env.get("KASSA_SOCKET") or configured or DEFAULT_SOCKET)
