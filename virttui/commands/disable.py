"""`virttui disable DOMAIN SERVICE [--address ADDR...]`: stop serving a domain's SERVICE on
its addresses (all of them, or those given).

Removes the lines from ROOT/conf.SERVICE atomically, under the root's lock, other lines and
comments kept; the domain's files (its profile, its server) stay as they are.

Exit status: 0 done (or nothing to remove); 2 bad usage, an unknown service, a bad domain
name or address; 3 refused (a conf file, or the root, that cannot be read).
"""

import sys

from virttui.names import printable
from virttui.services.catalog import load_services
from virttui.services.enabling import ServiceRefused, disable


def register(subparsers) -> None:
    parser = subparsers.add_parser("disable", help="stop serving a domain's service")
    parser.add_argument("domain", help="the domain")
    parser.add_argument("service", help="a service of the catalog (virttui services)")
    parser.add_argument("--address", action="append", metavar="ADDR",
                        help="only this address (repeat; default: all the domain's addresses)")
    parser.set_defaults(run=run)


def run(args, settings) -> int:
    services = load_services(settings.services)
    try:
        result = disable(settings, services, args.domain, args.service, args.address)
    except ServiceRefused as refused:
        print(f"virttui disable: {refused}", file=sys.stderr)
        return refused.status
    for line in result.removed:
        print(f"{printable(str(result.path))}: removed: {printable(line)}")
    if not result.removed:
        print(f"{args.domain.lower()}: {args.service} had no line for it in {printable(str(result.path))}")
    return 0
