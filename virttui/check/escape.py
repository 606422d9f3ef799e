"""escape: the ways out of a chroot, or into the host through one.

- a domain's directory, or one above it, writable by anyone but root (a user could swap the
  domain for a tree of their own, or move it);
- set-id files and device nodes its profiles did not put there;
- a `dev` that is a symbolic link (dev/log relinked through it would write on the host);
- a file hard-linked to a host file outside the root (the domain writes the host's file);
- /proc, /sys or another kernel filesystem mounted inside the domain.
"""

import os
import stat

from virttui.check.report import ERROR, ROOT, Finding, listing
from virttui.check.scan import SET_ID
from virttui.domains.inroot import DomainRoot
from virttui.names import printable

KERNEL_FILESYSTEMS = {"proc", "sysfs", "devtmpfs", "cgroup", "cgroup2", "debugfs", "tracefs", "securityfs"}
MOUNTINFO = "/proc/self/mountinfo"


def writable_by_others(info: os.stat_result) -> str:
    """Why a directory is writable by someone other than root, or ''. A sticky directory owned
    by root (/tmp) lets no one move what root owns in it."""
    if info.st_uid != 0:
        return f"owned by uid {info.st_uid}"
    if info.st_mode & 0o022 and not info.st_mode & stat.S_ISVTX:
        return f"mode {stat.S_IMODE(info.st_mode):04o}"
    return ""


def above_root_findings(root) -> list[Finding]:
    found = []
    path = os.path.realpath(root)
    while True:
        try:
            why = writable_by_others(os.stat(path))
        except OSError:
            why = ""
        if why:
            found.append(Finding(ERROR, ROOT, "escape", f"{printable(path)} is writable by others than root ({why})",
                                 f"chown root:root {printable(path)} and chmod go-w {printable(path)}"))
        if path == "/":
            return found
        path = os.path.dirname(path)


def domain_directory_findings(name: str, domain_path) -> list[Finding]:
    found = []
    try:
        info = os.lstat(domain_path)
        why = writable_by_others(info)
    except OSError as error:
        return [Finding(ERROR, name, "escape", f"its directory cannot be looked at: {error.strerror}",
                        "look at it as root")]
    if why:
        found.append(Finding(ERROR, name, "escape", f"the domain's directory is writable by others than root ({why})",
                             f"chown root:root and chmod go-w {printable(str(domain_path))}"))
    try:
        with DomainRoot(domain_path) as domain:
            target = domain.readlink("dev") if stat.S_ISLNK(domain.stat("dev", follow=False).st_mode) else None
    except OSError:
        return found
    if target is not None:
        found.append(Finding(ERROR, name, "escape", f"dev is a symbolic link (to {printable(target)})",
                             "remove the link, make dev a directory, then `virttui syslog relink`"))
    return found


def dev_is_directory(domain_path) -> bool:
    try:
        with DomainRoot(domain_path) as domain:
            return stat.S_ISDIR(domain.stat("dev", follow=False).st_mode)
    except OSError:
        return False


def set_id_findings(name: str, scan, expected, host) -> list[Finding]:
    foreign = []
    for path, mode in scan.set_id:
        host_path = expected.copies.get(path)
        theirs = host.lstat(host_path) if host_path else None
        # put by a profile: a copy of a host file that has every set-id bit this one has
        if theirs is None or mode & SET_ID & ~theirs.st_mode:
            foreign.append(f"/{path} ({stat.filemode(mode)})")
    if not foreign:
        return []
    return [Finding(ERROR, name, "escape", f"set-id file{'s' * (len(foreign) > 1)} no profile put there: "
                    + listing(foreign), "remove such a file, or clear its bits: chmod ug-s FILE")]


def device_findings(name: str, scan, expected) -> list[Finding]:
    foreign = [f"/{path} ({'block' if stat.S_ISBLK(mode) else 'char'} {os.major(rdev)},{os.minor(rdev)})"
               for path, mode, rdev in scan.devices
               if not (stat.S_ISCHR(mode) and expected.devices.get(path) == rdev)]
    if not foreign:
        return []
    return [Finding(ERROR, name, "escape", f"device node{'s' * (len(foreign) > 1)} no profile put there: "
                    + listing(foreign), "remove such a node (a device node opens the host's device)")]


def hard_link_findings(name: str, scan, expected, host) -> list[Finding]:
    """A multi-link file of the domain that is the host's file at the same path, or one in a
    host directory the profiles copy from (or /etc, where the secrets are)."""
    if not scan.linked:
        return []
    owners = host.inode_owners(expected.host_directories)
    found = []
    for path, device, inode in scan.linked:
        same = host.lstat("/" + path)
        if same is not None and (same.st_dev, same.st_ino) == (device, inode):
            found.append(f"/{path} is the host's /{path}")
            continue
        owner = owners.get((device, inode))
        if owner is not None:
            found.append(f"/{path} is the host's {owner}")
    if not found:
        return []
    return [Finding(ERROR, name, "escape", "hard link to a host file outside the root: " + listing(found),
                    "remove the link and copy the file instead (`virtfs --update` copies programs)")]


def read_mounts(mountinfo: str = MOUNTINFO) -> list[tuple[str, str]]:
    """(mount point, filesystem type) of every mount this process sees."""
    try:
        with open(mountinfo, encoding="utf-8", errors="surrogateescape") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    mounts = []
    for line in lines:
        fields, _, rest = line.partition(" - ")
        parts = fields.split()
        if len(parts) >= 5 and rest:
            mounts.append((_unescape(parts[4]), rest.split()[0]))
    return mounts


def mount_findings(name: str, domain_path, mounts) -> list[Finding]:
    inside = os.path.realpath(domain_path) + "/"
    kernel = [f"/{point[len(inside):]} ({kind})" for point, kind in mounts
              if point.startswith(inside) and kind in KERNEL_FILESYSTEMS]
    if not kernel:
        return []
    return [Finding(ERROR, name, "escape", "kernel filesystem mounted in the domain: " + listing(kernel),
                    "umount it (a root in the domain could reach the host through it)")]


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash as \\ooo."""
    if "\\" not in field:
        return field
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)
