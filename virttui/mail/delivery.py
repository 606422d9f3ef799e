"""virtmaildelivery USER HOMEDIR: write the message on stdin into HOMEDIR/Maildir.

Run as the user whose Maildir it is (virtmailfilter drops to that user and does
the same in-process). The message is kept byte for byte; qmail's RPLINE
(Return-Path) and DTLINE (Delivered-To) go first when they are set.
HOMEDIR/Maildir (tmp, new, cur) is made, mode 700, when it is missing and the
home belongs to the running user. A link for HOMEDIR/Maildir or its tmp, new and cur is
refused (a temporary failure): this program does not know which domain the home is in, so it
cannot read a link as the domain would.

Exit status, as qmail reads it: 0 delivered, 111 temporary failure (the
message stays queued). One line of reason on stdout when it fails.
"""

import os
import sys

from virttui.mail.maildir import deliver, prepare_maildir
from virttui.mail.outcome import DeliveryFailure, finish, temporary

USAGE = "usage: virtmaildelivery USER HOMEDIR (the message on standard input)"


def header_lines(environ) -> bytes:
    """RPLINE then DTLINE, each ending in a newline, as qmail-local sets them; empty when unset."""
    lines = b""
    for variable in (b"RPLINE", b"DTLINE"):
        value = environ.get(variable, b"")
        if value:
            lines += value if value.endswith(b"\n") else value + b"\n"
    return lines


def deliver_to_home(home: str, header: bytes, source_fd: int = 0, follow_links: bool = False) -> str:
    """Deliver stdin into HOME/Maildir; the name in new/, or DeliveryFailure. `follow_links`:
    only inside the domain (the filter is chrooted); virtmaildelivery, which does not know the
    domain's root, refuses a Maildir, tmp, new or cur that is a link."""
    return deliver(prepare_maildir(home, follow_links), source_fd, header)


def main(argv: list[str], environb) -> int:
    failure = None
    try:
        if len(argv) != 3 or not argv[2]:
            raise temporary(USAGE)
        deliver_to_home(argv[2], header_lines(environb))
    except DeliveryFailure as caught:
        failure = caught
    except Exception as error:  # noqa: BLE001 - a traceback would be the bounce text
        failure = temporary(f"unexpected {type(error).__name__}: {error}")
    return finish("virtmaildelivery", failure)


def entry_point() -> None:
    sys.exit(main(sys.argv, os.environb))
