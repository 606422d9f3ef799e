"""The lines that make a super-server start a program through virtuald.

One `ServiceSpec` (a service name, a conf file, the program and its arguments, the addresses
to listen on) gives the entry for each super-server style:

- inetd:     one /etc/inetd.conf line (inetd listens on every address of the service's port);
- xinetd:    one `service` block per listening address (`bind`), for /etc/xinetd.d/NAME;
- systemd:   NAME.socket (`Accept=yes`, one `ListenStream` per address) and NAME@.service;
- tcpserver: one `tcpserver` command per listening address (ucspi-tcp; IPv4 only);
- dispatcher: the `virtuald --listen ...` command (virtuald listens and forks itself);
- systemd-dispatcher: NAME.socket (`Accept=no`) and NAME.service running `virtuald --systemd`.
"""

import os
import re
import shlex
from dataclasses import dataclass, field

from virttui.installed import USUAL_DIRECTORY
from virttui.names import quoted
from virttui.services.catalog import SERVICE_NAME
from virttui.user_names import RULE, is_user_name

STYLES = ("inetd", "xinetd", "systemd", "tcpserver", "dispatcher", "systemd-dispatcher")


class ServiceError(ValueError):
    """A spec that the chosen style cannot express; the message says why and what to do."""


@dataclass(frozen=True)
class Listen:
    address: str
    port: int

    @property
    def ipv6(self) -> bool:
        return ":" in self.address

    def systemd_form(self) -> str:
        return f"[{self.address}]:{self.port}" if self.ipv6 else f"{self.address}:{self.port}"


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    conf: str
    program: str
    args: tuple[str, ...] = ()
    listen: tuple[Listen, ...] = field(default_factory=tuple)
    virtuald: str = os.path.join(USUAL_DIRECTORY, "virtuald")
    user: str = "root"
    new_session: bool = False   # virtuald -s: the catalog's new_session
    log_stderr: bool = False    # virtuald -e: the catalog's log_stderr

    def virtuald_options(self) -> list[str]:
        return [*(["-s"] if self.new_session else []), *(["-e"] if self.log_stderr else [])]

    def virtuald_arguments(self) -> list[str]:
        """What follows virtuald's own name: its options, the conf file, the program, its arguments."""
        return [*self.virtuald_options(), self.conf, self.program, *self.args]


def parse_listen(text: str) -> Listen:
    """ADDR:PORT, [IPV6]:PORT; ServiceError when it is not one."""
    from virttui.conf.conffile import DEFAULT, canonical_address

    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d+)|([0-9.]+):(\d+)", text)
    if not match:
        raise ServiceError(f"--listen {quoted(text)}: write ADDRESS:PORT, or [IPV6]:PORT")
    address = match.group(1) or match.group(3)
    port = int(match.group(2) or match.group(4))
    canonical = canonical_address(address)
    if canonical in (None, DEFAULT):
        raise ServiceError(f"--listen {quoted(text)}: {quoted(address)} is not an IP address")
    if not 0 < port < 65536:
        raise ServiceError(f"--listen {quoted(text)}: the port must be 1-65535")
    return Listen(canonical, port)


def check_spec(spec: ServiceSpec) -> None:
    if not SERVICE_NAME.match(spec.name):
        raise ServiceError(f"service name {quoted(spec.name)}: use lower-case letters, digits, '-' and '_'")
    if not is_user_name(spec.user):
        raise ServiceError(f"--user {quoted(spec.user)}: {RULE}")
    for option, path in (("--conf", spec.conf), ("--virtuald", spec.virtuald)):
        if not path.startswith("/"):
            raise ServiceError(f"{option} {quoted(path)}: give an absolute path "
                               "(the super-server has no working directory)")
    for word in (spec.conf, spec.virtuald, spec.program, *spec.args):
        if not word.isprintable():
            raise ServiceError(f"{quoted(word)} has a newline, another control character or a byte that "
                               "is not UTF-8: no super-server entry can hold it; wrap the program in a script "
                               "inside the domain")


def _no_blanks(spec: ServiceSpec, style: str) -> None:
    for word in (spec.conf, spec.virtuald, spec.program, *spec.args):
        if not word or any(c.isspace() for c in word):
            raise ServiceError(f"{style} splits arguments on white space and cannot quote {quoted(word)}: "
                               "wrap the program in a script inside the domain")


def inetd(spec: ServiceSpec) -> str:
    _no_blanks(spec, "inetd")
    ports = {listen.port for listen in spec.listen}
    note = ""
    if ports:
        note = (f"# inetd listens on the port /etc/services names {quoted(spec.name)}; it should be "
                f"{', '.join(str(p) for p in sorted(ports))}\n")
    words = ["virtuald", *spec.virtuald_arguments()]
    return note + f"{spec.name}\tstream\ttcp\tnowait\t{spec.user}\t{spec.virtuald}\t{' '.join(words)}\n"


def xinetd(spec: ServiceSpec) -> str:
    _no_blanks(spec, "xinetd")
    blocks = []
    for listen in spec.listen or (None,):
        lines = [f"service {spec.name}", "{"]
        settings = [("socket_type", "stream"), ("protocol", "tcp"), ("wait", "no"),
                    ("user", spec.user), ("server", spec.virtuald),
                    # xinetd's server_args do not repeat the server's name (inetd's do)
                    ("server_args", " ".join(spec.virtuald_arguments()))]
        if listen is not None:
            settings[:0] = [("type", "UNLISTED"), ("id", f"{spec.name}-{listen.address}"),
                            ("bind", listen.address), ("port", str(listen.port))]
            if listen.ipv6:
                settings.append(("flags", "IPv6"))
        lines += [f"\t{key:<12}= {value}" for key, value in settings]
        lines.append("}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _systemd_quote(word: str) -> str:
    if word and not any(c.isspace() or c in "\"'\\;$%" for c in word):
        return word
    escaped = word.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$").replace("%", "%%")
    return f'"{escaped}"'


def systemd(spec: ServiceSpec) -> str:
    if not spec.listen:
        raise ServiceError("systemd needs at least one --listen ADDRESS:PORT")
    command = " ".join(_systemd_quote(w) for w in [spec.virtuald, *spec.virtuald_arguments()])
    socket_unit = [f"# /etc/systemd/system/{spec.name}.socket", "[Unit]",
                   f"Description={spec.name} through virtuald", "", "[Socket]"]
    socket_unit += [f"ListenStream={listen.systemd_form()}" for listen in spec.listen]
    socket_unit += ["FreeBind=yes", "Accept=yes", "", "[Install]", "WantedBy=sockets.target"]
    service_unit = [f"# /etc/systemd/system/{spec.name}@.service", "[Unit]",
                    f"Description={spec.name} through virtuald, one per connection", "",
                    "[Service]", f"ExecStart={command}", "StandardInput=socket",
                    "StandardOutput=socket", "StandardError=journal", f"User={spec.user}"]
    return "\n".join(socket_unit) + "\n\n" + "\n".join(service_unit) + "\n"


def tcpserver(spec: ServiceSpec) -> str:
    if not spec.listen:
        raise ServiceError("tcpserver needs at least one --listen ADDRESS:PORT")
    lines = []
    for listen in spec.listen:
        if listen.ipv6:
            raise ServiceError(f"tcpserver (ucspi-tcp) has no IPv6: use another style for {listen.address}")
        words = ["tcpserver", "-R", "-H", "-l", "0", listen.address, str(listen.port),
                 spec.virtuald, *spec.virtuald_arguments()]
        lines.append(" ".join(shlex.quote(w) for w in words))
    return "\n".join(lines) + "\n"


def dispatcher(spec: ServiceSpec) -> str:
    if not spec.listen:
        raise ServiceError("the dispatcher needs at least one --listen ADDRESS:PORT")
    listen = [word for item in spec.listen for word in ("--listen", item.systemd_form())]
    words = [spec.virtuald, *listen, *spec.virtuald_arguments()]
    return " ".join(shlex.quote(w) for w in words) + "\n"


def systemd_dispatcher(spec: ServiceSpec) -> str:
    if not spec.listen:
        raise ServiceError("systemd needs at least one --listen ADDRESS:PORT")
    command = " ".join(_systemd_quote(w) for w in [spec.virtuald, "--systemd", *spec.virtuald_arguments()])
    socket_unit = [f"# /etc/systemd/system/{spec.name}.socket", "[Unit]",
                   f"Description={spec.name} through the virtuald dispatcher", "", "[Socket]"]
    socket_unit += [f"ListenStream={listen.systemd_form()}" for listen in spec.listen]
    socket_unit += ["FreeBind=yes", "Accept=no", "", "[Install]", "WantedBy=sockets.target"]
    service_unit = [f"# /etc/systemd/system/{spec.name}.service", "[Unit]",
                    f"Description={spec.name} through the virtuald dispatcher", f"Requires={spec.name}.socket", "",
                    "[Service]", f"ExecStart={command}", "ExecReload=/bin/kill -HUP $MAINPID",
                    # the connections being served are the dispatcher's children: a stop or a
                    # restart of the dispatcher must leave them to finish
                    "KillMode=process", "Restart=on-failure", f"User={spec.user}"]
    return "\n".join(socket_unit) + "\n\n" + "\n".join(service_unit) + "\n"


RENDERERS = {"inetd": inetd, "xinetd": xinetd, "systemd": systemd, "tcpserver": tcpserver,
             "dispatcher": dispatcher, "systemd-dispatcher": systemd_dispatcher}


def render(spec: ServiceSpec, style: str) -> str:
    check_spec(spec)
    return RENDERERS[style](spec)
