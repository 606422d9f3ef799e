"""After host upgrades: refresh a domain's binaries and libraries (`virtfs --update`), or
say what is missing or outdated (`virtfs --check`). A domain's data (etc/passwd, shadow,
homes, spools, logs, its own configuration) is never touched."""

import os
from dataclasses import dataclass
from pathlib import Path

from virttui.virtfs.builder import copy_host_file, jail_path, read_manifest, write_manifest
from virttui.virtfs.plan import Plan, make_plan
from virttui.virtfs.profiles import compose

MISSING = "missing"
OUTDATED = "outdated"


@dataclass(frozen=True)
class Difference:
    host_path: str
    state: str


def plan_again(domain_path: Path, settings_profiles) -> Plan:
    manifest = read_manifest(domain_path)
    return make_plan(domain_path.name, compose(manifest["profiles"], settings_profiles))


def differences(plan: Plan, domain_path: Path) -> list[Difference]:
    found = []
    for host_path in plan.programs:
        copied = jail_path(domain_path, host_path)
        if not os.path.lexists(copied):
            found.append(Difference(host_path, MISSING))
        elif _differs(host_path, copied):
            found.append(Difference(host_path, OUTDATED))
    return found


def _differs(host_path: str, copied: Path) -> bool:
    if os.path.islink(host_path):
        return not copied.is_symlink() or os.readlink(host_path) != os.readlink(copied)
    host, mine = os.stat(host_path), os.lstat(copied)
    return host.st_size != mine.st_size or int(host.st_mtime) != int(mine.st_mtime)


def update(plan: Plan, domain_path: Path, progress=lambda step: None) -> list[Difference]:
    """Copy what is missing or outdated; what was done."""
    done = differences(plan, domain_path)
    for difference in done:
        copy_host_file(difference.host_path, domain_path)
        progress(f"{difference.state} {difference.host_path}")
    write_manifest(plan, domain_path)
    return done
