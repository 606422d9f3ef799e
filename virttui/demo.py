"""A deterministic demo root: what `virttui demo` opens and what the tests use as fixture.

It needs no privilege: directories, two conf files, a log socket with a
linked, a stale and a missing dev/log, users in two domains, an alias, odd
entries the discovery must skip, and a sample shared log.
"""

import os
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

SYSTEM_ACCOUNTS = [
    "root:x:0:0:root:/root:/bin/sh",
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
]


@dataclass
class DemoDomain:
    name: str
    users: list[tuple[str, int, str]] = field(default_factory=list)  # name, uid, full name
    devlog: str = "linked"   # linked, stale or missing


DEMO_DOMAINS = [
    DemoDomain("example.com", [("alice", 1000, "Alice Martin"), ("bob", 1001, "Bob Durand")]),
    DemoDomain("example.net", [("carol", 1000, "Carol Petit")], devlog="stale"),
    DemoDomain("oldsite.example.org"),
    DemoDomain("shop.example.org", devlog="missing"),
]
DEMO_ALIASES = {"www.example.com": "example.com"}
# Mailboxes: (domain, user) -> messages in new/ and in cur/ (bob has no Maildir yet).
DEMO_MAILBOXES = {("example.com", "alice"): (2, 1), ("example.net", "carol"): (0, 3)}

SAMPLE_LOG = """\
Nov 24 09:00:01 host virtuald[2101]: Virtuald Starting
Nov 24 09:00:01 host virtuald[2101]: Incoming ip: 127.0.0.2
Nov 24 09:00:01 host virtuald[2101]: Chroot dir: {root}/example.com
Nov 24 09:00:01 host httpd[2101]: GET /index.html 200
Nov 24 09:00:07 host virtuald[2102]: Virtuald Starting
Nov 24 09:00:07 host virtuald[2102]: Incoming ip: 127.0.0.3
Nov 24 09:00:07 host virtuald[2102]: Chroot dir: {root}/example.net
Nov 24 09:00:07 host ftpd[2102]: connection from 127.0.0.1
2026-11-24T09:01:12.345678+00:00 host virtexec[2200]: domain=example.com command=passwd args=1 user=root
2026-11-24T09:01:12.400001+00:00 host passwd[2201]: password for 'alice' changed
2026-11-24T09:02:00.000000+00:00 example.net popd[2300]: login carol
2026-11-24T09:02:30.000000+00:00 host kernel: \x1b[31mjunk\x07 bytes \ufffd here
"""


def conf_text(root: Path) -> dict[str, str]:
    return {
        "conf.www": (
            "# web servers: one address per domain, unlisted addresses go to example.com\n"
            f"127.0.0.2\t{root}/example.com\n"
            f"127.0.0.3 {root}/example.net\n"
            f"::1       {root}/shop.example.org\n"
            f"default   {root}/example.com\n"
        ),
        "conf.ftp": (
            f"127.0.0.2 {root}/example.com\r\n"
            f"127.0.0.4 {root}/oldsite.example.org\r\n"
            f"::ffff:127.0.0.3 {root}/example.net\r\n"
            f"default {root}/example.net"
        ),
    }


def settings_text(root: Path) -> str:
    return (
        "# settings of the demo root: `virttui --config THIS_FILE`\n"
        f"root: {root}\n"
        "log:\n"
        f"  socket: {root}/log\n"
        f"  file: {root}/.virtual.log\n"
    )


MARKER = ".virttui-demo"


class DemoTargetInUse(Exception):
    """The target directory holds something that is not an earlier demo root."""


def build_demo(target: Path, programs: bool = False) -> Path:
    """Build (or rebuild) the demo root in `target`; returns its settings file.

    An earlier demo root (it carries MARKER) is replaced; any other non-empty directory
    is refused, so that a mistyped DIR never costs anybody their files. `programs` (as
    root): each domain is first built by virtfs from the base profile, so that the catalog's
    commands run in it; without, the domains hold only what the app shows.
    """
    root = Path(target).absolute()
    _clear_earlier_demo(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).write_text("built by `virttui demo`; kept by the next one, rebuilt (wiped) by "
                               "`virttui demo --reset`\n")
    for domain in DEMO_DOMAINS:
        if programs:
            _build_with_virtfs(root, domain.name)
        _build_domain(root / domain.name, domain)
    for alias, target_name in DEMO_ALIASES.items():
        os.symlink(target_name, root / alias)
    for name, text in conf_text(root).items():
        (root / name).write_text(text)
    _wire_devlogs(root)
    for (name, user), counts in DEMO_MAILBOXES.items():
        _fill_maildir(root / name / "home" / user / "Maildir", *counts)
    (root / "lost+found").mkdir(mode=0o700)
    (root / ".virtual.log").write_text(SAMPLE_LOG.format(root=root))
    config = root / ".virttui.yaml"
    config.write_text(settings_text(root))
    return config


def is_demo_root(root: Path) -> bool:
    return (Path(root) / MARKER).is_file()


class DemoRoot(NamedTuple):
    config: Path   # its settings file
    built: bool    # built now (else kept as it was)


def demo_root(target: Path, reset: bool = False) -> DemoRoot:
    """The settings file of the demo root in `target`, and whether it was built now. An
    existing demo root is kept as it is (what the user made in it too) unless `reset`."""
    root = Path(target).absolute()
    config = root / ".virttui.yaml"
    if not reset and is_demo_root(root) and config.is_file():
        return DemoRoot(config, False)
    return DemoRoot(build_demo(root, programs=os.geteuid() == 0), True)


def demo_notice(root: Path, built: bool, why: str) -> str:
    """What the app says first on a demo root: why it is there, whether it was kept, and
    plainly whether its domains can run anything."""
    said = [f"A demo root: {why}.", "Built now." if built else
            "Kept as you left it; `virttui demo --reset` rebuilds it."]
    if not has_programs(root):
        said.append("Built without root, its domains hold no programs: the catalog's commands cannot run "
                    "in them (as root, `virttui demo --reset` builds them with virtfs).")
    return " ".join(said)


def has_programs(root: Path) -> bool:
    """Whether the demo's domains were built by virtfs (as root), so that commands run in them."""
    return (Path(root) / DEMO_DOMAINS[0].name / "etc" / "virtfs.json").is_file()


def _clear_earlier_demo(root: Path) -> None:
    if root.is_symlink() or (root.exists() and not root.is_dir()):
        raise DemoTargetInUse(f"{root} exists and is not a directory: choose another DIR")
    if not root.exists() or not any(root.iterdir()):
        return
    if not (root / MARKER).is_file():
        raise DemoTargetInUse(
            f"{root} is not empty and is not a demo root: choose a new or empty DIR")
    shutil.rmtree(root)


def _build_with_virtfs(root: Path, name: str) -> None:
    from virttui.virtfs.builder import build
    from virttui.virtfs.plan import make_plan
    from virttui.virtfs.profiles import compose

    build(make_plan(name, compose(["base"])), root, None)


def _build_domain(path: Path, domain: DemoDomain) -> None:
    for sub in ("etc", "dev", "tmp", "home", "var/spool/mail"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    (path / "etc" / "hostname").write_text(domain.name + "\n")
    lines = list(SYSTEM_ACCOUNTS)
    for user, uid, full_name in domain.users:
        lines.append(f"{user}:x:{uid}:{uid}:{full_name}:/home/{user}:/bin/sh")
        (path / "home" / user).mkdir(exist_ok=True)
    (path / "etc" / "passwd").write_text("\n".join(lines) + "\n")
    if (path / "etc" / "shadow").is_file():   # built by virtfs: its users' tools want them there too
        _add_lines(path / "etc" / "shadow", [f"{user}:!:20000:0:99999:7:::" for user, _, _ in domain.users])
        _add_lines(path / "etc" / "group", [f"{user}:x:{uid}:" for user, uid, _ in domain.users])


def _add_lines(path: Path, lines: list[str]) -> None:
    text = path.read_text()
    if text and not text.endswith("\n"):
        text += "\n"
    path.write_text(text + "".join(line + "\n" for line in lines))


def _fill_maildir(maildir: Path, new: int, cur: int) -> None:
    for sub in ("tmp", "new", "cur"):
        (maildir / sub).mkdir(parents=True)
    for number in range(new + cur):
        folder, flags = ("new", "") if number < new else ("cur", ":2,S")
        name = f"{1795000000 + number}.M{number}P{100 + number}.demo{flags}"
        body = f"Subject: demo message {number + 1}\n\n" + "A line of the demo.\n" * (20 * (number + 1))
        (maildir / folder / name).write_text(body)


def _bind_socket(path: Path) -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind(str(path))
    finally:
        sock.close()


def _wire_devlogs(root: Path) -> None:
    """Link dev/log as each demo domain says: stale ones to a socket that is then recreated."""
    socket_path = root / "log"
    _bind_socket(socket_path)
    for domain in DEMO_DOMAINS:
        if domain.devlog == "stale":
            os.link(socket_path, root / domain.name / "dev" / "log")
    socket_path.unlink()
    _bind_socket(socket_path)  # a new inode, as after a syslog daemon restart
    for domain in DEMO_DOMAINS:
        if domain.devlog == "linked":
            os.link(socket_path, root / domain.name / "dev" / "log")


def build_many(target: Path, count: int, with_passwd: bool = True) -> Path:
    """A root of `count` plain domains d00000.example ... (for load tests and benchmarks)."""
    root = Path(target).absolute()
    root.mkdir(parents=True, exist_ok=True)
    _bind_socket(root / "log")
    conf = []
    for number in range(count):
        name = f"d{number:05d}.example"
        etc = root / name / "etc"
        etc.mkdir(parents=True)
        if with_passwd:
            (etc / "passwd").write_text(f"{SYSTEM_ACCOUNTS[0]}\nu{number}:x:1000:1000::/home/u:/bin/sh\n")
        conf.append(f"127.{number // 65536 % 256}.{number // 256 % 256}.{number % 256 or 1} {root}/{name}\n")
    (root / "conf.www").write_text("".join(conf))
    return root
