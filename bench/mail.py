"""Messages per second delivered into a Maildir, one process per message, in one run:

  (a) Debian's maildrop, started by root with a filter file `to "MAILDIR/"`;
  (b) virtmailfilter as qmail starts it (EXT, HOST): domain and user look-up in the domain's
      etc/passwd, chroot, privileges dropped, then the Maildir delivery;
  (c) virtmaildelivery alone into the same Maildir (the delivery half of b, no look-up);
  (d) the interpreter's floor: python reading the message and doing nothing with it.

Each message is a 4 KiB mail read from a file on stdin. Rounds are interleaved; medians are
printed with the time ratio b/a (how much a whole virtual delivery costs next to maildrop's).
Needs root (chroot, setuid) and maildrop (Debian package maildrop).

Run: .venv/bin/python bench/mail.py [--messages N] [--rounds R]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.compiled import compile_project  # noqa: E402
from tests.mail_fixtures import maildir_of, make_mail_domain  # noqa: E402

VENV_BIN = Path(sys.executable).parent
BOB = 1001
MESSAGE = b"From: alice@example.org\nTo: bob@d1.example\nSubject: bench\n\n" + b"A line of text.\n" * 252


def rate(command: list[str], environment: dict, message: Path, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        with open(message, "rb") as stdin:
            status = subprocess.run(command, stdin=stdin, stdout=subprocess.DEVNULL, env=environment).returncode
        if status != 0:
            raise RuntimeError(f"{command[0]} exited {status}")
    return count / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300, help="messages per round (default 300)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each (default 5)")
    args = parser.parse_args()
    maildrop = shutil.which("maildrop")
    if os.geteuid() != 0 or not maildrop:
        print("bench/mail.py needs root and maildrop (Debian package maildrop)", file=sys.stderr)
        return 2
    compile_project()
    with tempfile.TemporaryDirectory(prefix="virttui-bench-mail-") as scratch:
        base = Path(scratch)
        base.chmod(0o755)
        root = base / "root"
        make_mail_domain(root, "d1.example", {"bob": BOB})
        home = maildir_of(root, "d1.example", "bob").parent
        message = base / "message"
        message.write_bytes(MESSAGE)
        maildrop_box = base / "maildrop" / "Maildir"
        for sub in ("tmp", "new", "cur"):
            (maildrop_box / sub).mkdir(parents=True)
        rules = base / "maildrop" / "filter"
        rules.write_text(f'to "{maildrop_box}/"\n')
        rules.chmod(0o600)
        path = {"PATH": "/usr/bin:/bin"}
        runs = {
            "a maildrop": ([maildrop, str(rules)], path),
            "b virtmailfilter": ([str(VENV_BIN / "virtmailfilter"), "--root", str(root)],
                                 {**path, "EXT": "bob", "HOST": "d1.example",
                                  "RPLINE": "Return-Path: <alice@example.org>\n",
                                  "DTLINE": "Delivered-To: bob@d1.example\n"}),
            "c virtmaildelivery": ([str(VENV_BIN / "virtmaildelivery"), "bob", str(home)], path),
            "d python floor": ([sys.executable, "-c", "import sys; sys.stdin.buffer.read()"], path),
        }
        rates = {name: [] for name in runs}
        for _ in range(args.rounds):
            for name, (command, environment) in runs.items():
                rates[name].append(rate(command, environment, message, args.messages))
        delivered = len(os.listdir(maildrop_box / "new")), len(os.listdir(home / "Maildir" / "new"))
    medians = {name: statistics.median(values) for name, values in rates.items()}
    print(f"messages per second into a Maildir, one process per message, {args.messages} per round, "
          f"{args.rounds} rounds (medians; {delivered[0]} + {delivered[1]} messages checked delivered)")
    for name, value in medians.items():
        print(f"  {name:20} {value:8.1f}/s   ({1000 / value:6.2f} ms per message)")
    print(f"  time ratio b/a       {medians['a maildrop'] / medians['b virtmailfilter']:.2f}"
          "   (virtmailfilter's time per message over maildrop's)")
    print(f"  time ratio c/a       {medians['a maildrop'] / medians['c virtmaildelivery']:.2f}")
    print(f"  time ratio b/d       {medians['d python floor'] / medians['b virtmailfilter']:.2f}"
          "   (what the filter adds to starting Python at all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
