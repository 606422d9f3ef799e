"""The virtfs command (`virtfs ...`, or `python -m virttui.virtfs ...`).

Its modules load here, inside the guard: Ctrl-C while they load (argparse, yaml, the
builder: tens of milliseconds) is an interrupt like any later one, not a traceback.
"""

import sys

EXIT_INTERRUPTED = 130


def entry_point() -> None:
    try:
        from virttui.virtfs.cli import main
        status = main()
    except KeyboardInterrupt:
        print("virtfs: interrupted; nothing was left behind", file=sys.stderr)
        status = EXIT_INTERRUPTED
    sys.exit(status)


if __name__ == "__main__":
    entry_point()
