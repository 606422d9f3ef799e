"""`virttui`: the full-screen app, and subcommands for scripts.

Each subcommand lives in its own module under virttui/commands/ with a
`register(subparsers)` function that adds its parser and sets `run`, a
function `(args, settings) -> exit status`.

Exit statuses: 0 success; 1 the command ran and found problems (conf check);
2 bad usage or a settings error; other values are documented by each command.
"""

import argparse
import importlib
import sys

from virttui.yamlfile import ConfigError

COMMAND_MODULES = ["open", "list", "demo", "conf", "service", "links", "mail", "syslog", "log"]

EXIT_USAGE = 2


def build_parser(commands: list[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="virttui",
        description="Virtual services: many chrooted domains on one host. "
                    "With no command, opens the full-screen app on the root.")
    parser.add_argument("--root", help="the root of the domains (default: settings, then /virtual)")
    parser.add_argument("--config", help="settings file (default: $VIRTTUI_CONFIG, then /etc/virttui.yaml)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in commands:
        importlib.import_module(f"virttui.commands.{name}").register(subparsers)
    return parser


def named_command(argv: list[str]) -> str | None:
    """The command named on the command line, found before parsing it: only its module is
    imported then (a script calling `virttui log` does not wait for the app's)."""
    words = iter(argv)
    for word in words:
        if word in ("--root", "--config"):
            next(words, None)
        elif not word.startswith("-"):
            return word if word in COMMAND_MODULES else None
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = named_command(argv)
    parser = build_parser([command] if command else COMMAND_MODULES)
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*argv, "open"])
    from virttui.settings import load_settings
    try:
        settings = load_settings(root=args.root, config=args.config)
        return args.run(args, settings)
    except ConfigError as error:
        print(f"virttui: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # `virttui list | head`: not an error
        return 0


if __name__ == "__main__":
    sys.exit(main())
