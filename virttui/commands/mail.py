"""`virttui mail wiring [DOMAIN] --mta qmail|postfix`: print what the MTA needs to deliver
domains' mail through virtmailfilter (with no DOMAIN: every domain of the root). For Postfix,
each domain's own addresses (--address, else its lines in the root's conf.smtp) also get an
smtpd that greets with the domain's name and a transport its outgoing mail leaves from.

`virttui mail queue-runners`: print the systemd template unit that runs each domain's own
Postfix (the seed's per-domain `sendmail -q` loop) for domains served the seed's way.

Exit status: 0 printed (a note on stderr when the root has no such domain, or cannot be
read to tell, or its conf.smtp cannot be read); 2 a domain, user, address or path that cannot be wired, no domain at all, or a
root a unit cannot name (the message says why).
"""

import sys
from pathlib import Path

from virttui.installed import installed_path
from virttui.mail.wiring import MTAS, WiringError, WiringSpec, render, wiring_all
from virttui.names import BadDomainName, normalize_domain, printable, quoted

SMTP_SERVICE = "smtp"   # the catalog service whose conf file lists each domain's SMTP addresses


def register(subparsers) -> None:
    parser = subparsers.add_parser("mail", help="virtual mail: the MTA wiring of the domains")
    actions = parser.add_subparsers(dest="mail_action", metavar="ACTION", required=True)
    wiring_parser = actions.add_parser(
        "wiring", help="print the qmail or Postfix lines that deliver the domains' mail")
    wiring_parser.add_argument("domain", nargs="?", help="the domain (default: every domain of the root)")
    wiring_parser.add_argument("--mta", choices=MTAS, required=True, help="the mail transfer agent")
    wiring_parser.add_argument("--user", default="", metavar="NAME",
                               help="host account the MTA runs the filter as (qmail: the domain "
                                    "master, default the domain with dashes; postfix: virtmail)")
    wiring_parser.add_argument("--filter", help="virtmailfilter's path (default: the one on PATH)")
    wiring_parser.add_argument("--address", action="append", default=[], metavar="IP",
                               help="the domain's own SMTP address (repeatable; default: its lines "
                                    "in conf.smtp)")
    wiring_parser.add_argument("--port", type=int, default=25, help="the SMTP port (default 25)")
    wiring_parser.set_defaults(run=run)
    runners = actions.add_parser("queue-runners",
                                 help="print the systemd unit running each domain's own Postfix")
    runners.set_defaults(run=run_queue_runners)


def run(args, settings) -> int:
    root = str(settings.root)
    try:
        names = [normalize_domain(args.domain)] if args.domain else root_domains(root)
    except BadDomainName as error:
        print(f"virttui mail wiring: {quoted(args.domain)} is not a domain name: {error}", file=sys.stderr)
        return 2
    if args.address and len(names) != 1:
        print("virttui mail wiring: --address needs one DOMAIN", file=sys.stderr)
        return 2
    if not names:
        print(f"virttui mail wiring: {root} has no domain to wire; name one", file=sys.stderr)
        return 2
    known = smtp_addresses(root, "mail wiring")
    specs = [WiringSpec(domain=name, filter_path=args.filter or installed_path("virtmailfilter"), root=root,
                        mail_user=args.user, addresses=tuple(args.address or known.get(name, ())),
                        port=args.port) for name in names]
    try:
        parts = wiring_all(specs, args.mta)
    except WiringError as error:
        print(f"virttui mail wiring: {error}", file=sys.stderr)
        return 2
    if args.domain:
        note = domain_note(root, names[0])
        if note:
            print(f"virttui mail wiring: note: {note}", file=sys.stderr)
    sys.stdout.write(render(parts))
    return 0


def root_domains(root: str) -> list[str]:
    """The root's domains, aliases left out (their mail is their target's)."""
    from virttui.domains.discovery import list_root

    return [domain.name for domain in list_root(Path(root)).domains if not domain.alias_of]


def smtp_addresses(root: str, command: str) -> dict[str, list[str]]:
    """Domain -> its addresses in the root's conf.smtp (none when that file is missing; a
    note on stderr when it is there but cannot be read)."""
    from virttui.domains.discovery import scan_root

    model = scan_root(Path(root))
    for problem in model.problems:
        if problem.startswith(f"conf.{SMTP_SERVICE}:"):
            print(f"virttui {command}: note: {printable(problem)}; no domain's address comes from it",
                  file=sys.stderr)
    return {domain.name: domain.addresses.get(SMTP_SERVICE, []) for domain in model.domains
            if not domain.alias_of}


def run_queue_runners(args, settings) -> int:
    from virttui.mail.queue_runner import queue_runners, render

    root = str(settings.root)
    if not root.startswith("/") or any(c.isspace() or not c.isprintable() for c in root):
        print(f"virttui mail queue-runners: the root {printable(root)}: a unit needs an absolute path "
              "without white space", file=sys.stderr)
        return 2
    domains = [name for name, addresses in smtp_addresses(root, "mail queue-runners").items() if addresses]
    sys.stdout.write(render(queue_runners(root, domains)))
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
