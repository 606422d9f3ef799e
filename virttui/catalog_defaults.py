"""The command catalog's own commands, as plain data: (name, argv, help, interactive).

virtexec reads them from here for a virtNAME link run without a settings file: it starts
once per command, and virttui.catalog's validation machinery is not needed for them.
"""

COMMANDS = (
    ("passwd", ("passwd",), "change a user's password", True),
    # useradd and userdel: the base profile has them (adduser and deluser are Perl programs);
    # -m copies etc/skel, where the maildir profile puts ~/Maildir
    ("adduser", ("useradd", "-m", "-s", "/bin/sh"), "add a user account with its home and Maildir", False),
    ("deluser", ("userdel", "-r"), "delete a user account and its home", False),
    ("mailq", ("mailq",), "list the mail queue", False),
    ("newaliases", ("newaliases",), "rebuild the mail aliases", False),
    ("smbstatus", ("smbstatus",), "show Samba connections", False),
    # -a adds the user to the domain's own tdbsam, or changes the password of one already there
    ("smbpasswd", ("smbpasswd", "-a"), "set a user's Samba password", True),
    ("vi", ("vi",), "edit a file", True),
)
