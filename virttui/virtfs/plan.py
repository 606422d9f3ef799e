"""From profiles to a plan: every directory, host file, device, generated file and link a
new domain gets, what it will weigh, and what the host lacks. Nothing is written here."""

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from virttui.names import quoted
from virttui.virtfs import closure
from virttui.virtfs.profiles import Composition, Directory

# Never in a domain, whatever a profile says: the host's secrets.
EXCLUDED = ("/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/ssh/ssh_host_*",
            "/root", "/root/*", "/etc/ssl/private", "/etc/ssl/private/*", "*.key", "*.pem",
            "/etc/security/opasswd", "/etc/sudoers", "/etc/sudoers.d/*", "/home/*", "/etc/krb5.keytab")
# The host's top-level links (merged /usr): the domain gets the same, so that paths agree.
TOP_LEVEL_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
PAM_DIRECTORY = "/etc/pam.d"
PAM_MODULE = re.compile(r"\b(pam_[A-Za-z0-9_]+\.so)\b")
PAM_INCLUDE = re.compile(r"^\s*@include\s+(\S+)|\b(?:include|substack)\s+(\S+)", re.MULTILINE)


def is_excluded(host_path: str) -> bool:
    return any(fnmatch.fnmatch(host_path, pattern) for pattern in EXCLUDED)


@dataclass
class Plan:
    domain: str
    profiles: list[str]
    directories: list[Directory] = field(default_factory=list)
    top_links: dict[str, str] = field(default_factory=dict)
    programs: list[str] = field(default_factory=list)    # binaries and libraries (refreshed by --update)
    host_files: list[str] = field(default_factory=list)  # files the profiles copy (left alone by --update)
    generate: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    @property
    def copies(self) -> list[str]:
        """Host paths copied to the same path in the domain."""
        return self.programs + self.host_files

    @property
    def size(self) -> int:
        return closure.size_of(self.copies)

    @property
    def steps(self) -> int:
        return (len(self.directories) + len(self.top_links) + len(self.copies) + len(self.generate)
                + len(self.devices) + len(self.links) + 1)


def make_plan(domain: str, composition: Composition) -> Plan:
    plan = Plan(domain, list(composition.names))
    closure.forget_listings()
    plan.top_links = {name: os.readlink(f"/{name}") for name in TOP_LEVEL_LINKS if os.path.islink(f"/{name}")}
    plan.directories = [d for d in composition.directories.values() if d.path not in plan.top_links]
    wanted = (_programs(composition, plan) + _runtime_libraries(composition, plan)
              + _modules(composition, plan) + _pam(composition, plan))
    for kind, paths in ((plan.programs, closure.closure(wanted)), (plan.host_files, _host_files(composition))):
        for path in paths:
            if is_excluded(path):
                plan.excluded.append(path)
            elif path not in plan.programs and path not in plan.host_files:
                kind.append(path)
    plan.generate = list(composition.generate)
    plan.devices = list(composition.devices)
    plan.links = dict(composition.links)
    return plan


def _programs(composition: Composition, plan: Plan) -> list[str]:
    found = []
    for name in composition.binaries:
        path = closure.find_program(name)
        if path is None:
            raise closure.ClosureError(_no_program(name, "/".join(composition.names)))
        found.append(path)
    missing = []
    for name in composition.optional_binaries:
        path = closure.find_program(name)
        if path is None:
            missing.append(name)
        elif path not in found:
            found.append(path)
    if missing:
        plan.warnings.append(f"the host has no {', '.join(missing)}: the domain goes without")
    return found


def _no_program(name: str, profiles: str) -> str:
    if "/" in name and os.path.exists(name):
        return f"profile {profiles}: {name} is not a program (not an executable file); binaries: names programs"
    return f"the host has no {quoted(name)}, which profile {profiles} needs: install it on the host"


def _runtime_libraries(composition: Composition, plan: Plan) -> list[str]:
    found = []
    for name in composition.runtime_libraries:
        paths = closure.find_library(name)
        if not paths:
            plan.warnings.append(f"the host has no library {name}")
        found.extend(paths)
    return found


def _modules(composition: Composition, plan: Plan) -> list[str]:
    """Every module in the profiles' module directories whose libraries the host has."""
    found = []
    for name in composition.module_directories:
        directory = closure.find_module_directory(name)
        if directory is None:
            plan.warnings.append(f"the host has no module directory {name}")
            continue
        for module in closure.modules_in(directory):
            try:
                closure.libraries_of(module)
            except closure.ClosureError as error:   # a module the host itself cannot load
                plan.warnings.append(f"module left out (the host cannot load it either): {error}")
            else:
                found.append(module)
    return found


def _pam(composition: Composition, plan: Plan) -> list[str]:
    """The pam.d files of the services (with what they include) and the modules they name."""
    files, modules, queue = list[str](), list[str](), list(composition.pam_services)
    while queue:
        path = os.path.join(PAM_DIRECTORY, queue.pop(0))
        if path in files or not os.path.isfile(path):
            continue
        files.append(path)
        text = Path(path).read_text(errors="replace")
        for match in PAM_INCLUDE.finditer(text):
            queue.append(os.path.basename(match.group(1) or match.group(2)))
        modules.extend(m for m in PAM_MODULE.findall(text) if m not in modules)
    found = list(files)
    for module in modules:
        paths = closure.find_library(f"security/{module}")
        if paths:
            found.extend(paths)
        else:
            plan.warnings.append(f"the host has no PAM module {module}")
    return found


def _host_files(composition: Composition) -> list[str]:
    found: list[str] = []
    for relative in composition.files:
        host = "/" + relative
        if os.path.isdir(host) and not os.path.islink(host):
            for directory, _, names in os.walk(host):
                found.extend(os.path.join(directory, name) for name in sorted(names))
        elif os.path.lexists(host):
            found.extend(closure.symlink_chain(host))
    return found
