"""A domain's own etc/passwd, read without the host's NSS, and through the domain's root
(virttui.domains.inroot): a link is read as the domain sees it, a FIFO or a file of gigabytes
is refused.

Standard library only: the mail filter reads it once per message.
"""

from virttui.domains.inroot import DomainRoot

PASSWD_LIMIT = 16 << 20   # some 200,000 accounts; a passwd file of gigabytes is refused
SYSTEM_UID_MAX = 999      # Debian: UID_MIN 1000 in login.defs
NOBODY_UID = 65534


class PasswdEntry:
    __slots__ = ("name", "uid", "gid", "gecos", "home", "shell")

    def __init__(self, name, uid, gid, gecos, home, shell):
        self.name, self.uid, self.gid = name, uid, gid
        self.gecos, self.home, self.shell = gecos, home, shell

    @property
    def is_system(self) -> bool:
        """uid 0, the system range and nobody: accounts no person logs in as."""
        return self.uid <= SYSTEM_UID_MAX or self.uid == NOBODY_UID

    def __repr__(self) -> str:
        return f"PasswdEntry({self.name!r}, {self.uid}, {self.home!r})"


def parse_passwd(text: str):
    """(entries, bad_line_numbers) from the text of a passwd file; never raises."""
    entries, bad = [], []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split(":")
        if len(fields) != 7 or not fields[0]:
            bad.append(lineno)
            continue
        name, _, uid, gid, gecos, home, shell = fields
        if not (uid.isdigit() and gid.isdigit()):
            bad.append(lineno)
            continue
        entries.append(PasswdEntry(name, int(uid), int(gid), gecos, home, shell))
    return entries, bad


def read_passwd(domain: DomainRoot, path: str = "etc/passwd"):
    """(entries, bad line numbers) of the domain's passwd file; OSError (an inroot.Refused for
    a link out, a FIFO, a device, a file too large) propagates to the caller."""
    return parse_passwd(domain.read_text(path, PASSWD_LIMIT))


def find_user(entries, name: str):
    for entry in entries:
        if entry.name == name:
            return entry
    return None
