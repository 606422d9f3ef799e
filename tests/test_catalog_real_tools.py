"""The catalog's mail and Samba commands, for real: Postfix's mailq and newaliases and Samba's
smbstatus, taken from the host by the mail and samba profiles, run through the virtNAME links
inside a domain, each showing that domain's own queue, aliases and configuration."""

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN, require_program

pytestmark = pytest.mark.root   # every test here needs root

DOMAINS = ("d1.example", "d2.example")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    for program, package in (("mailq", "postfix"), ("postalias", "postfix"), ("smbstatus", "samba")):
        require_program(program, package)
    base = tmp_path_factory.mktemp("tools")
    root = base / "root"
    root.mkdir()
    for domain in DOMAINS:
        result = subprocess.run([str(VENV_BIN / "virtfs"), "--root", str(root), "--profile", "mail",
                                 "--profile", "samba", domain], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    links = base / "bin"
    links.mkdir()
    installed = subprocess.run([str(VENV_BIN / "virttui"), "--root", str(root), "links", "install", str(links)],
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return root, links


def run(root: Path, program: Path | str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ["PATH"], "VIRT_ROOT": str(root), "VIRTEXEC_LOG_SOCKET": "/nonexistent"}
    return subprocess.run([str(program), *args], input=stdin, capture_output=True, text=True,
                          env=environment, timeout=60)


def test_mailq_lists_the_domains_own_queue(built):
    root, links = built
    queued = run(root, VENV_BIN / "virtexec", "--domain", "d1.example", "sendmail", "-f", "alice@d1.example",
                 "bob@example.org", stdin="Subject: waiting in d1\n\nhello\n")
    assert queued.returncode == 0, queued.stderr
    in_d1 = run(root, links / "virtmailq", "--domain", "d1.example")
    in_d2 = run(root, links / "virtmailq", "--domain", "d2.example")
    assert in_d1.returncode == 0 and "alice@d1.example" in in_d1.stdout and "1 Request" in in_d1.stdout
    assert in_d2.returncode == 0 and "Mail queue is empty" in in_d2.stdout


def test_newaliases_builds_the_domains_own_aliases(built):
    root, links = built
    aliases = root / "d1.example" / "etc" / "aliases"
    aliases.write_text(aliases.read_text() + "sales: bob\n")
    assert run(root, links / "virtnewaliases", "--domain", "d1.example").returncode == 0
    for domain in DOMAINS:
        assert run(root, links / "virtnewaliases", "--domain", domain).returncode == 0
    query = [VENV_BIN / "virtexec", "--domain"]
    found = run(root, *query, "d1.example", "postalias", "-q", "sales", "hash:/etc/aliases")
    assert found.returncode == 0 and found.stdout.strip() == "bob"
    elsewhere = run(root, *query, "d2.example", "postalias", "-q", "sales", "hash:/etc/aliases")
    assert elsewhere.returncode == 1 and elsewhere.stdout == ""  # d2's own aliases have no sales


def test_smbstatus_runs_on_the_domains_own_samba_configuration(built):
    root, links = built
    status = run(root, links / "virtsmbstatus", "--domain", "d2.example")
    assert status.returncode == 0 and "Samba version" in status.stdout, status.stderr
    settings = run(root, VENV_BIN / "virtexec", "--domain", "d2.example", "testparm", "-s")
    assert "server string = d2.example" in settings.stdout and "netbios name = D2" in settings.stdout
