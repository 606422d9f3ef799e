"""What is in a domain's mailboxes: for each person, the Maildir's new and read
messages and their size. Read-only, for the app and `virttui list`-style views."""

import os
from dataclasses import dataclass
from pathlib import Path

from virttui.domains.discovery import Domain


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


def count_messages(directory: str) -> tuple[int, int]:
    """(messages, bytes) of the files in one Maildir subdirectory."""
    count = size = 0
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_file(follow_symlinks=False):
                    count += 1
                    size += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue  # taken away while we looked: a reader moved it
    return count, size


def mailbox(domain_path: Path, user: str, home: str) -> Mailbox:
    """The Maildir under `home` (a path inside the domain), never followed out of the domain."""
    maildir = domain_path / home.lstrip("/") / "Maildir"
    real_domain = os.path.realpath(domain_path)
    real = os.path.realpath(maildir)
    if os.path.commonpath([real, real_domain]) != real_domain:
        return Mailbox(user, maildir, problem="home leads out of the domain")
    if not os.path.isdir(real):
        return Mailbox(user, maildir, problem="no Maildir yet (made at the first delivery)")
    try:
        new, new_size = count_messages(os.path.join(real, "new"))
        cur, cur_size = count_messages(os.path.join(real, "cur"))
    except OSError as error:
        return Mailbox(user, maildir, problem=f"cannot read: {error.strerror}")
    return Mailbox(user, maildir, new, cur, new_size + cur_size)


def mailboxes(domain: Domain) -> list[Mailbox]:
    """One mailbox per person of a loaded domain, in passwd order."""
    return [mailbox(domain.path, user.name, user.home) for user in domain.people]


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
