"""A real rsyslogd, configured by `virttui syslog config`, receives what programs chrooted in
the domains log; `virttui log --domain` finds each line's domain; a restart makes the links
stale, `virttui syslog relink` mends them. Both modes."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN
from tests.jails import build_busybox_root
from tests.rsyslog_instance import Rsyslogd, wait_for_text

pytestmark = pytest.mark.root   # every test here needs root

VIRTTUI = str(VENV_BIN / "virttui")
DOMAINS = ("d1.example", "d2.example")


def settings_file(base: Path, root: Path, mode: str) -> Path:
    path = base / "virttui.yaml"
    path.write_text(f"root: {root}\nlog:\n  socket: {root}/log\n  file: {base}/virtual.log\n  mode: {mode}\n")
    return path


def virttui(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([VIRTTUI, "--config", str(config), *args], capture_output=True, text=True,
                          timeout=60)


def run_in_domain(root: Path, domain: str, *command: str) -> None:
    """virtexec runs the command chrooted; its own log line gives the pid to the domain."""
    environment = {"PATH": os.environ["PATH"], "VIRT_ROOT": str(root),
                   "VIRTEXEC_LOG_SOCKET": str(root / "log")}
    result = subprocess.run([str(VENV_BIN / "virtexec"), "--domain", domain, *command],
                            capture_output=True, text=True, env=environment, timeout=60)
    assert result.returncode == 0, result.stderr


def devlog_states(config: Path) -> dict[str, str]:
    listing = json.loads(virttui(config, "list", "--json").stdout)
    return {d["name"]: d["devlog"] for d in listing["domains"]}


@pytest.fixture
def jail_root(tmp_path):
    return build_busybox_root(tmp_path / "root", DOMAINS)


def test_shared_socket_lines_reach_the_log_with_their_domain_and_survive_a_restart(tmp_path, jail_root):
    config = settings_file(tmp_path, jail_root, "shared")
    generated = virttui(config, "syslog", "config", "--load-module")
    assert generated.returncode == 0, generated.stderr
    daemon = Rsyslogd(tmp_path, generated.stdout, [jail_root / "log"])
    daemon.start()
    try:
        relinked = virttui(config, "syslog", "relink")
        assert relinked.returncode == 0 and "d1.example: linked" in relinked.stdout, relinked.stdout
        run_in_domain(jail_root, "d1.example", "logger", "-t", "webapp", "hello from d1")
        run_in_domain(jail_root, "d2.example", "logger", "-t", "webapp", "hello from d2")
        wait_for_text(tmp_path / "virtual.log", "hello from d2")
        mine = virttui(config, "log", "--domain", "d1.example", "-n", "50").stdout
        assert "hello from d1" in mine and "hello from d2" not in mine
        assert "webapp[" in mine and "domain=d1.example command=logger" in mine

        daemon.restart()  # a new socket: the hard links now lead to the old inode
        assert devlog_states(config) == {"d1.example": "stale", "d2.example": "stale"}
        relinked = virttui(config, "syslog", "relink", "d1.example")
        assert relinked.returncode == 0 and relinked.stdout == "d1.example: relinked\n"
        assert devlog_states(config) == {"d1.example": "linked", "d2.example": "stale"}
        run_in_domain(jail_root, "d1.example", "logger", "-t", "webapp", "after the restart")
        wait_for_text(tmp_path / "virtual.log", "after the restart")
        again = virttui(config, "log", "--domain", "d1.example", "--grep", "after").stdout
        assert "after the restart" in again
    finally:
        daemon.stop()


def test_per_domain_sockets_stamp_every_line_with_its_domain(tmp_path, jail_root):
    config = settings_file(tmp_path, jail_root, "per-domain")
    generated = virttui(config, "syslog", "config", "--load-module")
    assert 'HostName="d1.example"' in generated.stdout and 'HostName="d2.example"' in generated.stdout
    daemon = Rsyslogd(tmp_path, generated.stdout, [jail_root / d / "dev" / "log" for d in DOMAINS])
    daemon.start()
    try:
        assert devlog_states(config) == {"d1.example": "own-socket", "d2.example": "own-socket"}
        refused = virttui(config, "syslog", "relink")  # a link would replace rsyslogd's own socket
        assert refused.returncode == 2 and "per-domain log mode" in refused.stderr
        assert devlog_states(config) == {"d1.example": "own-socket", "d2.example": "own-socket"}
        for domain in DOMAINS:  # plain chroot: no virtexec line, the socket alone says the domain
            subprocess.run(["chroot", str(jail_root / domain), "/bin/logger", "-t", "popd",
                            f"login in {domain}"], check=True, timeout=30)
        log = wait_for_text(tmp_path / "virtual.log", "login in d2.example")
        assert " d1.example popd" in log
        mine = virttui(config, "log", "--domain", "d2.example", "--program", "popd").stdout
        assert mine.strip().endswith("login in d2.example") and "d1.example" not in mine
        daemon.restart()  # each socket recreated where the domain looks: nothing to relink
        subprocess.run(["chroot", str(jail_root / "d1.example"), "/bin/logger", "-t", "popd",
                        "after the restart"], check=True, timeout=30)
        wait_for_text(tmp_path / "virtual.log", "after the restart")
    finally:
        daemon.stop()


def test_relink_never_removes_what_is_not_a_socket_and_says_why(tmp_path, jail_root):
    config = settings_file(tmp_path, jail_root, "shared")
    assert virttui(config, "syslog", "relink").returncode == 2  # no socket yet: nothing to link to
    import socket as socket_module
    listener = socket_module.socket(socket_module.AF_UNIX, socket_module.SOCK_DGRAM)
    listener.bind(str(jail_root / "log"))
    try:
        (jail_root / "d2.example" / "dev" / "log").write_text("someone's notes")
        result = virttui(config, "syslog", "relink")
        assert result.returncode == 1
        assert "d1.example: linked" in result.stdout
        assert "d2.example: refused:" in result.stdout and "not a socket" in result.stdout
        assert (jail_root / "d2.example" / "dev" / "log").read_text() == "someone's notes"
    finally:
        listener.close()


def test_relink_never_links_through_a_dev_the_domain_made_a_link(tmp_path, jail_root):
    """A jailed root makes its dev a link to the host's /dev: the host's /dev/log, a socket
    too, must stay the host's."""
    import socket as socket_module
    config = settings_file(tmp_path, jail_root, "shared")
    host_dev = tmp_path / "host-dev"
    host_dev.mkdir()
    sockets = [socket_module.socket(socket_module.AF_UNIX, socket_module.SOCK_DGRAM) for _ in range(2)]
    sockets[0].bind(str(host_dev / "log"))
    sockets[1].bind(str(jail_root / "log"))
    try:
        host_log = os.stat(host_dev / "log").st_ino
        subprocess.run(["rm", "-r", str(jail_root / "d2.example" / "dev")], check=True)
        (jail_root / "d2.example" / "dev").symlink_to(host_dev)
        result = virttui(config, "syslog", "relink")
        assert result.returncode == 1 and "d1.example: linked" in result.stdout
        assert "d2.example: refused:" in result.stdout and "dev: a symbolic link where a directory is expected" in result.stdout
        assert os.stat(host_dev / "log").st_ino == host_log and os.listdir(host_dev) == ["log"]
    finally:
        for listener in sockets:
            listener.close()


def test_a_domain_on_another_filesystem_is_reported_not_half_linked(tmp_path, jail_root):
    import socket as socket_module
    config = settings_file(tmp_path, jail_root, "shared")
    other_disk = jail_root / "d3.example"
    other_disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(other_disk)], check=True)
    listener = socket_module.socket(socket_module.AF_UNIX, socket_module.SOCK_DGRAM)
    listener.bind(str(jail_root / "log"))
    try:
        result = virttui(config, "syslog", "relink")
        assert result.returncode == 1
        assert "d3.example: refused:" in result.stdout and "another filesystem" in result.stdout
        assert "per-domain mode" in result.stdout and "d1.example: linked" in result.stdout
        assert list((other_disk / "dev").iterdir()) == []
    finally:
        listener.close()
        subprocess.run(["umount", str(other_disk)], check=True)
