"""`virttui check [DOMAIN...] [--json] [--format nagios] [--timer]`: the host-wide audit.

One line per finding, `SEVERITY DOMAIN CHECK: what is wrong; how to mend it` (DOMAIN `-` for
the root and the host), then a summary on stderr. Exit status: 0 all well, 1 warnings only,
2 an error (or the root cannot be checked, or a DOMAIN it does not have, or options that
cannot go together: --timer with anything, --json with --format nagios). With `--format
nagios`: one line `VIRTTUI OK|WARNING|CRITICAL|UNKNOWN - summary | perfdata` and the plugin
statuses 0, 1, 2, 3. A check of every domain is kept as the root's last check
(ROOT/.virttui/last-check.json), which the app opens on when it found errors.
"""

import json
import sys

from virttui.check.report import EXIT_ERRORS, NAGIOS_UNKNOWN, Report
from virttui.cli import EXIT_USAGE
from virttui.names import BadDomainName, normalize_domain, printable


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "check", help="audit the root and its domains: served, logging, safe, up to date")
    parser.add_argument("domains", nargs="*", metavar="DOMAIN", help="only these domains (default: all)")
    parser.add_argument("--json", action="store_true", help="JSON with stable keys, for scripts")
    parser.add_argument("--format", choices=("text", "nagios"), default="text",
                        help="nagios: one summary line with perfdata, statuses 0/1/2/3")
    parser.add_argument("--timer", action="store_true",
                        help="print a systemd service and timer that run the check every morning")
    parser.set_defaults(run=run)


def run(args, settings) -> int:
    clash = usage_clash(args)
    if clash:
        print(f"virttui check: {clash}", file=sys.stderr)
        return EXIT_USAGE
    if args.timer:
        return print_timer(settings)
    nagios = args.format == "nagios"
    failed = NAGIOS_UNKNOWN if nagios else EXIT_ERRORS
    try:
        names = [normalize_domain(name) for name in args.domains] or None
    except BadDomainName as error:
        return refuse(f"{error}", failed, nagios)
    from virttui.check.audit import UnknownDomain, audit
    from virttui.check.last import save

    progress = Progress(sys.stderr) if sys.stderr.isatty() and not nagios else None
    try:
        report = audit(settings, names, progress=progress.step if progress else Progress.quiet)
    except UnknownDomain as error:
        return refuse(str(error), failed, nagios)
    finally:
        if progress:
            progress.end()
    if names is None and not report.unknown:
        save(report)
    show(report, args.json, nagios)
    return report.nagios_status if nagios else report.status


def usage_clash(args) -> str:
    """Options that cannot go together (one would be ignored), said in one line."""
    if args.timer and (args.domains or args.json or args.format != "text"):
        return "--timer prints the units that check every domain: give it alone"
    if args.json and args.format == "nagios":
        return "--json or --format nagios, not both"
    return ""


def show(report: Report, as_json: bool, nagios: bool) -> None:
    if nagios:
        print(report.nagios_line())
    elif as_json:
        json.dump(report.as_json(), sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    else:
        for finding in report.sorted():
            print(finding)
        print(f"virttui check: {printable(report.summary())}", file=sys.stderr)


def refuse(message: str, status: int, nagios: bool) -> int:
    if nagios:
        print(f"VIRTTUI UNKNOWN - {printable(message)}")
    else:
        print(f"virttui check: {printable(message)}", file=sys.stderr)
    return status


def print_timer(settings) -> int:
    from virttui.check.timer import Unprintable, units
    try:
        sys.stdout.write(units(settings))
    except Unprintable as error:
        print(f"virttui check --timer: {error}", file=sys.stderr)
        return EXIT_ERRORS
    return 0


class Progress:
    """`checking 12/50 DOMAIN` rewritten in place on a terminal."""

    def __init__(self, stream):
        self.stream = stream

    @staticmethod
    def quiet(done: int, total: int, name: str) -> None:
        pass

    def step(self, done: int, total: int, name: str) -> None:
        self.stream.write(f"\r\x1b[Kchecking {done}/{total} {printable(name)[:50]}")
        self.stream.flush()

    def end(self) -> None:
        self.stream.write("\r\x1b[K")
        self.stream.flush()
