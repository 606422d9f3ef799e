"""Settings: command-line flag > environment > YAML file > built-in defaults.

The YAML file (`/etc/virttui.yaml`, or `VIRTTUI_CONFIG`, or `--config`) holds
the root, the log socket and file, the command catalog, the domain profiles and the
service catalog.
A missing default file means defaults; a named file that is missing, a broken
file, or an unknown key is a ConfigError naming file, line and key.

Which file and which root, and the defaults, are root_paths' rules (the per-connection
programs use them without this module); a section's keys are checked by
yamlfile.refuse_unknown, as every other section's are.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from virttui import root_paths
from virttui.names import quoted
from virttui.yamlfile import ConfigError, LocatedDict, load, refuse_unknown

# The defaults' one home is root_paths (the per-connection programs read them without this module).
DEFAULT_CONFIG = Path(root_paths.DEFAULT_CONFIG)
DEFAULT_ROOT = Path(root_paths.DEFAULT_ROOT)
DEFAULT_LOG_FILE = Path("/var/log/virtual.log")

TOP_KEYS = {"root", "log", "commands", "profiles", "services"}
LOG_KEYS = {"socket", "file", "mode"}
LOG_MODES = ("shared", "per-domain")


@dataclass
class Settings:
    root: Path = DEFAULT_ROOT
    log_socket: Path | None = None  # None: ROOT/log
    log_file: Path = DEFAULT_LOG_FILE
    log_mode: str = "shared"
    config_path: Path | None = None
    # The raw sections other modules own (catalog, profiles, services), with their line numbers.
    commands: LocatedDict = field(default_factory=LocatedDict)
    profiles: LocatedDict = field(default_factory=LocatedDict)
    services: LocatedDict = field(default_factory=LocatedDict)

    @property
    def socket_path(self) -> Path:
        return self.log_socket if self.log_socket is not None else self.root / "log"

    @property
    def devlog_target(self) -> Path | None:
        """What each dev/log must be a link to: the shared socket, or None in the per-domain
        mode (each dev/log is rsyslogd's own socket for that domain)."""
        return None if self.log_mode == "per-domain" else self.socket_path


def load_settings(root: str | None = None, config: str | None = None,
                  environ: Mapping[str, str] | None = None, default_config: Path = DEFAULT_CONFIG) -> Settings:
    """Settings from, highest first: the flags given here, the environment, the YAML file,
    defaults (which file and which root: the rules of root_paths)."""
    environ = os.environ if environ is None else environ
    _refuse_empty_flag("--config", config, "the settings file")
    _refuse_empty_flag("--root", root, "the root directory")
    settings = Settings()
    path = root_paths.settings_file(environ, config, str(default_config))
    if path is not None:
        _apply_file(settings, Path(path))
        settings.config_path = Path(path)
    given = root_paths.given_root(environ, root)
    if given:
        settings.root = Path(given)
    return settings


def _refuse_empty_flag(flag: str, value: str | None, what: str) -> None:
    if value == "":
        raise ConfigError(flag, None, None, f"the value is empty: give {what}'s path")


def _apply_file(settings: Settings, path: Path) -> None:
    data = load(path)
    if not isinstance(data, LocatedDict):
        raise ConfigError(path, getattr(data, "line", 1), None, "the file must be a mapping of keys")
    refuse_unknown(data, TOP_KEYS)
    if "root" in data:
        settings.root = _absolute_path(data, "root")
    log = data.get("log")
    if log is not None:
        if not isinstance(log, LocatedDict):
            raise data.error("log", "must be a mapping with socket, file, mode")
        refuse_unknown(log, LOG_KEYS, prefix="log.")
        if "socket" in log:
            settings.log_socket = _absolute_path(log, "socket", "log.")
        if "file" in log:
            settings.log_file = _absolute_path(log, "file", "log.")
        if "mode" in log:
            if log["mode"] not in LOG_MODES:
                raise log.error("log.mode", f"must be one of {', '.join(LOG_MODES)}")
            settings.log_mode = log["mode"]
    for section in ("commands", "profiles", "services"):
        value = data.get(section)
        if value is None:
            continue
        if not isinstance(value, LocatedDict):
            raise data.error(section, "must be a mapping of names")
        setattr(settings, section, value)


def _absolute_path(mapping: LocatedDict, key: str, prefix: str = "") -> Path:
    value = mapping[key]
    if not isinstance(value, str) or not value.startswith("/"):
        raise ConfigError(mapping.path, mapping.line_of(key), f"{prefix}{key}",
                          f"must be an absolute path, not {quoted(value)}")
    return Path(value)
