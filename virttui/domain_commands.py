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


@dataclass(frozen=True)
class Missing:
    command: CatalogCommand
    profile: str | None   # a shipped profile that installs it, or None when none does


def commands_in_domain(domain_path: Path, catalog: dict[str, CatalogCommand],
                       settings_profiles=None) -> tuple[list[CatalogCommand], list[Missing]]:
    """The catalog's commands the domain has (its program on the domain's PATH, looked at
    through the domain's root), and those it lacks with the profile that would add them."""
    from virttui.domains.inroot import DomainRoot
    from virttui.root_paths import DEFAULT_PATH as DOMAIN_PATH

    present, missing = [], []
    try:
        root = DomainRoot(domain_path)
    except OSError:
        return [], [Missing(command, None) for command in catalog.values()]
    with root:
        for command in catalog.values():
            program = command.argv[0]
            places = [program] if "/" in program else [f"{d}/{program}" for d in DOMAIN_PATH.split(":")]
            if any(root.exists(place) for place in places):
                present.append(command)
            else:
                missing.append(Missing(command, profile_with(os.path.basename(program), settings_profiles)))
    return present, missing


def profile_with(program: str, settings_profiles=None) -> str | None:
    """The first profile (by name) whose binaries name `program`."""
    from virttui.virtfs.profiles import available, compose

    for name in available(settings_profiles):
        try:
            profile = compose([name], settings_profiles)
        except Exception:   # a broken profile of the settings: it adds nothing here
            continue
        if program in profile.binaries or program in profile.optional_binaries:
            return name
    return None
