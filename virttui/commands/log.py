"""`virttui log [-f] [-n N] [--domain D] [--program P] [--grep TEXT] [--count] [--file F]`:
the shared log's last lines, filtered, and followed as it grows and rotates.

Lines are printed safely: control characters as \\xNN, very long lines cut with a note.
Exit status: 0; 1 the log file cannot be read; 2 usage; 130 interrupted (-f ends with ^C).
"""

import os
import sys

from virttui.names import BadDomainName, normalize_domain, printable, quoted
from virttui.syslog.logfile import Follower
from virttui.syslog.logline import parse, shown
from virttui.syslog.page import load_page
from virttui.syslog.query import LogQuery, Scanner
from virttui.syslog.search import workers_for


def register(subparsers) -> None:
    parser = subparsers.add_parser("log", help="the shared log: last lines, filters, follow")
    parser.add_argument("-f", "--follow", action="store_true", help="keep printing lines as they come")
    parser.add_argument("-n", "--lines", type=int, default=10, metavar="N",
                        help="how many of the last matching lines first (default 10)")
    parser.add_argument("--domain", help="only this domain's lines")
    parser.add_argument("--program", help="only this program's lines (the tag before [pid])")
    parser.add_argument("--grep", metavar="TEXT", help="only lines containing TEXT (case matters)")
    parser.add_argument("--count", action="store_true", help="print how many lines match, nothing else")
    parser.add_argument("--file", help="the log file (default: the settings' log.file)")
    parser.set_defaults(run=run)


def run(args, settings) -> int:
    if args.lines < 0:
        print("virttui log: -n needs a number of lines, 0 or more", file=sys.stderr)
        return 2
    for option in ("file", "domain", "program", "grep"):
        if getattr(args, option) == "":
            print(f"virttui log: --{option} is empty: give a value, or leave the option out", file=sys.stderr)
            return 2
    try:
        domain = normalize_domain(args.domain) if args.domain else None
    except BadDomainName as error:
        print(f"virttui log: --domain {quoted(args.domain)}: {error}", file=sys.stderr)
        return 2
    for option, text in (("--program", args.program), ("--grep", args.grep)):
        if text and not _is_utf8(text):
            print(f"virttui log: {option}: {quoted(text)} is not UTF-8 "
                  "text; the log's lines are matched as UTF-8 (a byte that is not reads as U+FFFD)",
                  file=sys.stderr)
            return 2
    path = args.file or str(settings.log_file)
    query = LogQuery(domain=domain, program=args.program, text=args.grep)
    try:
        if args.count:
            print(Scanner(query).count(path))
            return 0
        page = load_page(path, query, args.lines, workers=workers_for(os.stat(path).st_size), per_minute=False)
    except OSError as error:
        print(f"virttui log: {printable(path)}: {error.strerror}", file=sys.stderr)
        return 1
    sys.stdout.writelines(shown(line.text) + "\n" for line in page.lines)
    sys.stdout.flush()
    if args.follow:
        follow(path, page.offset, page.scanner)  # it knows the pids the page's scan met
    return 0


def _is_utf8(text: str) -> bool:
    """False for an argument with bytes that are not UTF-8 (Python keeps them as surrogates)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def follow(path: str, offset: int, scanner: Scanner) -> None:
    follower = Follower(path, offset)
    for raw in follower.follow():
        line = parse(raw)
        if scanner.follows(line):
            sys.stdout.write(shown(line.text) + "\n")
            sys.stdout.flush()
