"""`virttui open`: the full-screen app (also what `virttui` alone does)."""

import os
import sys
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser("open", help="open the full-screen app (the default)")
    parser.add_argument("--demo-if-missing", metavar="DIR",
                        help="when the root does not exist, build the demo root in DIR and open that")
    parser.set_defaults(run=run)


def run(args, settings) -> int:
    notice = None
    if args.demo_if_missing and not settings.root.exists():
        from virttui.demo import DemoTargetInUse, demo_notice, demo_root
        from virttui.settings import load_settings
        try:
            config, built = demo_root(Path(args.demo_if_missing))
        except (DemoTargetInUse, OSError) as error:
            print(f"virttui open: {error}", file=sys.stderr)
            return 2
        missing = settings.root
        settings = load_settings(root=str(config.parent), config=str(config))
        notice = demo_notice(config.parent, built, f"{missing} does not exist")
    return open_app(settings, notice)


def open_app(settings, notice: str | None = None) -> int:
    from virttui.domains.first_rows import FirstRowsReader

    # The first screen's rows are read while textual and the screens load.
    reader = FirstRowsReader(settings.root, settings.socket_path, settings.devlog_target, terminal_rows())
    from screens.app import VirtTuiApp  # textual only when the app really opens
    VirtTuiApp(settings, notice=notice, first_rows_reader=reader).run()
    return 0


def terminal_rows() -> int:
    for stream in (sys.__stdout__, sys.__stderr__):
        if stream is None:
            continue
        try:
            return os.get_terminal_size(stream.fileno()).lines
        except (AttributeError, ValueError, OSError):
            continue
    return 50
