"""virtuald as a dispatcher (`virtuald --listen`, `--systemd`) on loopback with real busybox
domains: domains from their own roots, the conf read again while it runs, SIGTERM, the limits,
load (no zombie, flat memory), too few descriptors, a failed fork, and the status file."""

import os
import re
import resource
import shlex
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN, require_program
from tests.virtuald_fixtures import (
    SERVED,
    VIRTUALD,
    Dispatcher,
    SyslogCatcher,
    ask,
    free_port,
    has_ipv6_loopback,
    wait_for_listener,
)
from virttui.virtuald import status as status_file

WAITS_FOR_A_LINE = ["/bin/sh", "-c", "read line; cat /etc/hostname"]  # held open until the client speaks


@pytest.fixture
def conf(two_domains, tmp_path):
    path = tmp_path / "conf.hostname"
    path.write_text(f"127.0.0.2 {two_domains}/d1.example\n127.0.0.3 {two_domains}/d2.example\n")
    return path


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_suffix(".new")
    temporary.write_text(text)
    os.rename(temporary, path)


@pytest.fixture
def dispatchers(tmp_path, syslog, conf):
    started = []

    def start(**kwargs) -> Dispatcher:
        kwargs.setdefault("conf", conf)
        dispatcher = Dispatcher(tmp_path, syslog, **kwargs)
        started.append(dispatcher)
        return dispatcher

    yield start
    for dispatcher in started:
        dispatcher.stop()


def hold(address: str, port: int, source: str | None = None) -> socket.socket:
    """A connection whose server waits for a line."""
    sock = socket.socket()
    sock.settimeout(10)
    if source:
        sock.bind((source, 0))
    sock.connect((address, port))
    return sock


def finish(sock: socket.socket) -> bytes:
    with sock:
        sock.sendall(b"go\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
        return data


def closed_at_once(sock: socket.socket) -> bool:
    with sock:
        sock.settimeout(5)
        try:
            return sock.recv(100) == b""
        except ConnectionResetError:
            return True


def children_of(parents: set) -> dict:
    """pid -> state (R, S, Z ...) of every process whose parent is in `parents`."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) in parents:
                found[int(entry)] = fields[0]
    return found


def zombies_of(parents: set) -> int:
    return list(children_of(parents).values()).count("Z")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.parametrize("spawners", ["2", "0"])
def test_two_domains_answer_from_their_own_roots(dispatchers, syslog, two_domains, spawners):
    dispatcher = dispatchers(options=["-v", "--spawners", spawners])
    assert ask("127.0.0.2", dispatcher.port) == b"d1.example\n"
    assert ask("127.0.0.3", dispatcher.port) == b"d2.example\n"
    lines = syslog.lines(f"Chroot dir: {two_domains}/d2.example")
    assert any(f"Chroot dir: {two_domains}/d1.example" in line for line in lines)
    state = dispatcher.wait_status("served", dispatcher.probes + 2)
    assert state["listen"] == [f"127.0.0.2:{dispatcher.port}", f"127.0.0.3:{dispatcher.port}"]
    [running] = status_file.serving(state["conf"], str(dispatcher.run_dir))
    assert (running.pid, running.served) == (dispatcher.pid, dispatcher.probes + 2)


def test_the_server_gets_tcpserver_s_environment(dispatchers):
    dispatcher = dispatchers(program=["/bin/sh", "-c", "echo $PROTO $TCPLOCALIP $TCPLOCALPORT $TCPREMOTEIP"])
    assert ask("127.0.0.3", dispatcher.port) == f"TCP 127.0.0.3 {dispatcher.port} 127.0.0.1\n".encode()


def test_a_domain_that_cannot_be_served_is_logged_and_closed(dispatchers, syslog, conf, two_domains):
    conf.write_text(f"127.0.0.2 {two_domains}/gone.example\n127.0.0.3 {two_domains}/d2.example\n")
    dispatcher = dispatchers(program=["no-such-server"])
    assert ask("127.0.0.2", dispatcher.port) == b""
    assert ask("127.0.0.3", dispatcher.port) == b""
    lines = syslog.lines("execvp no-such-server failed: not found in the domain")
    assert any(f"chroot dir {two_domains}/gone.example is missing" in line for line in lines)
    assert dispatcher.process.poll() is None


def test_the_conf_edited_while_it_runs(dispatchers, syslog, conf, two_domains):
    conf.write_text(f"127.0.0.2 {two_domains}/d1.example\n")
    dispatcher = dispatchers()
    assert ask("127.0.0.3", dispatcher.port) == b""  # no line for it: closed at once
    assert syslog.lines(f"ip 127.0.0.3 not found in {conf}")
    write_atomically(conf, f"127.0.0.2 {two_domains}/d1.example\n127.0.0.3 {two_domains}/d2.example\n")
    assert ask("127.0.0.3", dispatcher.port) == b"d2.example\n"  # no restart, no signal

    write_atomically(conf, f"127.0.0.2 {two_domains}/d2.example\n127.0.0.3\n")  # broken: kept as it was
    assert ask("127.0.0.2", dispatcher.port) == b"d1.example\n"
    assert ask("127.0.0.3", dispatcher.port) == b"d2.example\n"
    assert any(f"{conf}:2: '127.0.0.3' has no directory" in line and "still serving" in line
               for line in syslog.lines("has no directory"))
    dispatcher.wait_status("conf_kept", check=bool)

    conf.unlink()  # gone: the last good mapping goes on
    assert ask("127.0.0.2", dispatcher.port) == b"d1.example\n"
    assert syslog.lines(f"cannot read conf file {conf}: No such file or directory")

    conf.write_text(f"127.0.0.2 {two_domains}/d2.example\n127.0.0.3 {two_domains}/d2.example\n")
    dispatcher.process.send_signal(signal.SIGHUP)
    assert syslog.lines("SIGHUP: conf file")
    assert ask("127.0.0.2", dispatcher.port) == b"d2.example\n"


def test_sigterm_stops_listening_and_the_started_connections_complete(dispatchers, syslog):
    dispatcher = dispatchers(program=WAITS_FOR_A_LINE)
    held = [hold(("127.0.0.2", "127.0.0.3")[n % 2], dispatcher.port) for n in range(20)]
    dispatcher.wait_status("connections", 20)
    dispatcher.process.send_signal(signal.SIGTERM)
    assert dispatcher.process.wait(timeout=10) == 0
    with socket.socket() as late:
        assert late.connect_ex(("127.0.0.2", dispatcher.port)) != 0
    answers = [finish(sock) for sock in held]
    assert answers == [b"d1.example\n", b"d2.example\n"] * 10
    assert syslog.lines("dispatcher stopping; 20 connections go on")
    assert not list(dispatcher.run_dir.iterdir())  # its status file is gone with it


def test_max_connections_refuses_the_one_over_it(dispatchers, syslog):
    dispatcher = dispatchers(program=WAITS_FOR_A_LINE, options=["--max-connections", "2"])
    held = [hold("127.0.0.2", dispatcher.port), hold("127.0.0.3", dispatcher.port)]
    dispatcher.wait_status("connections", 2)
    assert closed_at_once(hold("127.0.0.2", dispatcher.port))
    assert syslog.lines("--max-connections 2 reached")
    assert [finish(sock) for sock in held] == [b"d1.example\n", b"d2.example\n"]
    dispatcher.wait_status("refused", check=lambda refused: refused["max-connections"] == 1)
    dispatcher.wait_status("connections", 0)
    assert finish(hold("127.0.0.2", dispatcher.port)) == b"d1.example\n"  # room again


def test_per_domain_refuses_only_that_domain(dispatchers, syslog, two_domains):
    dispatcher = dispatchers(program=WAITS_FOR_A_LINE, options=["--per-domain", "1"])
    first = hold("127.0.0.2", dispatcher.port)
    dispatcher.wait_status("connections", 1)
    assert closed_at_once(hold("127.0.0.2", dispatcher.port))
    other = hold("127.0.0.3", dispatcher.port)
    assert (finish(first), finish(other)) == (b"d1.example\n", b"d2.example\n")
    assert any(f"--per-domain 1 reached ({two_domains}/d1.example)" in line
               for line in syslog.lines("--per-domain 1 reached"))


def test_per_client_refuses_only_that_client(dispatchers, syslog):
    dispatcher = dispatchers(program=WAITS_FOR_A_LINE, options=["--per-client", "1"])
    first = hold("127.0.0.2", dispatcher.port, source="127.0.0.10")
    dispatcher.wait_status("connections", 1)
    assert closed_at_once(hold("127.0.0.3", dispatcher.port, source="127.0.0.10"))
    other = hold("127.0.0.2", dispatcher.port, source="127.0.0.11")
    assert (finish(first), finish(other)) == (b"d1.example\n", b"d1.example\n")
    assert any("refused 127.0.0.10 on 127.0.0.3: --per-client 1 reached" in line
               for line in syslog.lines("--per-client 1 reached"))


def test_clients_that_send_nothing_cost_the_dispatcher_nothing(dispatchers):
    dispatcher = dispatchers(program=WAITS_FOR_A_LINE)
    descriptors = len(os.listdir(f"/proc/{dispatcher.pid}/fd"))
    silent = [hold(("127.0.0.2", "127.0.0.3")[n % 2], dispatcher.port) for n in range(100)]
    dispatcher.wait_status("connections", 100)
    # it keeps no descriptor of theirs and reads nothing from them: each holds only its server
    assert len(os.listdir(f"/proc/{dispatcher.pid}/fd")) <= descriptors + 2
    started = time.monotonic()
    assert finish(hold("127.0.0.3", dispatcher.port)) == b"d2.example\n"
    assert time.monotonic() - started < 2
    assert [finish(sock) for sock in silent[:2]] == [b"d1.example\n", b"d2.example\n"]
    for sock in silent[2:]:
        sock.close()
    dispatcher.wait_status("connections", 0)


@pytest.mark.parametrize("spawners", ["2", "0"])
def test_two_thousand_connections_from_64_clients(dispatchers, spawners):
    dispatcher = dispatchers(options=["--spawners", spawners])
    processes = {dispatcher.pid, *dispatcher.status()["spawners"]}
    wrong, rss = [], {}
    lock = threading.Lock()

    def client(number: int, count: int) -> None:
        for n in range(count):
            address, expected = (("127.0.0.2", b"d1.example\n"), ("127.0.0.3", b"d2.example\n"))[(number + n) % 2]
            answer = ask(address, dispatcher.port)
            if answer != expected:
                with lock:
                    wrong.append((address, answer))

    for half in ("first", "last"):
        threads = [threading.Thread(target=client, args=(number, 1000 // 64 + (number < 1000 % 64)))
                   for number in range(64)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rss[half] = sum(rss_kib(pid) for pid in processes)
    assert wrong == []
    dispatcher.wait_status("served", dispatcher.probes + 2000)
    state = dispatcher.wait_status("connections", 0)
    assert sum(state["refused"].values()) == 0
    deadline = time.monotonic() + 5
    while zombies_of(processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert zombies_of(processes) == 0
    assert rss["last"] - rss["first"] < 512, rss  # KiB: no growth with the load


def test_too_few_descriptors_pause_accepting_until_there_are_some(dispatchers, syslog):
    dispatcher = dispatchers(preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64)))
    assert ask("127.0.0.2", dispatcher.port) == b"d1.example\n"
    in_use = len(os.listdir(f"/proc/{dispatcher.pid}/fd"))
    resource.prlimit(dispatcher.pid, resource.RLIMIT_NOFILE, (in_use, 64))  # not one left for accept
    waiting = []
    for n in range(5):
        sock = socket.create_connection((("127.0.0.2", "127.0.0.3")[n % 2], dispatcher.port), timeout=20)
        sock.shutdown(socket.SHUT_WR)
        waiting.append(sock)
    assert syslog.lines("Too many open files; pausing")
    time.sleep(0.3)
    assert dispatcher.process.poll() is None, syslog.lines()
    resource.prlimit(dispatcher.pid, resource.RLIMIT_NOFILE, (64, 64))
    answers = []
    for sock in waiting:
        with sock:
            answers.append(sock.recv(100))
    assert answers == [b"d1.example\n", b"d2.example\n"] * 2 + [b"d1.example\n"]
    assert syslog.lines("accepting again")
    assert ask("127.0.0.3", dispatcher.port) == b"d2.example\n"


def pids_cgroup(name: str) -> Path | None:
    """A new pids cgroup (v1 or v2) if this machine lets root make one."""
    for parent in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
        if (parent / "cgroup.procs").exists() and (parent / "pids.max").exists() or (
                parent / "cgroup.procs").exists() and parent.name == "pids":
            try:
                group = parent / name
                group.mkdir()
                if (group / "pids.max").exists():
                    return group
                group.rmdir()
            except OSError:
                continue
    return None


def test_a_failed_fork_closes_that_connection_and_goes_on(dispatchers, syslog):
    dispatcher = dispatchers()
    group = pids_cgroup(f"virttui-test-{os.getpid()}")
    if group is None:
        pytest.skip("no pids cgroup can be made here to make fork fail")
    try:
        processes = [dispatcher.pid, *dispatcher.status()["spawners"]]
        (group / "pids.max").write_text(f"{len(processes)}\n")
        for pid in processes:
            (group / "cgroup.procs").write_text(f"{pid}\n")
        assert ask("127.0.0.2", dispatcher.port) == b""
        assert syslog.lines("fork failed: Resource temporarily unavailable; closed the connection")
        (group / "pids.max").write_text("max\n")
        assert ask("127.0.0.2", dispatcher.port) == b"d1.example\n"
        dispatcher.wait_status("refused", check=lambda refused: refused["fork-failed"] == 1)
    finally:
        root_procs = group.parent / "cgroup.procs"
        for pid in (group / "cgroup.procs").read_text().split():
            try:
                root_procs.write_text(f"{pid}\n")
            except OSError:
                pass
        group.rmdir()


def test_a_spawner_that_dies_is_replaced(dispatchers, syslog):
    dispatcher = dispatchers()
    first, second = dispatcher.status()["spawners"]
    os.kill(first, signal.SIGKILL)
    assert syslog.lines(f"spawner {first} ended (killed by signal 9)")
    assert [ask("127.0.0.2", dispatcher.port) for _ in range(4)] == [b"d1.example\n"] * 4
    state = dispatcher.wait_status("spawners", check=lambda pids: len(pids) == 2 and first not in pids)
    assert second in state["spawners"]
    assert ask("127.0.0.3", dispatcher.port) == b"d2.example\n"


def test_a_stuck_syslog_never_holds_accept(tmp_path, conf, stuck_syslog):
    class Stuck:
        path = stuck_syslog

    dispatcher = Dispatcher(tmp_path, Stuck, conf, options=["-v"])
    try:
        assert [ask("127.0.0.2", dispatcher.port) for _ in range(50)] == [b"d1.example\n"] * 50
    finally:
        dispatcher.stop()


@pytest.mark.root
def test_systemd_passes_the_listening_socket(tmp_path, syslog, conf):
    activate = require_program("systemd-socket-activate", "systemd")
    port = free_port("127.0.0.3")
    process = subprocess.Popen(
        [activate, "-l", f"127.0.0.3:{port}", "-E", f"VIRTUALD_LOG_SOCKET={syslog.path}", VIRTUALD, "--systemd", "--status-dir", str(tmp_path / "run"),
         str(conf), *SERVED],
        env={"PATH": "/bin:/usr/bin", "VIRTUALD_LOG_SOCKET": str(syslog.path)},
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_listener("127.0.0.3", port)  # systemd-socket-activate's socket, virtuald's once started
        assert ask("127.0.0.3", port) == b"d2.example\n"
        assert syslog.lines(f"dispatcher listening on 127.0.0.3:{port}")
        [running] = status_file.serving(conf, str(tmp_path / "run"))
        os.kill(running.pid, signal.SIGTERM)
        assert syslog.lines("dispatcher stopping")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


@pytest.mark.parametrize("arguments, status, message", [
    (["--listen", "127.0.0.2"], 64, "--listen '127.0.0.2': write ADDRESS:PORT"),
    (["--listen", "127.0.0.2:0"], 64, "the port must be 1-65535"),
    (["--listen", "127.0.0.2:1", "--systemd"], 64, "not both"),
    (["--listen", "127.0.0.2:1", "--per-client", "x"], 64, "--per-client 'x': give a whole number"),
    (["--listen", "127.0.0.2:1", "--bogus"], 64, "unknown option '--bogus'"),
    (["--listen", "127.0.0.2:1", "{conf}"], 64, "give CONF and PROGRAM"),
    (["--systemd"], 71, "--systemd: no sockets passed to this process"),
    (["--listen", "127.0.0.2:{port}"], 66, "cannot read conf file {conf}.missing"),
    (["--listen", "127.0.0.2:{busy}"], 71, "cannot listen on 127.0.0.2:{busy}: Address already in use"),
])
def test_bad_starts_are_one_line_and_a_status(arguments, status, message, conf, syslog, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.2", 0))
        busy.listen(1)
        values = {"conf": str(conf), "port": free_port("127.0.0.2"), "busy": busy.getsockname()[1]}
        argv = [arg.format(**values) for arg in arguments]
        if "{conf}" not in arguments:
            argv += [str(conf) + (".missing" if status == 66 else ""), *SERVED]
        result = subprocess.run([VIRTUALD, *argv],
                                capture_output=True, text=True, timeout=30,
                                env={"PATH": "/bin", "VIRTUALD_LOG_SOCKET": str(syslog.path)})
    expected = message.format(**values)
    assert result.returncode == status
    assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_status_file_left_by_a_killed_dispatcher_is_not_read(tmp_path, conf):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    state = {"pid": os.getpid(), "start_time": status_file.process_start_time(os.getpid()), "conf": str(conf),
             "listen": ["127.0.0.2:21"], "connections": 3, "domains": {"/v/d1.example": 3}, "served": 9,
             "refused": {"per-client": 2}}
    status_file.write(str(run_dir / "virtuald-1.json"), state)
    status_file.write(str(run_dir / "virtuald-2.json"), {**state, "start_time": state["start_time"] + 1})
    (run_dir / "virtuald-3.json").write_text("{half")
    [alive] = status_file.serving(conf, str(run_dir))
    assert (alive.connections, alive.refused_by_limits) == (3, 2)
    assert status_file.summary(alive) == (f"dispatcher pid {os.getpid()} on 127.0.0.2:21: 3 connections now "
                                          "(d1.example 3), 9 served, 2 refused by limits")
    assert status_file.serving(tmp_path / "other", str(run_dir)) == []


def printed_by_virttui_service(style: str, conf, port: int) -> str:
    return subprocess.run(
        [str(VENV_BIN / "virttui"), "service", "hostname", "--conf", str(conf), "--style", style,
         "--virtuald", VIRTUALD, "--listen", f"127.0.0.2:{port}", "--listen", f"127.0.0.3:{port}", "--", *SERVED],
        capture_output=True, text=True, check=True).stdout


@pytest.mark.root
def test_the_dispatcher_command_virttui_service_prints_serves_each_domain(tmp_path, syslog, conf):
    port = free_port("127.0.0.2")
    command = shlex.split(printed_by_virttui_service("dispatcher", conf, port))
    assert command[:5] == [VIRTUALD, "--listen", f"127.0.0.2:{port}", "--listen", f"127.0.0.3:{port}"]
    process = subprocess.Popen(command, env={"PATH": "/bin", "VIRTUALD_LOG_SOCKET": str(syslog.path)},
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        wait_for_listener("127.0.0.3", port)
        assert (ask("127.0.0.2", port), ask("127.0.0.3", port)) == (b"d1.example\n", b"d2.example\n")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


@pytest.mark.root
def test_the_systemd_dispatcher_units_virttui_service_prints_serve_each_domain(tmp_path, syslog, conf):
    """The .socket's ListenStream lines and the .service's ExecStart, run as systemd would run
    them (systemd-socket-activate: the sockets on fds 3..., LISTEN_FDS, LISTEN_PID)."""
    activate = require_program("systemd-socket-activate", "systemd")
    port = free_port("127.0.0.2")
    units = printed_by_virttui_service("systemd-dispatcher", conf, port)
    socket_unit, service_unit = units.split("\n\n# ")
    assert "Accept=no" in socket_unit and "KillMode=process" in service_unit
    listen = [line.split("=", 1)[1] for line in socket_unit.splitlines() if line.startswith("ListenStream=")]
    [exec_start] = [line.split("=", 1)[1] for line in service_unit.splitlines() if line.startswith("ExecStart=")]
    command = shlex.split(exec_start) + ["--status-dir", str(tmp_path / "run")]
    command = command[:2] + command[-2:] + command[2:-2]  # the test's status directory, among the options
    process = subprocess.Popen(
        [activate, *(f"--listen={address}" for address in listen), "-E", f"VIRTUALD_LOG_SOCKET={syslog.path}",
         "-E", "PATH=/bin", *command],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_listener("127.0.0.2", port)
        assert (ask("127.0.0.2", port), ask("127.0.0.3", port)) == (b"d1.example\n", b"d2.example\n")
        [running] = status_file.serving(conf, str(tmp_path / "run"))
        assert running.listen == [f"127.0.0.2:{port}", f"127.0.0.3:{port}"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def test_a_names_the_program_as_per_connection(dispatchers):
    dispatcher = dispatchers(program=["/bin/cat", "echo", "run as echo"], options=["-a"])
    assert ask("127.0.0.2", dispatcher.port) == b"run as echo\n"  # busybox, run as "echo", not as "cat"


@pytest.mark.parametrize("spawners", ["2", "0"])
def test_the_server_holds_the_client_on_fds_0_to_2_and_nothing_else(dispatchers, spawners):
    """No descriptor of the dispatcher (its listeners, the real root it comes back through,
    the syslog socket) reaches a server: none could lead out of the domain."""
    dispatcher = dispatchers(program=WAITS_FOR_A_LINE, options=["--spawners", spawners])
    sock = hold("127.0.0.3", dispatcher.port)
    state = dispatcher.wait_status("connections", 1)
    parents = {dispatcher.pid, *state["spawners"]}
    [server] = [pid for pid in children_of(parents) if pid not in parents]
    fds = {int(fd): os.readlink(f"/proc/{server}/fd/{fd}") for fd in os.listdir(f"/proc/{server}/fd")}
    assert sorted(fds) == [0, 1, 2] and len(set(fds.values())) == 1 and fds[0].startswith("socket:")
    assert os.readlink(f"/proc/{server}/root").endswith("/d2.example")
    assert finish(sock) == b"d2.example\n"


def test_lines_reach_a_syslog_daemon_started_again(tmp_path, conf, two_domains):
    """rsyslogd recreates its socket when it restarts: the dispatcher connects again."""
    conf.write_text(f"127.0.0.2 {two_domains}/d1.example\n")
    first = SyslogCatcher(tmp_path / "log.sock")
    dispatcher = Dispatcher(tmp_path, first, conf)
    try:
        assert first.lines("dispatcher listening on")
        first.close()
        (tmp_path / "log.sock").unlink()
        again = SyslogCatcher(tmp_path / "log.sock")
        try:
            assert ask("127.0.0.3", dispatcher.port) == b""
            assert again.lines("ip 127.0.0.3 not found")
        finally:
            again.close()
    finally:
        dispatcher.stop()


def test_ipv6_and_a_wildcard_listener(dispatchers, conf, two_domains):
    """A wildcard listener finds each connection's domain by its local address; IPv6 when the
    machine has a loopback for it."""
    conf.write_text(f"127.0.0.2 {two_domains}/d1.example\n127.0.0.3 {two_domains}/d2.example\n"
                    f"::1 {two_domains}/d2.example\n")
    dispatcher = dispatchers(addresses=("0.0.0.0", *(["::1"] if has_ipv6_loopback() else [])))
    assert (ask("127.0.0.2", dispatcher.port), ask("127.0.0.3", dispatcher.port)) == (b"d1.example\n",
                                                                                      b"d2.example\n")
    if has_ipv6_loopback():
        assert ask("::1", dispatcher.port) == b"d2.example\n"


LOGS_ON_STDERR = ["/bin/sh", "-c", "echo 'a [log] line' >&2; cat /etc/hostname"]


@pytest.mark.parametrize("spawners", ["2", "0"])
def test_stderr_goes_to_the_domains_syslog_with_e_and_to_the_client_without(dispatchers, two_domains, spawners):
    domain_log = SyslogCatcher(two_domains / "d1.example" / "dev" / "log")   # the domain's own /dev/log
    try:
        plain = dispatchers(program=LOGS_ON_STDERR, options=["--spawners", spawners])
        assert ask("127.0.0.2", plain.port) == b"a [log] line\nd1.example\n"   # fd 2 is the client's socket
        relayed = dispatchers(program=LOGS_ON_STDERR, options=["--spawners", spawners, "-e"])
        assert ask("127.0.0.2", relayed.port) == b"d1.example\n"
        lines = domain_log.lines("a [log] line")
    finally:
        domain_log.close()
    assert [line for line in lines if re.fullmatch(r"<29>\w{3} [ \d]\d \d\d:\d\d:\d\d sh\[\d+\]: a \[log\] line", line)]


@pytest.mark.parametrize("spawners", ["2", "0"])
def test_stderr_of_a_server_that_outlives_the_dispatcher_is_still_relayed(dispatchers, two_domains, spawners):
    domain_log = SyslogCatcher(two_domains / "d1.example" / "dev" / "log")
    try:
        dispatcher = dispatchers(program=["/bin/sh", "-c", "read line; echo \"said $line\" >&2; cat /etc/hostname"],
                                 options=["--spawners", spawners, "-e"])
        held = hold("127.0.0.2", dispatcher.port)
        dispatcher.wait_status("connections", 1)
        dispatcher.process.send_signal(signal.SIGTERM)
        assert dispatcher.process.wait(timeout=10) == 0
        assert finish(held) == b"d1.example\n"   # no SIGPIPE: someone still reads its standard error
        assert any(line.endswith("]: said go") for line in domain_log.lines("said go"))
    finally:
        domain_log.close()
