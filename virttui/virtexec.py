"""virtexec: run a command inside a domain, chrooted, with a clean environment.

    virtexec [--domain D] COMMAND [ARG...]
    virtNAME [--domain D] [ARG...]        (a link to virtexec: runs NAME)

Only a leading `--domain D` (or `--domain=D`) is virtexec's; every other argument goes to
the command untouched. Without --domain, VIRT_DOMAIN names the domain; with neither, a
terminal on stdin and stdout gets the picker (the domains, filter as you type, Enter
picks, Escape cancels), and no terminal is an error.

The root is VIRT_ROOT, else the settings file's `root:`, else /virtual; the settings file is
the one VIRTTUI_CONFIG names (it must exist), else /etc/virttui.yaml when present. A virtNAME
link runs the argv the catalog gives NAME (its own, with the settings' `commands:` applied:
virtsmbpasswd runs `smbpasswd -a`). An alias is its target domain. Inside the domain:
chroot, chdir /, the environment reduced to PATH, HOME, TERM, LANG, USER, LOGNAME and
VIRT_DOMAIN, then exec: the command's exit status is virtexec's. Each run is logged to
syslog (ident virtexec, facility authpriv, or the socket VIRTEXEC_LOG_SOCKET names) as
`domain=D command=C args=N user=U`.

Exit statuses of virtexec itself (each with one line on stderr):
    1   the picker was cancelled: nothing ran
    2   usage: no command, --domain without a name, no domain and no terminal; a bad or
        missing settings file
    3   no such domain (or not a valid domain name)
    4   called through a link whose name does not start with "virt"
    77  not root: chroot needs root
    126 the command is in the domain but cannot be run
    127 the command is not installed in the domain

Standard library only when the domain is known: the picker imports Textual when it opens.
"""

import os
import pwd
import stat
import sys

from virttui import root_paths
from virttui.exit_status import ExitStatus
from virttui.names import BadDomainName, normalize_domain, quoted
from virttui.syslog_send import LOG_AUTHPRIV, LOG_NOTICE, SyslogSender

EXIT_CANCELLED = 1
EXIT_USAGE = 2
EXIT_NO_DOMAIN = 3
EXIT_BAD_LINK = 4
EXIT_NOT_ROOT = 77
EXIT_CANNOT_RUN = 126
EXIT_NOT_INSTALLED = 127

DEFAULT_LOG_SOCKET = "/dev/log"
KEPT_VARIABLES = ("TERM", "LANG")


class Refusal(ExitStatus):
    """virtexec stops with `status` (one of EXIT_*) and `message` on stderr."""


class Invocation:
    """What to run: the command and its arguments, and the domain if given."""

    def __init__(self, command: str, args: list, domain: str | None, through_link: bool = False):
        self.command = command
        self.args = args
        self.domain = domain
        self.through_link = through_link


def parse_invocation(argv: list, environ) -> Invocation:
    called_as = os.path.basename(argv[0]) if argv else "virtexec"
    rest = list(argv[1:])
    domain = None
    if rest and rest[0] == "--domain":
        if len(rest) < 2 or not rest[1]:
            raise Refusal(EXIT_USAGE, "--domain needs a domain name")
        domain, rest = rest[1], rest[2:]
    elif rest and rest[0].startswith("--domain="):
        domain, rest = rest[0].split("=", 1)[1], rest[1:]
        if not domain:
            raise Refusal(EXIT_USAGE, "--domain needs a domain name")
    domain = domain or environ.get("VIRT_DOMAIN") or None
    if called_as == "virtexec":
        if not rest:
            raise Refusal(EXIT_USAGE, "usage: virtexec [--domain D] COMMAND [ARG...]")
        return Invocation(rest[0], rest[1:], domain)
    if not called_as.startswith("virt") or called_as == "virt":
        raise Refusal(EXIT_BAD_LINK, f"called as {quoted(called_as)}: a link to virtexec must be named "
                                     "virtNAME to run NAME (virtpasswd runs passwd)")
    return Invocation(called_as[len("virt"):], rest, domain, through_link=True)


class DomainSettings:
    """What virtexec takes from the settings: the root, and the catalog's argv of each command."""

    def __init__(self, root: str, catalog: dict):
        self.root = root
        self.catalog = catalog


def read_settings(invocation: Invocation, environ) -> DomainSettings:
    """The root and catalog; the file is read only when VIRT_ROOT leaves the root to it or a
    link needs the catalog (virtexec run by the app, with VIRT_ROOT, imports no yaml)."""
    config = root_paths.settings_file(environ)
    if config is not None and not os.path.exists(config):
        raise Refusal(EXIT_USAGE, f"{config}: cannot read: No such file or directory (VIRTTUI_CONFIG names it)")
    if config is None or (root_paths.given_root(environ) and not invocation.through_link):
        catalog = default_catalog() if invocation.through_link else {}
        return DomainSettings(root_paths.root_directory(environ), catalog)  # reads no file here
    from virttui.catalog import load_catalog
    from virttui.settings import load_settings
    from virttui.yamlfile import ConfigError
    try:
        settings = load_settings(config=config, environ=environ)
        catalog = load_catalog(settings.commands)
    except ConfigError as error:
        raise Refusal(EXIT_USAGE, str(error)) from None
    return DomainSettings(str(settings.root), {name: entry.argv for name, entry in catalog.items()})


def default_catalog() -> dict:
    """The catalog's own argv of each command, for a link run without a settings file."""
    from virttui.catalog_defaults import COMMANDS  # plain data, imports nothing
    return {name: argv for name, argv, _, _ in COMMANDS}


def with_catalog_argv(invocation: Invocation, settings: DomainSettings) -> Invocation:
    """virtNAME runs the catalog's argv for NAME (`backup: {argv: [/usr/local/bin/backup, -q]}`)."""
    argv = settings.catalog.get(invocation.command) if invocation.through_link else None
    if not argv:
        return invocation
    return Invocation(argv[0], [*argv[1:], *invocation.args], invocation.domain, through_link=True)


def domain_directory(root: str, name: str) -> str:
    """The directory to chroot into: ROOT/NAME, an alias followed to its target in the root."""
    try:
        name = normalize_domain(name)
    except BadDomainName as error:
        raise Refusal(EXIT_NO_DOMAIN, f"{quoted(name)} is not a domain name: {error}")
    directory = root_paths.domain_directory(root, name)
    if directory is None:
        raise Refusal(EXIT_NO_DOMAIN, f"no domain {name} in {root} (`virttui list` shows them)")
    return directory


def invoking_user(environ) -> str:
    if environ.get("SUDO_USER"):
        return environ["SUDO_USER"]
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return str(os.getuid())


def clean_environment(environ, domain: str) -> dict:
    kept = {key: environ[key] for key in KEPT_VARIABLES if key in environ}
    return {**kept, "PATH": root_paths.DEFAULT_PATH, "HOME": "/root", "USER": "root", "LOGNAME": "root",
            "VIRT_DOMAIN": domain}


def find_in_domain(command: str) -> str | None:
    """After the chroot: the command's path on the domain's PATH, or None."""
    if "/" in command:
        return command if os.path.exists(command) else None
    for directory in root_paths.DEFAULT_PATH.split(":"):
        candidate = os.path.join(directory, command)
        try:
            if stat.S_ISREG(os.stat(candidate).st_mode):
                return candidate
        except OSError:
            continue
    return None


def run_in_domain(invocation: Invocation, domain: str, root: str, environ) -> None:
    """Chroot into the domain and exec the command; returns only by raising Refusal."""
    if os.geteuid() != 0:
        raise Refusal(EXIT_NOT_ROOT, "chroot needs root: run it as root (for instance with sudo)")
    directory = domain_directory(root, domain)
    log = SyslogSender(environ.get("VIRTEXEC_LOG_SOCKET") or DEFAULT_LOG_SOCKET, "virtexec", LOG_AUTHPRIV)
    user = invoking_user(environ)   # before the chroot: inside, the user database is the domain's
    try:
        os.chroot(directory)
        os.chdir("/")
    except OSError as error:
        raise Refusal(EXIT_NOT_ROOT, f"chroot into {directory} refused: {error.strerror}")
    program = find_in_domain(invocation.command)
    if program is None:
        raise Refusal(EXIT_NOT_INSTALLED,
                      f"{invocation.command} is not installed in {domain}: add the profile that lists it "
                      f"(`virtfs --add-profile PROFILE {domain}`), or `virtfs --update {domain}` "
                      "if one of the domain's profiles does")
    log.send(f"domain={domain} command={invocation.command} args={len(invocation.args)} "
             f"user={user}", LOG_NOTICE)
    try:
        os.execve(program, [invocation.command, *invocation.args], clean_environment(environ, domain))
    except OSError as error:
        raise Refusal(EXIT_CANNOT_RUN, f"cannot run {invocation.command} in {domain}: {error.strerror}")


def pick_domain(root: str) -> str:
    if not (os.isatty(0) and os.isatty(1)):
        raise Refusal(EXIT_USAGE, "no domain: give --domain D or set VIRT_DOMAIN "
                                  "(the picker needs a terminal)")
    from screens.picker import pick  # Textual, only now
    chosen = pick(root)
    if chosen is None:
        raise Refusal(EXIT_CANCELLED, "cancelled: nothing ran")
    return chosen


def main(argv: list | None = None, environ=None) -> int:
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    name = os.path.basename(argv[0]) if argv else "virtexec"
    try:
        invocation = parse_invocation(argv, environ)
        settings = read_settings(invocation, environ)
        invocation = with_catalog_argv(invocation, settings)
        domain = invocation.domain or pick_domain(settings.root)
        run_in_domain(invocation, domain, settings.root, environ)
    except Refusal as refusal:
        print(f"{name}: {refusal.message}", file=sys.stderr)
        return refusal.status
    except KeyboardInterrupt:
        return 130
    return 0  # not reached


def entry_point() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
