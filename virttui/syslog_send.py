"""Syslog lines sent straight to a datagram socket, for the programs run once per
connection or command (virtuald, virtexec).

The socket is connected when the sender is made, so it keeps working after a chroot, and a
send never waits: a stuck syslog daemon must not hold a client. Standard library only.
"""

# The C module under `socket`: the same calls, without the enum set-up the wrapper does at
# import (about 8 ms, paid again by virtuald on every connection).
import _socket as socket
import os
import time

LOG_DAEMON = 3 << 3
LOG_AUTHPRIV = 10 << 3
LOG_ERR = 3
LOG_NOTICE = 5
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class SyslogSender:
    def __init__(self, path: str, ident: str, facility: int = LOG_DAEMON):
        self.path = path
        self.ident = ident
        self.facility = facility
        self.sock: socket.socket | None = None
        self.connect()

    def connect(self) -> None:
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.connect(self.path)
        except OSError:
            return  # no syslog here: the program still does its work
        if self.sock is not None:
            self.sock.close()
        self.sock = sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def send(self, message: str, severity: int = LOG_ERR, pid: int | None = None) -> None:
        """`pid`: the process the line speaks for (a server the dispatcher started), if not this one."""
        if self.sock is None:
            return
        now = time.localtime()
        stamp = f"{MONTHS[now.tm_mon - 1]} {now.tm_mday:2d} {time.strftime('%H:%M:%S', now)}"
        line = f"<{self.facility | severity}>{stamp} {self.ident}[{pid or os.getpid()}]: {message}"
        try:
            self.sock.send(line.encode("utf-8", "backslashreplace"), socket.MSG_DONTWAIT)
        except OSError as error:
            self.failed(error, line)

    def failed(self, error: OSError, line: str) -> None:
        """A line that could not be sent (a full queue, a syslog daemon gone): dropped."""
