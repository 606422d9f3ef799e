"""User accounts of a domain, managed with the domain's own tools (useradd or adduser,
userdel or deluser, chpasswd) through virtexec: the domain's etc/passwd and etc/shadow are
never edited by hand, and a password only ever travels on a program's standard input."""

import subprocess
from pathlib import Path

from virttui.domain_commands import CommandRun, command_environment
from virttui.domains.inroot import DomainRoot
from virttui.installed import installed_path
from virttui.user_names import RULE, is_user_name


class BadAccount(ValueError):
    """A user name, full name or password that cannot be used; the message says why."""


def check_user_name(name: str) -> str:
    if not is_user_name(name):
        raise BadAccount(RULE)
    return name


def check_full_name(full_name: str) -> str:
    if any(c in full_name for c in ":,\n\r"):
        raise BadAccount("a full name cannot hold ':', ',' or a line break")
    return full_name


def check_password(password: str, again: str) -> str:
    if not password:
        raise BadAccount("the password is empty")
    if "\n" in password or "\r" in password:
        raise BadAccount("a password cannot hold a line break")
    if password != again:
        raise BadAccount("the two passwords differ")
    return password


def _has(domain_path: Path, program: str) -> bool:
    """Whether the domain has the program, as the domain sees its own paths (inroot)."""
    try:
        with DomainRoot(domain_path) as files:
            return any(files.exists(f"{directory}/{program}") for directory in ("usr/sbin", "usr/bin", "sbin", "bin"))
    except OSError:
        return False


def _run(root: Path, domain: str, argv: list[str], stdin: str | None = None) -> CommandRun:
    full = [installed_path("virtexec"), "--domain", domain, *argv]
    done = subprocess.run(full, input=(stdin or "").encode(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, env=command_environment(root), timeout=120)
    return CommandRun(tuple(full), done.returncode, done.stdout.decode(errors="replace"))


def add_user(root: Path, domain: str, name: str, full_name: str, password: str) -> list[CommandRun]:
    """Create the account with its home, give it its password, then its ~/Maildir. Stops at
    the first failure."""
    check_user_name(name)
    check_full_name(full_name)
    domain_path = Path(root) / domain
    if _has(domain_path, "useradd"):
        create = ["useradd", "-m", "-s", "/bin/sh", "-c", full_name, name]
    elif _has(domain_path, "adduser"):
        create = ["adduser", "--disabled-password", "--gecos", full_name, name]
    else:
        raise BadAccount(f"{domain} has neither useradd nor adduser: `virtfs --update {domain}`, "
                         "or build it with the base profile")
    runs = [_run(root, domain, create)]
    if runs[0].status == 0:
        runs.append(set_password(root, domain, name, password))
    if runs[-1].status == 0:
        runs.append(make_maildir(root, domain, name))
    return runs


def make_maildir(root: Path, domain: str, name: str) -> CommandRun:
    """The user's ~/Maildir, made inside the domain as the user (see virttui.mail.new_maildir)."""
    from virttui.mail.new_maildir import command

    argv = command(str(Path(root) / domain), check_user_name(name))
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60, cwd="/")
    return CommandRun(tuple(argv), done.returncode, done.stdout.decode(errors="replace"))


def set_password(root: Path, domain: str, name: str, password: str) -> CommandRun:
    check_user_name(name)
    return _run(root, domain, ["chpasswd"], stdin=f"{name}:{password}\n")


def delete_user(root: Path, domain: str, name: str) -> CommandRun:
    check_user_name(name)
    domain_path = Path(root) / domain
    if _has(domain_path, "userdel"):
        return _run(root, domain, ["userdel", "-r", name])
    if _has(domain_path, "deluser"):
        return _run(root, domain, ["deluser", "--remove-home", name])
    raise BadAccount(f"{domain} has neither userdel nor deluser: `virtfs --update {domain}`")
