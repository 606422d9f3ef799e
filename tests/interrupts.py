"""Ctrl-C (a real SIGINT) sent to a program at moments of its start."""

import signal
import subprocess
import time

# From the interpreter's own start until the work has begun: the program's modules load in between.
START_DELAYS = (0.01, 0.02, 0.03, 0.04, 0.06, 0.08, 0.1, 0.15)


def interrupted_while_starting(argv: list[str]) -> list[tuple[float, int, str]]:
    """(delay, exit status, stderr) for each delay at which SIGINT reached the program itself,
    not the interpreter's own start-up (before any of the program runs)."""
    found = []
    for delay in START_DELAYS:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        if not (err.startswith("Fatal Python error") or "<frozen site>" in err):
            found.append((delay, process.returncode, err))
    return found
