"""The model of a root: its domains, aliases, addresses, users and dev/log state.

Discovery is in steps so that a root of 100,000 domains shows at once:
`list_root` lists the entries (one readdir), `read_confs` gives the domains their
addresses, `load_details` fills one domain in (its passwd, its dev/log, its
problems); `scan_root` is the first two. Nothing here raises on a strange
entry: it becomes a problem of the root or of the domain.
"""

import os
import stat
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from virttui.conf import conffile
from virttui.domains.inroot import DomainRoot
from virttui.domains.passwd import read_passwd
from virttui.names import BadDomainName, normalize_domain, printable
from virttui.root_paths import same_directory

CONF_PREFIX = "conf."
DISABLED_MARK = "#virttui-disabled: "   # a disabled domain's conf line (virttui domain disable)
IGNORED = {"lost+found"}


class DevLog(StrEnum):
    """States of a domain's dev/log against the root's log socket."""
    LINKED = "linked"          # a hard link to the root's socket: logging works
    STALE = "stale"            # a socket, but another inode: the daemon recreated its socket
    MISSING = "missing"        # no dev/log at all
    NOT_SOCKET = "not-socket"  # something else stands there
    NO_SOCKET = "no-socket"    # the root has no log socket to compare with
    OWN = "own-socket"         # per-domain mode: rsyslogd listens on the domain's own dev/log
    UNKNOWN = "unknown"        # not looked at yet


@dataclass
class User:
    name: str
    uid: int
    home: str
    shell: str
    gecos: str = ""
    system: bool = False


@dataclass
class Domain:
    name: str
    root: Path  # the root directory it is in; `path` is root/name
    alias_of: str | None = None
    aliases: list[str] = field(default_factory=list)
    addresses: dict[str, list[str]] = field(default_factory=dict)   # service -> addresses
    users: list[User] = field(default_factory=list)
    devlog: DevLog = DevLog.UNKNOWN
    problems: list[str] = field(default_factory=list)
    loaded: bool = False
    disabled: dict[str, list[str]] = field(default_factory=dict)   # service -> its disabled addresses
    disk: int | None = None    # bytes of its own blocks, once counted (virttui.domains.disk)

    @property
    def path(self) -> Path:
        # Computed, not stored: a root of 100,000 domains is listed before its first frame,
        # and a Path per domain would be a good part of that time.
        return self.root / self.name

    @property
    def services(self) -> list[str]:
        return sorted(self.addresses)

    @property
    def state(self) -> str:
        """served (some address), disabled (its lines commented out), or none (no line)."""
        if self.disabled:
            return "disabled"
        return "served" if self.addresses else "none"

    @property
    def people(self) -> list[User]:
        return [u for u in self.users if not u.system]

    def all_addresses(self) -> list[str]:
        seen = []
        for service in self.services:
            for address in self.addresses[service]:
                if address not in seen:
                    seen.append(address)
        return seen


@dataclass
class ConfView:
    """One conf.SERVICE file of the root, parsed."""
    service: str
    path: Path
    conf: conffile.ConfFile | None
    error: str | None = None
    disabled: list[tuple[str, str]] = field(default_factory=list)   # (address, DIR) of disabled lines


@dataclass
class Root:
    path: Path
    socket_path: Path
    exists: bool = True
    unlisted: str | None = None  # why the root could not be listed (a file, unreadable ...)
    domains: list[Domain] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    confs: list[ConfView] = field(default_factory=list)
    conf_paths: list[Path] = field(default_factory=list)  # listed; read by read_confs
    partial: bool = False   # only the first rows (virttui.domains.first_rows): no counts, confs, problems

    @property
    def missing_why(self) -> str | None:
        """Why the root's domains cannot be known (it does not exist or cannot be listed), or None."""
        if not self.exists:
            return f"the root {printable(str(self.path))} does not exist"
        return self.unlisted

    def domain(self, name: str) -> Domain | None:
        for domain in self.domains:
            if domain.name == name:
                return domain
        return None

    def conf_lines_to(self, domain: "Domain") -> list[tuple[str, int, str]]:
        """(conf file name, line, address) of every conf line whose directory is this domain
        (an alias and its target share their lines)."""
        target = self.domain(domain.alias_of) if domain.alias_of else domain
        names = {domain.name, *(target.aliases if target else []), domain.alias_of} - {None}
        found = []
        for view in self.confs:
            for mapping in view.conf.mappings if view.conf else []:
                if domain_of_directory(self.path, mapping.directory) in names:
                    found.append((view.path.name, mapping.lineno, mapping.address))
        return found

    @property
    def alias_count(self) -> int:
        return sum(1 for d in self.domains if d.alias_of)


def scan_root(root: Path, socket_path: Path | None = None) -> Root:
    """The root's domains by name (details not loaded), its conf files, and its odd entries."""
    model = list_root(root, socket_path)
    read_confs(model)
    return model


def list_root(root: Path, socket_path: Path | None = None) -> Root:
    """One readdir: the domains and aliases by name, the conf files' paths, the odd entries."""
    root = Path(root)
    socket_path = Path(socket_path) if socket_path else root / "log"
    model = Root(root, socket_path)
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except FileNotFoundError:
        model.exists = False
        return model
    except OSError as error:
        model.unlisted = f"{printable(str(root))}: cannot list: {error.strerror}"
        model.problems.append(model.unlisted)
        return model
    aliases = []
    for entry in entries:
        kind = classify_entry(entry, root, socket_path, model)
        if kind == "conf":
            model.conf_paths.append(Path(entry.path))
        elif kind == "domain":
            model.domains.append(Domain(entry.name, root))
        elif kind == "alias":
            aliases.append(entry)
    by_name = {d.name: d for d in model.domains}
    for entry in aliases:
        target = os.path.basename(os.path.realpath(entry.path))
        alias = Domain(entry.name, root, alias_of=target)
        model.domains.append(alias)
        if target in by_name:
            by_name[target].aliases.append(entry.name)
        else:
            alias.problems.append(outside_problem(entry.path))
    model.domains.sort(key=lambda d: d.name)
    return model


def read_confs(model: Root) -> None:
    """Read the root's conf files and give each domain its addresses by service."""
    model.confs = [_read_conf(path) for path in model.conf_paths]
    model.problems.extend(f"{printable(view.path.name)}: {view.error}: its addresses are not shown"
                          for view in model.confs if view.error)
    _assign_addresses(model)


def outside_problem(alias_path: str) -> str:
    """The problem of an alias whose target is none of the root's domains."""
    return f"points outside the root's domains: {printable(os.readlink(alias_path))}"


def classify_entry(entry: os.DirEntry, root: Path, socket_path: Path, model: Root) -> str:
    """conf, domain, alias or ignored; an odd entry adds a problem to `model`."""
    name = entry.name
    if name.startswith(".") or name in IGNORED or entry.path == str(socket_path):
        return "ignored"
    if name == "log":
        return "ignored"
    try:
        is_link = entry.is_symlink()
        is_dir = entry.is_dir()  # follows a symlink
        is_conf = name.startswith(CONF_PREFIX) and entry.is_file()
    except OSError as error:
        model.problems.append(f"{printable(name)}: cannot look at: {error.strerror}")
        return "ignored"
    if is_conf:
        return "conf"
    if is_link and not is_dir:
        if not os.path.exists(entry.path):
            model.problems.append(f"{printable(name)}: broken symlink to {printable(os.readlink(entry.path))}")
        return "ignored"
    if name.startswith(CONF_PREFIX):
        model.problems.append(f"{printable(name)}: not a regular file: virtuald cannot read it as a conf file")
        return "ignored"
    if not is_dir:
        return "ignored"
    try:
        if normalize_domain(name) != name:
            raise BadDomainName("has upper-case letters")
    except BadDomainName as error:
        model.problems.append(f"{printable(name)}: not a valid domain name: {error}")
        return "ignored"
    if is_link:
        target = os.path.realpath(entry.path)
        if os.path.dirname(target) != os.path.realpath(root):
            model.problems.append(f"{printable(name)}: symlink to {printable(target)}, outside the root")
            return "ignored"
        return "alias"
    return "domain"


def _read_conf(path: Path) -> ConfView:
    service = path.name[len(CONF_PREFIX):]
    try:
        data = conffile.read_bytes(path)
    except OSError as error:
        return ConfView(service, path, None, f"cannot read: {error.strerror}")
    return ConfView(service, path, conffile.parse(data), disabled=disabled_lines(data))


def disabled_lines(data: bytes) -> list[tuple[str, str]]:
    mark = DISABLED_MARK.encode()
    if mark not in data:
        return []
    found = []
    for line in data.decode("utf-8", "surrogateescape").split("\n"):
        if line.startswith(DISABLED_MARK):
            fields = line[len(DISABLED_MARK):].split("#", 1)[0].split()
            if len(fields) >= 2:
                found.append((fields[0], fields[1]))
    return found


def domain_of_directory(root: Path, directory: str) -> str | None:
    """The domain name a conf line's DIR sends traffic to, or None when DIR is not ROOT/NAME
    (either spelled through a symbolic link)."""
    parent, _, name = directory.rstrip("/").rpartition("/")
    if not same_directory(parent or "/", str(root)):
        return None
    return name or None


def _assign_addresses(model: Root) -> None:
    # Gathered aside, then given to each domain at once: the table may be painting a
    # domain whose addresses are already known (read with the first rows).
    by_name = {d.name: d for d in model.domains}
    addresses: dict[str, dict[str, list[str]]] = {d.name: {} for d in model.domains}
    disabled: dict[str, dict[str, list[str]]] = {d.name: {} for d in model.domains}
    for view in model.confs:
        if view.conf is None:
            continue
        for mapping in view.conf.mappings:
            name = domain_of_directory(model.path, mapping.directory)
            domain = by_name.get(name or "")
            if domain is None:
                continue
            if domain.alias_of and domain.alias_of in by_name:
                domain = by_name[domain.alias_of]
            addresses[domain.name].setdefault(view.service, []).append(mapping.address)
        for address, directory in view.disabled:
            domain = by_name.get(domain_of_directory(model.path, directory) or "")
            if domain is None:
                continue
            if domain.alias_of and domain.alias_of in by_name:
                domain = by_name[domain.alias_of]
            disabled[domain.name].setdefault(view.service, []).append(address)
    for domain in model.domains:
        domain.addresses, domain.disabled = addresses[domain.name], disabled[domain.name]


def load_details(domain: Domain, socket_path: Path | None) -> Domain:
    """Fill in a domain's users and dev/log state; problems instead of exceptions.
    `socket_path` None: the per-domain log mode, where each dev/log is a socket of its own."""
    if domain.alias_of:
        domain.devlog = DevLog.UNKNOWN
        domain.loaded = True
        return domain
    domain.problems = []  # found again below: this may be a reload
    try:
        with DomainRoot(domain.path) as files:
            domain.users = _read_users(domain, files)
            domain.devlog = devlog_state(files, socket_path)
    except OSError as error:   # the domain's root itself: gone since it was listed
        domain.problems.append(f"cannot open: {error.strerror}")
        domain.users, domain.devlog = [], DevLog.UNKNOWN
    domain.loaded = True
    return domain


def _read_users(domain: Domain, files: DomainRoot) -> list[User]:
    try:
        entries, bad = read_passwd(files)
    except FileNotFoundError:
        domain.problems.append(_missing_passwd(files))
        return []
    except OSError as error:
        domain.problems.append(f"etc/passwd: cannot read: {error.strerror}")
        return []
    if bad:
        domain.problems.append(f"etc/passwd: malformed line(s) {', '.join(map(str, bad))}")
    return [User(e.name, e.uid, e.home, e.shell, e.gecos, e.is_system) for e in entries]


def _missing_passwd(files: DomainRoot) -> str:
    try:
        target = files.readlink("etc/passwd")
    except OSError:
        return "etc/passwd is missing"
    return f"etc/passwd: a symbolic link to {printable(target)}, which is not in the domain (links are read as the domain sees them)"


def devlog_state(files: DomainRoot | Path, socket_path: Path | None) -> DevLog:
    """The state of the domain's dev/log (`files`: its root), never looked at outside it."""
    if not isinstance(files, DomainRoot):
        try:
            with DomainRoot(files) as opened:
                return devlog_state(opened, socket_path)
        except OSError:
            return DevLog.UNKNOWN
    try:
        here = files.stat("dev/log", follow=False)
    except FileNotFoundError:
        return DevLog.MISSING
    except OSError:
        return DevLog.UNKNOWN
    if not stat.S_ISSOCK(here.st_mode):
        return DevLog.NOT_SOCKET
    if socket_path is None:
        return DevLog.OWN
    try:
        shared = os.stat(socket_path)
    except OSError:
        return DevLog.NO_SOCKET
    if (here.st_dev, here.st_ino) == (shared.st_dev, shared.st_ino):
        return DevLog.LINKED
    return DevLog.STALE


def discover(root: Path, socket_path: Path | None = None, per_domain_log: bool = False) -> Root:
    """The whole model at once: scan, then every domain's details (for scripts)."""
    model = scan_root(root, socket_path)
    for domain in model.domains:
        load_details(domain, None if per_domain_log else model.socket_path)
    return model
