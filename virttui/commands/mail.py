"""`virttui mail wiring DOMAIN --mta qmail|postfix`: print what the MTA needs to deliver
a domain's mail through virtmailfilter.

Exit status: 0 printed (a note on stderr when the root has no such domain, or cannot be
read to tell); 2 a domain, user or path that cannot be wired (the message says why).
"""

import shutil
import sys
from pathlib import Path

from virttui.names import normalize_domain
from virttui.mail.wiring import MTAS, WiringError, WiringSpec, render, wiring


def register(subparsers) -> None:
    parser = subparsers.add_parser("mail", help="virtual mail: the MTA wiring of a domain")
    actions = parser.add_subparsers(dest="mail_action", metavar="ACTION", required=True)
    wiring_parser = actions.add_parser(
        "wiring", help="print the qmail or Postfix lines that deliver a domain's mail")
    wiring_parser.add_argument("domain", help="the domain (a directory of the root)")
    wiring_parser.add_argument("--mta", choices=MTAS, required=True, help="the mail transfer agent")
    wiring_parser.add_argument("--user", default="", metavar="NAME",
                               help="host account the MTA runs the filter as (qmail: the domain "
                                    "master, default the domain with dashes; postfix: virtmail)")
    wiring_parser.add_argument("--filter", help="virtmailfilter's path (default: the one on PATH)")
    wiring_parser.set_defaults(run=run)


def installed_filter() -> str:
    beside = Path(sys.executable).parent / "virtmailfilter"
    return shutil.which("virtmailfilter") or (str(beside) if beside.exists()
                                              else "/usr/local/bin/virtmailfilter")


def run(args, settings) -> int:
    spec = WiringSpec(domain=args.domain, filter_path=args.filter or installed_filter(),
                      root=str(settings.root), mail_user=args.user)
    try:
        parts = wiring(spec, args.mta)
    except WiringError as error:
        print(f"virttui mail wiring: {error}", file=sys.stderr)
        return 2
    note = domain_note(spec.root, normalize_domain(args.domain))
    if note:
        print(f"virttui mail wiring: note: {note}", file=sys.stderr)
    sys.stdout.write(render(parts))
    return 0


def domain_note(root: str, domain: str) -> str:
    """What to tell about the domain's directory; the wiring does not depend on it, so a root
    this user cannot read is a note too, not a failure."""
    try:
        if (Path(root) / domain).is_dir():
            return ""
    except OSError as error:
        return (f"cannot tell whether {root} has the domain {domain}: {error.strerror} "
                "(run as root to check)")
    return f"{root} has no domain {domain} yet"
