"""What an MTA needs to hand a domain's mail to virtmailfilter.

virtmailfilter must start as root (it chroots into the domain and becomes the
user) while qmail and Postfix run delivery programs as an ordinary user. The
wiring lets that user run exactly one command as root through sudo: the filter,
with its arguments fixed as far as they can be.

- qmail: the domain goes to a master user in control/virtualdomains (as in the
  HOWTO); the master's .qmail-default pipes each message to the filter, which
  reads EXT and HOST (sudo must keep them, and RPLINE and DTLINE).
- Postfix: a transport-map line sends the domain to a `pipe` service in
  master.cf that runs the filter with the user and domain as arguments, one
  recipient per delivery, exit statuses as sysexits. A domain with addresses
  of its own also gets an `smtpd` per address that greets with the domain's
  name, and an `smtp` transport bound to its address that its senders' mail
  leaves by (sender_dependent_default_transport_maps), so the world sees
  each domain on its own address both ways.
"""

import os
from dataclasses import dataclass, replace

from virttui.conf.conffile import DEFAULT, canonical_address
from virttui.installed import USUAL_DIRECTORY
from virttui.names import normalize_domain, quoted
from virttui.root_paths import DEFAULT_ROOT
from virttui.user_names import RULE, is_user_name

MTAS = ("qmail", "postfix")
PIPE_SERVICE = "virtmail"
SENDER_MAP = "/etc/postfix/sender_transport"
QMAIL_KEPT = "EXT HOST RPLINE DTLINE SENDER RECIPIENT LOCAL"


class WiringError(ValueError):
    """A wiring that cannot be written as asked; the message says why."""


@dataclass(frozen=True)
class WiringSpec:
    domain: str
    filter_path: str = os.path.join(USUAL_DIRECTORY, "virtmailfilter")
    root: str = DEFAULT_ROOT
    mail_user: str = ""        # the host account the MTA runs the pipe as
    sudo: str = "/usr/bin/sudo"
    addresses: tuple[str, ...] = ()   # the domain's own SMTP addresses (Postfix)
    port: int = 25


@dataclass(frozen=True)
class WiringPart:
    """Lines to put in one file, and why they are there."""
    file: str
    lines: tuple[str, ...]
    why: str


def qmail_master(domain: str) -> str:
    """The host account that receives a domain's mail in qmail (the HOWTO's domain master)."""
    return domain.replace(".", "-")[:32].rstrip("-")


def filter_command(spec: WiringSpec, *arguments: str) -> str:
    root = () if spec.root == DEFAULT_ROOT else ("--root", spec.root)
    return " ".join((spec.sudo, "-n", spec.filter_path, *root, *arguments))


def qmail_wiring(spec: WiringSpec) -> list[WiringPart]:
    master = spec.mail_user or qmail_master(spec.domain)
    filter_line = filter_command(spec).split(" ", 2)[2]
    # In sudoers a command without arguments allows any; "" allows none.
    allowed = filter_line if spec.root != DEFAULT_ROOT else f'{filter_line} ""'
    return [
        WiringPart("/var/qmail/control/virtualdomains", (f"{spec.domain}:{master}",),
                   f"qmail hands mail for {spec.domain} to the host account {master} "
                   "(make it with useradd, no login shell); then `qmail-send` reloads on HUP"),
        WiringPart(f"~{master}/.qmail-default", (f"| {filter_command(spec)}",),
                   "every address of the domain goes through the filter (EXT is the user, HOST the domain)"),
        WiringPart(f"/etc/sudoers.d/virtmail-{master}",
                   (f"Defaults!{spec.filter_path} env_keep += \"{QMAIL_KEPT}\"",
                    f"{master} ALL=(root) NOPASSWD: {allowed}"),
                   f"{master} may run the filter as root, and the variables qmail sets reach it "
                   "(edit with visudo -f)"),
    ]


def postfix_wiring(spec: WiringSpec) -> list[WiringPart]:
    return postfix_domains([spec])


def postfix_domains(specs: list[WiringSpec]) -> list[WiringPart]:
    """One host Postfix for all the domains: the shared lines once, then each domain's."""
    first = specs[0]
    user = first.mail_user or PIPE_SERVICE
    argv = filter_command(first, "--sysexits", "${user}", "${domain}")
    allowed = filter_command(first, "--sysexits", "*").split(" ", 2)[2]
    names = " ".join(spec.domain for spec in specs)
    own_addresses = [spec for spec in specs if spec.addresses]
    main_lines = [f"relay_domains = {names}", "transport_maps = hash:/etc/postfix/transport",
                  f"{PIPE_SERVICE}_destination_recipient_limit = 1"]
    if own_addresses:
        main_lines.append(f"sender_dependent_default_transport_maps = hash:{SENDER_MAP}")
    parts = [
        WiringPart("/etc/postfix/main.cf", tuple(main_lines),
                   "Postfix accepts the domains (add them to relay_domains when that lists others) and "
                   "looks their transport up; one recipient per delivery, so Delivered-To names it"
                   + ("; a sender's domain chooses the transport its outgoing mail leaves by"
                      if own_addresses else "")),
        WiringPart("/etc/postfix/transport", tuple(f"{spec.domain} {PIPE_SERVICE}:" for spec in specs),
                   "each domain's mail goes to the pipe service below (then `postmap` the file)"),
        WiringPart("/etc/postfix/master.cf",
                   (f"{PIPE_SERVICE} unix - n n - - pipe flags=DRq user={user} argv={argv}",),
                   f"the pipe runs as {user} (make it with useradd --system; pipe never runs as "
                   "root); exit 67 bounces, 75 defers"),
    ]
    if own_addresses:
        parts.append(WiringPart(SENDER_MAP, tuple(f"@{spec.domain} {outgoing(spec)}:" for spec in own_addresses),
                                "mail from a domain's senders leaves by that domain's own transport "
                                "(then `postmap` the file)"))
    parts.extend(domain_smtp(spec) for spec in own_addresses)
    parts.append(WiringPart(f"/etc/sudoers.d/{PIPE_SERVICE}", (f"{user} ALL=(root) NOPASSWD: {allowed}",),
                            f"{user} may run the filter as root, with --sysexits first (edit with visudo -f)"))
    return parts


def outgoing(spec: WiringSpec) -> str:
    """The name of the domain's outgoing transport in master.cf."""
    return f"smtp-{spec.domain}"


def listen_form(address: str, port: int) -> str:
    service = "smtp" if port == 25 else str(port)
    return f"[{address}]:{service}" if ":" in address else f"{address}:{service}"


def domain_smtp(spec: WiringSpec) -> WiringPart:
    """The domain's smtpd on each of its addresses, and its outgoing transport bound to the first
    address of each family."""
    lines = [f"{listen_form(address, spec.port)} inet n - - - - smtpd -o myhostname={spec.domain}"
             for address in spec.addresses]
    binds: list[str] = []
    for address in spec.addresses:
        option = "smtp_bind_address6" if ":" in address else "smtp_bind_address"
        if not any(bind.startswith(f"-o {option}=") for bind in binds):
            binds.append(f"-o {option}={address}")
    lines.append(f"{outgoing(spec)} unix - - n - - smtp {' '.join(binds)} -o smtp_helo_name={spec.domain}")
    shown = ", ".join(spec.addresses)
    return WiringPart("/etc/postfix/master.cf", tuple(lines),
                      f"{spec.domain} receives on {shown} and greets as {spec.domain} (one smtpd per "
                      "address: remove the catch-all `smtp inet` line, which holds every address, and "
                      f"give the host's own address a line too); its senders' mail leaves from {shown} "
                      f"and says HELO {spec.domain}")


def checked(spec: WiringSpec) -> WiringSpec:
    """The spec with its domain and addresses in canonical form; WiringError says what is wrong."""
    try:
        domain = normalize_domain(spec.domain)
    except ValueError as error:
        raise WiringError(f"{quoted(spec.domain)} is not a domain name: {error}")
    if spec.mail_user and not is_user_name(spec.mail_user):
        raise WiringError(f"{quoted(spec.mail_user)} is not a host user name: {RULE}")
    for path in (spec.filter_path, spec.root, spec.sudo):
        if not path.startswith("/") or any(c.isspace() for c in path):
            raise WiringError(f"{quoted(path)}: give an absolute path without white space")
    addresses = []
    for address in spec.addresses:
        canonical = canonical_address(address)
        if canonical in (None, DEFAULT):
            raise WiringError(f"{quoted(address)} is not an IP address of {domain}")
        if canonical not in addresses:
            addresses.append(canonical)
    if not 0 < spec.port < 65536:
        raise WiringError(f"port {spec.port}: give 1-65535")
    return replace(spec, domain=domain, addresses=tuple(addresses))


def wiring(spec: WiringSpec, mta: str) -> list[WiringPart]:
    return wiring_all([spec], mta)


def wiring_all(specs: list[WiringSpec], mta: str) -> list[WiringPart]:
    """The wiring of several domains: qmail's per domain, one host Postfix's for them all."""
    if mta not in MTAS:
        raise WiringError(f"unknown MTA {quoted(mta)}: one of {', '.join(MTAS)}")
    if not specs:
        raise WiringError("no domain to wire")
    specs = [checked(spec) for spec in specs]
    if mta == "qmail":
        return [part for spec in specs for part in qmail_wiring(spec)]
    return postfix_domains(specs)


def render(parts: list[WiringPart]) -> str:
    blocks = []
    for part in parts:
        blocks.append("\n".join([f"# {part.file}: {part.why}", *part.lines]))
    return "\n\n".join(blocks) + "\n"
