"""Mail per domain end to end, as a customer sees it: SMTP in on each domain's own address
(the host's Postfix, wired by `virttui mail wiring`), POP3 and IMAP out on the same address
with the domain's own password (the catalog's servers through virtuald), with Python's own
smtplib, poplib and imaplib as the clients."""

import imaplib
import os
import poplib
import signal
import smtplib
import subprocess
import time

import pytest

from tests.conftest import VENV_BIN, require_program
from tests.mail_services_fixtures import (
    ADDRESSES,
    HOST_PROGRAMS,
    PASSWORDS,
    Servers,
    add_bob,
    build_domains,
    host_postfix,
    maildir,
    messages,
    serve_mailboxes,
    stop_postfix,
    wait_for_message,
    write_conf,
)
from tests.virtuald_fixtures import free_port
from virttui.services.catalog import load_services

pytestmark = pytest.mark.root   # every test here needs root


@pytest.fixture(scope="module")
def mail(tmp_path_factory):
    for program, package in HOST_PROGRAMS:
        require_program(program, package)
    base = tmp_path_factory.mktemp("mail-services")
    base.chmod(0o755)
    root = base / "root"
    build_domains(root, ("pop3", "imap"))
    add_bob(root)
    servers = Servers(base / "servers.log")
    postfix = None
    try:
        ports = serve_mailboxes(root, servers)
        ports["smtp"] = free_port("127.0.0.2")
        postfix = host_postfix(root, ports["smtp"])
        yield root, ports, postfix
    finally:
        servers.stop()
        if postfix is not None:
            stop_postfix(postfix)


def send(mail, domain: str, body: bytes, recipient: str = "", sender: str = "alice@example.org") -> None:
    _, ports, _ = mail
    with smtplib.SMTP(ADDRESSES[domain], ports["smtp"], timeout=60) as client:
        client.sendmail(sender, [recipient or f"bob@{domain}"], body)


def pop3(mail, domain: str, password: str = "") -> poplib.POP3:
    _, ports, _ = mail
    client = poplib.POP3(ADDRESSES[domain], ports["pop3"], timeout=30)
    client.user("bob")
    client.pass_(password or PASSWORDS[domain])
    return client


def retrieved(client: poplib.POP3) -> list[bytes]:
    """Every message of the session, as the Maildir holds it (poplib undoes CRLF and dots)."""
    count, _ = client.stat()
    return [b"\n".join(client.retr(number)[1]) + b"\n" for number in range(1, count + 1)]


def imap(mail, domain: str) -> imaplib.IMAP4:
    _, ports, _ = mail
    client = imaplib.IMAP4(ADDRESSES[domain], ports["imap"], timeout=30)
    client.login("bob", PASSWORDS[domain])
    return client


def test_a_user_added_like_the_app_does_has_an_empty_maildir_of_their_own(mail):
    root, _, _ = mail
    for domain in ADDRESSES:
        box = maildir(root, domain)
        assert sorted(p.name for p in box.iterdir()) == ["cur", "new", "tmp"]
        assert box.stat().st_uid == (root / domain / "home" / "bob").stat().st_uid >= 1000
        assert oct(box.stat().st_mode & 0o777) == "0o700"


def test_a_user_added_with_virtadduser_has_a_maildir_and_reads_mail_at_once(mail, tmp_path):
    root, ports, _ = mail
    links = tmp_path / "bin"
    links.mkdir()   # links install refuses a missing directory
    installed = subprocess.run([str(VENV_BIN / "virttui"), "--root", str(root), "links", "install", str(links)],
                               capture_output=True, text=True, timeout=60)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    environment = {"PATH": "/usr/bin:/bin", "VIRT_ROOT": str(root), "VIRTEXEC_LOG_SOCKET": "/nonexistent"}
    for argv, stdin in (([str(links / "virtadduser"), "--domain", "beta.example", "erin"], ""),
                        ([str(VENV_BIN / "virtexec"), "--domain", "beta.example", "chpasswd"], "erin:erin-Pw-3\n")):
        done = subprocess.run(argv, input=stdin, env=environment, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
    assert maildir(root, "beta.example", "erin").is_dir()
    client = poplib.POP3(ADDRESSES["beta.example"], ports["pop3"], timeout=30)
    client.user("erin")
    client.pass_("erin-Pw-3")
    assert client.stat() == (0, 0)
    client.quit()
    assert {p.name for p in maildir(root, "beta.example", "erin").iterdir()} >= {"cur", "new", "tmp"}


def test_each_domain_receives_on_its_address_and_pop3_serves_each_bob_his_own(mail):
    root, ports, _ = mail
    with smtplib.SMTP(ADDRESSES["alpha.example"], ports["smtp"], timeout=60) as client:
        assert b"alpha.example" in client.ehlo()[1]    # smtpd greets with the domain's name
    send(mail, "alpha.example", b"Subject: only for alpha\r\n\r\nalpha's letter\r\n")
    send(mail, "beta.example", b"Subject: only for beta\r\n\r\nbeta's letter\r\n")
    wait_for_message(maildir(root, "alpha.example"), b"alpha's letter")
    wait_for_message(maildir(root, "beta.example"), b"beta's letter")

    for domain, own, other in (("alpha.example", b"alpha's letter", b"beta's letter"),
                               ("beta.example", b"beta's letter", b"alpha's letter")):
        client = pop3(mail, domain)
        seen = retrieved(client)
        client.quit()
        assert any(own in message for message in seen)
        assert not any(other in message for message in seen)
        assert sorted(seen) == sorted(p.read_bytes() for p in messages(maildir(root, domain)))


def test_the_other_domains_password_is_refused(mail):
    with pytest.raises(poplib.error_proto, match="Authentication failed"):
        pop3(mail, "alpha.example", PASSWORDS["beta.example"])
    with pytest.raises(poplib.error_proto, match="Authentication failed"):
        pop3(mail, "beta.example", PASSWORDS["alpha.example"])
    _, ports, _ = mail
    client = imaplib.IMAP4(ADDRESSES["beta.example"], ports["imap"], timeout=30)
    with pytest.raises(imaplib.IMAP4.error):
        client.login("bob", PASSWORDS["alpha.example"])


def test_uidl_is_stable_and_dele_then_quit_removes_the_file(mail):
    root, _, _ = mail
    send(mail, "beta.example", b"Subject: to be deleted\r\n\r\ndelete me\r\n")
    path = wait_for_message(maildir(root, "beta.example"), b"delete me")
    first = pop3(mail, "beta.example")
    uidls = first.uidl()[1]
    first.quit()
    second = pop3(mail, "beta.example")
    assert second.uidl()[1] == uidls
    number = next(i for i, message in enumerate(retrieved(second), start=1) if b"delete me" in message)
    assert second.uidl(number).split()[2].decode() == path.name   # mailfront's UIDL: the file name
    second.dele(number)
    second.quit()
    assert not path.exists()
    assert not any(b"delete me" in p.read_bytes() for p in messages(maildir(root, "beta.example")))


def test_imap_shows_each_domain_its_own_inbox_and_seen_moves_to_cur(mail):
    root, _, _ = mail
    send(mail, "alpha.example", b"Subject: read over imap\r\n\r\nimap letter\r\n")
    path = wait_for_message(maildir(root, "alpha.example"), b"imap letter")
    assert path.parent.name == "new"
    client = imap(mail, "alpha.example")
    assert client.select("INBOX")[0] == "OK"
    [found] = client.search(None, "SUBJECT", '"read over imap"')[1]
    assert found and len(found.split()) == 1
    assert b"imap letter" in client.fetch(found, "(BODY.PEEK[])")[1][0][1]
    client.store(found, "+FLAGS", "\\Seen")
    client.logout()
    [moved] = [p for p in messages(maildir(root, "alpha.example")) if b"imap letter" in p.read_bytes()]
    assert moved.parent.name == "cur" and moved.name.startswith(path.name.split(":")[0])
    assert moved.name.endswith(":2,S")

    other = imap(mail, "beta.example")
    other.select("INBOX")
    assert other.search(None, "SUBJECT", '"read over imap"')[1] == [b""]
    other.logout()


def test_a_20_mb_message_and_8_bit_crlf_lines_arrive_byte_for_byte(mail):
    root, _, _ = mail
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/\r\n"
    big = b"Subject: twenty megabytes\r\n\r\n" + line * (20_000_000 // len(line)) + b"big end\r\n"
    eight_bit = (b"Subject: eight bits\r\nContent-Type: text/plain; charset=utf-8\r\n"
                 b"Content-Transfer-Encoding: 8bit\r\n\r\ncaf\xc3\xa9 \xe2\x82\xac \xff\xfe\r\n\r\n\r\n"
                 b".a line that starts with a dot\r\n..two dots\r\n.\r\n\r\neight-bit end\r\n")
    for body, end in ((big, b"big end\n"), (eight_bit, b"eight-bit end\n")):
        send(mail, "alpha.example", body)
        stored = wait_for_message(maildir(root, "alpha.example"), end, timeout=120).read_bytes()
        sent_header, sent_body = body.replace(b"\r\n", b"\n").split(b"\n\n", 1)
        stored_header, stored_body = stored.split(b"\n\n", 1)   # Postfix adds header lines
        assert stored_body == sent_body
        assert all(line in stored_header.split(b"\n") for line in sent_header.split(b"\n"))
        client = pop3(mail, "alpha.example")
        assert stored in retrieved(client)
        client.quit()


def test_an_unknown_user_bounces_and_a_temporary_failure_is_delivered_once_mended(mail):
    root, _, postfix = mail
    send(mail, "alpha.example", b"Subject: nobody\r\n\r\nfor no one\r\n", recipient="nosuchuser@alpha.example")
    bounced = postfix.wait_for_log("to=<nosuchuser@alpha.example>")
    assert "status=bounced" in bounced and "no user nosuchuser in alpha.example" in bounced

    passwd = root / "beta.example" / "etc" / "passwd"
    passwd.rename(passwd.with_name("passwd.aside"))
    passwd.mkdir()   # unreadable as a file, even for root
    try:
        send(mail, "beta.example", b"Subject: waits\r\n\r\nkept in the queue\r\n")
        deferred = postfix.wait_for_log("status=deferred")
        assert "to=<bob@beta.example>" in deferred and "etc/passwd" in deferred
        assert "bob@beta.example" in postfix.queue()
    finally:
        passwd.rmdir()
        passwd.with_name("passwd.aside").rename(passwd)
    flush = subprocess.run([require_program("postqueue", "postfix"), "-c", str(postfix.config), "-f"],
                           capture_output=True, text=True, timeout=60)
    assert flush.returncode == 0, flush.stderr
    wait_for_message(maildir(root, "beta.example"), b"kept in the queue")
    time.sleep(1)   # a second delivery would come right after the first
    assert sum(b"kept in the queue" in p.read_bytes() for p in messages(maildir(root, "beta.example"))) == 1
    assert "Mail queue is empty" in postfix.queue()


def test_the_seeds_way_the_domains_own_postfix_receives_through_virtuald_and_delivers(tmp_path):
    """A domain with its own Postfix (profile smtp): virtuald runs the catalog's `sendmail -bs`
    per connection on the domain's address, and the domain's master, run as the unit of
    `virttui mail queue-runners` runs it, delivers to the user's Maildir."""
    for program, package in (("tcpserver", "ucspi-tcp"), ("sendmail", "postfix"), ("setpriv", "util-linux")):
        require_program(program, package)
    root = tmp_path / "root"
    build_domains(root, ("smtp",))
    add_bob(root)
    for domain in ADDRESSES:
        aliases = subprocess.run([str(VENV_BIN / "virtexec"), "--domain", domain, "newaliases"],
                                 env={"PATH": "/usr/bin:/bin", "VIRT_ROOT": str(root)},
                                 capture_output=True, text=True, timeout=60)
        assert aliases.returncode == 0, aliases.stdout + aliases.stderr
    servers = Servers(tmp_path / "servers.log")
    masters = []
    try:
        port = servers.serve(write_conf(root, "smtp"), load_services()["smtp"].argv)
        printed = subprocess.run([str(VENV_BIN / "virttui"), "--root", str(root), "mail", "queue-runners"],
                                 capture_output=True, text=True, timeout=60)
        assert printed.returncode == 0, printed.stderr
        assert "systemctl enable --now virtpostfix@alpha.example.service" in printed.stdout
        [start] = [line.removeprefix("ExecStart=") for line in printed.stdout.splitlines()
                   if line.startswith("ExecStart=")]
        for domain in ADDRESSES:
            masters.append(subprocess.Popen(start.replace("%i", domain).split(), start_new_session=True,
                                            stdin=subprocess.DEVNULL))
        for domain, address in ADDRESSES.items():
            with smtplib.SMTP(address, port, timeout=60) as client:
                assert client.ehlo()[1].startswith(domain.encode())   # the domain's own Postfix
                client.sendmail("alice@example.org", [f"bob@{domain}"],
                                f"Subject: the seed's way\r\n\r\nqueued in {domain}\r\n".encode())
        for domain in ADDRESSES:
            path = wait_for_message(maildir(root, domain), f"queued in {domain}".encode())
            assert path.stat().st_uid == maildir(root, domain).stat().st_uid
            other = "beta.example" if domain == "alpha.example" else "alpha.example"
            assert f"queued in {other}".encode() not in path.read_bytes()
    finally:
        servers.stop()
        for master in masters:
            os.killpg(master.pid, signal.SIGTERM)
            master.wait(timeout=30)
