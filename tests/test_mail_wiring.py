"""The MTA wiring: its lines are what qmail and Postfix really run (sudo included), and a real
Postfix on 127.0.0.1 delivers through it into two domains' Maildirs."""

import os
import shutil
import smtplib
import socketserver
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN, require_program, require_root
from tests.mail_fixtures import files_in, maildir_of, make_mail_domain
from tests.postfix_instance import Postfix, sudoers_file
from virttui.mail.wiring import WiringError, WiringSpec, render, wiring

FILTER = str(VENV_BIN / "virtmailfilter")


def mail_root(base: Path) -> Path:
    root = base / "root"
    make_mail_domain(root, "d1.example", {"bob": 1001})
    make_mail_domain(root, "d2.example", {"bob": 1002})
    (root / "d3.example" / "etc").mkdir(parents=True)  # no etc/passwd: a temporary failure
    return root


def part(parts, file: str):
    return next(p for p in parts if p.file == file)


def test_the_cli_prints_each_file_with_its_reason(demo_root):
    result = subprocess.run([str(VENV_BIN / "virttui"), "--root", str(demo_root), "mail", "wiring",
                             "Example.COM", "--mta", "postfix"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "# /etc/postfix/transport:" in result.stdout and "\nexample.com virtmail:\n" in result.stdout
    assert f"--root {demo_root} --sysexits ${{user}} ${{domain}}" in result.stdout
    bad = subprocess.run([str(VENV_BIN / "virttui"), "mail", "wiring", "../etc", "--mta", "qmail"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "is not a domain name" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.root
def test_a_root_that_cannot_be_read_is_a_note_and_the_wiring_is_still_printed(tmp_path):
    setpriv = require_program("setpriv", "util-linux")
    root = mail_root(tmp_path)
    root.chmod(0)
    try:
        # root without the capabilities that bypass file modes: as an admin's own account
        result = subprocess.run(
            [setpriv, "--bounding-set", "-dac_override,-dac_read_search", str(VENV_BIN / "virttui"),
             "--root", str(root), "mail", "wiring", "d1.example", "--mta", "qmail"],
            capture_output=True, text=True, timeout=30)
    finally:
        root.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert result.stderr == (f"virttui mail wiring: note: cannot tell whether {root} has the domain "
                             "d1.example: Permission denied (run as root to check)\n")
    assert "d1.example:d1-example" in result.stdout


@pytest.mark.parametrize("spec,message", [
    (WiringSpec("d1..example"), "is not a domain name"),
    (WiringSpec("d1.example", mail_user="Bad User"), "is not a host user name"),
    (WiringSpec("d1.example", filter_path="virtmailfilter"), "absolute path"),
    (WiringSpec("d1.example", root="/srv/my domains"), "absolute path"),
])
def test_what_cannot_be_wired_is_refused(spec, message):
    with pytest.raises(WiringError, match=message):
        wiring(spec, "postfix")


def test_the_default_root_allows_the_qmail_master_no_extra_argument():
    parts = wiring(WiringSpec("d1.example", filter_path="/usr/local/bin/virtmailfilter"), "qmail")
    assert part(parts, "/var/qmail/control/virtualdomains").lines == ("d1.example:d1-example",)
    assert part(parts, "/etc/sudoers.d/virtmail-d1-example").lines[1] == \
        'd1-example ALL=(root) NOPASSWD: /usr/local/bin/virtmailfilter ""'
    assert render(parts).count("\n# ") == 2


@pytest.mark.root
def test_the_qmail_pipe_reaches_the_filter_through_sudo_with_qmails_variables(tmp_path):
    """What qmail-local does with the master's .qmail-default: run the line with /bin/sh as the
    master, EXT, HOST, RPLINE and DTLINE set, the message on stdin."""
    require_program("sudo", "sudo")
    root = mail_root(tmp_path)
    parts = wiring(WiringSpec("d1.example", filter_path=FILTER, root=str(root), mail_user="nobody"),
                   "qmail")
    [pipe_line] = part(parts, "~nobody/.qmail-default").lines
    rule = sudoers_file(f"virttui-test-qmail-{os.getpid()}",
                        list(part(parts, "/etc/sudoers.d/virtmail-nobody").lines))
    try:
        result = subprocess.run(
            ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "/bin/sh", "-c",
             pipe_line.removeprefix("| ")],
            input=b"Subject: through qmail\n\nhello\n", capture_output=True, timeout=60, cwd="/",
            env={"PATH": "/usr/bin:/bin", "EXT": "bob", "HOST": "d1.example",
                 "RPLINE": "Return-Path: <alice@example.org>\n", "DTLINE": "Delivered-To: d1-example-bob@d1.example\n"})
    finally:
        rule.unlink()
    assert result.returncode == 0, result.stdout + result.stderr
    [message] = files_in(maildir_of(root, "d1.example", "bob") / "new")
    assert message.read_bytes() == (b"Return-Path: <alice@example.org>\n"
                                    b"Delivered-To: d1-example-bob@d1.example\n"
                                    b"Subject: through qmail\n\nhello\n")
    assert message.stat().st_uid == 1001


@pytest.fixture
def postfix(tmp_path):
    require_root()
    root = mail_root(tmp_path)
    domains = ("d1.example", "d2.example", "d3.example")
    specs = [WiringSpec(domain, filter_path=FILTER, root=str(root), mail_user="nobody")
             for domain in domains]
    parts = wiring(specs[0], "postfix")
    base = Path(tempfile.mkdtemp(prefix="virttui-postfix-"))  # pytest's tmp is closed to postfix
    base.chmod(0o755)
    config = base / "etc"
    main_cf = [line.replace("/etc/postfix/", f"{config}/") for line in part(parts, "/etc/postfix/main.cf").lines
               if not line.startswith("relay_domains")]
    transport = "".join(part(wiring(spec, "postfix"), "/etc/postfix/transport").lines[0] + "\n"
                        for spec in specs)
    instance = Postfix(base, [f"relay_domains = {' '.join(domains)}", *main_cf],
                       list(part(parts, "/etc/postfix/master.cf").lines), {"transport": transport})
    subprocess.run([require_program("postmap", "postfix"), "-c", str(config), f"hash:{config}/transport"],
                   check=True)
    rule = sudoers_file(f"virttui-test-postfix-{os.getpid()}",
                        list(part(parts, "/etc/sudoers.d/virtmail").lines))
    try:
        instance.start()
        instance.root = root
        yield instance
    finally:
        instance.stop()
        rule.unlink()
        shutil.rmtree(base)


def send(postfix: Postfix, recipient: str, body: str) -> None:
    with smtplib.SMTP("127.0.0.1", postfix.port, timeout=30) as client:
        client.sendmail("", [recipient], f"Subject: {body}\n\n{body}\n".encode())


def test_postfix_delivers_into_two_domains_bounces_an_unknown_user_and_keeps_a_temporary_failure(postfix):
    send(postfix, "bob@d1.example", "for bob in d1")
    send(postfix, "BOB@d2.example", "for bob in d2")
    send(postfix, "nosuchuser@d1.example", "for no one")
    send(postfix, "bob@d3.example", "for a domain being repaired")
    log = postfix.wait_for_log("to=<bob@d1.example>")
    for text in ("to=<BOB@d2.example>", "to=<nosuchuser@d1.example>", "to=<bob@d3.example>"):
        log = postfix.wait_for_log(text)

    lines = {line.split("to=<")[1].split(">")[0].lower(): line for line in log.splitlines() if "to=<" in line}
    assert "status=sent" in lines["bob@d1.example"] and "status=sent" in lines["bob@d2.example"]
    assert "status=bounced" in lines["nosuchuser@d1.example"]
    assert "no user nosuchuser in d1.example" in lines["nosuchuser@d1.example"]
    assert "status=deferred" in lines["bob@d3.example"] and "etc/passwd" in lines["bob@d3.example"]
    assert "bob@d3.example" in postfix.queue()

    root = postfix.root
    [in_d1] = files_in(maildir_of(root, "d1.example", "bob") / "new")
    [in_d2] = files_in(maildir_of(root, "d2.example", "bob") / "new")
    assert b"Delivered-To: bob@d1.example\n" in in_d1.read_bytes()
    assert b"\n\nfor bob in d1\n" in in_d1.read_bytes()
    assert b"\n\nfor bob in d2\n" in in_d2.read_bytes()
    assert (in_d1.stat().st_uid, in_d2.stat().st_uid) == (1001, 1002)


def wire(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "virttui"), "--root", str(root), "mail", *args],
                          capture_output=True, text=True, timeout=60)


def test_every_domain_of_the_root_at_once_with_the_addresses_of_conf_smtp(tmp_path):
    root = mail_root(tmp_path)
    (root / "conf.smtp").write_text(f"127.0.0.2 {root}/d1.example\n::1 {root}/d1.example\n")
    result = wire(root, "wiring", "--mta", "postfix")
    assert result.returncode == 0, result.stderr
    assert "relay_domains = d1.example d2.example d3.example\n" in result.stdout
    assert "\nd1.example virtmail:\nd2.example virtmail:\nd3.example virtmail:\n" in result.stdout
    assert "\n@d1.example smtp-d1.example:\n" in result.stdout and "@d2.example" not in result.stdout
    assert "\n127.0.0.2:smtp inet n - - - - smtpd -o myhostname=d1.example\n" in result.stdout
    assert "\n[::1]:smtp inet n - - - - smtpd -o myhostname=d1.example\n" in result.stdout
    assert ("\nsmtp-d1.example unix - - n - - smtp -o smtp_bind_address=127.0.0.2 "
            "-o smtp_bind_address6=::1 -o smtp_helo_name=d1.example\n") in result.stdout
    assert all(block.startswith("# /etc/") or block.startswith("# ~") for block in result.stdout.split("\n\n"))


@pytest.mark.parametrize("action", [("wiring", "--mta", "postfix"), ("queue-runners",)])
def test_a_conf_smtp_that_cannot_be_read_is_a_note_and_never_waited_on(tmp_path, action):
    root = mail_root(tmp_path)
    os.mkfifo(root / "conf.smtp")
    result = wire(root, *action)
    assert result.returncode == 0 and result.stdout
    assert result.stderr == (f"virttui mail {action[0]}: note: conf.smtp: not a regular file: virtuald cannot "
                             "read it as a conf file; no domain's address comes from it\n")


@pytest.mark.parametrize("args,message", [
    (("wiring", "--mta", "postfix", "--address", "127.0.0.2"), "--address needs one DOMAIN"),
    (("wiring", "d1.example", "--mta", "postfix", "--address", "300.1.1.1"), "'300.1.1.1' is not an IP address"),
    (("wiring", "d1.example", "--mta", "postfix", "--port", "0"), "port 0: give 1-65535"),
])
def test_what_cannot_be_wired_from_the_command_line_is_one_line_and_status_2(tmp_path, args, message):
    result = wire(mail_root(tmp_path), *args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_a_root_without_domains_has_nothing_to_wire(tmp_path):
    result = wire(tmp_path, "wiring", "--mta", "qmail")
    assert result.returncode == 2 and "has no domain to wire" in result.stderr


def test_queue_runners_print_the_template_unit_and_one_instance_per_domain_of_conf_smtp(tmp_path):
    root = mail_root(tmp_path)
    (root / "conf.smtp").write_text(f"127.0.0.2 {root}/d2.example\n")
    result = wire(root, "queue-runners")
    assert result.returncode == 0, result.stderr
    assert f"ExecStart=/usr/sbin/chroot {root}/%i /usr/lib/postfix/sbin/master -d\n" in result.stdout
    assert result.stdout.endswith("systemctl enable --now virtpostfix@d2.example.service\n")
    spaced = tmp_path / "a root"
    spaced.mkdir()
    refused = wire(spaced, "queue-runners")
    assert refused.returncode == 2 and "without white space" in refused.stderr and refused.stdout == ""


class SmtpSink(socketserver.ThreadingTCPServer):
    """An SMTP server on 127.0.0.1 that takes every message and records, for each, the address
    its client connected from, the name it greeted with and its envelope sender."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SmtpSinkSession)
        self.received: list[tuple[str, str, str]] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server_address[1]


class SmtpSinkSession(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.wfile.write(b"220 sink.test ESMTP\r\n")
        helo = sender = ""
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                helo = line[5:].strip().decode()
                self.wfile.write(b"250 sink.test\r\n")
            elif verb == b"MAIL":
                sender = line.decode().split(":", 1)[1].strip().split()[0].strip("<>")
                self.wfile.write(b"250 ok\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                self.server.received.append((self.client_address[0], helo, sender))
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def printed_files(output: str) -> dict[str, list[str]]:
    """The lines `virttui mail wiring` prints for each file, by the file's path."""
    files: dict[str, list[str]] = {}
    for block in output.strip().split("\n\n"):
        header, *lines = block.splitlines()
        files.setdefault(header[2:].split(":", 1)[0], []).extend(lines)
    return files


@pytest.mark.root
def test_a_domains_outgoing_mail_leaves_from_its_own_address_and_name(tmp_path):
    root = mail_root(tmp_path)
    (root / "conf.smtp").write_text(f"127.0.0.2 {root}/d1.example\n")
    printed = wire(root, "wiring", "--mta", "postfix")
    assert printed.returncode == 0, printed.stderr
    files = printed_files(printed.stdout)
    sink = SmtpSink()
    base = Path(tempfile.mkdtemp(prefix="virttui-postfix-"))  # pytest's tmp is closed to postfix
    base.chmod(0o755)
    config = base / "etc"
    main_cf = [line.replace("/etc/postfix/", f"{config}/") for line in files["/etc/postfix/main.cf"]
               if line.startswith("sender_dependent_default_transport_maps")]
    master_cf = [line for line in files["/etc/postfix/master.cf"] if line.startswith("smtp-d1.example ")]
    instance = Postfix(base, [*main_cf, f"relayhost = [127.0.0.1]:{sink.port}"], master_cf,
                       {"sender_transport": "\n".join(files["/etc/postfix/sender_transport"]) + "\n"})
    subprocess.run([require_program("postmap", "postfix"), "-c", str(config), f"hash:{config}/sender_transport"],
                   check=True)
    try:
        instance.start()
        with smtplib.SMTP("127.0.0.1", instance.port, timeout=30) as client:
            client.sendmail("bob@d1.example", ["alice@example.org"], b"Subject: from d1\n\nhello\n")
            client.sendmail("bob@d2.example", ["alice@example.org"], b"Subject: from d2\n\nhello\n")
        deadline = time.monotonic() + 30
        while len(sink.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sorted(sink.received, key=lambda got: got[2]) == [
            ("127.0.0.2", "d1.example", "bob@d1.example"),       # its own address and name
            ("127.0.0.1", "mx.virttui.test", "bob@d2.example"),  # no address of its own: the host's
        ], instance.log()
    finally:
        instance.stop()
        sink.shutdown()
        sink.server_close()
        shutil.rmtree(base)
