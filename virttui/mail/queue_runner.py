"""The seed's way of running a domain's mail: its own Postfix. The HOWTO ran `chroot DOMAIN
sendmail -q1h` per domain from a boot script; today that is the domain's own Postfix master,
run inside the chroot by one systemd template unit, one instance per domain. virtuald's
`sendmail -bs` (the catalog's smtp service) hands it the messages; it delivers them to the
users' ~/Maildir with its own local(8) and sends the rest out.

The master runs as root inside the domain: whoever is root in the domain can change what it
runs. Serve that way only domains whose own admin is trusted; the host's Postfix through
virtmailfilter (`virttui mail wiring`) is the way that trusts no domain.
"""

from dataclasses import dataclass

UNIT_NAME = "virtpostfix@.service"
MASTER = "/usr/lib/postfix/sbin/master"


@dataclass(frozen=True)
class QueueRunners:
    unit: str               # the template unit's text
    enable: tuple[str, ...]  # one command per domain served the seed's way


def queue_runners(root: str, domains: list[str]) -> QueueRunners:
    """The unit for domains under `root` (absolute, no white space: checked by the caller)."""
    unit = "\n".join((
        f"# /etc/systemd/system/{UNIT_NAME}: the own Postfix of the domain %i, run inside it",
        "[Unit]",
        f"Description=Postfix of the domain %i ({root}/%i), delivering what its sendmail -bs queued",
        "After=network.target",
        f"ConditionPathExists={root}/%i{MASTER}",
        "",
        "[Service]",
        "# -d: in the foreground, so systemd sees the master and restarts it",
        f"ExecStart=/usr/sbin/chroot {root}/%i {MASTER} -d",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "Restart=on-failure",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    )) + "\n"
    enable = tuple(f"systemctl enable --now {UNIT_NAME.replace('@.', f'@{domain}.')}" for domain in domains)
    return QueueRunners(unit, enable)


def render(runners: QueueRunners) -> str:
    lines = [runners.unit]
    if runners.enable:
        lines.append("# the domains served the seed's way (their conf.smtp lines), one instance each:")
        lines.extend(runners.enable)
    else:
        lines.append("# no domain has a conf.smtp line yet: enable one instance per domain built with "
                     "the smtp profile,\n# systemctl enable --now virtpostfix@DOMAIN.service")
    return "\n".join(lines) + "\n"
