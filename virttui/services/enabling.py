"""Enable and disable a service for a domain: the one way an address becomes a domain's.

Enabling installs the service's profile into the domain first when it lacks it (so that no
connection reaches a domain without its server), then adds `ADDRESS ROOT/DOMAIN` lines to
ROOT/conf.SERVICE through the one conf editor (virttui.conf.editor: locked, linted, atomic).
Disabling removes the lines the same way; the domain's files are left as they are.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

from virttui.conf import conffile
from virttui.conf.conffile import DEFAULT, canonical_address
from virttui.conf.editor import EditRefused, EditResult, add_mappings, edit, remove_mappings
from virttui.domains.inroot import DomainRoot
from virttui.exit_status import ExitStatus
from virttui.names import BadDomainName, normalize_domain, printable, quoted
from virttui.root_paths import same_directory
from virttui.services.catalog import Service
from virttui.services.state import installed_profiles
from virttui.settings import Settings
from virttui.virtfs.process import run_virtfs

# Exit statuses of `virttui enable` and `virttui disable` (README).
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3
EXIT_NOT_ROOT = 77
ADD_PROFILE_TIMEOUT = 900   # seconds: a profile of hundreds of MB copied from the host


class ServiceRefused(ExitStatus):
    """Nothing was changed; str() is the one line to show, `status` the exit status."""


@dataclass
class Enabled:
    service: Service
    domain: str
    profile_added: str | None = None
    edit: EditResult | None = None
    notes: list[str] = field(default_factory=list)


def find_service(services: dict[str, Service], name: str) -> Service:
    if name not in services:
        known = ", ".join(services) or "none"
        raise ServiceRefused(EXIT_BAD_INPUT, f"no service {quoted(name)} in the catalog; the services are {known}")
    return services[name]


def domain_path(settings: Settings, name: str) -> tuple[str, Path]:
    """The folded name and directory of an existing domain (not an alias: its target is
    what virtuald enters, and what is enabled)."""
    try:
        domain = normalize_domain(name)
    except BadDomainName as error:
        raise ServiceRefused(EXIT_BAD_INPUT, str(error)) from None
    path = Path(settings.root) / domain
    if path.is_symlink():
        target = os.path.basename(os.readlink(path))
        raise ServiceRefused(EXIT_BAD_INPUT, f"{domain} is an alias of {printable(target)}: enable the service "
                                             "on that domain (an alias shares its addresses)")
    if not path.is_dir():
        raise ServiceRefused(EXIT_BAD_INPUT, f"no domain {domain} in {printable(str(settings.root))} "
                                             f"(build it first: virtfs {domain})")
    return domain, path


def parse_addresses(texts: list[str]) -> list[str]:
    addresses = []
    for text in texts:
        address = canonical_address(text)
        if address is None:
            raise ServiceRefused(EXIT_BAD_INPUT, f"--address {quoted(text)} is not an IPv4 or IPv6 "
                                                 "address nor 'default'")
        if address not in addresses:
            addresses.append(address)
    return addresses


def enable(settings: Settings, services: dict[str, Service], domain_name: str, service_name: str,
           address_texts: list[str], install_profile: bool = True) -> Enabled:
    service = find_service(services, service_name)
    domain, path = domain_path(settings, domain_name)
    addresses = parse_addresses(address_texts)
    if not addresses:
        raise ServiceRefused(EXIT_BAD_INPUT, "give at least one --address ADDR")
    done = Enabled(service, domain)
    conf_path = service.conf_path(settings.root)
    _refuse_taken(conf_path, addresses, path)   # before the profile: a refused enable changes nothing
    if install_profile:
        done.profile_added = _install_profile(settings, service, domain, path)
    try:
        done.edit = edit(conf_path, add_mappings(addresses, str(path)), settings.root)
    except EditRefused as refused:
        raise ServiceRefused(EXIT_REFUSED, str(refused)) from None
    if DEFAULT in addresses:
        done.notes.append(f"'default' sends every address of conf.{service.name} without a line of its own "
                          f"to {domain}")
    return done


def _refuse_taken(conf_path: Path, addresses: list[str], path: Path) -> None:
    """The editor's own refusal of an address taken by another domain, asked before anything
    is changed (the editor asks again under the lock, where it counts)."""
    try:
        conf = conffile.read(str(conf_path))
    except FileNotFoundError:
        return
    except OSError as error:
        raise ServiceRefused(EXIT_REFUSED, f"{printable(str(conf_path))}: cannot read it: {error.strerror}; "
                                           "nothing was changed") from None
    for address in addresses:
        mapping = next((m for m in conf.mappings if m.address == address), None)
        if mapping is not None and not same_directory(mapping.directory, str(path)):
            shown = "default" if address == DEFAULT else address
            raise ServiceRefused(EXIT_REFUSED, f"{printable(str(conf_path))}:{mapping.lineno}: {shown} is already "
                                               f"given to {printable(mapping.directory)}; disable it there first")


def _install_profile(settings: Settings, service: Service, domain: str, path: Path) -> str | None:
    """The profile installed now, or None when the domain had it."""
    try:
        with DomainRoot(path) as root:
            profiles = installed_profiles(root)
    except OSError as error:
        raise ServiceRefused(EXIT_REFUSED, str(error)) from None
    if profiles is not None and service.profile in profiles:
        return None
    if os.geteuid() != 0:
        raise ServiceRefused(EXIT_NOT_ROOT, f"{domain} lacks the {service.profile} profile that {service.name} needs, "
                                            f"and installing it needs root: run this as root, or "
                                            f"`virtfs --add-profile {service.profile} {domain}` first")
    # virtfs as a process of its own: it forks a child into the domain, which a caller with
    # threads (the app's workers) must not do itself
    status, line = run_virtfs(settings, ["--add-profile", service.profile, domain], ADD_PROFILE_TIMEOUT)
    if status != 0:
        said = line.removeprefix("virtfs: ")
        raise ServiceRefused(EXIT_REFUSED, f"the {service.profile} profile could not be added: {said}; "
                                           "the conf file was not changed")
    return service.profile


def disable(settings: Settings, services: dict[str, Service], domain_name: str, service_name: str,
            address_texts: list[str] | None = None) -> EditResult:
    service = find_service(services, service_name)
    try:
        domain = normalize_domain(domain_name)
    except BadDomainName as error:
        raise ServiceRefused(EXIT_BAD_INPUT, str(error)) from None
    addresses = parse_addresses(address_texts) if address_texts else None
    # The domain's directory need not exist any more: its lines are removed all the same.
    directory = str(Path(settings.root) / domain)
    try:
        return edit(service.conf_path(settings.root), remove_mappings(directory, addresses), settings.root)
    except EditRefused as refused:
        raise ServiceRefused(EXIT_REFUSED, str(refused)) from None
