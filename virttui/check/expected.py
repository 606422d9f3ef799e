"""What a domain's profiles put in it (from its etc/virtfs.json and the profiles as they are
now): the programs to compare with the host, the host files copied, the device nodes. A
domain that virtfs did not build expects nothing: every set-id file or device in it is news."""

import json
import os
from dataclasses import dataclass, field

from virttui.domains.inroot import DomainRoot
from virttui.virtfs.builder import MANIFEST
from virttui.virtfs.closure import ClosureError
from virttui.virtfs.plan import make_plan
from virttui.virtfs.profiles import DEVICES, compose
from virttui.yamlfile import ConfigError


@dataclass
class Expected:
    profiles: tuple[str, ...] = ()
    programs: dict[str, dict[str, str]] = field(default_factory=dict)   # directory -> {name: host path}
    copies: dict[str, str] = field(default_factory=dict)                # path in the domain -> host path
    devices: dict[str, int] = field(default_factory=dict)               # dev/NAME -> rdev
    host_directories: tuple[str, ...] = ("/etc",)   # where the host files a domain must not share are
    problem: str = ""   # why nothing is expected (no manifest, a profile that is gone ...)


class Expectations:
    """Expected per set of profiles, planned once for all the domains that share it."""

    def __init__(self, settings_profiles):
        self.settings_profiles = settings_profiles
        self.plans: dict[tuple[str, ...], Expected] = {}

    def of(self, domain_path) -> Expected:
        try:
            with DomainRoot(domain_path) as domain:
                manifest = json.loads(domain.read_bytes(MANIFEST, 16 << 20))
            profiles = tuple(manifest["profiles"])
            if not all(isinstance(name, str) for name in profiles):
                raise ValueError("profiles are not names")
        except FileNotFoundError:
            return Expected(problem=f"no {MANIFEST}: not built by virtfs")
        except OSError as error:
            return Expected(problem=f"{MANIFEST}: {error.strerror}")
        except (ValueError, KeyError, TypeError) as error:
            return Expected(problem=f"{MANIFEST}: not what virtfs writes ({error})")
        if profiles not in self.plans:
            self.plans[profiles] = self._plan(profiles)
        return self.plans[profiles]

    def _plan(self, profiles: tuple[str, ...]) -> Expected:
        try:
            plan = make_plan("check", compose(list(profiles), self.settings_profiles))
        except (ConfigError, ClosureError, OSError) as error:
            return Expected(profiles, problem=f"profiles {', '.join(profiles)}: {error}")
        expected = Expected(profiles)
        for host_path in plan.copies:
            expected.copies[in_domain(host_path, plan.top_links)] = host_path
        for host_path in plan.programs:
            directory, _, name = in_domain(host_path, plan.top_links).rpartition("/")
            expected.programs.setdefault(directory, {})[name] = host_path
        expected.host_directories = tuple(sorted({os.path.dirname(p) for p in plan.copies} | {"/etc"}))
        expected.devices = {f"dev/{name}": os.makedev(*DEVICES[name]) for name in plan.devices}
        return expected


def in_domain(host_path: str, top_links: dict[str, str]) -> str:
    """Where a host file copied into a domain is, with the domain's top-level links (lib ->
    usr/lib) resolved as a walk that does not follow links meets it."""
    relative = host_path.lstrip("/")
    first, _, rest = relative.partition("/")
    if first in top_links and rest:
        relative = os.path.normpath(os.path.join(top_links[first].lstrip("/"), rest))
    return relative
