"""logging: the root's log socket is there, and each domain's dev/log leads to it (or, in the
per-domain mode, is rsyslogd's own socket)."""

import os
import stat

from virttui.check.report import ERROR, FIX_RELINK, ROOT, Finding
from virttui.domains.discovery import DevLog, devlog_state
from virttui.names import printable

RESTART = "restart rsyslogd with `virttui syslog config`'s configuration"


def socket_findings(settings) -> list[Finding]:
    if settings.devlog_target is None:
        return []
    path = settings.socket_path
    try:
        is_socket = stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError as error:
        return [Finding(ERROR, ROOT, "logging", f"the log socket {printable(str(path))}: {error.strerror}",
                        f"{RESTART}, then `virttui syslog relink`")]
    if not is_socket:
        return [Finding(ERROR, ROOT, "logging", f"the log socket {printable(str(path))} is not a socket",
                        f"move it away and {RESTART}")]
    return []


def devlog_findings(name: str, domain_path, settings) -> list[Finding]:
    """dev/log of one domain whose dev is a directory (a dev that is a link is an escape)."""
    state = devlog_state(domain_path, settings.devlog_target)
    if state == DevLog.STALE:
        return [Finding(ERROR, name, "logging", "dev/log is a stale socket: rsyslogd made its socket anew "
                        "and the domain's programs log nowhere", "`virttui syslog relink`", fix=FIX_RELINK)]
    if state == DevLog.MISSING:
        if settings.devlog_target is None:
            return [Finding(ERROR, name, "logging", "dev/log is missing: rsyslogd has no socket in the domain",
                            RESTART)]
        return [Finding(ERROR, name, "logging", "dev/log is missing: the domain's programs log nowhere",
                        "`virttui syslog relink`", fix=FIX_RELINK)]
    if state == DevLog.NOT_SOCKET:
        return [Finding(ERROR, name, "logging", "dev/log is not a socket",
                        "move it away, then `virttui syslog relink`")]
    return []
