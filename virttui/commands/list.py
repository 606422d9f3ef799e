"""`virttui list [--json]`: the root's domains, as a table or as JSON for scripts.

Exit status: 0; 1 the root does not exist, or it or a domain has a problem (the JSON's
`problems`, or a `problem:` line on stderr under the table).
"""

import json
import sys

from virttui.commands.table import table
from virttui.domains.discovery import Root, discover
from virttui.names import printable


def register(subparsers) -> None:
    parser = subparsers.add_parser("list", help="list the domains of the root")
    parser.add_argument("--json", action="store_true", help="JSON with stable keys, for scripts")
    parser.set_defaults(run=run)


def run(args, settings) -> int:
    model = discover(settings.root, settings.socket_path, settings.devlog_target is None)
    if args.json:
        json.dump(as_json(model), sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    if not model.exists:
        print(f"virttui: the root {printable(str(model.path))} does not exist "
              "(make one with `virttui demo DIR` or `virtfs`)", file=sys.stderr)
        return 1
    if not args.json:
        print(render_table(model))
        for problem in all_problems(model):
            print(f"problem: {problem}", file=sys.stderr)
    return 1 if any(all_problems(model)) else 0


def all_problems(model: Root):
    """The root's problems, then each domain's, named by its domain."""
    yield from model.problems
    for domain in model.domains:
        yield from (f"{domain.name}: {problem}" for problem in domain.problems)


def as_json(model: Root) -> dict:
    return {
        "root": str(model.path),
        "exists": model.exists,
        "log_socket": str(model.socket_path),
        "problems": list(model.problems),
        "domains": [
            {
                "name": d.name,
                "path": str(d.path),
                "alias_of": d.alias_of,
                "aliases": list(d.aliases),
                "addresses": {service: list(a) for service, a in sorted(d.addresses.items())},
                "users": [{"name": u.name, "uid": u.uid, "home": u.home, "shell": u.shell}
                          for u in d.people],
                "system_users": [u.name for u in d.users if u.system],
                "devlog": d.devlog,
                "state": d.state if not d.alias_of else None,
                "disabled": {service: list(a) for service, a in sorted(d.disabled.items())},
                "problems": list(d.problems),
            }
            for d in model.domains
        ],
    }


def render_table(model: Root) -> str:
    headers = ("DOMAIN", "ADDRESSES", "SERVICES", "USERS", "DEV/LOG", "STATE", "ALIAS OF")
    rows = [
        (d.name, " ".join(d.all_addresses()) or "-", ",".join(d.services) or "-",
         str(len(d.people)) if not d.alias_of else "-", d.devlog if not d.alias_of else "-",
         d.state if not d.alias_of else "-",
         printable(d.alias_of or ""))
        for d in model.domains
    ]
    return table(headers, rows)
