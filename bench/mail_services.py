"""POP3 sessions per second on loopback, one server process per connection, in one run:

  (a) the catalog's POP3 server (pop3front-auth, cvm-unix, Dovecot's pop3) started by
      tcpserver through chroot(8) alone: the same server, no virtuald;
  (b) the same server through virtuald (look the address up, chroot, exec), as served;
  (c) the same server through virtuald's daemon mode (virtuald --listen, no tcpserver).

Each session is what a mail client does: log in (USER, PASS), STAT, RETR of a 10 KB
message, QUIT, with poplib. The domain is built by virtfs (profile pop3) with a user added
as the app adds one; most of a session is cvm-unix checking the password against the
domain's yescrypt hash, which costs the same in both ways. Rounds are interleaved; medians are printed, with the time ratio b/a
(what virtuald adds to a whole POP3 session). Needs root (chroot) and tcpserver, mailfront,
cvm and dovecot-pop3d.

A way of serving is a name and a function that starts a listener on a port. The goal,
<= 1.2 of (a), is for the daemon mode; the per-connection ratio is reported.

Run: .venv/bin/python bench/mail_services.py [--sessions N] [--rounds R]
"""

import argparse
import os
import poplib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.compiled import compile_project  # noqa: E402
from bench.virtuald import ADDRESS, interleaved_rounds, start_dispatcher, start_tcpserver  # noqa: E402
from virttui.domains.accounts import add_user  # noqa: E402
from virttui.services.catalog import load_services  # noqa: E402

VENV_BIN = Path(sys.executable).parent
DOMAIN = "d1.example"
PASSWORD = "bench-Secret-1"
MESSAGE = b"From: alice@example.org\nTo: bob@d1.example\nSubject: bench\n\n" + b"A line of text, 10 KB.\n" * 445
ENVIRONMENT = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "VIRTUALD_LOG_SOCKET": "/nonexistent"}


def tcpserver(port: int, command: list[str]) -> subprocess.Popen:
    return start_tcpserver(port, command, ENVIRONMENT)


def chroot_only(root: Path, argv: tuple[str, ...]):
    return lambda port: tcpserver(port, [shutil.which("chroot") or "/usr/sbin/chroot", str(root / DOMAIN), *argv])


def through_virtuald(root: Path, argv: tuple[str, ...]):
    return lambda port: tcpserver(port, [str(VENV_BIN / "virtuald"), str(root / "conf.pop3"), *argv])


def through_dispatcher(root: Path, argv: tuple[str, ...]):
    # -e, as the catalog's log_stderr says: pop3front-auth logs on its standard error
    return lambda port: start_dispatcher(port, root / "conf.pop3", list(argv), root / "run", ENVIRONMENT, ("-e",))


def session(port: int) -> None:
    client = poplib.POP3(ADDRESS, port, timeout=30)
    client.user("bob")
    client.pass_(PASSWORD)
    if client.stat()[0] != 1:
        raise RuntimeError("the mailbox should hold one message")
    lines = client.retr(1)[1]
    if b"\n".join(lines) + b"\n" != MESSAGE:
        raise RuntimeError("RETR did not return the message")
    client.quit()


def rate(port: int, sessions: int) -> float:
    started = time.perf_counter()
    for _ in range(sessions):
        session(port)
    return sessions / (time.perf_counter() - started)


def build(root: Path) -> None:
    built = subprocess.run([str(VENV_BIN / "virtfs"), "--root", str(root), "--profile", "pop3", DOMAIN],
                           capture_output=True, text=True)
    if built.returncode != 0:
        raise RuntimeError(built.stderr)
    runs = add_user(root, DOMAIN, "bob", "Bob", PASSWORD)
    if any(run.status for run in runs):
        raise RuntimeError(runs)
    home = root / DOMAIN / "home" / "bob"
    message = home / "Maildir" / "cur" / "1700000000.M1P1.bench:2,S"
    message.write_bytes(MESSAGE)
    shutil.chown(message, home.stat().st_uid, home.stat().st_gid)
    (root / "conf.pop3").write_text(f"{ADDRESS} {root / DOMAIN}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=40, help="sessions per round (default 40)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each (default 5)")
    args = parser.parse_args()
    missing = [p for p in ("tcpserver", "pop3front-auth", "cvm-unix") if not shutil.which(p, path=ENVIRONMENT["PATH"])]
    if os.geteuid() != 0 or missing or not os.path.exists("/usr/lib/dovecot/pop3"):
        print("bench/mail_services.py needs root, tcpserver (ucspi-tcp), pop3front-auth (mailfront), "
              "cvm-unix (cvm) and /usr/lib/dovecot/pop3 (dovecot-pop3d)", file=sys.stderr)
        return 2
    compile_project()
    argv = load_services()["pop3"].argv
    with tempfile.TemporaryDirectory(prefix="virttui-bench-") as scratch:
        root = Path(scratch)
        build(root)
        ways = {"a chroot only": chroot_only(root, argv), "b virtuald": through_virtuald(root, argv),
                "c virtuald --listen": through_dispatcher(root, argv)}
        rates = interleaved_rounds(ways, lambda port: rate(port, args.sessions), args.rounds)
    medians = {name: statistics.median(values) for name, values in rates.items()}
    print(f"POP3 sessions (USER, PASS, STAT, RETR of {len(MESSAGE)} bytes, QUIT) per second on {ADDRESS}, "
          f"{args.sessions} per round, {args.rounds} rounds (medians)")
    for name, value in medians.items():
        print(f"  {name:20} {value:7.1f}/s   ({1000 / value:6.2f} ms per session)")
    baseline = 1 / medians["a chroot only"]
    for name, value in medians.items():
        if name != "a chroot only":
            ratio = (1 / value) / baseline
            verdict = (f"goal <= 1.2: {'met' if ratio <= 1.2 else 'missed'}" if "--listen" in name
                       else "per connection: reported, not a goal")
            print(f"  time ratio {name.split()[0]}/a   {ratio:.2f}   ({verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
