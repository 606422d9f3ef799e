"""Two domains built by virtfs and served as a customer sees them: the host's Postfix on each
domain's own address delivering through virtmailfilter, and POP3 and IMAP per connection
through virtuald under tcpserver, each server the catalog's argv inside the domain."""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import VENV_BIN, require_program
from tests.postfix_instance import Postfix, sudoers_file
from tests.virtuald_fixtures import free_port, wait_for_listener
from virttui.domains.accounts import add_user
from virttui.services.catalog import load_services

ADDRESSES = {"alpha.example": "127.0.0.2", "beta.example": "127.0.0.3"}
PASSWORDS = {"alpha.example": "alpha-Secret-1", "beta.example": "beta-Secret-2"}
HOST_PROGRAMS = (("tcpserver", "ucspi-tcp"), ("postfix", "postfix"), ("postmap", "postfix"),
                 ("sudo", "sudo"), ("pop3front-auth", "mailfront"), ("imapfront-auth", "mailfront"),
                 ("cvm-unix", "cvm"), ("/usr/lib/dovecot/imap", "dovecot-imapd"))


def build_domains(root: Path, profiles: tuple[str, ...]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for domain in ADDRESSES:
        built = subprocess.run([str(VENV_BIN / "virtfs"), "--root", str(root),
                                *(f"--profile={p}" for p in profiles), domain],
                               capture_output=True, text=True, timeout=300)
        assert built.returncode == 0, built.stderr


def add_bob(root: Path) -> None:
    """bob in each domain, with that domain's password, added as the app adds a user."""
    for domain, password in PASSWORDS.items():
        runs = add_user(root, domain, "bob", "Bob", password)
        assert [run.status for run in runs] == [0, 0, 0], runs


def write_conf(root: Path, service: str) -> Path:
    path = root / f"conf.{service}"
    path.write_text("".join(f"{address} {root / domain}\n" for domain, address in ADDRESSES.items()))
    return path


@dataclass
class Servers:
    """tcpserver processes, each in a session of its own, stopped together."""
    log: Path
    processes: list = field(default_factory=list)

    def serve(self, conf: Path, argv: tuple[str, ...]) -> int:
        tcpserver = require_program("tcpserver", "ucspi-tcp")
        port = free_port("127.0.0.2")
        environment = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "VIRTUALD_LOG_SOCKET": "/nonexistent"}
        with open(self.log, "ab") as log:
            for address in ADDRESSES.values():
                self.processes.append(subprocess.Popen(
                    [tcpserver, "-R", "-H", "-l", "0", address, str(port), str(VENV_BIN / "virtuald"),
                     str(conf), *argv], env=environment, stdin=subprocess.DEVNULL, stdout=log,
                    stderr=log, start_new_session=True))
        for address in ADDRESSES.values():
            wait_for_listener(address, port)
        return port

    def stop(self) -> None:
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)


def serve_mailboxes(root: Path, servers: Servers) -> dict[str, int]:
    """POP3 and IMAP on both addresses, each through virtuald with the catalog's argv."""
    catalog = load_services()
    return {name: servers.serve(write_conf(root, name), catalog[name].argv) for name in ("pop3", "imap")}


def printed_parts(text: str) -> dict[str, list[str]]:
    """`virttui mail wiring` output as file -> its lines (every block starts with its reason)."""
    parts: dict[str, list[str]] = {}
    for block in text.strip().split("\n\n"):
        heading, *lines = block.split("\n")
        assert heading.startswith("# ") and ": " in heading, block
        parts.setdefault(heading[2:].split(": ", 1)[0], []).extend(lines)
    return parts


def host_postfix(root: Path, smtp_port: int) -> Postfix:
    """The host's Postfix as `virttui mail wiring --mta postfix` prints it for every domain of
    the root (their addresses from conf.smtp), the pipe run as nobody through sudo."""
    write_conf(root, "smtp")
    printed = subprocess.run(
        [str(VENV_BIN / "virttui"), "--root", str(root), "mail", "wiring", "--mta", "postfix",
         "--user", "nobody", "--filter", str(VENV_BIN / "virtmailfilter"), "--port", str(smtp_port)],
        capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    parts = printed_parts(printed.stdout)
    base = Path(tempfile.mkdtemp(prefix="virttui-mailsvc-"))   # pytest's tmp is closed to postfix
    base.chmod(0o755)
    config = base / "etc"
    main_cf = [line.replace("/etc/postfix/", f"{config}/") for line in parts["/etc/postfix/main.cf"]]
    files = {name: "\n".join(parts[f"/etc/postfix/{name}"]) + "\n" for name in ("transport", "sender_transport")}
    instance = Postfix(base, [*main_cf, "message_size_limit = 40000000"], parts["/etc/postfix/master.cf"], files)
    for name in files:
        subprocess.run([require_program("postmap", "postfix"), "-c", str(config), f"hash:{config}/{name}"],
                       check=True)
    instance.sudoers = sudoers_file(f"virttui-test-mailsvc-{os.getpid()}", parts["/etc/sudoers.d/virtmail"])
    instance.start()
    for address in ADDRESSES.values():
        wait_for_listener(address, smtp_port)
    return instance


def stop_postfix(instance: Postfix) -> None:
    instance.stop()
    instance.sudoers.unlink()
    shutil.rmtree(instance.base, ignore_errors=True)


def maildir(root: Path, domain: str, user: str = "bob") -> Path:
    return root / domain / "home" / user / "Maildir"


def messages(directory: Path) -> list[Path]:
    return sorted(p for sub in ("new", "cur") for p in (directory / sub).iterdir())


def wait_for_message(directory: Path, marker: bytes, timeout: float = 60) -> Path:
    """The message file in new/ or cur/ holding `marker`, once delivery has put it there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in messages(directory):
            try:
                if marker in path.read_bytes():
                    return path
            except FileNotFoundError:
                continue
        time.sleep(0.1)
    raise AssertionError(f"{marker!r} never reached {directory}")
