"""`virttui links install [DIR]` and `virttui links list [DIR]`: the virtNAME links to
virtexec, one per catalog command (DIR defaults to the directory of virtexec).

Exit status: 0; 1 when a link could not be made (a foreign file holds its name, or the
system refused it: the line says why) or is not installed (list); 2 no virtexec found, DIR
does not exist or is not a directory, or a settings error.
"""

import sys
from pathlib import Path

from virttui.catalog import load_catalog
from virttui.installed import find_installed
from virttui.links import INSTALLED, install, states
from virttui.names import printable


def register(subparsers) -> None:
    parser = subparsers.add_parser("links", help="the virtNAME links to virtexec")
    actions = parser.add_subparsers(dest="links_action", metavar="ACTION", required=True)
    for action, run, what in (("install", run_install, "make a virtNAME link per catalog command"),
                              ("list", run_list, "show the links and their state")):
        sub = actions.add_parser(action, help=what)
        sub.add_argument("dir", nargs="?", help="where the links are (default: beside virtexec)")
        sub.set_defaults(run=run)


def _setup(args, settings):
    found = find_installed("virtexec")
    if found is None:
        print("virttui links: virtexec is not installed (pip install virttui puts it on PATH)", file=sys.stderr)
        return None, None, None
    virtexec = Path(found)
    return virtexec, Path(args.dir) if args.dir else virtexec.parent, load_catalog(settings.commands)


def _print(entries) -> None:
    for entry in entries:
        print(f"{entry.path}\t{entry.state}")


def run_install(args, settings) -> int:
    return _report(args, settings, install)


def run_list(args, settings) -> int:
    return _report(args, settings, states)


def _report(args, settings, how) -> int:
    """Print each link's state after `how` (install or states); 0 when all are in place."""
    virtexec, directory, catalog = _setup(args, settings)
    if virtexec is None:
        return 2
    if directory.exists() and not directory.is_dir():
        print(f"virttui links: {printable(str(directory))} is not a directory: name the directory "
              "the links go in", file=sys.stderr)
        return 2
    if not directory.exists():
        # A mistyped directory would otherwise be made, with its parents, and hold the links.
        print(f"virttui links: {printable(str(directory))} does not exist: make it first, or name "
              "an existing directory", file=sys.stderr)
        return 2
    try:
        entries = how(directory, virtexec, catalog)
    except OSError as error:
        print(f"virttui links: {printable(str(error.filename2 or error.filename))}: {error.strerror}",
              file=sys.stderr)
        return 1
    _print(entries)
    return 0 if all(entry.state == INSTALLED for entry in entries) else 1
