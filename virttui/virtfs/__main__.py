"""The virtfs command (`virtfs ...`, or `python -m virttui.virtfs ...`).

bin/virtfs blocks Ctrl-C before anything loads; it is let through here once the guard is in
place, so an interrupt while the modules load (argparse, yaml, the
builder: tens of milliseconds) is exit 130 and one line like any later one, not a traceback.
"""

import signal
import sys

EXIT_INTERRUPTED = 130


def entry_point() -> None:
    try:
        from virttui.virtfs.cli import main
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # one that came meanwhile lands here
        status = main()
    except KeyboardInterrupt:
        print("virtfs: interrupted; nothing was left behind", file=sys.stderr)
        status = EXIT_INTERRUPTED
    sys.exit(status)


if __name__ == "__main__":
    entry_point()
