"""The safe, known fixes of findings: dev/log relinked to the log socket, a domain's
programs refreshed from the host with `virtfs --update` (run as its own process: it forks
into the domain, which a threaded caller such as the app must not do itself)."""

from pathlib import Path
from typing import NamedTuple

from virttui.check.report import FIX_RELINK, FIX_UPDATE, Finding
from virttui.syslog.relink import NoLogSocket, relink, shared_socket
from virttui.virtfs.process import run_virtfs

UPDATE_TIMEOUT = 600


class FixResult(NamedTuple):
    done: bool
    said: str    # what happened, in one line


def apply_fix(finding: Finding, settings) -> FixResult:
    if finding.fix == FIX_RELINK:
        try:
            result = relink(finding.domain, Path(settings.root) / finding.domain, shared_socket(settings))
        except NoLogSocket as error:
            return FixResult(False, str(error))
        return FixResult(result.ok, f"dev/log of {result}")
    if finding.fix == FIX_UPDATE:
        status, line = run_virtfs(settings, ["--update", finding.domain], UPDATE_TIMEOUT)
        return FixResult(status == 0, line)
    return FixResult(False, "no safe fix is known for this finding")
