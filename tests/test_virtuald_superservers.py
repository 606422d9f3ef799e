"""virtuald behind real super-servers on loopback: tcpserver (ucspi-tcp) and xinetd, the
latter configured with what `virttui service --style xinetd` prints."""

import subprocess
import time

import pytest

from tests.conftest import VENV_BIN, require_program
from tests.virtuald_fixtures import ask, free_port, has_ipv6_loopback, wait_for_listener

VIRTUALD = str(VENV_BIN / "virtuald")
SERVED = ["/bin/cat", "/etc/hostname"]  # each domain answers with its own name


@pytest.fixture
def conf(two_domains, tmp_path):
    path = tmp_path / "conf.hostname"
    path.write_text(f"127.0.0.2 {two_domains}/d1.example\n"
                    f"127.0.0.3 {two_domains}/d2.example\n"
                    f"::1\t{two_domains}/d2.example\r\n"
                    f"default {two_domains}/d1.example\n"
                    f"127.0.0.5 {two_domains}/gone.example")
    return path


@pytest.mark.root
def test_tcpserver_serves_each_domain_on_its_address(conf, syslog, daemons):
    tcpserver = require_program("tcpserver", "ucspi-tcp")
    env = {"PATH": "/bin:/usr/bin", "VIRTUALD_LOG_SOCKET": str(syslog.path)}
    port = free_port("127.0.0.2")
    for address in ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"):
        daemons.start([tcpserver, "-R", "-H", "-l", "0", address, str(port), VIRTUALD, "-v", str(conf), *SERVED], env)
    for address in ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"):
        wait_for_listener(address, port)
    assert ask("127.0.0.2", port) == b"d1.example\n"
    assert ask("127.0.0.3", port) == b"d2.example\n"
    assert ask("127.0.0.4", port) == b"d1.example\n"  # not listed: the default line
    assert ask("127.0.0.5", port) == b""  # its directory is gone: the connection just ends
    lines = syslog.lines("gone.example is missing")
    assert any("Incoming ip: 127.0.0.3" in line for line in lines)
    assert any(f"chroot dir {conf.parent}/root/gone.example is missing" in line for line in lines)


def xinetd_config(tmp_path, conf, port, addresses) -> str:
    listen = [arg for address in addresses
              for arg in ("--listen", f"[{address}]:{port}" if ":" in address else f"{address}:{port}")]
    printed = subprocess.run(
        [str(VENV_BIN / "virttui"), "service", "hostname", "--conf", str(conf), "--style", "xinetd",
         "--virtuald", VIRTUALD, *listen, "--", *SERVED],
        capture_output=True, text=True, check=True).stdout
    assert printed.count("service hostname") == len(addresses)
    defaults = "defaults\n{\n\tinstances = 20\n\tlog_type = FILE %s\n}\n" % (tmp_path / "xinetd.log")
    return defaults + "\n" + printed


@pytest.mark.root
def test_xinetd_configured_by_virttui_service_serves_each_domain(conf, syslog, daemons, tmp_path):
    xinetd = require_program("xinetd", "xinetd")
    port = free_port("127.0.0.2")
    addresses = ["127.0.0.2", "127.0.0.3", "127.0.0.4"] + (["::1"] if has_ipv6_loopback() else [])
    config = tmp_path / "xinetd.conf"
    config.write_text(xinetd_config(tmp_path, conf, port, addresses))
    env = {"PATH": "/bin:/usr/bin", "VIRTUALD_LOG_SOCKET": str(syslog.path)}
    daemons.start([xinetd, "-dontfork", "-f", str(config), "-pidfile", str(tmp_path / "xinetd.pid")], env)
    for address in addresses:
        wait_for_listener(address, port)
    assert ask("127.0.0.2", port) == b"d1.example\n"
    assert ask("127.0.0.3", port) == b"d2.example\n"
    assert ask("127.0.0.4", port) == b"d1.example\n"  # the default line
    if "::1" in addresses:
        assert ask("::1", port) == b"d2.example\n"


@pytest.mark.root
def test_xinetd_failure_ends_the_connection_and_logs(conf, syslog, daemons, tmp_path):
    xinetd = require_program("xinetd", "xinetd")
    port = free_port("127.0.0.5")
    config = tmp_path / "xinetd.conf"
    config.write_text(xinetd_config(tmp_path, conf, port, ["127.0.0.5"]))
    env = {"PATH": "/bin:/usr/bin", "VIRTUALD_LOG_SOCKET": str(syslog.path)}
    daemons.start([xinetd, "-dontfork", "-f", str(config), "-pidfile", str(tmp_path / "xinetd.pid")], env)
    wait_for_listener("127.0.0.5", port)
    started = time.monotonic()
    assert ask("127.0.0.5", port) == b""
    assert time.monotonic() - started < 5
    assert any("gone.example is missing" in line for line in syslog.lines("gone.example"))


@pytest.mark.root
def test_new_session_keeps_the_super_server_alive_when_the_server_signals_its_group(conf, syslog, daemons):
    """A server that signals its whole process group at exit (as smbd does) reaches tcpserver
    unless virtuald -s started it in a session of its own."""
    tcpserver = require_program("tcpserver", "ucspi-tcp")
    env = {"PATH": "/bin:/usr/bin", "VIRTUALD_LOG_SOCKET": str(syslog.path)}
    group_killer = ["/bin/sh", "-c", "cat /etc/hostname; kill -TERM 0"]
    port = free_port("127.0.0.2")
    with_session = daemons.start([tcpserver, "-R", "-H", "-l", "0", "127.0.0.2", str(port),
                                  VIRTUALD, "-s", str(conf), *group_killer], env)
    without = daemons.start([tcpserver, "-R", "-H", "-l", "0", "127.0.0.3", str(port),
                             VIRTUALD, str(conf), *group_killer], env)
    wait_for_listener("127.0.0.2", port)
    for _ in range(3):
        assert ask("127.0.0.2", port) == b"d1.example\n"
    assert with_session.poll() is None
    # The control: the first connection (wait_for_listener's) signals tcpserver's group too,
    # and tcpserver ends on SIGTERM (with status 0).
    wait_for_listener("127.0.0.3", port)
    without.wait(timeout=5)
