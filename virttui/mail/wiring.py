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
  recipient per delivery, exit statuses as sysexits.
"""

import re
from dataclasses import dataclass

from virttui.names import normalize_domain

MTAS = ("qmail", "postfix")
DEFAULT_ROOT = "/virtual"
PIPE_SERVICE = "virtmail"
HOST_USER = re.compile(r"[a-z_][a-z0-9_-]{0,31}\Z")
QMAIL_KEPT = "EXT HOST RPLINE DTLINE SENDER RECIPIENT LOCAL"


class WiringError(ValueError):
    """A wiring that cannot be written as asked; the message says why."""


@dataclass(frozen=True)
class WiringSpec:
    domain: str
    filter_path: str = "/usr/local/bin/virtmailfilter"
    root: str = DEFAULT_ROOT
    mail_user: str = ""        # the host account the MTA runs the pipe as
    sudo: str = "/usr/bin/sudo"


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
    user = spec.mail_user or PIPE_SERVICE
    argv = filter_command(spec, "--sysexits", "${user}", "${domain}")
    allowed = filter_command(spec, "--sysexits", "*").split(" ", 2)[2]
    return [
        WiringPart("/etc/postfix/main.cf",
                   (f"relay_domains = {spec.domain}",
                    "transport_maps = hash:/etc/postfix/transport",
                    f"{PIPE_SERVICE}_destination_recipient_limit = 1"),
                   "Postfix accepts the domain (add it to relay_domains when that lists others) and "
                   "looks its transport up; one recipient per delivery, so Delivered-To names it"),
        WiringPart("/etc/postfix/transport", (f"{spec.domain} {PIPE_SERVICE}:",),
                   "the domain's mail goes to the pipe service below (then `postmap` the file)"),
        WiringPart("/etc/postfix/master.cf",
                   (f"{PIPE_SERVICE} unix - n n - - pipe flags=DRq user={user} argv={argv}",),
                   f"the pipe runs as {user} (make it with useradd --system; pipe never runs as "
                   "root); exit 67 bounces, 75 defers"),
        WiringPart(f"/etc/sudoers.d/{PIPE_SERVICE}", (f"{user} ALL=(root) NOPASSWD: {allowed}",),
                   f"{user} may run the filter as root, with --sysexits first (edit with visudo -f)"),
    ]


def wiring(spec: WiringSpec, mta: str) -> list[WiringPart]:
    try:
        domain = normalize_domain(spec.domain)
    except ValueError as error:
        raise WiringError(f"{spec.domain!r} is not a domain name: {error}")
    if spec.mail_user and not HOST_USER.match(spec.mail_user):
        raise WiringError(f"{spec.mail_user!r} is not a host user name (lower case, 32 at most)")
    for path in (spec.filter_path, spec.root, spec.sudo):
        if not path.startswith("/") or any(c.isspace() for c in path):
            raise WiringError(f"{path!r}: give an absolute path without white space")
    spec = WiringSpec(domain, spec.filter_path, spec.root, spec.mail_user, spec.sudo)
    if mta == "qmail":
        return qmail_wiring(spec)
    if mta == "postfix":
        return postfix_wiring(spec)
    raise WiringError(f"unknown MTA {mta!r}: one of {', '.join(MTAS)}")


def render(parts: list[WiringPart]) -> str:
    blocks = []
    for part in parts:
        blocks.append("\n".join([f"# {part.file}: {part.why}", *part.lines]))
    return "\n\n".join(blocks) + "\n"
