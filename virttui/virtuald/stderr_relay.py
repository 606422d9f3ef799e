"""A server's standard error, sent to the domain's syslog line by line (virtuald -e).

Under inetd, xinetd and the dispatcher, fds 0-2 are the client's socket: a server that logs
on its standard error (mailfront's front ends, Dovecot's imap and pop3 started without
their master) would write its log lines into the protocol. With -e, fd 2 is a pipe instead,
and each line read from it is sent as the server's own syslog line (`PROGRAM[PID]: line`,
facility daemon) through the domain's /dev/log, connected from inside the domain: in the
shared log the line is the domain's as the server's other lines are.

The reading is done by whoever started the server: a relay process of its own for virtuald
per connection (the server keeps virtuald's pid, and never has a child it did not make), the
spawner (or the dispatcher) in its event loop otherwise. A read end is never left while a
server may still write: what started servers relays until every pipe is closed.
Standard library only.
"""

import os
import select

from virttui.syslog_send import LOG_NOTICE, SyslogSender

MAX_LINE = 4096   # a longer line is sent in pieces of this size


class StderrLines:
    """The lines one server writes on its standard error (the pipe's read end, non-blocking)."""

    def __init__(self, read_fd: int, sender: SyslogSender, pid: int):
        self.fd = read_fd
        self.sender = sender
        self.pid = pid
        self.pending = b""

    def read(self) -> bool:
        """Send every whole line there is now; False once the server's end is closed (then
        take the pipe out of any poller, and close())."""
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                return True
            except OSError:
                chunk = b""
            if not chunk:
                self._send(self.pending)
                self.pending = b""
                return False
            *lines, self.pending = (self.pending + chunk).split(b"\n")
            for line in lines:
                self._send(line)
            while len(self.pending) > MAX_LINE:
                self._send(self.pending[:MAX_LINE])
                self.pending = self.pending[MAX_LINE:]

    def close(self) -> None:
        os.close(self.fd)
        self.sender.close()

    def _send(self, line: bytes) -> None:
        text = line.rstrip(b"\r").decode("utf-8", "backslashreplace")
        if text:
            self.sender.send(text, LOG_NOTICE, pid=self.pid)


def open_pipe(ident: str) -> tuple[int, int, SyslogSender]:
    """(read end, write end) of a new pipe for a server's standard error, close-on-exec, and
    a syslog sender connected to /dev/log as seen from here (call it inside the domain)."""
    read_fd, write_fd = os.pipe2(os.O_CLOEXEC)
    os.set_blocking(read_fd, False)
    return read_fd, write_fd, SyslogSender("/dev/log", ident)


def server_name(argv: list) -> str:
    """The name the server's lines go under: PROGRAM's base name, or for `env VAR=VALUE ...
    SERVER ...` the SERVER's."""
    words = list(argv)
    if words and os.path.basename(words[0]) == "env":
        words = [w for w in words[1:] if "=" not in w and not w.startswith("-")] or words
    return os.path.basename(words[0]) if words else "server"


def relay_all(relays: dict) -> None:
    """Relay until every server's standard error is closed (fd -> StderrLines)."""
    poller = select.epoll()
    try:
        for fd in relays:
            poller.register(fd, select.EPOLLIN)
        while relays:
            for fd, _ in poller.poll():
                lines = relays.get(fd)
                if lines is not None and not lines.read():
                    poller.unregister(fd)
                    del relays[fd]
                    lines.close()
    finally:
        poller.close()


def relay_in_background(relays: dict) -> None:
    """relay_all in a process of its own, detached (for a dispatcher that stops while
    servers it started go on); nothing when there is nothing to relay."""
    if not relays:
        return
    if os.fork() == 0:
        try:
            relay_all(relays)
        finally:
            os._exit(0)
    for lines in relays.values():
        lines.close()
    relays.clear()


def stderr_to_syslog(ident: str) -> None:
    """virtuald per connection, inside the domain, just before exec: fd 2 becomes a pipe
    whose lines a detached relay process sends to syslog as IDENT[this pid]. The relay
    holds nothing of the client's (fds 0-2 closed in it)."""
    pid = os.getpid()   # the server's: exec keeps it
    read_fd, write_fd, sender = open_pipe(ident)
    child = os.fork()
    if child == 0:
        try:
            if os.fork() == 0:   # the grandchild relays, reparented: the server has no child of ours
                os.close(write_fd)
                for fd in (0, 1, 2):
                    os.close(fd)
                relay_all({read_fd: StderrLines(read_fd, sender, pid)})
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    os.close(read_fd)
    sender.close()
    os.dup2(write_fd, 2)   # dup2's copy is inheritable: the server keeps it across exec
    os.close(write_fd)
