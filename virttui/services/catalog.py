"""The service catalog: what a served service is, in one place.

The catalog shipped beside this module (catalog.yaml) says, for each service, the port(s) it
is served on, the server virtuald execs inside the domain, the virtfs profile that installs
that server, and whether virtuald must start it in a session of its own. The settings file's
`services:` section adds services, changes some keys of a shipped one, or removes one:

    services:
      ftp:  {argv: [/usr/sbin/vsftpd, /etc/vsftpd.conf, -olisten=NO]}
      www:  null                      # not offered on this host
      gopher: {ports: [70], argv: [/usr/sbin/gophernicus], profile: gopher}

A service's conf file is always ROOT/conf.NAME: virtuald reads it for every connection.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from virttui.yamlfile import ConfigError, LocatedDict, load, refuse_unknown

SHIPPED = Path(__file__).resolve().parent / "catalog.yaml"
SERVICE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}\Z")
PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
KEYS = ("description", "ports", "argv", "profile", "new_session", "log_stderr")


@dataclass(frozen=True)
class Service:
    name: str
    description: str
    ports: tuple[int, ...]
    argv: tuple[str, ...]
    profile: str
    new_session: bool = False
    log_stderr: bool = False   # virtuald -e: the server logs on its standard error

    def conf_path(self, root: Path) -> Path:
        return Path(root) / f"conf.{self.name}"

    @property
    def program(self) -> str:
        return self.argv[0]


def load_services(section: LocatedDict | None = None, shipped: Path = SHIPPED) -> dict[str, Service]:
    """The shipped catalog with the settings' `services:` section applied, sorted by name.
    ConfigError names file, line and key."""
    services: dict[str, Service] = {}
    _apply(services, load(shipped))
    _apply(services, section)
    return dict(sorted(services.items()))


def _apply(services: dict[str, Service], section) -> None:
    if not section:
        return
    if not isinstance(section, LocatedDict):
        raise ConfigError(getattr(section, "path", "?"), getattr(section, "line", None), "services",
                          "must be a mapping of service names")
    for name, entry in section.items():
        if not isinstance(name, str) or not SERVICE_NAME.match(name):
            raise section.error(name, "a service name is lower-case letters, digits, '-' and '_' (64 at most)")
        if entry is None:
            services.pop(name, None)
        else:
            services[name] = _service(section, name, entry, services.get(name))


def _service(section: LocatedDict, name: str, entry, default: Service | None) -> Service:
    if not isinstance(entry, LocatedDict):
        raise section.error(name, f"give a mapping ({', '.join(KEYS)}) or null to remove it")
    refuse_unknown(entry, KEYS)
    missing = [key for key in ("ports", "argv", "profile") if key not in entry and default is None]
    if missing:
        raise section.error(name, f"a new service needs {', '.join(missing)}")
    return Service(
        name=name,
        description=_text(entry, "description", default.description if default else ""),
        ports=_ports(entry) if default is None or "ports" in entry else default.ports,
        argv=_argv(entry) if default is None or "argv" in entry else default.argv,
        profile=_profile(entry) if default is None or "profile" in entry else default.profile,
        new_session=_flag(entry, "new_session", default.new_session if default else False),
        log_stderr=_flag(entry, "log_stderr", default.log_stderr if default else False),
    )


def _text(entry: LocatedDict, key: str, fallback: str) -> str:
    value = entry.get(key, fallback)
    if not isinstance(value, str) or not value.isprintable():
        raise entry.error(key, "one line of text")
    return value


def _ports(entry: LocatedDict) -> tuple[int, ...]:
    ports = entry["ports"]
    if isinstance(ports, int) and not isinstance(ports, bool):
        ports = [ports]
    if (not isinstance(ports, list) or not ports
            or not all(isinstance(p, int) and not isinstance(p, bool) and 0 < p < 65536 for p in ports)):
        raise entry.error("ports", "a list of TCP ports, each 1-65535")
    return tuple(ports)


def _argv(entry: LocatedDict) -> tuple[str, ...]:
    argv = entry["argv"]
    if isinstance(argv, str):
        argv = [argv]
    if not isinstance(argv, list) or not argv or not all(
            isinstance(word, str) and word and word.isprintable() for word in argv):
        raise entry.error("argv", "a list of non-empty words without control characters, the server first")
    return tuple(argv)


def _profile(entry: LocatedDict) -> str:
    profile = entry["profile"]
    if not isinstance(profile, str) or not PROFILE_NAME.match(profile):
        raise entry.error("profile", "the name of a virtfs profile (letters, digits, '.', '_', '-')")
    return profile


def _flag(entry: LocatedDict, key: str, fallback: bool) -> bool:
    value = entry.get(key, fallback)
    if not isinstance(value, bool):
        raise entry.error(key, "true or false")
    return value


__all__ = ["ConfigError", "Service", "load_services"]
