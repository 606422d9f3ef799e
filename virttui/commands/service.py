"""`virttui service NAME --conf FILE [--listen ADDR:PORT...] [--style S] -- PROGRAM [ARG...]`:
print the super-server entry that starts PROGRAM through virtuald.

`virttui service SERVICE [--style S]` (no --conf, no PROGRAM): the service comes from the
catalog: its conf file ROOT/conf.SERVICE, its server, virtuald -s when it needs a session of
its own, and one listener per address of the conf file on each of the service's ports.

Styles: inetd, xinetd, systemd (socket activation with Accept=yes), tcpserver, and virtuald's
own dispatcher: dispatcher (its command line), systemd-dispatcher (a .socket with Accept=no
and the .service running virtuald --systemd).
Exit status: 0 printed; 1 printed, but the conf file cannot be read yet, or (catalog form)
has no address to listen on (stderr says why); 2 a spec the style cannot express (a style
that needs an address, and the catalog's conf file has none), or an unknown service (the
message says why).
"""

import os
import stat
import sys

from virttui.installed import installed_path
from virttui.names import printable, quoted
from virttui.services.entries import STYLES, ServiceError, ServiceSpec, parse_listen, render


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "service", help="print the super-server entry that runs a program through virtuald")
    parser.add_argument("name", help="the service name (ftp, pop3, www ...)")
    parser.add_argument("--conf", help="virtuald's conf file for it (absolute path; default: the catalog's)")
    parser.add_argument("--listen", action="append", default=[], metavar="ADDR:PORT",
                        help="an address to listen on (repeat; [IPV6]:PORT for IPv6)")
    parser.add_argument("--style", choices=STYLES, default="inetd", help="the super-server (default inetd)")
    parser.add_argument("--user", default="root", help="the user the super-server runs it as (root: chroot needs it)")
    parser.add_argument("--virtuald", help="virtuald's path (default: the one on PATH)")
    parser.add_argument("program", nargs="*", metavar="PROGRAM [ARG...]",
                        help="the program to run in the domain, after -- (default: the catalog's)")
    parser.set_defaults(run=run)


def run(args, settings) -> int:
    try:
        if args.conf is None and not args.program:
            spec, warning = catalog_spec(args, settings)
        elif args.conf is None or not args.program:
            raise ServiceError("give both --conf FILE and -- PROGRAM [ARG...], or neither (the catalog's service)")
        else:
            spec, warning = given_spec(args), None
        try:
            sys.stdout.write(render(spec, args.style))
        except ServiceError as error:
            # a style that needs listeners: the catalog's conf file gave none, which is what to mend
            raise ServiceError(f"{error}; {warning}" if warning else str(error)) from None
    except ServiceError as error:
        print(f"virttui service: {error}", file=sys.stderr)
        return 2
    if warning:
        print(f"virttui service: warning: {warning}", file=sys.stderr)
    return max(_check_conf(spec.conf), 1 if warning else 0)


def given_spec(args) -> ServiceSpec:
    return ServiceSpec(
        name=args.name, conf=args.conf, program=args.program[0], args=tuple(args.program[1:]),
        listen=tuple(parse_listen(text) for text in args.listen),
        virtuald=args.virtuald or installed_path("virtuald"),
        user=args.user)


def catalog_spec(args, settings) -> tuple[ServiceSpec, str | None]:
    """The catalog's service, listening on every address of its conf file (or on --listen)."""
    from virttui.conf import conffile
    from virttui.services.catalog import load_services

    services = load_services(settings.services)
    if args.name not in services:
        raise ServiceError(f"no service {quoted(args.name)} in the catalog (the services are "
                           f"{', '.join(services) or 'none'}); or give --conf FILE -- PROGRAM [ARG...]")
    service = services[args.name]
    conf = service.conf_path(settings.root)
    warning = None
    if args.listen:
        listen = tuple(parse_listen(text) for text in args.listen)
    else:
        try:
            addresses = [m.address for m in conffile.read(str(conf)).mappings if m.address != conffile.DEFAULT]
        except OSError:
            addresses = []
        listen = tuple(parse_listen(f"[{a}]:{p}" if ":" in a else f"{a}:{p}")
                       for a in dict.fromkeys(addresses) for p in service.ports)
        if not listen:
            warning = (f"{printable(str(conf))} has no address to listen on yet: "
                       f"`virttui enable DOMAIN {service.name} --address ADDR` first")
    spec = ServiceSpec(name=service.name, conf=str(conf), program=service.argv[0], args=service.argv[1:],
                       listen=listen, virtuald=args.virtuald or installed_path("virtuald"), user=args.user,
                       new_session=service.new_session, log_stderr=service.log_stderr)
    return spec, warning


def _check_conf(conf: str) -> int:
    """1, with a line saying why, when the conf file is not there for virtuald as things stand.
    (Whether it can read it is not asked: virtuald runs as root, this command need not.)"""
    try:
        problem = None if stat.S_ISREG(os.stat(conf).st_mode) else "not a regular file"
    except OSError as error:
        problem = error.strerror
    if problem is None:
        return 0
    print(f"virttui service: warning: --conf {printable(conf)}: {problem}: virtuald will refuse "
          "every connection until the conf file is there (`virttui conf check` it then)", file=sys.stderr)
    return 1
