"""The dispatcher's listening sockets: bound from `--listen ADDR:PORT` arguments, or the
ones systemd passes (LISTEN_FDS, LISTEN_PID; a .socket unit with Accept=no).
Standard library only."""

import _socket as socket
import os

from virttui.conf.conffile import DEFAULT, canonical_address

SD_LISTEN_FDS_START = 3
WILDCARDS = ("0.0.0.0", "::")


class ListenError(ValueError):
    """A --listen argument or a passed socket that cannot be used; the message says why."""


def parse_listen(text: str) -> tuple[str, int]:
    """ADDR:PORT or [IPV6]:PORT -> (canonical address, port); ListenError when it is neither."""
    if text.startswith("["):
        address, bracket, port = text[1:].partition("]:")
        if not bracket:
            raise ListenError(f"--listen {text!r}: write ADDRESS:PORT, or [IPV6]:PORT")
    else:
        address, colon, port = text.rpartition(":")
        if not colon or ":" in address:
            raise ListenError(f"--listen {text!r}: write ADDRESS:PORT, or [IPV6]:PORT")
    canonical = canonical_address(address)
    if canonical in (None, DEFAULT):
        raise ListenError(f"--listen {text!r}: {address!r} is not an IP address")
    if not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise ListenError(f"--listen {text!r}: the port must be 1-65535")
    return canonical, int(port)


class Listener:
    """A listening socket, non-blocking; `local` is its address when it is bound to one
    (then every connection's local address), None for a wildcard."""

    def __init__(self, sock, address: str, port: int):
        self.sock = sock
        self.fd = sock.fileno()
        self.port = port
        self.port_text = str(port)
        self.ipv6 = sock.family == socket.AF_INET6
        self.local = None if address in WILDCARDS else canonical_address(address)
        self.name = f"[{address}]:{port}" if self.ipv6 else f"{address}:{port}"


def bind(address: str, port: int, backlog: int) -> Listener:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((address, port))
        sock.listen(backlog)
    except OSError as error:
        sock.close()
        shown = f"[{address}]:{port}" if family == socket.AF_INET6 else f"{address}:{port}"
        raise ListenError(f"cannot listen on {shown}: {error.strerror}") from None
    sock.setblocking(False)
    return Listener(sock, address, port)


def from_systemd(environ) -> list:
    """The listening sockets systemd passed to this process (fds 3...); ListenError when there
    are none, they are meant for another process, or one is not a listening TCP socket."""
    if environ.get("LISTEN_PID") != str(os.getpid()):
        raise ListenError("--systemd: no sockets passed to this process (LISTEN_PID is not its pid): "
                          "start it from a .socket unit with Accept=no")
    count = environ.get("LISTEN_FDS", "")
    if not count.isdigit() or int(count) < 1:
        raise ListenError("--systemd: LISTEN_FDS names no socket")
    listeners = []
    for fd in range(SD_LISTEN_FDS_START, SD_LISTEN_FDS_START + int(count)):
        try:
            sock = socket.socket(fileno=fd)
        except OSError as error:
            raise ListenError(f"--systemd: fd {fd} is not a socket ({error.strerror})") from None
        if (sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM
                or not sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)):
            raise ListenError(f"--systemd: fd {fd} is not a listening TCP socket: the .socket unit "
                              "needs ListenStream= and Accept=no")
        os.set_inheritable(fd, False)
        sock.setblocking(False)
        address, port = sock.getsockname()[:2]
        listeners.append(Listener(sock, address, port))
    return listeners


def local_of(listener: Listener, fd: int):
    """The local address of a connection accepted on `listener`; None for a connection that
    is already gone."""
    if listener.local is not None:
        return listener.local
    sock = socket.socket(socket.AF_INET6 if listener.ipv6 else socket.AF_INET, socket.SOCK_STREAM, 0, fd)
    try:
        return canonical_address(sock.getsockname()[0])
    except OSError:
        return None
    finally:
        sock.detach()
