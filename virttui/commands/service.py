"""`virttui service NAME --conf FILE [--listen ADDR:PORT...] [--style S] -- PROGRAM [ARG...]`:
print the super-server entry that starts PROGRAM through virtuald.

Styles: inetd, xinetd, systemd (socket activation with Accept=yes), tcpserver.
Exit status: 0 printed; 1 printed, but the conf file cannot be read yet (stderr says why);
2 a spec the style cannot express (the message says why).
"""

import os
import shutil
import stat
import sys
from pathlib import Path

from virttui.names import printable
from virttui.services.entries import STYLES, ServiceError, ServiceSpec, parse_listen, render


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "service", help="print the super-server entry that runs a program through virtuald")
    parser.add_argument("name", help="the service name (ftp, pop3, www ...)")
    parser.add_argument("--conf", required=True, help="virtuald's conf file for it (absolute path)")
    parser.add_argument("--listen", action="append", default=[], metavar="ADDR:PORT",
                        help="an address to listen on (repeat; [IPV6]:PORT for IPv6)")
    parser.add_argument("--style", choices=STYLES, default="inetd", help="the super-server (default inetd)")
    parser.add_argument("--user", default="root", help="the user the super-server runs it as (root: chroot needs it)")
    parser.add_argument("--virtuald", help="virtuald's path (default: the one on PATH)")
    parser.add_argument("command", nargs="+", metavar="PROGRAM [ARG...]",
                        help="the program to run in the domain, after --")
    parser.set_defaults(run=run)


def installed_virtuald() -> str:
    """virtuald on PATH, else the one installed beside this interpreter's scripts."""
    beside = Path(sys.executable).parent / "virtuald"
    return shutil.which("virtuald") or (str(beside) if beside.exists() else "/usr/local/bin/virtuald")


def run(args, settings) -> int:
    try:
        spec = ServiceSpec(
            name=args.name, conf=args.conf, program=args.command[0], args=tuple(args.command[1:]),
            listen=tuple(parse_listen(text) for text in args.listen),
            virtuald=args.virtuald or installed_virtuald(),
            user=args.user)
        sys.stdout.write(render(spec, args.style))
    except ServiceError as error:
        print(f"virttui service: {error}", file=sys.stderr)
        return 2
    return _check_conf(spec.conf)


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
