"""virtfs run as a process of its own, for callers that must not fork themselves: the app
(its workers are threads, and virtfs forks a child that chroots into the domain) and the
audit's fixes. The settings go along (--root, --config), nothing is read from standard input.
"""

import subprocess
from typing import NamedTuple

from virttui.installed import installed_path


class VirtfsRun(NamedTuple):
    status: int   # virtfs's exit status; -1 not run or stopped at the timeout
    line: str     # its last line: what it did, or why not


def run_virtfs(settings, arguments: list[str], timeout: float) -> VirtfsRun:
    """virtfs's exit status and its last line (what it did, or the one line saying why not);
    status -1 when it could not be run or took longer than `timeout` seconds."""
    argv = [installed_path("virtfs"), "--root", str(settings.root)]
    if settings.config_path is not None:
        argv += ["--config", str(settings.config_path)]
    try:
        done = subprocess.run([*argv, *arguments], capture_output=True, text=True, errors="replace",
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        return VirtfsRun(-1, f"virtfs {' '.join(arguments)}: {error}")
    lines = (done.stdout + done.stderr).strip().splitlines()
    return VirtfsRun(done.returncode, lines[-1] if lines else f"virtfs exited with {done.returncode}")
