"""virtuald: started by a super-server for each connection, it chroots into the domain whose
address the client connected to and execs the real server there.

    virtuald [-v] [-s] [-e] CONF PROGRAM [ARG...]        exec PROGRAM with argv PROGRAM ARG...
    virtuald [-v] [-s] [-e] -a CONF PROGRAM NAME [ARG...] exec PROGRAM with argv NAME ARG...

-s starts PROGRAM in a session (and process group) of its own. Some servers signal their
whole process group when they end (Samba's smbd does): without -s that signal reaches the
super-server that started virtuald, and tcpserver dies of it. The service catalog says
which servers need it (`new_session`).

-e sends what PROGRAM writes on its standard error to the domain's syslog, line by line, as
PROGRAM's own lines (stderr_relay.py): under inetd and xinetd fd 2 is the client's socket, and
a server that logs there would write into the protocol. The catalog says which (`log_stderr`).

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
import sys

from virttui.syslog_send import SyslogSender
from virttui.virtuald.core import (
    EXIT_INTERNAL,
    EXIT_USAGE,
    Failure,
    directory_for,
    enter,
    local_address,
    open_log,
    run_program,
    server_environment,
    start_new_session,
)


class Request:
    """What the command line asks for."""

    def __init__(self, verbose: bool, conf: str, program: str, argv: list, new_session: bool = False,
                 stderr_log: bool = False):
        self.verbose = verbose
        self.new_session = new_session
        self.stderr_log = stderr_log
        self.conf = conf
        self.program = program
        self.argv = argv


def parse_arguments(args: list, environ) -> Request:
    verbose = environ.get("VIRTUALD_VERBOSE") == "1"
    own_argv0 = False
    new_session = False
    stderr_log = False
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
        elif option == "-e":
            stderr_log = True
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
        return Request(verbose, conf, program, rest, new_session, stderr_log)
    return Request(verbose, conf, program, [program, *rest], new_session, stderr_log)


def main(argv: list | None = None, environ=None, log: SyslogSender | None = None) -> int:
    environ = os.environ if environ is None else environ
    log = open_log(environ) if log is None else log
    try:
        request = parse_arguments(list(sys.argv[1:] if argv is None else argv), environ)
        if request.stderr_log:
            # only for -e, and before the chroot: nothing is imported from inside a domain
            from virttui.virtuald.stderr_relay import server_name, stderr_to_syslog
        if request.verbose:
            log.send("Virtuald Starting")
        address = local_address(0)
        if request.verbose:
            log.send(f"Incoming ip: {address}")
        directory = directory_for(request.conf, address)
        enter(directory)
        if request.verbose:
            log.send(f"Chroot dir: {directory}")
        if request.stderr_log:
            stderr_to_syslog(server_name([request.program, *request.argv[1:]]))
        if request.new_session:
            start_new_session()
        run_program(request.program, request.argv, server_environment(environ))
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
