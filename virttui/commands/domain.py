"""`virttui domain addresses|disable|enable|rename|delete|du ...`: a domain's life after virtfs.

  addresses DOMAIN                          its conf lines, per service, with the linter's verdict
  addresses DOMAIN SERVICE --set [ADDR...]  its addresses for SERVICE become exactly these
            [--check]                       (--check: the verdict only, nothing written)
  disable DOMAIN / enable DOMAIN            its conf lines commented out with a marker / restored
  rename OLD NEW                            the directory, its conf lines and its aliases
  delete DOMAIN [--archive-dir DIR | --no-archive]
                                            an archive first (its path printed), then the lines,
                                            the aliases and the directory
  du [DOMAIN...] [--json]                   disk use: the domain's own blocks, hard links once

Exit status: 0 done (or nothing to do); 1 `addresses --check` found an error; 2 bad usage,
a bad or unknown domain name, an alias where a domain is needed; 3 refused (the new name is
taken, a change would add a lint error, a conf file cannot be read); 4 the archive could
not be written (nothing was deleted).
"""

import json
import sys
from pathlib import Path

from virttui.commands.table import table
from virttui.conf.editor import EditRefused
from virttui.domains import addresses as domain_addresses
from virttui.domains import life
from virttui.domains.disk import disk_use
from virttui.mail.mailbox import human_size
from virttui.names import printable

EXIT_CHECK_FAILED = 1


def register(subparsers) -> None:
    parser = subparsers.add_parser("domain", help="a domain's life: addresses, disable, enable, rename, delete, du")
    steps = parser.add_subparsers(dest="step", metavar="STEP", required=True)

    one = steps.add_parser("addresses", help="a domain's addresses per service (its conf lines)")
    one.add_argument("domain")
    one.add_argument("service", nargs="?", help="the service whose addresses --set replaces")
    one.add_argument("--set", nargs="*", metavar="ADDR", dest="addresses",
                     help="the domain's addresses for SERVICE (none: it is no longer served)")
    one.add_argument("--check", action="store_true", help="print the linter's verdict, write nothing")
    one.set_defaults(run=run_addresses)

    for name, helped in (("disable", "comment a domain's conf lines out (kept, marked)"),
                         ("enable", "restore a disabled domain's conf lines")):
        step = steps.add_parser(name, help=helped)
        step.add_argument("domain")
        step.set_defaults(run=run_disable if name == "disable" else run_enable)

    step = steps.add_parser("rename", help="rename a domain: its directory, conf lines and aliases")
    step.add_argument("old")
    step.add_argument("new")
    step.set_defaults(run=run_rename)

    step = steps.add_parser("delete", help="archive a domain, then remove its conf lines, aliases and directory")
    step.add_argument("domain")
    where = step.add_mutually_exclusive_group()
    where.add_argument("--archive-dir", metavar="DIR", help="where the archive goes (default: ROOT/.archive)")
    where.add_argument("--no-archive", action="store_true", help="delete without an archive")
    step.set_defaults(run=run_delete)

    step = steps.add_parser("du", help="disk use per domain (its own blocks, links not followed)")
    step.add_argument("domains", nargs="*", metavar="DOMAIN")
    step.add_argument("--json", action="store_true")
    step.set_defaults(run=run_du)


def _refused(step: str, refused: Exception | str, status: int) -> int:
    print(f"virttui domain {step}: {refused}", file=sys.stderr)
    return status


def _print_edits(result: life.LifeResult) -> None:
    for edit in result.edits:
        for line in edit.removed:
            print(f"{printable(str(edit.path))}: removed: {printable(line)}")
        for line in edit.added:
            print(f"{printable(str(edit.path))}: added: {printable(line)}")
    for note in result.notes:
        print(f"virttui domain: note: {printable(note)}", file=sys.stderr)


def run_addresses(args, settings) -> int:
    root = Path(settings.root)
    try:
        name = life.domain_name(args.domain)
        if not (root / name).is_dir():
            raise life.LifeRefused(life.EXIT_BAD_INPUT, f"no domain {name} in {printable(str(root))}")
    except life.LifeRefused as refused:
        return _refused("addresses", refused, refused.status)
    if args.addresses is None:
        if args.service or args.check:
            return _refused("addresses", "give the addresses with --set ADDR... (none to stop serving it)",
                            life.EXIT_BAD_INPUT)
        rows = [(line.service, line.address, f"{line.path.name}:{line.lineno}",
                 "disabled" if line.disabled else "")
                for line in domain_addresses.domain_lines(root, name)]
        print(table(("SERVICE", "ADDRESS", "LINE", "STATE"), rows) if rows else f"{name}: no conf line")
        return 0
    if not args.service:
        return _refused("addresses", "--set needs the SERVICE (virttui services lists them)", life.EXIT_BAD_INPUT)
    if "/" in args.service or args.service.startswith("."):
        return _refused("addresses", f"'{printable(args.service)}' is not a service name", life.EXIT_BAD_INPUT)
    plan = domain_addresses.plan(root, name, args.service, args.addresses)
    for problem in plan.problems:
        print(f"{printable(str(plan.path))}:{problem.lineno}: {problem.severity}: {printable(problem.message)}",
              file=sys.stderr)
    if args.check:
        return EXIT_CHECK_FAILED if plan.errors else 0
    if plan.errors:
        return _refused("addresses", f"{printable(str(plan.path))} was not changed (fix the errors above)",
                        life.EXIT_REFUSED)
    try:
        result = domain_addresses.save(plan, root)
    except EditRefused as refused:
        return _refused("addresses", refused, life.EXIT_REFUSED)
    _print_edits(life.LifeResult(name, [result] if result.changed else []))
    if not result.changed:
        print(f"{name}: {args.service} already had those addresses")
    return 0


def run_disable(args, settings) -> int:
    return _toggle(args, settings, life.disable, "disable", "disabled", "had no conf line to disable")


def run_enable(args, settings) -> int:
    return _toggle(args, settings, life.enable, "enable", "enabled", "had no disabled conf line")


def _toggle(args, settings, step, word: str, done: str, nothing: str) -> int:
    try:
        result = step(settings.root, args.domain)
    except life.LifeRefused as refused:
        return _refused(word, refused, refused.status)
    _print_edits(result)
    print(f"{result.domain}: {done} ({result.lines_changed} line(s))" if result.edits
          else f"{result.domain}: {nothing}")
    return 0


def run_rename(args, settings) -> int:
    try:
        result = life.rename(settings.root, args.old, args.new)
    except life.LifeRefused as refused:
        return _refused("rename", refused, refused.status)
    _print_edits(result)
    for alias in result.aliases:
        print(f"{printable(str(Path(settings.root) / alias))}: now -> {result.domain}")
    print(f"{life.domain_name(args.old)}: renamed to {result.domain}")
    return 0


def run_delete(args, settings) -> int:
    directory = Path(args.archive_dir) if args.archive_dir else None
    try:
        result = life.delete(settings.root, args.domain, archive=not args.no_archive, archive_directory=directory)
    except life.LifeRefused as refused:
        return _refused("delete", refused, refused.status)
    if result.archive:
        print(f"archive: {printable(str(result.archive))}")
    _print_edits(result)
    for alias in result.aliases:
        print(f"{printable(str(Path(settings.root) / alias))}: alias removed")
    print(f"{result.domain}: deleted")
    return 0


def run_du(args, settings) -> int:
    from virttui.domains.discovery import list_root

    root = Path(settings.root)
    try:
        names = [life.domain_name(name) for name in args.domains]
    except life.LifeRefused as refused:
        return _refused("du", refused, refused.status)
    if not names:
        names = [d.name for d in list_root(root, settings.socket_path).domains if not d.alias_of]
    rows, status = [], 0
    for name in names:
        try:
            use = disk_use(root / name)
        except OSError as error:
            print(f"virttui domain du: {name}: {error.strerror}", file=sys.stderr)
            status = life.EXIT_BAD_INPUT
            continue
        rows.append((name, use))
    if args.json:
        json.dump({"domains": [{"name": name, "bytes": use.bytes, "files": use.files} for name, use in rows]},
                  sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    else:
        print(table(("DOMAIN", "SIZE", "BYTES", "FILES"),
                    [(name, human_size(use.bytes), str(use.bytes), str(use.files)) for name, use in rows]))
    return status
