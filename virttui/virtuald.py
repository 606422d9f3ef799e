"""virtuald: started by a super-server for each connection, it chroots into the domain whose
address the client connected to and execs the real server there.

    virtuald [-v] [-s] CONF PROGRAM [ARG...]        exec PROGRAM with argv PROGRAM ARG...
    virtuald [-v] [-s] -a CONF PROGRAM NAME [ARG...] exec PROGRAM with argv NAME ARG...

-s starts PROGRAM in a session (and process group) of its own. Some servers signal their
whole process group when they end (Samba's smbd does): without -s that signal reaches the
super-server that started virtuald, and tcpserver dies of it. The service catalog says
which servers need it (`new_session`).

The second form is for wrappers that find the real daemon by their argv[0], like tcpd
(`virtuald -a /virtual/conf.ftp /usr/sbin/tcpd in.ftpd -l` runs tcpd as "in.ftpd -l",
and tcpd then reads the domain's own hosts.allow and hosts.deny).

The local address of the socket on fd 0 (IPv4 or IPv6; an IPv4-mapped IPv6 address is its
IPv4 address) is looked up in CONF: its exact line, else the `default` line. virtuald then
chroots into that line's directory, changes to /, and execs PROGRAM, searched in the
domain's PATH (the inherited PATH, or a standard one).

fds 0, 1 and 2 belong to the client: virtuald never writes to them. It logs to syslog
(facility daemon, ident virtuald, with its pid) through /dev/log, or the socket named by
VIRTUALD_LOG_SOCKET. With -v (or VIRTUALD_VERBOSE=1) it logs, as the 1998 daemon did,
"Virtuald Starting", "Incoming ip: ADDR" and "Chroot dir: DIR"; the server it execs keeps
its pid, so a log reader can give the server's lines to the domain.

Exit statuses, one per kind of failure, each with one syslog line at LOG_ERR:
    64  usage: no CONF or no PROGRAM (or an empty one), or an unknown option
    65  fd 0 is not a socket with a local IP address
    66  CONF is missing, unreadable or not a regular file
    67  the address is not in CONF and CONF has no `default` line
    68  the directory is missing, not a directory, or not an absolute path
    69  chroot or chdir refused (virtuald must run as root)
    70  an internal error (a bug: the syslog line says what)
    126 PROGRAM was found in the domain but could not be run
    127 PROGRAM is not in the domain

Only the standard library is imported: this runs once per connection.
"""

import os
# The C module under `socket`: the same calls, without the enum set-up the wrapper does at
# import (about 8 ms, paid again by virtuald on every connection).
import _socket as socket
import sys

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


class Request:
    """What the command line asks for."""

    def __init__(self, verbose: bool, conf: str, program: str, argv: list, new_session: bool = False):
        self.verbose = verbose
        self.new_session = new_session
        self.conf = conf
        self.program = program
        self.argv = argv


def parse_arguments(args: list, environ) -> Request:
    verbose = environ.get("VIRTUALD_VERBOSE") == "1"
    own_argv0 = False
    new_session = False
    while args and args[0].startswith("-") and args[0] != "-":
        option = args.pop(0)
        if option == "--":
            break
        if option == "-v":
            verbose = True
        elif option == "-a":
            own_argv0 = True
        elif option == "-s":
            new_session = True
        else:
            raise Failure(EXIT_USAGE, f"invalid arguments: unknown option {option!r}")
    if not args:
        raise Failure(EXIT_USAGE, "invalid arguments: no conf file")
    if len(args) < 2:
        raise Failure(EXIT_USAGE, "invalid arguments: no program to run")
    conf, program, rest = args[0], args[1], args[2:]
    if not conf:
        raise Failure(EXIT_USAGE, "invalid arguments: the conf file is an empty name")
    if not program:
        raise Failure(EXIT_USAGE, "invalid arguments: the program to run is an empty name")
    if own_argv0:
        if not rest:
            raise Failure(EXIT_USAGE, "invalid arguments: -a needs the name to run PROGRAM as")
        if not rest[0]:
            raise Failure(EXIT_USAGE, "invalid arguments: the name to run PROGRAM as is empty")
        return Request(verbose, conf, program, rest, new_session)
    return Request(verbose, conf, program, [program, *rest], new_session)


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


def read_conf(path: str) -> bytes:
    try:
        return conffile.read_bytes(path)
    except OSError as error:
        raise Failure(EXIT_CONF, f"cannot read conf file {path}: {error.strerror}") from None


def directory_for(conf_path: str, address: str) -> str:
    mapping = conffile.parse(read_conf(conf_path)).lookup(address)
    if mapping is None:
        raise Failure(EXIT_NO_MAPPING, f"ip {address} not found in {conf_path} and no default line")
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


def run_program(request: Request, environ) -> None:
    """Exec PROGRAM in the domain; returns only by raising Failure."""
    if request.new_session:
        start_new_session()
    environment = dict(environ)
    environment.setdefault("PATH", DEFAULT_PATH)
    try:
        os.execvpe(request.program, request.argv, environment)
    except FileNotFoundError:
        raise Failure(EXIT_NOT_FOUND, f"execvp {request.program} failed: not found in the domain")
    except OSError as error:
        raise Failure(EXIT_CANNOT_RUN, f"execvp {request.program} failed: {error.strerror}")


def open_log(environ) -> SyslogSender:
    return SyslogSender(environ.get("VIRTUALD_LOG_SOCKET") or DEFAULT_LOG_SOCKET, "virtuald")


def main(argv: list | None = None, environ=None, log: SyslogSender | None = None) -> int:
    environ = os.environ if environ is None else environ
    log = open_log(environ) if log is None else log
    try:
        request = parse_arguments(list(sys.argv[1:] if argv is None else argv), environ)
        if request.verbose:
            log.send("Virtuald Starting")
        address = local_address(0)
        if request.verbose:
            log.send(f"Incoming ip: {address}")
        directory = directory_for(request.conf, address)
        enter(directory)
        if request.verbose:
            log.send(f"Chroot dir: {directory}")
        run_program(request, environ)
    except Failure as failure:
        log.send(failure.message)
        return failure.status
    return 0  # not reached: run_program execs or raises


def entry_point() -> None:
    # Nothing may reach fds 1-2 (the client), not even a traceback; os._exit skips the
    # interpreter's clean-up, which could write there too. The log is connected before the
    # chroot, after which its socket's path may not exist: an internal error is still logged.
    log = open_log(os.environ)
    try:
        status = main(log=log)
    except BaseException as error:  # noqa: BLE001 - the last guard of the client's socket
        log.send(f"internal error: {type(error).__name__}: {error}")
        status = EXIT_INTERNAL
    os._exit(status)


if __name__ == "__main__":
    entry_point()
