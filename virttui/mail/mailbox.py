"""What is in a domain's mailboxes: for each person, the Maildir's new and read
messages and their size. Read-only, for the app and `virttui list`-style views; every path
is read through the domain's root (virttui.domains.inroot)."""

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from virttui.domains.discovery import Domain
from virttui.domains.inroot import DomainRoot


@dataclass(frozen=True)
class Mailbox:
    user: str
    maildir: Path
    new: int = 0
    cur: int = 0
    size: int = 0       # bytes of the messages in new/ and cur/
    problem: str = ""   # why the counts could not be taken; empty when they were

    @property
    def state(self) -> str:
        return self.problem or "ok"


def count_messages(files: DomainRoot, directory: str) -> tuple[int, int]:
    """(messages, bytes) of the regular files in one Maildir subdirectory of the domain."""
    count = size = 0
    for name, info in files.entries(directory):
        if not name.startswith(".") and stat.S_ISREG(info.st_mode):
            count += 1
            size += info.st_size
    return count, size


def mailbox(domain_path: Path, user: str, home: str, files: DomainRoot | None = None) -> Mailbox:
    """The Maildir under `home` (a path inside the domain), read through the domain's root
    (`files`, opened here when not given): a link is read as the domain sees it, never out."""
    maildir = domain_path / home.lstrip("/") / "Maildir"
    inner = os.path.join(home, "Maildir")
    try:
        if files is None:
            with DomainRoot(domain_path) as opened:
                return mailbox(domain_path, user, home, opened)
        if not files.is_dir(inner):
            return Mailbox(user, maildir, problem="no Maildir yet (made at the first delivery)")
        new, new_size = count_messages(files, os.path.join(inner, "new"))
        cur, cur_size = count_messages(files, os.path.join(inner, "cur"))
    except OSError as error:
        return Mailbox(user, maildir, problem=f"cannot read: {error.strerror}")
    return Mailbox(user, maildir, new, cur, new_size + cur_size)


def mailboxes(domain: Domain) -> list[Mailbox]:
    """One mailbox per person of a loaded domain, in passwd order."""
    try:
        files = DomainRoot(domain.path)
    except OSError as error:
        return [Mailbox(user.name, domain.path / user.home.lstrip("/") / "Maildir",
                        problem=f"cannot read: {error.strerror}") for user in domain.people]
    with files:
        return [mailbox(domain.path, user.name, user.home, files) for user in domain.people]


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
