"""virtmailfilter: deliver one message to a user of a virtual domain.

    virtmailfilter                          qmail: the user in EXT, the domain in HOST
    virtmailfilter [--sysexits] USER DOMAIN  other MTAs (a Postfix pipe transport)
    --root DIR                               the root of the domains (default: VIRT_ROOT,
                                             the settings file, /virtual)

The domain is HOST, or else HOST without its first label, and so on (mail to
bob@mail.example.com reaches the domain example.com); an alias counts. The user
is looked up in that domain's own etc/passwd; uid 0, system accounts and nobody
never receive mail. The filter must start as root: it chroots into the domain
(so no path in the domain can lead outside it), drops to the user (setgroups,
setgid, setuid), then writes the message into the user's Maildir as
virtmaildelivery does.

Exit status: 0 delivered; 100 permanent failure (no such domain or user, a name
that cannot be one); 111 temporary failure (anything that may work later). With
--sysexits, 67 (EX_NOUSER) and 75 (EX_TEMPFAIL) instead of 100 and 111, as
Postfix's pipe(8) reads them. One line of reason on stdout when it fails.
"""

import os
import stat
import sys

from virttui import sealed_chroot
from virttui.domains.inroot import DomainRoot
from virttui.domains.passwd import find_user, read_passwd
from virttui.mail.delivery import deliver_to_home, header_lines
from virttui.mail.outcome import DeliveryFailure, finish, permanent, temporary
from virttui.names import BadDomainName, normalize_domain, quoted
from virttui.root_paths import domain_directory, root_directory
from virttui.user_names import is_user_name

USAGE = "usage: virtmailfilter [--root DIR] [--sysexits] [USER DOMAIN]"


class Request:
    """Who the message is for, and how to answer."""

    def __init__(self, user: str, host: str, root: str | None, sysexits: bool):
        self.user, self.host, self.root, self.sysexits = user, host, root, sysexits


def parse_arguments(arguments: list[str], environ) -> Request:
    root, sysexits, positional = None, False, []
    words = iter(arguments)
    for word in words:
        if word == "--sysexits":
            sysexits = True
        elif word == "--root":
            root = next(words, None)
            if not root:
                raise temporary(f"--root needs a directory; {USAGE}")
        elif word.startswith("--root="):
            root = word[len("--root="):]
        elif word.startswith("-") and word != "-":
            raise temporary(f"unknown option {word}; {USAGE}")
        else:
            positional.append(word)
    if len(positional) == 2:
        return Request(positional[0], positional[1], root, sysexits)
    if positional:
        raise temporary(f"give both USER and DOMAIN, or neither; {USAGE}")
    for variable in ("EXT", "HOST"):
        if variable not in environ:
            raise temporary(f"{variable} is not set: run from a .qmail-default, or give USER DOMAIN")
    return Request(environ["EXT"], environ["HOST"], root, sysexits)


def user_name(raw: str) -> str:
    name = raw.lower()
    if not is_user_name(name):
        raise permanent(f"{quoted(raw)} is not a user name here")
    return name


def host_name(raw: str) -> str:
    host = raw.lower()
    if host.endswith(".") and not host.endswith(".."):
        host = host[:-1]  # an absolute name, as DNS writes it
    if ".." in host or "/" in host:
        raise permanent(f"domain {quoted(raw)} has '..' or '/'")
    try:
        return normalize_domain(host)
    except BadDomainName as error:
        raise permanent(f"{quoted(raw)} is not a domain name: {error}")


def find_domain(root: str, host: str) -> str:
    """The directory of HOST's domain: HOST itself, else its parent domains in turn."""
    require_root_directory(root)
    labels = host.split(".")
    for start in range(len(labels)):
        directory = domain_in(root, ".".join(labels[start:]))
        if directory is not None:
            return directory
    raise permanent(f"no domain for {host} in {root}")


def mail_root(environ) -> str:
    """The root the settings give; a settings file named but missing, or broken, can be
    fixed: mail waits (rather than bouncing from the default root)."""
    try:
        return root_directory(environ)
    except DeliveryFailure:
        raise
    except Exception as error:  # noqa: BLE001 - the settings' ConfigError, without importing yaml's module
        raise temporary(f"the settings: {error}") from None


def require_root_directory(root: str) -> None:
    """A root that is missing (an unmounted disk) or not a directory can be fixed: mail waits."""
    try:
        is_directory = stat.S_ISDIR(os.stat(root).st_mode)
    except FileNotFoundError:
        is_directory = False
    except OSError as error:
        raise temporary(f"cannot see the root {root}: {error.strerror}")
    if not is_directory:
        raise temporary(f"the root {root} is missing or not a directory")


def domain_in(root: str, name: str) -> str | None:
    """The directory of the domain `name`, None when the root has no such name. Only a name
    the root is seen not to hold is "no domain": a lookup that cannot see (a root we may not
    search, an I/O error) must not bounce mail."""
    try:
        os.stat(os.path.join(root, name))
    except FileNotFoundError:
        return None
    except OSError as error:
        raise temporary(f"cannot look for {name} in the root {root}: {error.strerror}")
    return domain_directory(root, name)


def require_root() -> None:
    """Checked first: without root the domains may be out of sight, and a lookup that cannot
    see would bounce mail that only needs the filter installed right."""
    if os.geteuid() != 0:
        raise temporary("virtmailfilter must start as root (through sudo, see `virttui mail "
                        "wiring`) to enter the domain and become its user")


def enter_domain(directory: str) -> None:
    try:
        sealed_chroot.enter(directory)   # what follows, as root, must not import the domain's files
    except OSError as error:
        raise temporary(f"cannot enter {directory}: {error.strerror}")


def recipient(name: str, domain: str):
    """The user's passwd entry, read inside the domain (we are chrooted into it); a FIFO or a
    file too large there is a temporary failure at once, never a wait."""
    try:
        with DomainRoot("/") as files:
            entries, _ = read_passwd(files)
    except OSError as error:
        raise temporary(f"{domain}: etc/passwd: {error.strerror}")
    entry = find_user(entries, name)
    if entry is None:
        raise permanent(f"no user {name} in {domain}")
    if entry.is_system:
        raise permanent(f"{name} is a system account of {domain} (uid {entry.uid}): no mail is "
                        "delivered to it; forward it to a person with an alias")
    if not entry.home.startswith("/") or "\0" in entry.home:
        raise temporary(f"{domain}: the home of {name} is not an absolute path: {quoted(entry.home)}")
    return entry


def become(uid: int, gid: int) -> None:
    try:
        os.setgroups([gid])
        os.setgid(gid)
        os.setuid(uid)
    except OSError as error:
        raise temporary(f"cannot become uid {uid}: {error.strerror}")
    if os.getuid() != uid or os.geteuid() != uid or os.getegid() != gid:
        raise temporary(f"still not uid {uid} after setuid")


def deliver_request(request: Request, environ, environb) -> str:
    require_root()
    name = user_name(request.user)
    host = host_name(request.host)
    directory = find_domain(request.root or mail_root(environ), host)
    header = header_lines(environb)
    enter_domain(directory)
    entry = recipient(name, os.path.basename(directory))
    become(entry.uid, entry.gid)
    return deliver_to_home(entry.home, header, follow_links=True)


def main(arguments: list[str], environ, environb) -> int:
    request, failure = None, None
    try:
        request = parse_arguments(arguments, environ)
        deliver_request(request, environ, environb)
    except DeliveryFailure as caught:
        failure = caught
    except Exception as error:  # noqa: BLE001 - a traceback would be the bounce text
        failure = temporary(f"unexpected {type(error).__name__}: {error}")
    sysexits = request.sysexits if request else "--sysexits" in arguments
    return finish("virtmailfilter", failure, sysexits)


def entry_point() -> None:
    sys.exit(main(sys.argv[1:], os.environ, os.environb))
