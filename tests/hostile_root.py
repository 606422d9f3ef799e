"""A root whose domains are hostile everywhere, and the host files they point at.

Each domain is hostile in its own way (a domain whose etc is a link to /etc has no etc/passwd
of its own to be a link too):
- etclink.example   etc -> /etc (the host's accounts, shadow and all)
- links.example     etc/passwd and etc/shadow -> canary files outside the root, etc/group a
                    FIFO, dev -> /dev, var/www -> a host directory, etc/virtfs.json a link
                    climbing with ../../.. to a canary
- mail.example      a real passwd; home/bob/Maildir -> a host Maildir holding the token,
                    home/carol -> ../../../.. to a host home; etc/virtfs.json a FIFO
- huge.example      a 2 GB sparse etc/passwd
- fifo.example      etc/passwd and dev FIFOs
The canaries and host files hold TOKEN: no output may show it, and none may change.
"""

import hashlib
import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN, require_root

CLIMB = "../" * 12
USUAL = 30   # seconds: every command here ends in a fraction of that


@pytest.fixture
def never_wait():
    """A test that would block on a FIFO fails after 20 s instead of hanging the suite."""
    def stop(*_):
        raise TimeoutError("blocked: something waited on a domain's file")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@dataclass
class HostileRoot:
    root: Path
    outside: Path          # the host's side: canaries, a Maildir, a www directory, a home
    config: Path
    token: str
    watched: list[Path] = field(default_factory=list)   # host files named by links

    def fingerprint(self) -> dict:
        """Every watched host file's hash (or inode, for sockets), and the outside tree's names."""
        prints = {}
        for path in self.watched:
            if path.is_file():
                prints[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif os.path.lexists(path):
                found = os.lstat(path)
                prints[str(path)] = (found.st_mode, found.st_ino, found.st_size)
        for directory, subdirectories, files in os.walk(self.outside):
            prints[directory] = sorted(subdirectories + files)
        return prints


def build_hostile_root(base: Path) -> HostileRoot:
    token = f"CANARY{uuid.uuid4().hex}"
    root, outside = base / "virtual", base / "host"
    root.mkdir(parents=True)
    for sub in ("canary", "maildir/new", "maildir/cur", "maildir/tmp", "www", "carol/Maildir/new",
                "carol/Maildir/cur", "carol/Maildir/tmp"):
        (outside / sub).mkdir(parents=True)
    files = {
        "canary/passwd": f"{token}:x:0:0:{token}:/root:/bin/sh\n",
        "canary/shadow": f"root:{token}:19000:0:99999:7:::\n",
        "maildir/new/1.M1P1.host": f"Subject: {token}\n\n{token}\n",
        "carol/Maildir/new/1.M1P1.host": f"Subject: {token}\n\n{token}\n",
        "www/index.html": f"<p>{token}</p>\n",
    }
    for name, text in files.items():
        (outside / name).write_text(text)
        os.chmod(outside / name, 0o644)
    config = base / "virttui.yaml"
    config.write_text(f"root: {root}\nlog:\n  socket: {root}/log\n  file: {base}/virtual.log\n")
    (base / "virtual.log").write_text(
        "Nov 24 09:00:01 host virtuald[2101]: Chroot dir: " + str(root / "mail.example") + "\n"
        "Nov 24 09:00:01 host popd[2101]: login bob\n")

    etclink = root / "etclink.example"
    etclink.mkdir()
    os.symlink("/etc", etclink / "etc")

    links = root / "links.example"
    (links / "etc").mkdir(parents=True)
    (links / "var").mkdir()
    os.symlink(outside / "canary" / "passwd", links / "etc" / "passwd")
    os.symlink(outside / "canary" / "shadow", links / "etc" / "shadow")
    os.mkfifo(links / "etc" / "group")
    os.symlink("/dev", links / "dev")
    os.symlink(outside / "www", links / "var" / "www")
    os.symlink(CLIMB + str(outside / "canary" / "shadow").lstrip("/"), links / "etc" / "virtfs.json")

    mail = root / "mail.example"
    for sub in ("etc", "dev", "home/bob"):
        (mail / sub).mkdir(parents=True)
    (mail / "etc" / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\nbob:x:2001:2001:Bob:/home/bob:/bin/sh\n"
        "carol:x:2002:2002:Carol:/home/carol:/bin/sh\n")
    os.chown(mail / "home" / "bob", 2001, 2001)
    os.symlink(outside / "maildir", mail / "home" / "bob" / "Maildir")
    os.symlink(CLIMB + str(outside / "carol").lstrip("/"), mail / "home" / "carol")
    os.mkfifo(mail / "etc" / "virtfs.json")

    huge = root / "huge.example"
    (huge / "etc").mkdir(parents=True)
    with open(huge / "etc" / "passwd", "wb") as sparse:
        sparse.truncate(2 << 30)

    fifo = root / "fifo.example"
    (fifo / "etc").mkdir(parents=True)
    os.mkfifo(fifo / "etc" / "passwd")
    os.mkfifo(fifo / "dev")

    watched = [outside / name for name in files]
    watched += [Path(p) for p in ("/etc/passwd", "/etc/shadow", "/etc/group", "/dev/log", "/dev/null")]
    return HostileRoot(root, outside, config, token, watched)


@pytest.fixture
def hostile(tmp_path):
    require_root()   # chown, and the mail filter's chroot
    place = build_hostile_root(tmp_path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(place.root / "log"))
    before = place.fingerprint()
    yield place
    listener.close()
    assert place.fingerprint() == before, "a host file named by a domain's link changed"


def run(place, program, *args, env=None):
    """A program of the venv run to its end within USUAL seconds: no canary in what it said,
    no traceback."""
    started = time.monotonic()
    result = subprocess.run([str(VENV_BIN / program), *args], capture_output=True, text=True,
                            timeout=USUAL, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)
    assert place.token not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    result.seconds = time.monotonic() - started
    return result
