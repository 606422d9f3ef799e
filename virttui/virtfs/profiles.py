"""Profiles: YAML files that name exactly what goes into a domain.

The shipped profiles are virttui/profiles/NAME.yaml. The settings file's `profiles:` section
adds profiles or replaces a shipped one of the same name; a profile takes others in with
`include:`. Keys (every one optional):

    description: one line
    include: [base]
    directories: [{path: tmp, mode: "1777", owner: "0:0"}]
    binaries: [sh, passwd]            # from the host's PATH, with their shared libraries
    optional_binaries: [mailq]        # the same, but only a warning when the host lacks them
    runtime_libraries: [libnss_files.so.2]   # dlopen'ed libraries, found beside libc
    module_directories: [samba]       # a server's run-time modules: every .so in the directory
                                      # (and below), each with its libraries; a relative name is
                                      # found beside libc (the multiarch directory), an absolute
                                      # path taken as it is (/usr/lib/dovecot/modules)
    pam_services: [passwd]            # /etc/pam.d files and the modules they name
    files: [etc/login.defs]           # copied from the host when present (files or directories)
    generate: [passwd, group, shadow, gshadow, hostname, hosts, resolv.conf, nsswitch.conf]
    devices: [null, zero, full, random, urandom, tty]
    links: {usr/tmp: ../tmp}          # symlinks in the domain
"""

from dataclasses import dataclass, field
from pathlib import Path

from virttui.names import quoted
from virttui.yamlfile import ConfigError, LocatedDict, load, refuse_unknown

SHIPPED = Path(__file__).resolve().parent.parent / "profiles"
LIST_KEYS = ("include", "binaries", "optional_binaries", "runtime_libraries", "module_directories",
             "pam_services", "files", "generate", "devices")
KEYS = {"description", "directories", "links", *LIST_KEYS}
DIRECTORY_KEYS = {"path", "mode", "owner"}
GENERATED = {"passwd", "group", "shadow", "gshadow", "hostname", "hosts", "resolv.conf", "nsswitch.conf",
             "aliases", "postfix/main.cf", "postfix/master.cf", "samba/smb.conf", "mtab", "vsftpd.conf",
             "pam.d/vsftpd", "pam.d/other", "ftpusers", "dovecot/dovecot.conf", "dovecot/pop3-logged-in"}
DEVICES = {"null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8), "urandom": (1, 9),
           "tty": (5, 0)}


@dataclass(frozen=True)
class Directory:
    path: str
    mode: int = 0o755
    uid: int = 0
    gid: int = 0


@dataclass
class Composition:
    """The profiles asked for, with their includes, merged into one list of each kind."""
    names: list[str] = field(default_factory=list)
    directories: dict[str, Directory] = field(default_factory=dict)
    binaries: list[str] = field(default_factory=list)
    optional_binaries: list[str] = field(default_factory=list)
    runtime_libraries: list[str] = field(default_factory=list)
    module_directories: list[str] = field(default_factory=list)
    pam_services: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    generate: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)


def shipped_names() -> list[str]:
    return sorted(p.stem for p in SHIPPED.glob("*.yaml"))


def available(settings_profiles: LocatedDict | None) -> list[str]:
    return sorted(set(shipped_names()) | set(settings_profiles or {}))


def describe(name: str, settings_profiles: LocatedDict | None) -> str:
    return str(_source(name, settings_profiles, None).get("description", ""))


def compose(names: list[str], settings_profiles: LocatedDict | None = None) -> Composition:
    """Merge the named profiles and everything they include; ConfigError on a bad one."""
    result = Composition()
    for name in names:
        _add(result, name, settings_profiles, [], None)
    return result


def _source(name: str, settings_profiles: LocatedDict | None, asked_at) -> LocatedDict:
    if settings_profiles and name in settings_profiles:
        entry = settings_profiles[name]
        if not isinstance(entry, LocatedDict):
            raise settings_profiles.error(name, "a profile is a mapping of the keys "
                                                f"{', '.join(sorted(KEYS))}")
        return entry
    path = SHIPPED / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(available(settings_profiles))
        if asked_at is not None:
            raise asked_at.error("include", f"no profile {quoted(name)}; the profiles are {known}")
        raise ConfigError("--profile", None, None, f"no profile {quoted(name)}; the profiles are {known}")
    data = load(path)
    if not isinstance(data, LocatedDict):
        raise ConfigError(path, 1, None, "a profile is a mapping")
    return data


def _add(result: Composition, name: str, settings_profiles, chain: list[str], asked_at) -> None:
    if name in result.names:
        return
    if name in chain:
        raise asked_at.error("include", f"profiles include each other: {' → '.join([*chain, name])}")
    profile = _source(name, settings_profiles, asked_at)
    refuse_unknown(profile, KEYS)
    for included in _words(profile, "include"):
        _add(result, included, settings_profiles, [*chain, name], profile)
    result.names.append(name)
    for key in LIST_KEYS[1:]:
        target = getattr(result, key)
        for word in _words(profile, key):
            if key == "generate" and word not in GENERATED:
                raise profile.error(key, f"cannot generate {quoted(word)}; one of {', '.join(sorted(GENERATED))}")
            if key == "devices" and word not in DEVICES:
                raise profile.error(key, f"unknown device {quoted(word)}; one of {', '.join(sorted(DEVICES))}")
            if word not in target:
                target.append(word)
    for directory in _directories(profile):
        result.directories[directory.path] = directory
    links = profile.get("links") or {}
    if not isinstance(links, dict):
        raise profile.error("links", "a mapping of PATH: TARGET")
    for path, target in links.items():
        _relative(profile, "links", str(path))
        result.links[str(path)] = str(target)


def _words(profile: LocatedDict, key: str) -> list[str]:
    value = profile.get(key) or []
    if not isinstance(value, list) or not all(isinstance(w, str) and w for w in value):
        raise profile.error(key, "a list of names")
    if key == "files":
        for word in value:
            _relative(profile, key, word)
    if key == "module_directories":
        for word in value:
            _module_directory(profile, key, word)
    return list(value)


def _relative(profile: LocatedDict, key: str, path: str) -> None:
    parts = path.split("/")
    if path.startswith("/") or ".." in parts or not path:
        raise profile.error(key, f"{quoted(path)}: give a path relative to the domain's root, without '..'")


def _module_directory(profile: LocatedDict, key: str, path: str) -> None:
    if ".." in path.split("/") or path.strip("/") == "":
        raise profile.error(key, f"{quoted(path)}: give a directory of modules, like samba (beside libc) "
                                 "or /usr/lib/dovecot/modules, without '..'")


def _directories(profile: LocatedDict) -> list[Directory]:
    entries = profile.get("directories") or []
    if not isinstance(entries, list):
        raise profile.error("directories", "a list of {path, mode, owner}")
    found = []
    for entry in entries:
        if not isinstance(entry, LocatedDict) or "path" not in entry:
            raise profile.error("directories", "each directory is {path: ..., mode: \"0755\"}")
        refuse_unknown(entry, DIRECTORY_KEYS)
        path = str(entry["path"]).strip("/")
        _relative(entry, "path", path)
        mode = _octal_mode(entry)
        uid, gid = _owner(entry)
        found.append(Directory(path, mode, uid, gid))
    return found


def _octal_mode(entry) -> int:
    mode = entry.get("mode", "0755")
    if isinstance(mode, int):   # YAML turned an unquoted 0750 into the number 488: which was meant is a guess
        raise entry.error("mode", f"{mode} is a number to YAML; write the mode quoted, like \"0750\"")
    try:
        return int(str(mode), 8)
    except ValueError:
        raise entry.error("mode", f"{quoted(mode)} is not an octal mode like \"0755\"") from None


def _owner(entry: LocatedDict) -> tuple[int, int]:
    owner = str(entry.get("owner", "0:0"))
    try:
        uid, gid = (int(part) for part in owner.split(":"))
    except ValueError:
        raise entry.error("owner", f"{quoted(owner)}: write UID:GID (numbers: the names live in the domain)") from None
    return uid, gid
