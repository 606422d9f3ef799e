"""The safe, known fixes of findings: dev/log relinked to the log socket, a domain's
programs refreshed from the host with `virtfs --update` (run as its own process: it forks
into the domain, which a threaded caller such as the app must not do itself)."""

import subprocess
from pathlib import Path

from virttui.check.report import FIX_RELINK, FIX_UPDATE, Finding
from virttui.installed import installed_path
from virttui.syslog.relink import NoLogSocket, relink, shared_socket

UPDATE_TIMEOUT = 600


def apply_fix(finding: Finding, settings) -> tuple[bool, str]:
    """(done, what happened in one line)."""
    if finding.fix == FIX_RELINK:
        try:
            result = relink(finding.domain, Path(settings.root) / finding.domain, shared_socket(settings))
        except NoLogSocket as error:
            return False, str(error)
        return result.ok, f"dev/log of {result}"
    if finding.fix == FIX_UPDATE:
        argv = [installed_path("virtfs"), "--root", str(settings.root)]
        if settings.config_path is not None:
            argv += ["--config", str(settings.config_path)]
        try:
            done = subprocess.run([*argv, "--update", finding.domain], capture_output=True, text=True,
                                  errors="replace", timeout=UPDATE_TIMEOUT, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as error:
            return False, f"virtfs --update {finding.domain}: {error}"
        lines = (done.stdout + done.stderr).strip().splitlines()
        return done.returncode == 0, lines[-1] if lines else f"virtfs exited with {done.returncode}"
    return False, "no safe fix is known for this finding"
