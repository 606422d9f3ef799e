"""virtuald as a dispatcher: it listens itself (or takes the sockets systemd passes) and, for
each connection, starts the server in the domain the local address maps to: a child in a
session of its own, chrooted there, with the client's socket on fds 0-2 (spawn.py says how:
posix_spawn from inside the domain's root, no Python in the child).

    virtuald --listen ADDR:PORT [--listen ...] [options] CONF PROGRAM [ARG...]
    virtuald --systemd [options] CONF PROGRAM [ARG...]

Options: -v (log each connection's address and directory), -a (the first ARG is the name to
run PROGRAM as, like the per-connection -a), -s (accepted: every child has its own session),
-e (the server's standard error to the domain's syslog, stderr_relay.py),
--max-connections N (default 256), --per-domain N, --per-client N (0: no limit),
--status-dir DIR (default /run/virtuald; '' for no status file), --backlog N (default 128),
--spawners N (default 2; 0: the dispatcher starts each server itself, spawners.py says why).

The dispatcher never reads from a client. It looks the local address up in the conf mapping
it keeps (getsockname, and only for a wildcard listener), checks the limits, and starts the
server; over a limit, with no line for the address, or when the server cannot be started
(no directory, no program: the per-connection mode's syslog lines), the connection is closed
at once and a line logged. The conf file is checked with a stat when connections come and
read again when it changed, or at SIGHUP; a new conf with an error, or a file gone, keeps
the mapping in use (logged). SIGTERM or SIGINT: stop listening and exit 0 while the
connections already started go on (their servers are in sessions of their own). Too many
open files on accept pauses accepting (logged, retried, backing off up to a second); a
failed fork (EAGAIN) closes that connection (logged); children are reaped as they end.
Syslog lines are sent without waiting; the socket is connected again when syslog restarts.

Exit statuses: 0 stopped by SIGTERM or SIGINT; 64 usage (also printed on stderr); 66 CONF
cannot be read at start; 70 an internal error (or it could not leave a domain's root);
71 cannot listen (or no socket from systemd).
"""

# The C modules under `signal` and `socket`: the same calls without the enum set-up.
import _signal
import _socket as socket
import errno
import os
import select
import sys
import time

from virttui.conf.conffile import canonical_address
from virttui.syslog_send import LOG_ERR, LOG_NOTICE, SyslogSender
from virttui.virtuald import core, listen, spawners, status
from virttui.virtuald.core import EXIT_INTERNAL, EXIT_USAGE, Failure
from virttui.virtuald.limits import CANNOT_START, FORK_FAILED, NO_DOMAIN, REFUSALS, Connections, Limits
from virttui.virtuald.spawn import drain, ended_children, open_real_root, start_server
from virttui.virtuald.stderr_relay import StderrLines, relay_in_background, server_name
from virttui.virtuald.watch import ConfWatch

EXIT_LISTEN = 71
ACCEPT_BATCH = 64
STATUS_EVERY = 1.0
PAUSE_FIRST, PAUSE_MOST = 0.05, 1.0
RESOURCE_ERRORS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
SYSTEMD_VARIABLES = ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES")
INTEGER_OPTIONS = {"--max-connections": "max_connections", "--per-domain": "per_domain",
                   "--per-client": "per_client", "--backlog": "backlog", "--spawners": "spawners"}
RESPAWN_EVERY = 1.0


class Options:
    def __init__(self):
        self.listen = []
        self.systemd = False
        self.verbose = False
        self.own_argv0 = False
        self.stderr_log = False
        self.max_connections = 256
        self.per_domain = 0
        self.per_client = 0
        self.backlog = 128
        self.spawners = 2
        self.status_dir = status.RUN_DIR
        self.conf = ""
        self.program = ""
        self.argv = []


def usage(message: str) -> Failure:
    return Failure(EXIT_USAGE, f"invalid arguments: {message}")


def parse_arguments(args: list, environ) -> Options:
    options = Options()
    options.verbose = environ.get("VIRTUALD_VERBOSE") == "1"
    while args and args[0].startswith("-") and args[0] != "-":
        option = args.pop(0)
        name, equals, value = option.partition("=")
        if option == "--":
            break
        if name in ("--listen", "--status-dir", *INTEGER_OPTIONS) and not equals:
            if not args:
                raise usage(f"{option} needs a value")
            value = args.pop(0)
        if name == "--listen":
            try:
                options.listen.append(listen.parse_listen(value))
            except listen.ListenError as error:
                raise usage(str(error)) from None
        elif name in INTEGER_OPTIONS:
            if not value.isascii() or not value.isdigit():
                raise usage(f"{name} {value!r}: give a whole number (0: no limit)")
            setattr(options, INTEGER_OPTIONS[name], int(value))
        elif name == "--status-dir":
            options.status_dir = value
        elif option == "--systemd":
            options.systemd = True
        elif option == "-v":
            options.verbose = True
        elif option == "-a":
            options.own_argv0 = True
        elif option == "-e":
            options.stderr_log = True
        elif option != "-s":  # every child has a session of its own: -s is what it always does
            raise usage(f"unknown option {option!r}")
    if options.systemd == bool(options.listen):
        raise usage("give --listen ADDR:PORT (one or more) or --systemd, not both")
    if options.status_dir and not options.status_dir.startswith("/"):
        raise usage(f"--status-dir {options.status_dir!r}: give an absolute path")
    if len(args) < 2 or not args[0] or not args[1]:
        raise usage("give CONF and PROGRAM after the options")
    options.conf, options.program, rest = os.path.abspath(args[0]), args[1], args[2:]
    if options.own_argv0 and not (rest and rest[0]):
        raise usage("-a needs the name to run PROGRAM as")
    options.argv = rest if options.own_argv0 else [options.program, *rest]
    return options


class DaemonLog(SyslogSender):
    """The dispatcher outlives syslog restarts: a send refused by a socket that has gone is
    retried once on a new connection (at most one try a second)."""

    def __init__(self, path: str):
        super().__init__(path, "virtuald")
        self.next_try = 0.0

    def send(self, message: str, severity: int = LOG_ERR, pid: int | None = None) -> None:
        if self.sock is None:
            self._reconnect()
        super().send(message, severity, pid)

    def failed(self, error: OSError, line: str) -> None:
        if (error.errno in (errno.ECONNREFUSED, errno.ENOTCONN, errno.ENOENT) and self._reconnect()
                and self.sock is not None):
            try:
                self.sock.send(line.encode("utf-8", "backslashreplace"), socket.MSG_DONTWAIT)
            except OSError:
                pass

    def _reconnect(self) -> bool:
        now = time.monotonic()
        if now < self.next_try:
            return False
        self.next_try = now + 1.0
        old = self.sock
        self.connect()
        return self.sock is not None and self.sock is not old


class SpawnerHandle:
    def __init__(self, pid: int, channel):
        self.pid = pid
        self.channel = channel
        self.key = channel.fileno()
        self.registered = True
        self.tickets: set[int] = set()  # connections handed to it that have not ended


def describe_status(status_code: int) -> str:
    if os.WIFSIGNALED(status_code):
        return f"killed by signal {os.WTERMSIG(status_code)}"
    return f"exit status {os.WEXITSTATUS(status_code)}"


class Dispatcher:
    def __init__(self, options: Options, environ, log: DaemonLog):
        self.options = options
        self.log = log
        self.environment = core.server_environment(
            {key: value for key, value in environ.items() if key not in SYSTEMD_VARIABLES})
        self.connections = Connections(Limits(options.max_connections, options.per_domain, options.per_client))
        self.watch = ConfWatch(options.conf, log)
        self.listeners: list[listen.Listener] = []
        self.real_root = -1
        self.listening = False
        self.epoll: select.epoll        # these three made by start()
        self.wakeup: int
        self.wakeup_write: int
        self.spawners: dict[int, SpawnerHandle] = {}  # channel fd -> SpawnerHandle
        # -e: the name servers' standard error lines go under, and (--spawners 0) their pipes
        self.stderr_ident = server_name([options.program, *options.argv[1:]]) if options.stderr_log else None
        self.stderr: dict[int, StderrLines] = {}  # pipe fd -> StderrLines
        self.turn = 0
        self.next_ticket = 1
        self.respawn_due = 0.0
        self.signals: list[int] = []
        self.paused_until = 0.0
        self.pause = 0.0
        self.status_path: str | None = None
        self.status_due = 0.0
        self.status_dirty = True
        self.started = time.time()
        self.start_time = status.process_start_time(os.getpid())

    # --- start and stop -------------------------------------------------------------------

    def start(self, environ) -> None:
        """Read the conf, listen, catch the signals; Failure when one cannot be done."""
        self.watch.start()
        self.real_root = open_real_root()
        try:
            if self.options.systemd:
                self.listeners = listen.from_systemd(environ)
            else:
                self.listeners = [listen.bind(address, port, self.options.backlog)
                                  for address, port in self.options.listen]
        except listen.ListenError as error:
            raise Failure(EXIT_LISTEN, str(error)) from None
        self.epoll = select.epoll()
        read_end, write_end = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.wakeup, self.wakeup_write = read_end, write_end
        _signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        for signum in (_signal.SIGCHLD, _signal.SIGHUP, _signal.SIGTERM, _signal.SIGINT):
            _signal.signal(signum, self._caught)
        self.epoll.register(self.wakeup, select.EPOLLIN)
        self._listen(True)
        for _ in range(self.options.spawners):
            self._start_spawner()
        self._open_status()
        names = " ".join(listener.name for listener in self.listeners)
        self.log.send(f"dispatcher listening on {names}: {self.options.conf} -> {self.options.program}",
                      severity=LOG_NOTICE)

    def _caught(self, signum, frame) -> None:
        self.signals.append(signum)

    def _listen(self, on: bool) -> None:
        if on == self.listening:
            return
        self.listening = on
        for listener in self.listeners:
            if on:
                self.epoll.register(listener.fd, select.EPOLLIN)
            else:
                self.epoll.unregister(listener.fd)

    def _stop(self) -> int:
        for listener in self.listeners:
            listener.sock.close()
        for handle in self.spawners.values():
            handle.channel.close()  # the spawners stop; the servers they started go on
        relay_in_background(self.stderr)   # and so does what their standard error says
        if self.status_path:
            try:
                os.unlink(self.status_path)
            except OSError:
                pass
        count = len(self.connections.children)
        self.log.send(f"dispatcher stopping; {count} connection{'s' * (count != 1)} go on", severity=LOG_NOTICE)
        return 0

    # --- the loop -------------------------------------------------------------------------

    def run(self) -> int:
        by_fd = {listener.fd: listener for listener in self.listeners}
        while True:
            events = self.epoll.poll(self._timeout())
            if any(fd == self.wakeup for fd, _ in events):
                drain(self.wakeup)
            if self.signals:
                if self._handle_signals():
                    return self._stop()
            elif self.paused_until and time.monotonic() >= self.paused_until:
                self.paused_until = 0.0
                self._listen(True)
            for fd, _ in events:
                if fd in self.spawners:
                    self._replies(self.spawners[fd])
                elif fd in self.stderr and not self.stderr[fd].read():
                    self.epoll.unregister(fd)
                    self.stderr.pop(fd).close()
            if self.respawn_due and time.monotonic() >= self.respawn_due:
                self._respawn()
            ready = [by_fd[fd] for fd, _ in events if fd in by_fd]
            if ready:
                self.watch.check()
                for listener in ready:
                    if self.listening:  # not paused by the one before
                        self._accept(listener)
            if self.status_dirty and time.monotonic() >= self.status_due:
                self._write_status()

    def _timeout(self) -> float:
        now = time.monotonic()
        waits = []
        if self.paused_until:
            waits.append(self.paused_until - now)
        if self.status_dirty and self.status_path:
            waits.append(self.status_due - now)
        if self.respawn_due:
            waits.append(self.respawn_due - now)
        return max(0.0, min(waits)) if waits else -1

    def _handle_signals(self) -> bool:
        """Reap, reload, or say it is time to stop."""
        caught, self.signals = self.signals, []
        if _signal.SIGCHLD in caught:
            self._reap()
        if _signal.SIGHUP in caught:
            self.watch.check(force=True)
            self.log.send(f"SIGHUP: conf file {self.options.conf} read", severity=LOG_NOTICE)
            self.status_dirty = True
        if self.paused_until and time.monotonic() >= self.paused_until:
            self.paused_until = 0.0
            self._listen(True)
        return _signal.SIGTERM in caught or _signal.SIGINT in caught

    def _reap(self) -> None:
        for pid, status_code in ended_children():
            handle = next((h for h in self.spawners.values() if h.pid == pid), None)
            if handle is not None:
                self._spawner_ended(handle, status_code)
            else:
                self.connections.remove(pid)
            self.status_dirty = True

    def _accept(self, listener) -> None:
        for _ in range(ACCEPT_BATCH):
            try:
                fd, peer = listener.sock._accept()
            except BlockingIOError:
                break
            except OSError as error:
                if error.errno in RESOURCE_ERRORS:
                    self._pause(listener, error)
                    return
                continue  # this connection went wrong (aborted, refused by a firewall rule): the next
            if self.pause:
                self.log.send(f"accepting again on {listener.name}", severity=LOG_NOTICE)
                self.pause = 0.0
            self._dispatch(listener, fd, peer)
        self.status_dirty = True

    def _pause(self, listener, error: OSError) -> None:
        if not self.pause:
            self.log.send(f"accept on {listener.name} failed: {error.strerror}; pausing, the "
                          "connections wait in the queue")
        self.pause = min(PAUSE_MOST, self.pause * 2 or PAUSE_FIRST)
        self.paused_until = time.monotonic() + self.pause
        self._listen(False)

    def _dispatch(self, listener, fd: int, peer: tuple) -> None:
        local = listen.local_of(listener, fd)
        client = peer[0] if not listener.ipv6 else canonical_address(peer[0]) or peer[0]
        directory = self.watch.lookup(local) if local else None
        connections = self.connections
        if directory is None:
            os.close(fd)
            connections.refuse(NO_DOMAIN)
            if local:
                self.log.send(core.not_found(local, self.options.conf).message)
            return
        over = connections.over_limit(directory, client)
        if over is not None:
            os.close(fd)
            connections.refuse(over[0])
            self.log.send(f"refused {client} on {local}: --{over[0]} {over[1]} reached ({directory})",
                          severity=LOG_NOTICE)
            return
        if self.spawners:
            self._hand_over(listener, fd, directory, local, peer, client)
        else:
            self._spawn_here(listener, fd, directory, local, peer, client)

    def _spawn_here(self, listener, fd: int, directory: str, local: str, peer: tuple, client: str) -> None:
        """Without spawners (--spawners 0): the dispatcher starts the server itself."""
        pid, refused, lines = start_server(directory, local, peer, listener.port_text, fd, self.real_root,
                                           self.options.program, self.options.argv, self.environment,
                                           self.options.verbose, self.log, self.stderr_ident)
        if pid is None:
            self.connections.refuse(refused)
            return
        self.connections.add(pid, directory, client)
        if lines is not None:
            self.stderr[lines.fd] = lines
            self.epoll.register(lines.fd, select.EPOLLIN)

    # --- spawners -------------------------------------------------------------------------

    def _hand_over(self, listener, fd: int, directory: str, local: str, peer: tuple, client: str) -> None:
        ticket = self.next_ticket
        self.next_ticket += 1
        message = spawners.encode(ticket, directory, local, peer, listener.port_text)
        handles = list(self.spawners.values())
        try:
            for attempt in range(len(handles)):
                handle = handles[(self.turn + attempt) % len(handles)]
                try:
                    spawners.send_connection(handle.channel, fd, message)
                except OSError:
                    continue
                self.turn += attempt + 1
                handle.tickets.add(ticket)
                self.connections.add(ticket, directory, client)
                return
        finally:
            os.close(fd)
        self.connections.refuse(FORK_FAILED)
        self.log.send(f"no spawner can take a connection now; closed the connection of {client} on {local}")

    def _start_spawner(self) -> None:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            pid = os.fork()
        except OSError as error:
            mine.close()
            theirs.close()
            self.log.send(f"cannot start a spawner: {error.strerror}; the dispatcher starts servers itself")
            return
        if pid == 0:
            self._be_spawner(mine, theirs)
        theirs.close()
        self.spawners[mine.fileno()] = SpawnerHandle(pid, mine)
        self.epoll.register(mine.fileno(), select.EPOLLIN)

    def _be_spawner(self, mine, theirs) -> None:
        """In the forked spawner: never returns."""
        result = 0
        try:
            mine.close()
            for listener in self.listeners:
                listener.sock.close()
            for handle in self.spawners.values():
                handle.channel.close()
            for lines in self.stderr.values():   # the dispatcher's own relays stay its own
                lines.close()
            self.epoll.close()
            os.close(self.wakeup)
            os.close(self.wakeup_write)
            _signal.signal(_signal.SIGTERM, _signal.SIG_DFL)
            for signum in (_signal.SIGINT, _signal.SIGHUP):
                _signal.signal(signum, _signal.SIG_IGN)
            spawners.Spawner(theirs, self.real_root, self.options.program, self.options.argv, self.environment,
                             self.options.verbose, self.log, self.stderr_ident).run()
        except BaseException as error:  # noqa: BLE001 - a spawner must never return to the loop
            self.log.send(f"internal error in a spawner: {type(error).__name__}: {error}")
            result = EXIT_INTERNAL
        os._exit(result)

    def _replies(self, handle) -> None:
        found = spawners.replies(handle.channel)
        if found is None:  # it has gone: its end stays readable; the reaping says the rest
            if handle.registered:
                handle.registered = False
                self.epoll.unregister(handle.key)
            return
        for kind, ticket, reason in found:
            if kind == "E":
                handle.tickets.discard(ticket)
                self.connections.remove(ticket)
            elif kind == "F":
                handle.tickets.discard(ticket)
                self.connections.fail(ticket, reason if reason in REFUSALS else CANNOT_START)
        self.status_dirty = True

    def _spawner_ended(self, handle, status_code: int) -> None:
        self._replies(handle)  # what it said before it went
        if handle.registered:
            self.epoll.unregister(handle.key)
        del self.spawners[handle.key]
        handle.channel.close()
        for ticket in handle.tickets:  # their servers may run on: no one can say when they end
            self.connections.remove(ticket)
        self.log.send(f"spawner {handle.pid} ended ({describe_status(status_code)}); "
                      f"{len(handle.tickets)} of its connections no longer counted")
        self.respawn_due = self.respawn_due or time.monotonic() + RESPAWN_EVERY

    def _respawn(self) -> None:
        self.respawn_due = 0.0
        while len(self.spawners) < self.options.spawners:
            before = len(self.spawners)
            self._start_spawner()
            if len(self.spawners) == before:
                break
        self.status_dirty = True

    # --- the status file ------------------------------------------------------------------

    def _open_status(self) -> None:
        if not self.options.status_dir:
            return
        try:
            os.makedirs(self.options.status_dir, mode=0o755, exist_ok=True)
        except OSError as error:
            self.log.send(f"no status file: cannot make {self.options.status_dir}: {error.strerror}")
            return
        self.status_path = status.path_for(self.options.status_dir, os.getpid())
        self._write_status()

    def _write_status(self) -> None:
        self.status_dirty = False
        self.status_due = time.monotonic() + STATUS_EVERY
        if not self.status_path:
            return
        connections = self.connections
        state = {
            "pid": os.getpid(), "start_time": self.start_time, "conf": self.options.conf,
            "program": self.options.program, "listen": [listener.name for listener in self.listeners],
            "started": self.started, "updated": time.time(),
            "connections": len(connections.children), "domains": connections.domains,
            "served": connections.served, "refused": connections.refused,
            "limits": connections.limits.as_dict(), "conf_kept": self.watch.kept,
            "spawners": sorted(handle.pid for handle in self.spawners.values()),
        }
        try:
            status.write(self.status_path, state)
        except OSError as error:
            self.log.send(f"cannot write the status file {self.status_path}: {error.strerror}")


def main(argv: list, environ, log: DaemonLog) -> int:
    try:
        options = parse_arguments(list(argv), environ)
        dispatcher = Dispatcher(options, environ, log)
        dispatcher.start(environ)
    except Failure as failure:
        log.send(failure.message)
        print(f"virtuald: {failure.message}", file=sys.stderr)
        return failure.status
    return dispatcher.run()


def entry_point() -> None:
    log = DaemonLog(os.environ.get("VIRTUALD_LOG_SOCKET") or core.DEFAULT_LOG_SOCKET)
    try:
        result = main(sys.argv[1:], os.environ, log)
    except BaseException as error:  # noqa: BLE001 - one line, never a traceback
        log.send(f"internal error: {type(error).__name__}: {error}")
        print(f"virtuald: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        result = EXIT_INTERNAL
    sys.exit(result)
