"""How a domain is served: for each catalog service, the domain's addresses in its conf file,
whether its profile is installed and its server present in the domain, and whether something
answers on each ADDRESS:PORT.

The domain is read through its root's descriptor (virttui.domains.inroot): its manifest and
its server's path are looked at as the domain sees them, never through a link onto the host.
"""

import json
import socket
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from virttui.conf import conffile
from virttui.domains.inroot import DomainRoot
from virttui.root_paths import same_directory
from virttui.services.catalog import Service

MANIFEST = "etc/virtfs.json"   # virtfs's record of the profiles a domain was built with
MANIFEST_LIMIT = 4 << 20
PROBE_TIMEOUT = 0.5


@dataclass(frozen=True)
class Endpoint:
    address: str
    port: int
    listening: bool | None   # None: not probed

    @property
    def shown(self) -> str:
        return f"[{self.address}]:{self.port}" if ":" in self.address else f"{self.address}:{self.port}"


@dataclass(frozen=True)
class ServiceState:
    service: Service
    addresses: tuple[str, ...]
    profile_installed: bool | None   # None: the domain has no readable manifest
    server_present: bool | None      # None: the domain cannot be read
    endpoints: tuple[Endpoint, ...] = ()
    problem: str | None = None       # the conf file or the domain could not be read

    @property
    def enabled(self) -> bool:
        return bool(self.addresses)

    @property
    def listening(self) -> bool:
        return bool(self.endpoints) and all(endpoint.listening for endpoint in self.endpoints)


def addresses_of(conf_path: Path, domain_path: Path) -> list[str]:
    """The addresses conf_path sends to the domain, in file order; OSError when it cannot be
    read, nothing when it does not exist."""
    try:
        conf = conffile.read(str(conf_path))
    except FileNotFoundError:
        return []
    return [m.address for m in conf.mappings if same_directory(m.directory, str(domain_path))]


class ManifestProfiles(NamedTuple):
    profiles: list[str] | None   # None: no manifest, or one that was refused
    unreadable: str | None       # why the manifest was refused


def installed_profiles(domain: DomainRoot) -> list[str] | None:
    """The profiles the domain's manifest names, or None when it has none that can be read."""
    return manifest_profiles(domain).profiles


def manifest_profiles(domain: DomainRoot) -> ManifestProfiles:
    """The profiles virtfs' manifest names. A domain not built by virtfs has no manifest,
    which is no problem; a manifest that is a FIFO, a link out of the domain or gigabytes
    is one, named by its path."""
    try:
        manifest = json.loads(domain.read_bytes(MANIFEST, MANIFEST_LIMIT))
    except FileNotFoundError:
        return ManifestProfiles(None, None)
    except OSError as error:
        return ManifestProfiles(None, str(error))
    except ValueError:
        return ManifestProfiles(None, f"{domain.shown(MANIFEST)}: not JSON, not what virtfs writes")
    profiles = manifest.get("profiles") if isinstance(manifest, dict) else None
    if not isinstance(profiles, list):
        return ManifestProfiles(None, f"{domain.shown(MANIFEST)}: no list of profiles, not what virtfs writes")
    return ManifestProfiles([p for p in profiles if isinstance(p, str)], None)


def server_present(domain: DomainRoot, program: str) -> bool:
    """Whether the server's path is an executable file in the domain (a bare name: on its PATH)."""
    candidates = [program] if "/" in program else [f"{d}/{program}" for d in
                                                   ("usr/local/sbin", "usr/local/bin", "usr/sbin", "usr/bin",
                                                    "sbin", "bin")]
    for path in candidates:
        try:
            info = domain.stat(path)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode) and info.st_mode & 0o111:
            return True
    return False


def answers(address: str, port: int, timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether something accepts a TCP connection on ADDRESS:PORT (connected, then closed)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.settimeout(timeout)
        try:
            return probe.connect_ex((address, port)) == 0
        except OSError:
            return False


def domain_services(root: Path, domain_name: str, services: dict[str, Service],
                    probe: bool = True) -> list[ServiceState]:
    """The state of every catalog service for one domain (ROOT/DOMAIN), probes run at once."""
    domain_path = Path(root) / domain_name
    try:
        with DomainRoot(domain_path) as domain:
            profiles, unreadable = manifest_profiles(domain)
            present = {name: server_present(domain, s.program) for name, s in services.items()}
    except OSError as error:
        profiles, present, unreadable = None, {}, str(error)   # a Refused names the domain's path
    states = []
    for name, service in services.items():
        problem = unreadable
        try:
            addresses = addresses_of(service.conf_path(root), domain_path)
        except OSError as error:
            addresses, problem = [], f"{service.conf_path(root)}: {error.strerror}"
        endpoints = [Endpoint(a, p, None) for a in addresses if a != conffile.DEFAULT for p in service.ports]
        states.append(ServiceState(service, tuple(addresses),
                                   None if profiles is None else service.profile in profiles,
                                   present.get(name), tuple(endpoints), problem))
    return _probed(states) if probe else states


def _probed(states: list[ServiceState]) -> list[ServiceState]:
    endpoints = [e for state in states for e in state.endpoints]
    if not endpoints:
        return states
    with ThreadPoolExecutor(max_workers=min(32, len(endpoints))) as pool:
        results = dict(zip(endpoints, pool.map(lambda e: answers(e.address, e.port), endpoints)))
    return [ServiceState(s.service, s.addresses, s.profile_installed, s.server_present,
                         tuple(Endpoint(e.address, e.port, results[e]) for e in s.endpoints), s.problem)
            for s in states]
