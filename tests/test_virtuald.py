"""virtuald on real sockets: each failure's exit status and syslog line, with nothing sent to
the client, and the chroot into the right domain. The super-servers are in
test_virtuald_superservers.py."""

import os
import re
import signal
import socket
import subprocess

import pytest

from tests.conftest import VENV_BIN, require_program
from tests.virtuald_fixtures import SyslogCatcher, has_ipv6_loopback
from virttui.virtuald import core as virtuald

VIRTUALD = str(VENV_BIN / "virtuald")


def connect_and_run(argv, local, env, timeout=30):
    """A one-connection super-server: listen on `local`, connect to it, run argv with the
    accepted socket as fds 0-2. Returns (exit status, what the client received)."""
    family = socket.AF_INET6 if ":" in local else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as listener:
        listener.bind((local, 0))
        listener.listen(1)
        client = socket.create_connection((local, listener.getsockname()[1]), timeout=10)
        server_side, _ = listener.accept()
    with client, server_side:
        result = subprocess.run(argv, stdin=server_side, stdout=server_side, stderr=server_side,
                                env=env, timeout=timeout)
        server_side.close()
        client.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := client.recv(65536):
            received += chunk
    return result.returncode, received


@pytest.fixture
def env(syslog):
    return {"PATH": "/bin:/usr/bin", "VIRTUALD_LOG_SOCKET": str(syslog.path)}


@pytest.fixture
def conf(two_domains, tmp_path):
    path = tmp_path / "conf.test"
    path.write_text(f"127.0.0.2 {two_domains}/d1.example\n"
                    f"127.0.0.3 {two_domains}/d2.example\n"
                    f"::1 {two_domains}/d2.example\n"
                    f"127.0.0.6 {two_domains}/no-such-domain\n"
                    f"127.0.0.7 relative/a.com\n")
    return path


def our_lines(syslog, wait_for):
    return [line for line in syslog.lines(wait_for) if "virtuald[" in line]


@pytest.mark.root
@pytest.mark.parametrize("local, domain", [("127.0.0.2", "d1.example"), ("127.0.0.3", "d2.example")])
def test_each_address_reaches_its_own_domain(conf, env, local, domain):
    status, received = connect_and_run([VIRTUALD, str(conf), "/bin/cat", "/etc/hostname"], local, env)
    assert (status, received) == (0, f"{domain}\n".encode())


@pytest.mark.root
def test_ipv6_loopback_reaches_its_domain(conf, env):
    if not has_ipv6_loopback():
        pytest.skip("this host has no ::1")
    status, received = connect_and_run([VIRTUALD, str(conf), "/bin/cat", "/etc/hostname"], "::1", env)
    assert (status, received) == (0, b"d2.example\n")


@pytest.mark.root
def test_an_ipv4_client_of_a_dual_stack_socket_matches_its_ipv4_line(conf, env):
    if not has_ipv6_loopback():
        pytest.skip("this host has no IPv6")
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        listener.bind(("::", 0))
        listener.listen(1)
        client = socket.create_connection(("127.0.0.3", listener.getsockname()[1]), timeout=10)
        server_side, _ = listener.accept()
        assert server_side.getsockname()[0] == "::ffff:127.0.0.3"
    with client, server_side:
        subprocess.run([VIRTUALD, str(conf), "/bin/cat", "/etc/hostname"], stdin=server_side,
                       stdout=server_side, stderr=server_side, env=env, timeout=30, check=True)
        server_side.close()
        assert client.recv(100) == b"d2.example\n"


@pytest.mark.root
def test_default_line_catches_an_unlisted_address(conf, env, two_domains):
    conf.write_text(conf.read_text() + f"default {two_domains}/d1.example\n")
    status, received = connect_and_run([VIRTUALD, str(conf), "/bin/cat", "/etc/hostname"], "127.0.0.9", env)
    assert (status, received) == (0, b"d1.example\n")


@pytest.mark.root
@pytest.mark.parametrize("how", ["flag", "environment"])
def test_verbose_logs_the_three_lines_of_the_old_daemon_with_one_pid(conf, env, syslog, two_domains, how):
    flag = ["-v"] if how == "flag" else []
    if how == "environment":
        env = {**env, "VIRTUALD_VERBOSE": "1"}
    status, _ = connect_and_run([VIRTUALD, *flag, str(conf), "/bin/true"], "127.0.0.2", env)
    assert status == 0
    lines = our_lines(syslog, "Chroot dir")
    messages = [line.split(": ", 1)[1] for line in lines]
    assert messages == ["Virtuald Starting", "Incoming ip: 127.0.0.2",
                        f"Chroot dir: {two_domains}/d1.example"]
    pids = {line.split("virtuald[", 1)[1].split("]", 1)[0] for line in lines}
    assert len(pids) == 1
    assert all(line.startswith("<27>") for line in lines)  # daemon.err


@pytest.mark.root
def test_argv0_form_runs_the_program_under_another_name(conf, env):
    status, received = connect_and_run(
        [VIRTUALD, "-a", str(conf), "/bin/busybox", "echo", "tcpd-style"], "127.0.0.2", env)
    assert (status, received) == (0, b"tcpd-style\n")


FAILURES = [
    # (arguments, local address, exit status, words of the syslog line)
    (lambda conf: [], "127.0.0.2", virtuald.EXIT_USAGE, "no conf file"),
    (lambda conf: [str(conf)], "127.0.0.2", virtuald.EXIT_USAGE, "no program to run"),
    (lambda conf: ["-x", str(conf), "/bin/true"], "127.0.0.2", virtuald.EXIT_USAGE, "unknown option"),
    (lambda conf: [str(conf), ""], "127.0.0.2", virtuald.EXIT_USAGE, "the program to run is an empty name"),
    (lambda conf: ["", "/bin/true"], "127.0.0.2", virtuald.EXIT_USAGE, "the conf file is an empty name"),
    (lambda conf: ["-a", str(conf), "/bin/busybox", ""], "127.0.0.2", virtuald.EXIT_USAGE,
     "the name to run PROGRAM as is empty"),
    (lambda conf: [str(conf) + ".missing", "/bin/true"], "127.0.0.2", virtuald.EXIT_CONF, "cannot read conf file"),
    (lambda conf: ["/dev/zero", "/bin/true"], "127.0.0.2", virtuald.EXIT_CONF, "not a regular file"),
    (lambda conf: [str(conf.parent), "/bin/true"], "127.0.0.2", virtuald.EXIT_CONF, "not a regular file"),
    (lambda conf: [str(conf), "/bin/true"], "127.0.0.9", virtuald.EXIT_NO_MAPPING, "ip 127.0.0.9 not found"),
    (lambda conf: [str(conf), "/bin/true"], "127.0.0.6", virtuald.EXIT_BAD_DIRECTORY, "missing or not a directory"),
    (lambda conf: [str(conf), "/bin/true"], "127.0.0.7", virtuald.EXIT_BAD_DIRECTORY, "is not an absolute path"),
    (lambda conf: [str(conf), "/bin/no-such-program"], "127.0.0.2", virtuald.EXIT_NOT_FOUND, "not found in the domain"),
]


@pytest.mark.root
@pytest.mark.parametrize("make_args, local, status, words", FAILURES)
def test_each_failure_is_one_syslog_line_a_status_and_silence(conf, env, syslog, make_args, local, status, words):
    code, received = connect_and_run([VIRTUALD, *make_args(conf)], local, env)
    assert code == status
    assert received == b""  # fds 0-2 are the client: nothing reached it
    lines = our_lines(syslog, words)
    assert len(lines) == 1 and words in lines[0], lines
    assert lines[0].startswith("<27>")


@pytest.mark.root
def test_a_fifo_conf_is_refused_without_waiting_for_a_writer(conf, env, syslog, tmp_path):
    fifo = tmp_path / "conf.fifo"
    os.mkfifo(fifo)
    code, received = connect_and_run([VIRTUALD, str(fifo), "/bin/true"], "127.0.0.2", env, timeout=10)
    assert (code, received) == (virtuald.EXIT_CONF, b"")
    assert "not a regular file" in our_lines(syslog, "conf file")[0]


@pytest.mark.root
def test_a_relative_line_for_the_address_is_a_bad_directory_not_the_default(conf, env, syslog, two_domains):
    conf.write_text(f"default {two_domains}/d1.example\n127.0.0.7 relative/a.com\n"
                    f"127.0.0.7 {two_domains}/d2.example\n")
    code, received = connect_and_run([VIRTUALD, str(conf), "/bin/true"], "127.0.0.7", env)
    assert (code, received) == (virtuald.EXIT_BAD_DIRECTORY, b"")
    assert "'relative/a.com' is not an absolute path" in our_lines(syslog, "chroot dir")[0]


@pytest.mark.root
def test_an_internal_error_after_the_chroot_is_still_logged(conf, env, syslog):
    # A bug inside the domain, where the syslog socket's path no longer exists, stands in
    # here for whatever a future bug may be: the guard must still say it.
    code = ("import sys; from virttui.virtuald import connection as virtuald\n"
            "def broken(program, argv, environment): raise RuntimeError('a bug')\n"
            "virtuald.run_program = broken\n"
            "virtuald.entry_point()\n")
    status, received = connect_and_run([str(VENV_BIN / "python"), "-c", code, str(conf), "/bin/true"],
                                       "127.0.0.2", env)
    assert (status, received) == (virtuald.EXIT_INTERNAL, b"")
    assert "internal error: RuntimeError: a bug" in our_lines(syslog, "internal error")[0]


@pytest.mark.root
def test_chroot_refused_without_the_privilege(conf, env, syslog):
    # root without CAP_SYS_CHROOT: what virtuald meets when a super-server runs it as a user
    setpriv = require_program("setpriv", "util-linux")
    code, received = connect_and_run(
        [setpriv, "--bounding-set", "-sys_chroot", VIRTUALD, str(conf), "/bin/true"], "127.0.0.2", env)
    assert (code, received) == (virtuald.EXIT_CHROOT, b"")
    assert "Operation not permitted" in our_lines(syslog, "chroot")[0]


def test_fd0_not_a_socket(conf, env, syslog, tmp_path):
    with open(os.devnull, "rb") as nothing, open(tmp_path / "out", "wb") as out:
        code = subprocess.run([VIRTUALD, str(conf), "/bin/true"], stdin=nothing, stdout=out,
                              stderr=out, env=env, timeout=30).returncode
    assert code == virtuald.EXIT_NOT_A_SOCKET
    assert (tmp_path / "out").read_bytes() == b""
    assert "not a socket" in our_lines(syslog, "getsockname")[0]


def test_a_unix_socket_on_fd0_is_refused(conf, env, syslog, tmp_path):
    left, right = socket.socketpair()
    with left, right:
        code = subprocess.run([VIRTUALD, str(conf), "/bin/true"], stdin=left, stdout=left,
                              stderr=left, env=env, timeout=30).returncode
        left.close()
        right.settimeout(5)
        assert right.recv(100) == b""
    assert code == virtuald.EXIT_NOT_A_SOCKET
    assert "not an IP socket" in our_lines(syslog, "getsockname")[0]


def test_the_import_path_is_the_standard_library_only():
    code = ("import sys; import virttui.virtuald.connection; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('yaml', 'textual', 'rich', 'argparse')]; "
            "print(bad)")
    out = subprocess.run([str(VENV_BIN / "python"), "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.root
def test_a_stuck_syslog_daemon_does_not_hold_the_client(conf, stuck_syslog):
    env = {"PATH": "/bin", "VIRTUALD_LOG_SOCKET": str(stuck_syslog)}
    status, received = connect_and_run([VIRTUALD, "-v", str(conf), "/bin/cat", "/etc/hostname"], "127.0.0.2", env)
    assert (status, received) == (0, b"d1.example\n")


@pytest.mark.root
def test_the_server_gets_sigpipe_back(conf, env):
    # Python ignores SIGPIPE, and exec keeps an ignored signal ignored: a server writing to a
    # client that has gone must die of it, as under any super-server, not loop on EPIPE.
    with socket.socket() as listener:
        listener.bind(("127.0.0.2", 0))
        listener.listen(1)
        socket.create_connection(("127.0.0.2", listener.getsockname()[1]), timeout=10).close()
        server_side, _ = listener.accept()
    with server_side:
        status = subprocess.run([VIRTUALD, str(conf), "/bin/sh", "-c", "while echo x; do :; done"],
                                stdin=server_side, stdout=server_side, stderr=server_side,
                                env=env, timeout=30).returncode
    assert status == -signal.SIGPIPE


LOGS_ON_STDERR = ["/bin/sh", "-c", "echo 'a [log] line' >&2; cat /etc/hostname"]


@pytest.mark.root
def test_stderr_goes_to_the_domains_syslog_with_e_and_to_the_client_without(conf, env, two_domains):
    domain_log = SyslogCatcher(two_domains / "d1.example" / "dev" / "log")   # the domain's own /dev/log
    try:
        plain = connect_and_run([VIRTUALD, str(conf), *LOGS_ON_STDERR], "127.0.0.2", env)
        relayed = connect_and_run([VIRTUALD, "-e", str(conf), *LOGS_ON_STDERR], "127.0.0.2", env)
        lines = domain_log.lines("a [log] line")
    finally:
        domain_log.close()
    assert plain == (0, b"a [log] line\nd1.example\n")   # inetd's way: fd 2 is the client
    assert relayed == (0, b"d1.example\n")
    # facility daemon, severity notice, the server's name and pid: one line of the domain's own
    assert [line for line in lines if re.fullmatch(r"<29>\w{3} [ \d]\d \d\d:\d\d:\d\d sh\[\d+\]: a \[log\] line", line)]
