"""Spawner processes: the dispatcher hands each accepted connection to one of them, which
starts its server (spawn.py) and reaps it, so that the accept loop never waits for a child.

posix_spawn returns only once the child has exec'd; on a busy machine a new child may wait
for a CPU a while, and a dispatcher that spawned itself would wait with it. Two spawners
wait in turn while the dispatcher goes on accepting and counting. A spawner is forked from
the dispatcher at start (nothing to import, nothing read from a domain) and talks to it
over a SOCK_SEQPACKET pair, the client's socket passed as SCM_RIGHTS:

    dispatcher -> spawner   ID NUL DIRECTORY NUL LOCAL NUL PEER-IP NUL PEER-PORT NUL LOCAL-PORT
    spawner -> dispatcher   S ID (started), E ID (ended), F ID REASON (not started)

It stops when the dispatcher's end closes; the servers it started go on.
Standard library only.
"""

import _signal
import _socket as socket
import array
import os
import select

from virttui.virtuald.limits import CANNOT_START
from virttui.virtuald.spawn import drain, ended_children, start_server
from virttui.virtuald.stderr_relay import StderrLines, relay_all

FD_SIZE = array.array("i").itemsize
MESSAGE_MAX = 16384


def encode(ident: int, directory: str, local: str, peer: tuple, port_text: str) -> bytes:
    fields = (str(ident), directory, local, peer[0], str(peer[1]), port_text)
    return "\0".join(fields).encode("utf-8", "surrogateescape")


def send_connection(channel, fd: int, message: bytes) -> None:
    """Hand `fd` over; OSError when the spawner cannot take it now (a full queue, gone)."""
    channel.sendmsg([message], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))],
                    socket.MSG_DONTWAIT)


def receive_connection(channel):
    """(fields, fd) of the next connection handed over; None at the end; BlockingIOError
    when none is waiting."""
    # close-on-exec as it arrives: the server gets the socket on fds 0-2 and nowhere else
    data, ancillary, _, _ = channel.recvmsg(MESSAGE_MAX, socket.CMSG_SPACE(FD_SIZE),
                                            socket.MSG_DONTWAIT | socket.MSG_CMSG_CLOEXEC)
    fds = array.array("i")
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % FD_SIZE])
    if not data:
        for fd in fds:
            os.close(fd)
        return None
    return data.decode("utf-8", "surrogateescape").split("\0"), (fds[0] if fds else -1)


def replies(channel) -> list[tuple[str, int, str]] | None:
    """The spawner's replies waiting on the dispatcher's end, as (kind, ident, reason);
    None for a spawner that has gone."""
    found: list[tuple[str, int, str]] = []
    while True:
        try:
            data = channel.recv(256, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return found
        except OSError:
            return None
        if not data:
            return None
        kind, _, rest = data.decode("ascii", "replace").partition(" ")
        ident, _, reason = rest.partition(" ")
        found.append((kind, int(ident), reason))


class Spawner:
    """In the spawner process: start, reap, reply."""

    def __init__(self, channel, real_root: int, program: str, argv: list, environment: dict, verbose: bool, log,
                 stderr_ident: str | None = None):
        self.channel = channel
        self.stderr_ident = stderr_ident
        self.stderr: dict[int, StderrLines] = {}  # pipe fd -> StderrLines of the servers started with -e
        self.poller: select.epoll  # made by run()
        self.real_root = real_root
        self.program = program
        self.argv = argv
        self.environment = environment
        self.verbose = verbose
        self.log = log
        self.children: dict[int, int] = {}  # pid -> ident

    def run(self) -> None:
        read_end, write_end = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        _signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        _signal.signal(_signal.SIGCHLD, lambda signum, frame: None)
        poller = self.poller = select.epoll()
        poller.register(self.channel.fileno(), select.EPOLLIN)
        poller.register(read_end, select.EPOLLIN)
        while True:
            events = poller.poll()
            drain(read_end)
            self._relay(events)
            self._reap()
            while True:
                try:
                    received = receive_connection(self.channel)
                except BlockingIOError:
                    break
                if received is None:
                    relay_all(self.stderr)   # the servers go on: their standard error too
                    return
                self._start(*received)
                self._reap()  # a server that has ended no longer counts against the limits

    def _relay(self, events) -> None:
        for fd, _ in events:
            lines = self.stderr.get(fd)
            if lines is not None and not lines.read():
                self.poller.unregister(fd)
                del self.stderr[fd]
                lines.close()

    def _reply(self, text: str) -> None:
        try:
            self.channel.send(text.encode("ascii"))
        except OSError:
            pass  # the dispatcher has gone: the server runs all the same

    def _reap(self) -> None:
        for pid, _ in ended_children():
            ident = self.children.pop(pid, None)
            if ident is not None:
                self._reply(f"E {ident}")

    def _start(self, fields: list, fd: int) -> None:
        ident, directory, local, peer_ip, peer_port, port_text = fields
        if fd < 0:
            self._reply(f"F {ident} {CANNOT_START}")
            return
        pid, refused, lines = start_server(directory, local, (peer_ip, peer_port), port_text, fd, self.real_root,
                                           self.program, self.argv, self.environment, self.verbose, self.log,
                                           self.stderr_ident)
        if pid is None:
            self._reply(f"F {ident} {refused}")
            return
        self.children[pid] = ident
        self._reply(f"S {ident}")
        if lines is not None:
            self.stderr[lines.fd] = lines
            self.poller.register(lines.fd, select.EPOLLIN)
