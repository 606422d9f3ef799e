"""The last POP3 or IMAP session of each user of a domain, as the shared log shows it.

Dovecot's pop3 and imap end each session with one line naming the protocol, the user and
the server's pid: `imap(bob)<4242><...>: Disconnected: Logged out in=86 out=932`. The
domain's lines of the log (its host field, or the pids virtuald handed to it) are searched
for them; the last one of a user is their last login.
"""

import re
from dataclasses import dataclass

from virttui.syslog.page import load_page
from virttui.syslog.query import LogQuery
from virttui.user_names import PATTERN as USER_NAME

SESSION = re.compile(rf"\b(imap|pop3)\(({USER_NAME})\)<\d+>")
SESSION_END = "Disconnected"
LINES = 2000   # the last session lines of the domain looked at


@dataclass(frozen=True)
class Login:
    protocol: str   # POP3 or IMAP
    minute: str     # as the log writes it: 'Nov 24 09:00' or '2026-11-24T09:00'

    @property
    def shown(self) -> str:
        return f"{self.minute.replace('T', ' ')} {self.protocol}"


def last_logins(lines) -> dict[str, Login]:
    """User -> their last session among `lines` (LogLines, oldest first)."""
    found: dict[str, Login] = {}
    for line in lines:
        match = SESSION.search(line.message)
        if match:
            found[match[2]] = Login(match[1].upper(), line.minute)
    return found


def read_last_logins(log_file: str, domain: str) -> dict[str, Login]:
    """The last sessions in the log file; OSError (no log, unreadable) propagates."""
    page = load_page(log_file, LogQuery(domain=domain, text=SESSION_END), LINES, per_minute=False)
    return last_logins(page.lines)
