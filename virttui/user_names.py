"""User names: the one rule for every place that checks one. A domain's accounts (made with
the domain's useradd or adduser), the mail filter's recipient, the host account a
super-server entry or the MTA runs a program as, and the user of a Dovecot session line in
the log.

1 to 32 characters: lower-case letters, digits, '_', '.' and '-', starting with a letter or
'_'. What useradd, systemd and Dovecot accept, a mail address's local part can carry, and
no super-server's or MTA's syntax can misread (no white space, ':', ',', '$' or '/').

Standard library only, and no regular expression: the mail filter checks one per message.
"""

MAX_LENGTH = 32
FIRST = frozenset("abcdefghijklmnopqrstuvwxyz_")
REST = FIRST | frozenset("0123456789.-")
RULE = "a user name is 1-32 lower-case letters, digits, '_', '.' or '-', starting with a letter or '_'"
# The same rule for a regular expression that finds user names in text (the log's lines).
PATTERN = r"[a-z_][a-z0-9_.-]{0,31}"


def is_user_name(name) -> bool:
    return (isinstance(name, str) and 0 < len(name) <= MAX_LENGTH and name[0] in FIRST
            and REST.issuperset(name))
