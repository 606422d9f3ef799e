"""The dispatcher's way to start a server in a domain without forking a Python process.

posix_spawn starts the child with vfork semantics: no copy of the parent's memory and no
Python in the child, about a third of what fork + chroot + exec costs from Python. It has
no chroot of its own, but its child starts with the parent's root and working directory:
so the parent enters the domain (chroot, chdir /) for the instant of the spawn and comes back
through a descriptor of the real root (fchdir, chroot "."), which it keeps close-on-exec so
that no server inherits a way out. If it cannot come back it stops at once: a dispatcher
left inside a domain must serve nothing more. Standard library only.
"""

import errno
import os

from virttui.virtuald import core
from virttui.virtuald.core import EXIT_CANNOT_RUN, EXIT_INTERNAL, EXIT_NOT_FOUND, Failure
from virttui.virtuald.limits import CANNOT_START, FORK_FAILED
from virttui.virtuald.stderr_relay import StderrLines, open_pipe

# What Python ignores and an exec keeps ignored: the server gets the default back.
RESTORED_SIGNALS = (13, 25)  # SIGPIPE, SIGXFSZ


class ForkFailed(Exception):
    """No process for the connection (EAGAIN, ENOMEM): the message says why."""


def open_real_root() -> int:
    fd = os.open("/", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    os.fchdir(fd)
    return fd


def find_program(program: str, environment: dict) -> str:
    """PROGRAM as execvp would find it in the domain (the current root): itself when it
    holds a '/', else the first executable file of that name in PATH."""
    if "/" in program:
        return program
    for directory in environment.get("PATH", core.DEFAULT_PATH).split(":"):
        candidate = os.path.join(directory or ".", program)
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            return candidate
    raise Failure(EXIT_NOT_FOUND, f"execvp {program} failed: not found in the domain")


def spawn_in(directory: str, real_root: int, program: str, argv: list, environment: dict, client: int,
             log, stderr_ident: str | None = None) -> tuple[int, StderrLines | None]:
    """Start `program` chrooted in `directory`, in a session of its own, with the `client`
    socket on fds 0-2; its pid, and with `stderr_ident` the lines of its standard error for
    the caller to relay (fd 2 is then a pipe, and the lines go to the domain's own /dev/log).
    Failure when it cannot, ForkFailed when no process can be made."""
    try:
        core.enter(directory)
        path = find_program(program, environment)
        pipe = open_pipe(stderr_ident) if stderr_ident else None   # inside the domain: its /dev/log
        try:
            pid = _spawn(path, program, argv, environment, client, pipe[1] if pipe else client)
        except BaseException:
            if pipe:
                os.close(pipe[0])
                pipe[2].close()
            raise
        finally:
            if pipe:
                os.close(pipe[1])
        return pid, (StderrLines(pipe[0], pipe[2], pid) if pipe else None)
    finally:
        leave(real_root, log)


def _spawn(path: str, program: str, argv: list, environment: dict, client: int, error_fd: int) -> int:
    try:
        return os.posix_spawn(
            path, argv, environment, setsid=True, setsigdef=RESTORED_SIGNALS,
            file_actions=[(os.POSIX_SPAWN_DUP2, client, 0), (os.POSIX_SPAWN_DUP2, client, 1),
                          (os.POSIX_SPAWN_DUP2, error_fd, 2)])
    except FileNotFoundError:
        raise Failure(EXIT_NOT_FOUND, f"execvp {program} failed: not found in the domain") from None
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.ENOMEM):
            raise ForkFailed(f"fork failed: {error.strerror}") from None
        raise Failure(EXIT_CANNOT_RUN, f"execvp {program} failed: {error.strerror}") from None


def leave(real_root: int, log) -> None:
    try:
        os.fchdir(real_root)
        os.chroot(".")
    except OSError as error:
        log.send(f"cannot leave the domain's root: {error.strerror}; stopping")
        os._exit(EXIT_INTERNAL)


def start_server(directory: str, local: str, peer: tuple, port_text: str, client: int, real_root: int,
                 program: str, argv: list, base_environment: dict, verbose: bool, log,
                 stderr_ident: str | None = None):
    """The server of one connection, with tcpserver's variables in its environment: (its pid,
    None, its standard error's lines to relay or None), or (None, CANNOT_START or
    FORK_FAILED, None) once the syslog line says why. Closes `client` (the server has its
    own copies on fds 0-2)."""
    environment = dict(base_environment)
    environment.update(PROTO="TCP", TCPLOCALIP=local, TCPLOCALPORT=port_text,
                       TCPREMOTEIP=peer[0], TCPREMOTEPORT=str(peer[1]))
    try:
        pid, lines = spawn_in(directory, real_root, program, argv, environment, client, log, stderr_ident)
    except Failure as failure:
        log.send(failure.message)
        return None, CANNOT_START, None
    except ForkFailed as error:
        log.send(f"{error}; closed the connection of {peer[0]} on {local}")
        return None, FORK_FAILED, None
    finally:
        os.close(client)
    if verbose:
        log.send(f"Incoming ip: {local}", pid=pid)
        log.send(f"Chroot dir: {directory}", pid=pid)
    return pid, None, lines


def ended_children():
    """(pid, wait status) of each child that has ended, without waiting for the others."""
    while True:
        try:
            pid, status_code = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        yield pid, status_code


def drain(fd: int) -> None:
    """Empty a non-blocking pipe (the signals' wake-up pipe)."""
    try:
        while os.read(fd, 512):
            pass
    except BlockingIOError:
        pass
