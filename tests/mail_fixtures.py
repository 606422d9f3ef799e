"""Mail domains for tests and benchmarks: an etc/passwd with system accounts and people,
each person's home made and owned by them (no Maildir yet: delivery makes it)."""

import os
from pathlib import Path

SYSTEM_LINES = ("root:x:0:0:root:/root:/bin/sh", "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
                "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin")


def home_of(name: str) -> str:
    return f"/home/{name[0]}/{name}"


def make_mail_domain(root: Path, domain: str, people: dict[str, int]) -> Path:
    """root/domain with etc/passwd listing the system accounts and `people` (name: uid)."""
    directory = root / domain
    (directory / "etc").mkdir(parents=True, exist_ok=True)
    lines = list(SYSTEM_LINES)
    for name, uid in people.items():
        lines.append(f"{name}:x:{uid}:{uid}:{name}:{home_of(name)}:/bin/sh")
        home = directory / home_of(name).lstrip("/")
        home.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            os.chown(home, uid, uid)
    (directory / "etc" / "passwd").write_text("\n".join(lines) + "\n")
    return directory


def maildir_of(root: Path, domain: str, name: str) -> Path:
    return root / domain / home_of(name).lstrip("/") / "Maildir"


def files_in(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.is_dir() else []


def deliver_bytes(maildir_path: str, data: bytes) -> str:
    """Deliver `data` into a Maildir in-process, read from a pipe as an MTA hands a message
    over; the name in new/ (DeliveryFailure propagates)."""
    from virttui.mail.maildir import deliver

    read_end, write_end = os.pipe()
    try:
        os.write(write_end, data)
        os.close(write_end)
        return deliver(maildir_path, read_end)
    finally:
        os.close(read_end)
