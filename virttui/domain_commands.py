"""Running a catalog command in a domain from the app: through virtexec, as an admin would
from a shell, so that the app adds no second way into a domain."""

import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from virttui.catalog import CatalogCommand
from virttui.installed import installed_path


class BadArguments(ValueError):
    """Arguments that are not a shell-like word list (an unclosed quote)."""


@dataclass(frozen=True)
class CommandRun:
    argv: tuple[str, ...]
    status: int
    output: str


def split_arguments(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as error:
        raise BadArguments(f"arguments: {error}") from None


def command_argv(domain: str, command: CatalogCommand, arguments: list[str]) -> list[str]:
    return [installed_path("virtexec"), "--domain", domain, *command.argv, *arguments]


def command_environment(root: Path) -> dict:
    return {**os.environ, "VIRT_ROOT": str(root)}


def run_captured(argv: list[str], root: Path, timeout: float = 300) -> CommandRun:
    """Run without a terminal; stdout and stderr together, as the admin would read them."""
    try:
        done = subprocess.run(argv, env=command_environment(root), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        output = (expired.output or b"").decode(errors="replace")
        return CommandRun(tuple(argv), 124, output + f"\n(stopped after {timeout:.0f} s)\n")
    return CommandRun(tuple(argv), done.returncode, done.stdout.decode(errors="replace"))


def run_on_terminal(argv: list[str], root: Path) -> int:
    """Run on the terminal (the app is suspended meanwhile); the exit status."""
    return subprocess.call(argv, env=command_environment(root))
