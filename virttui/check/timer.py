"""`virttui check --timer`: a systemd service that runs the check and a timer that starts it
every morning. The service prints the one-line summary (the monitoring format), which the
journal keeps; a check that found errors leaves the unit failed, where `systemctl --failed`
and OnFailure= see it."""

import shlex

from virttui.installed import installed_path
from virttui.names import printable

UNIT = "virttui-check"


class Unprintable(ValueError):
    """A path a unit file cannot hold (a control character would start a directive)."""


def exec_line(settings) -> str:
    argv = [installed_path("virttui"), "--root", str(settings.root)]
    if settings.config_path is not None:
        argv += ["--config", str(settings.config_path)]
    argv += ["check", "--format", "nagios"]
    for word in argv:
        if not word.isprintable():
            raise Unprintable(f"{printable(word)}: a control character cannot go in a unit file")
    return " ".join(_quoted(word) for word in argv)


def _quoted(word: str) -> str:
    """A word as systemd's ExecStart= reads it (its quoting is the shell's, mostly; no % specifiers)."""
    word = word.replace("%", "%%")
    return word if shlex.quote(word) == word else '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def units(settings) -> str:
    return f"""\
# /etc/systemd/system/{UNIT}.service
[Unit]
Description=virttui check: is every domain of {_printable_root(settings)} served, logging and safe?
After=network-online.target rsyslog.service

[Service]
Type=oneshot
ExecStart={exec_line(settings)}
# 1: warnings only. 2 (errors) and 3 (the root cannot be checked) leave the unit failed.
SuccessExitStatus=1
SyslogIdentifier={UNIT}
Nice=10
IOSchedulingClass=idle

# /etc/systemd/system/{UNIT}.timer
[Unit]
Description=virttui check, every morning

[Timer]
OnCalendar=*-*-* 06:00:00
RandomizedDelaySec=15min
Persistent=true

[Install]
WantedBy=timers.target

# Install: save both files, then `systemctl daemon-reload && systemctl enable --now {UNIT}.timer`;
# the summaries: `journalctl -u {UNIT}`.
"""


def _printable_root(settings) -> str:
    return printable(str(settings.root)).replace("%", "%%")
