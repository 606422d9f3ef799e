"""`virttui conf check [FILE...]`: lint virtuald conf files (default: the root's conf.*).

Prints `FILE:LINE: error|warning: message` for each problem. Exit status: 0 no error
(warnings allowed), 1 at least one error, 2 no conf file to check.
"""

import sys
from pathlib import Path

from virttui.conf.lint import conf_files, lint_file
from virttui.names import printable


def register(subparsers) -> None:
    parser = subparsers.add_parser("conf", help="virtuald conf files")
    actions = parser.add_subparsers(dest="conf_action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="lint conf files: FILE:LINE: error|warning: message")
    check.add_argument("files", nargs="*", metavar="FILE", help="default: the root's conf.* files")
    check.set_defaults(run=run_check)


def run_check(args, settings) -> int:
    files = [Path(f) for f in args.files] or conf_files(settings.root)
    if not files:
        print(f"virttui conf check: no conf.* file in {printable(str(settings.root))}", file=sys.stderr)
        return 2
    errors = 0
    for path in files:
        report = lint_file(path, settings.root)
        for line in report.lines():
            print(line)
        errors += report.has_errors
    return 1 if errors else 0
