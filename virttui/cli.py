"""`virttui`: the full-screen app, and subcommands for scripts.

Each subcommand lives in its own module under virttui/commands/ with a
`register(subparsers)` function that adds its parser and sets `run`, a
function `(args, settings) -> exit status`.

Exit statuses: 0 success; 1 the command ran and found problems (conf check);
2 bad usage or a settings error; other values are documented by each command.
"""

import sys

# Nothing else is imported at the top of this module: the modules load inside main()'s guard.
# bin/virttui blocks Ctrl-C until they are loaded: an interrupt inside an import's own
# machinery could escape any guard.

COMMAND_MODULES = ["open", "list", "demo", "conf", "services", "enable", "disable", "service", "web", "check",
                   "domain", "links", "mail", "syslog", "log"]
GLOBAL_OPTIONS = ("--root", "--config")

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def build_parser(commands: list[str] = COMMAND_MODULES):
    import argparse
    import importlib

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
    imported then (a script calling `virttui log` does not wait for the app's). Global options
    alone name `open`: the app starts without importing every command."""
    words = iter(argv)
    only_global = True
    for word in words:
        if word in GLOBAL_OPTIONS:
            next(words, None)
        elif not word.startswith("-"):
            return word if word in COMMAND_MODULES else None
        elif word.split("=", 1)[0] not in GLOBAL_OPTIONS:
            only_global = False
    return "open" if only_global else None


def parse_arguments(parser, argv: list[str]):
    args, unknown = parser.parse_known_args(argv)
    if unknown[:1] == ["--"] and getattr(args, "program", None) == []:
        # `service NAME ... -- PROGRAM ARG...`: an optional PROGRAM after options is left
        # over by argparse once NAME alone matched the positionals.
        args.program, unknown = unknown[1:], []
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}{global_option_hint(unknown, args)}")
    return args


def global_option_hint(unknown: list[str], args) -> str:
    """`virttui list --root X`: say where --root goes."""
    misplaced = [word for word in unknown if word.split("=", 1)[0] in GLOBAL_OPTIONS]
    if not misplaced or args.command is None:
        return ""
    option = misplaced[0].split("=", 1)[0]
    return f" ({option} goes before the command: virttui {option} ... {args.command} ...)"


def main(argv: list[str] | None = None) -> int:
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def run(argv: list[str]) -> int:
    from virttui.settings import load_settings
    from virttui.yamlfile import ConfigError

    command = named_command(argv)
    parser = build_parser([command] if command else COMMAND_MODULES)
    args = parse_arguments(parser, argv)
    if args.command is None:
        args = parse_arguments(parser, [*argv, "open"])
    try:
        settings = load_settings(root=args.root, config=args.config)
        let_interrupts_through()
        return args.run(args, settings)
    except ConfigError as error:
        print(f"virttui: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        sys.stderr.close()  # `virttui list | head`: not an error
        return 0


def let_interrupts_through() -> None:
    """Unblock the Ctrl-C bin/virttui blocked; one pressed meanwhile is raised here, in the guard."""
    import signal
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


if __name__ == "__main__":
    sys.exit(main())
