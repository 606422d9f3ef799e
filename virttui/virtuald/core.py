"""What virtuald's two modes share: the exit statuses and their Failure, the conf lookup,
entering the domain, the exec of the server, and the syslog sender.

Both the per-connection mode (connection.py, started by a super-server) and the daemon mode
(daemon.py, `virtuald --listen`) enter a domain and exec its server through these functions,
so a domain is served the same way, with the same syslog lines, whichever runs it.
Standard library only: the per-connection mode imports this at every connection.
"""

# The C modules under `socket` and `signal`: the same calls, without the enum set-up the
# wrappers do at import (about 8 ms, paid again by virtuald on every connection).
import _signal
import _socket as socket
import os

from virttui.conf import conffile
from virttui.exit_status import ExitStatus
from virttui.root_paths import DEFAULT_PATH
from virttui.syslog_send import SyslogSender

EXIT_USAGE = 64
EXIT_NOT_A_SOCKET = 65
EXIT_CONF = 66
EXIT_NO_MAPPING = 67
EXIT_BAD_DIRECTORY = 68
EXIT_CHROOT = 69
EXIT_INTERNAL = 70
EXIT_CANNOT_RUN = 126
EXIT_NOT_FOUND = 127

DEFAULT_LOG_SOCKET = "/dev/log"


class Failure(ExitStatus):
    """A reason to stop: the syslog line and the exit status."""


def local_address(fd: int = 0) -> str:
    """The local IP address of the connected socket on `fd`, as text."""
    try:
        sock = socket.socket(fileno=os.dup(fd))
    except OSError as error:
        raise Failure(EXIT_NOT_A_SOCKET, f"getsockname failed: fd {fd} is not a socket ({error.strerror})")
    try:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            raise Failure(EXIT_NOT_A_SOCKET, f"getsockname failed: fd {fd} is not an IP socket")
        return sock.getsockname()[0]
    except OSError as error:
        raise Failure(EXIT_NOT_A_SOCKET, f"getsockname failed: {error.strerror}")
    finally:
        sock.close()


def read_conf(path: str) -> conffile.ConfFile:
    try:
        return conffile.parse(conffile.read_bytes(path))
    except OSError as error:
        raise Failure(EXIT_CONF, f"cannot read conf file {path}: {error.strerror}") from None


def not_found(address: str, conf_path: str) -> Failure:
    return Failure(EXIT_NO_MAPPING, f"ip {address} not found in {conf_path} and no default line")


def directory_for(conf_path: str, address: str) -> str:
    mapping = read_conf(conf_path).lookup(address)
    if mapping is None:
        raise not_found(address, conf_path)
    return mapping.directory


def enter(directory: str) -> None:
    if not directory.startswith("/"):
        raise Failure(EXIT_BAD_DIRECTORY, f"chroot dir {directory!r} is not an absolute path")
    if not os.path.isdir(directory):
        raise Failure(EXIT_BAD_DIRECTORY, f"chroot dir {directory} is missing or not a directory")
    try:
        os.chroot(directory)
    except OSError as error:
        raise Failure(EXIT_CHROOT, f"chroot {directory} failed: {error.strerror}")
    try:
        os.chdir("/")
    except OSError as error:
        raise Failure(EXIT_CHROOT, f"chdir / in {directory} failed: {error.strerror}")


def start_new_session() -> None:
    """A session of its own for the server. A process group leader cannot start one (EPERM):
    it is one already, as under systemd, and nothing it signals reaches its parent."""
    try:
        os.setsid()
    except PermissionError:
        pass


def server_environment(environ) -> dict:
    environment = dict(environ)
    environment.setdefault("PATH", DEFAULT_PATH)
    return environment


def run_program(program: str, argv: list, environment: dict) -> None:
    """Exec `program` in the domain (searched in the environment's PATH unless it holds a
    '/'); returns only by raising Failure. Python ignores SIGPIPE and SIGXFSZ, and an ignored
    signal stays ignored across exec: the server gets them back as any super-server gives them."""
    _signal.signal(_signal.SIGPIPE, _signal.SIG_DFL)
    _signal.signal(_signal.SIGXFSZ, _signal.SIG_DFL)
    try:
        if "/" in program:
            os.execve(program, argv, environment)
        else:
            os.execvpe(program, argv, environment)
    except FileNotFoundError:
        raise Failure(EXIT_NOT_FOUND, f"execvp {program} failed: not found in the domain")
    except OSError as error:
        raise Failure(EXIT_CANNOT_RUN, f"execvp {program} failed: {error.strerror}")


def open_log(environ) -> SyslogSender:
    return SyslogSender(environ.get("VIRTUALD_LOG_SOCKET") or DEFAULT_LOG_SOCKET, "virtuald")
