"""5,000 messages, 32 deliveries at a time, some killed with SIGKILL at random moments:
nothing delivered is lost or doubled, nothing partial ever shows in new/."""

import os
import random
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN
from tests.mail_fixtures import files_in, maildir_of, make_mail_domain

FILTER = str(VENV_BIN / "virtmailfilter")
MESSAGES = 5_000
PARALLEL = 32
KILLED_SHARE = 0.05
RECIPIENTS = [("d1.example", "bob"), ("d1.example", "carol"), ("d2.example", "bob"), ("d2.example", "dora")]
INDEX = re.compile(rb"X-Index: (\d+)\n")


def message_bytes(index: int) -> bytes:
    """A message of its own: its number, and a body from 100 bytes to 256 KiB, so that a kill
    can fall in the middle of the writing."""
    rng = random.Random(index)
    body = rng.randbytes(rng.choice([100, 4_000, 60_000, 262_144]))
    return b"X-Index: %d\nSubject: crash test\n\n" % index + body


def expected_bytes(index: int, domain: str, user: str) -> bytes:
    return (b"Return-Path: <sender-%d@example.org>\nDelivered-To: %s@%s\n"
            % (index, user.encode(), domain.encode())) + message_bytes(index)


def deliver(root: Path, spool: Path, index: int, kill_after: float | None) -> int:
    domain, user = RECIPIENTS[index % len(RECIPIENTS)]
    path = spool / str(index)
    path.write_bytes(message_bytes(index))
    environment = {"PATH": os.environ["PATH"], "EXT": user, "HOST": domain,
                   "RPLINE": f"Return-Path: <sender-{index}@example.org>\n",
                   "DTLINE": f"Delivered-To: {user}@{domain}\n"}
    with open(path, "rb") as message:
        process = subprocess.Popen([FILTER, "--root", str(root)], stdin=message,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
    if kill_after is not None:
        time.sleep(kill_after)
        process.send_signal(signal.SIGKILL)
    status = process.wait()
    path.unlink()
    return status


@pytest.mark.root
def test_killed_and_parallel_deliveries_lose_nothing_and_show_nothing_partial(tmp_path):
    root = tmp_path / "root"
    make_mail_domain(root, "d1.example", {"bob": 1001, "carol": 1002})
    make_mail_domain(root, "d2.example", {"bob": 2001, "dora": 2002})
    spool = tmp_path / "spool"
    spool.mkdir()
    rng = random.Random(7)
    kills = {index: rng.uniform(0.0, 0.06) for index in range(MESSAGES) if rng.random() < KILLED_SHARE}
    with ThreadPoolExecutor(PARALLEL) as pool:
        statuses = dict(zip(range(MESSAGES), pool.map(
            lambda index: deliver(root, spool, index, kills.get(index)), range(MESSAGES))))

    killed = {index for index, status in statuses.items() if status == -signal.SIGKILL}
    assert {status for index, status in statuses.items() if index not in killed} == {0}
    assert len(killed) > MESSAGES * KILLED_SHARE / 4  # the kills did land, not all after the end

    in_new: dict[int, list[bytes]] = {}
    leftovers = []
    for domain, user in set(RECIPIENTS):
        maildir = maildir_of(root, domain, user)
        for path in files_in(maildir / "new"):
            content = path.read_bytes()
            index = int(INDEX.search(content).group(1))
            assert content == expected_bytes(index, domain, user), f"partial or wrong: new/{path.name}"
            in_new.setdefault(index, []).append(content)
        leftovers += [(domain, user, path.read_bytes()) for path in files_in(maildir / "tmp")]

    delivered = {index for index, status in statuses.items() if status == 0}
    assert all(len(in_new.get(index, [])) == 1 for index in delivered)
    assert all(len(copies) == 1 for copies in in_new.values())
    assert set(in_new) - delivered <= killed  # a kill after the link may still have delivered
    assert len(leftovers) <= len(killed)
    for domain, user, content in leftovers:  # each one the beginning of a killed delivery
        found = INDEX.search(content)
        if found:
            index = int(found.group(1))
            assert index in killed and expected_bytes(index, domain, user).startswith(content)
