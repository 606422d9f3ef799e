"""Running a function inside a domain's root: in a child process chrooted there, so that the
domain's symbolic links resolve as they do for its own programs, never out of it.

A domain's tree is in its users' hands: a jailed root can replace any of its directories
with a link to /etc. virtfs, running as the host's root, reads and writes an existing
domain only from inside it.
"""

import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from virttui import sealed_chroot

T = TypeVar("T")


class NoAnswer(OSError):
    """The child process ended without sending its result back."""


def inside_problem(domain: str, error: OSError) -> str:
    """One line for what failed inside the domain (its paths seen from inside, where its links lead)."""
    where = f" {error.filename}" if error.filename else ""
    return f"{domain}:{where} inside the domain: {error.strerror or error}; nothing outside it was touched"


def inside(domain_path: Path, work: Callable[[], T]) -> T:
    """work() run in a child process chrooted into `domain_path` (working directory /): its
    result, or its exception raised here. Files opened before the call stay open in it, and
    it imports nothing more (virttui.sealed_chroot): work() must use only modules imported
    before. Only from a process with one thread (the command line): the child is forked."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        _answer(writer, domain_path, work)
    os.close(writer)
    with os.fdopen(reader, "rb") as answers:
        payload = answers.read()
    os.waitpid(pid, 0)
    if not payload:
        raise NoAnswer(f"the process working inside {domain_path} ended without an answer")
    done, value = pickle.loads(payload)
    if not done:
        raise value
    return value


def _answer(writer: int, domain_path: Path, work: Callable[[], T]) -> None:
    """The child's whole life: it never returns (nor runs the parent's exit handlers)."""
    try:
        try:
            sealed_chroot.enter(domain_path)
            outcome: tuple[bool, object] = (True, work())
        except BaseException as error:   # noqa: BLE001 - raised again in the parent
            outcome = (False, error)
        try:
            payload = pickle.dumps(outcome)
        except Exception:   # noqa: BLE001 - an exception that does not pickle: its text does
            payload = pickle.dumps((False, RuntimeError(str(outcome[1]))))
        with os.fdopen(writer, "wb") as answers:
            answers.write(payload)
    finally:
        os._exit(0)
