"""`virttui demo [DIR]`: build the deterministic demo root and open the app on it."""

import sys
from pathlib import Path

from virttui.demo import DemoTargetInUse, build_demo
from virttui.names import printable
from virttui.settings import load_settings


def register(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="build a demo root (no privilege needed) and open the app on it")
    parser.add_argument("dir", nargs="?", default="demo-root", help="where to build it (default: ./demo-root)")
    parser.add_argument("--no-open", action="store_true", help="only build it, print its settings file")
    parser.set_defaults(run=run)


def run(args, settings) -> int:
    if not args.dir:
        print("virttui demo: the directory is empty: name one, or leave it out for ./demo-root", file=sys.stderr)
        return 2
    try:
        config = build_demo(Path(args.dir))
    except DemoTargetInUse as error:
        print(f"virttui demo: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"virttui demo: {printable(str(error.filename or args.dir))}: {error.strerror}", file=sys.stderr)
        return 2
    if args.no_open:
        print(config)
        return 0
    from virttui.commands.open import open_app
    return open_app(load_settings(root=str(config.parent), config=str(config)))
