"""Small real jails for integration tests: a domain root made of busybox-static.

busybox-static needs no shared library, so one file and its applet links make a root in
which chroot, a shell, logger, nc, httpd ... really run. Domains built by virtfs are the
real thing; these are for tests of the programs around them.
"""

import os
import shutil
from pathlib import Path

BUSYBOX = "/bin/busybox"
APPLETS = ("sh", "cat", "echo", "id", "hostname", "logger", "ls", "sleep", "nc", "env",
           "pwd", "true", "false", "printf", "vi", "whoami", "wc", "head", "tail", "grep")


def busybox_path() -> str:
    path = shutil.which("busybox") or BUSYBOX
    if not Path(path).exists():
        raise FileNotFoundError("busybox not found: install the Debian package busybox-static")
    return path


def build_busybox_domain(root: Path, name: str, users: tuple[str, ...] = ()) -> Path:
    """Make root/name a minimal domain: bin/ with busybox and its applets, etc/, tmp, dev/."""
    domain = root / name
    for sub in ("bin", "etc", "tmp", "dev", "home", "var/log"):
        (domain / sub).mkdir(parents=True, exist_ok=True)
    os.chmod(domain / "tmp", 0o1777)
    shutil.copy2(busybox_path(), domain / "bin" / "busybox")
    for applet in APPLETS:
        link = domain / "bin" / applet
        if not link.exists():
            link.symlink_to("busybox")
    (domain / "etc" / "hostname").write_text(name + "\n")
    passwd = ["root:x:0:0:root:/root:/bin/sh", "daemon:x:1:1:daemon:/:/bin/false"]
    group = ["root:x:0:", "daemon:x:1:"]
    for number, user in enumerate(users, start=1000):
        passwd.append(f"{user}:x:{number}:{number}:{user}:/home/{user}:/bin/sh")
        group.append(f"{user}:x:{number}:")
        (domain / "home" / user).mkdir(exist_ok=True)
        if os.geteuid() == 0:
            os.chown(domain / "home" / user, number, number)
    (domain / "etc" / "passwd").write_text("\n".join(passwd) + "\n")
    (domain / "etc" / "group").write_text("\n".join(group) + "\n")
    return domain


def build_busybox_root(root: Path, names: tuple[str, ...] = ("d1.example", "d2.example")) -> Path:
    """A root of busybox domains (d1.example and d2.example unless told), each answering
    with its own /etc/hostname."""
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        build_busybox_domain(root, name)
    return root
