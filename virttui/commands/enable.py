"""`virttui enable DOMAIN SERVICE --address ADDR [--address ADDR...] [--no-profile]`: serve a
domain's SERVICE on its addresses.

Installs the service's profile into the domain when it lacks it (as root; --no-profile
skips that), then adds `ADDR ROOT/DOMAIN` to ROOT/conf.SERVICE: atomically, under the root's
lock, linted before it replaces the file, comments and other lines kept. An address the conf
file already gives another domain is refused, naming it.

Exit status: 0 done (or already so); 2 bad usage, an unknown service or domain, a bad
address; 3 refused (an address taken, a change that would add a lint error, a conf file that
cannot be read, a profile that could not be added); 77 the profile must be installed and
this is not root.
"""

import sys

from virttui.names import printable
from virttui.services.catalog import load_services
from virttui.services.enabling import ServiceRefused, enable


def register(subparsers) -> None:
    parser = subparsers.add_parser("enable", help="serve a domain's service on its addresses")
    parser.add_argument("domain", help="the domain")
    parser.add_argument("service", help="a service of the catalog (virttui services)")
    parser.add_argument("--address", action="append", required=True, metavar="ADDR",
                        help="an address of the domain for this service (repeat; 'default' for the rest)")
    parser.add_argument("--no-profile", action="store_true",
                        help="only the conf lines: do not install the service's profile")
    parser.set_defaults(run=run)


def run(args, settings) -> int:
    try:
        done = enable(settings, load_services(settings.services), args.domain, args.service, args.address,
                      install_profile=not args.no_profile)
    except ServiceRefused as refused:
        print(f"virttui enable: {refused}", file=sys.stderr)
        return refused.status
    conf = done.service.conf_path(settings.root)
    if done.profile_added:
        print(f"{done.domain}: profile {done.profile_added} added")
    if done.edit and done.edit.added:
        for line in done.edit.added:
            print(f"{printable(str(conf))}: added: {printable(line)}")
    else:
        print(f"{done.domain}: {done.service.name} was already enabled on those addresses")
    for warning in (done.edit.warnings if done.edit else []) + done.notes:
        print(f"virttui enable: warning: {printable(warning)}", file=sys.stderr)
    print(f"serve it: virttui service {done.service.name} --style inetd|xinetd|systemd|tcpserver", file=sys.stderr)
    return 0
