"""A new user's ~/Maildir, made inside the domain as that user, so that the user can read
mail (POP3, IMAP) before the first message arrives.

    python -m virttui.mail.new_maildir DOMAIN_DIRECTORY USER

Run as root: it chroots into the domain, reads the user from the domain's own etc/passwd,
becomes the user and makes HOME/Maildir (tmp, new, cur; mode 700), as delivery would.
useradd cannot do it from etc/skel in a domain: it sets the mode of each directory it copies
through /proc/self/fd, which a domain has not, and stops at the first one without a word.

Exit status: 0 made (or there already); 1 not made, one line on stdout saying why.
"""

import os
import sys

from virttui.mail.filter import become, enter_domain, recipient
from virttui.mail.maildir import prepare_maildir
from virttui.mail.outcome import DeliveryFailure
from virttui.names import printable


def make(directory: str, name: str) -> str:
    """The Maildir's path inside the domain; DeliveryFailure says why not."""
    enter_domain(directory)
    entry = recipient(name, os.path.basename(directory))
    become(entry.uid, entry.gid)
    maildir = prepare_maildir(entry.home, follow_links=True)   # chrooted: its links are the domain's own
    maildir.close()
    return maildir.path


def command(directory: str, name: str) -> list[str]:
    # -I: no current directory or environment on the import path of a program run as root
    return [sys.executable, "-I", "-m", "virttui.mail.new_maildir", directory, name]


def main(arguments: list[str]) -> int:
    if len(arguments) != 2:
        print("usage: python -m virttui.mail.new_maildir DOMAIN_DIRECTORY USER")
        return 1
    try:
        print(f"made {make(*arguments)}")
    except DeliveryFailure as failure:
        directory, name = (printable(argument) for argument in arguments)
        print(f"no Maildir for {name} in {directory}: {failure}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
