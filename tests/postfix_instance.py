"""A Postfix of the test's own: its config directory, spool, log file and port on 127.0.0.1.

Started with `postfix -c DIR start` as root; the Debian package's system-wide instance is
never configured or started (tools/debconf-selections.txt answers "No configuration").
"""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.conftest import require_program

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {base}/spool
data_directory = {base}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.virttui.test
mydomain = virttui.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
local_recipient_maps =
alias_maps =
alias_database =
biff = no
notify_classes =
smtp_dns_support_level = disabled
smtputf8_enable = no
maillog_file_prefixes = {base}
maillog_file = {base}/maillog
{extra}
"""

# The daemons a relay for a few domains needs, and the test's own smtpd port.
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n - n 60  1 pickup
cleanup   unix  n - n -   0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -   - trivial-rewrite
bounce    unix  - - n -   0 bounce
defer     unix  - - n -   0 bounce
trace     unix  - - n -   0 bounce
verify    unix  - - n -   1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -   - proxymap
smtp      unix  - - n -   - smtp
relay     unix  - - n -   - smtp
showq     unix  n - n -   - showq
error     unix  - - n -   - error
retry     unix  - - n -   - error
discard   unix  - - n -   - discard
anvil     unix  - - n -   1 anvil
scache    unix  - - n -   1 scache
postlog   unix-dgram n - n - 1 postlogd
{extra}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Postfix:
    def __init__(self, base: Path, main_extra: list[str], master_extra: list[str],
                 files: dict[str, str]):
        self.postfix = require_program("postfix", "postfix")
        self.base = base
        self.config = base / "etc"
        self.port = free_port()
        for sub in ("etc", "spool", "data"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        shutil.chown(base / "data", "postfix")
        (self.config / "main.cf").write_text(MAIN_CF.format(base=base, extra="\n".join(main_extra)))
        (self.config / "master.cf").write_text(
            MASTER_CF.format(port=self.port, extra="\n".join(master_extra)))
        for name, text in files.items():
            (self.config / name).write_text(text)

    def command(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([self.postfix, "-c", str(self.config), *args],
                              capture_output=True, text=True, timeout=60)

    def start(self) -> None:
        result = self.command("start")
        if result.returncode != 0:
            raise AssertionError(f"postfix did not start:\n{result.stderr}\n{self.log()}")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"postfix never listened on port {self.port}:\n{self.log()}")

    def stop(self) -> None:
        self.command("stop")

    def log(self) -> str:
        path = self.base / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_for_log(self, text: str, seconds: float = 30) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            log = self.log()
            if text in log:
                return log
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared in the mail log:\n{self.log()}")

    def queue(self) -> str:
        postqueue = require_program("postqueue", "postfix")
        return subprocess.run([postqueue, "-c", str(self.config), "-p"], capture_output=True,
                              text=True, timeout=60).stdout


def sudoers_file(name: str, lines: list[str]) -> Path:
    """A rule in /etc/sudoers.d, checked by visudo first; the caller removes it."""
    require_program("sudo", "sudo")
    path = Path("/etc/sudoers.d") / name
    path.write_text("\n".join(lines) + "\n")
    os.chmod(path, 0o440)
    check = subprocess.run(["visudo", "-cf", str(path)], capture_output=True, text=True)
    if check.returncode != 0:
        path.unlink()
        raise AssertionError(f"sudoers rule refused by visudo: {check.stdout}{check.stderr}")
    return path
