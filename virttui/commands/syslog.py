"""`virttui syslog config|relink`: wire the domains' dev/log to rsyslog.

config [--mode shared|per-domain] [--load-module]   print the rsyslog configuration
relink [DOMAIN...]                                  make each domain's dev/log a hard link
                                                    to the root's socket again
Exit status: 0 done; 1 the root does not exist or cannot be listed, or a domain could not
be relinked, or (per-domain) was left out because its dev is a link or its dev/log not a
socket (each says why); 2 usage, no log socket, or a path rsyslog's configuration
cannot hold.
"""

import sys

from virttui.domains.discovery import list_root
from virttui.names import BadDomainName, normalize_domain, printable, quoted
from virttui.syslog.relink import NoLogSocket, relink, shared_socket, socket_inode
from virttui.syslog.rsyslog_config import MODES, SyslogSetup, rsyslog_config, socket_problem


def register(subparsers) -> None:
    parser = subparsers.add_parser("syslog", help="rsyslog configuration and dev/log links")
    actions = parser.add_subparsers(dest="syslog_action", metavar="ACTION", required=True)
    config = actions.add_parser("config", help="print the rsyslog configuration for the root")
    config.add_argument("--mode", choices=MODES, help="shared socket or one per domain (default: settings)")
    config.add_argument("--load-module", action="store_true",
                        help="load imuxsock too (for an rsyslogd whose main configuration does not)")
    config.set_defaults(run=run_config)
    again = actions.add_parser("relink", help="hard-link each domain's dev/log to the root's socket")
    again.add_argument("domains", nargs="*", metavar="DOMAIN", help="only these (default: every domain)")
    again.set_defaults(run=run_relink)


def run_config(args, settings) -> int:
    model = list_root(settings.root, settings.socket_path)
    mode = args.mode or settings.log_mode
    names = [d.name for d in model.domains if not d.alias_of]
    left_out = {name: socket_problem(settings.root / name) for name in names} if mode == "per-domain" else {}
    left_out = {name: why for name, why in left_out.items() if why}
    setup = SyslogSetup(settings.root, settings.socket_path, settings.log_file,
                        tuple(name for name in names if name not in left_out))
    if model.missing_why and mode == "per-domain":
        print(f"virttui syslog config: {model.missing_why}: a per-domain configuration needs its "
              "domains", file=sys.stderr)
        return 1
    try:
        sys.stdout.write(rsyslog_config(setup, mode, args.load_module))
    except ValueError as error:
        print(f"virttui syslog config: {error}", file=sys.stderr)
        return 2
    if model.missing_why:
        print(f"virttui syslog config: {model.missing_why}: no domain can log there yet", file=sys.stderr)
        return 1
    for name, why in left_out.items():
        print(f"virttui syslog config: {printable(name)}: {why}", file=sys.stderr)
    return 1 if left_out else 0


def run_relink(args, settings) -> int:
    try:
        socket = shared_socket(settings)
        socket_inode(socket)
        wanted = [_domain_name(name) for name in args.domains]
    except (BadDomainName, NoLogSocket) as error:
        print(f"virttui syslog relink: {error}", file=sys.stderr)
        return 2
    model = list_root(settings.root, settings.socket_path)
    if model.missing_why:
        print(f"virttui syslog relink: {model.missing_why}", file=sys.stderr)
        return 1
    real = {d.name: d for d in model.domains if not d.alias_of}
    failed = False
    for name in wanted or sorted(real):
        if name not in real:
            print(f"{name}: refused: not a domain of {printable(str(settings.root))} "
                  "(an alias shares its target's dev/log)")
            failed = True
            continue
        try:
            result = relink(name, real[name].path, socket)
        except NoLogSocket as error:
            print(f"virttui syslog relink: {error}", file=sys.stderr)
            return 2
        print(result)
        failed = failed or not result.ok
    return 1 if failed else 0


def _domain_name(text: str) -> str:
    try:
        return normalize_domain(text)
    except BadDomainName as error:
        raise BadDomainName(f"{quoted(text)}: {error}") from None
