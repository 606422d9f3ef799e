"""Samba per domain, for real (as root): two domains built by virtfs with the samba profile,
each with its own `bob` whose Samba password (set with virtsmbpasswd) differs, served on
127.0.0.2 and 127.0.0.3 by tcpserver -> virtuald -> smbd as the service catalog says, and
Samba's own smbclient as the client (its state kept in a temporary directory)."""

import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN, require_program
from tests.virtuald_fixtures import Daemons, free_port, wait_for_listener
from virttui.services.catalog import load_services

pytestmark = pytest.mark.root   # every test here needs root

VIRTUALD = str(VENV_BIN / "virtuald")
DOMAINS = {"d1.example": ("127.0.0.2", "Bob-of-d1"), "d2.example": ("127.0.0.3", "Bob-of-d2")}


class Served:
    def __init__(self, root: Path, links: Path, client: Path, ports: dict[str, int],
                 servers: dict[str, subprocess.Popen]):
        self.root, self.links, self.client, self.ports, self.servers = root, links, client, ports, servers

    def smbclient_argv(self, domain: str, password: str) -> list[str]:
        return ["smbclient", "-s", str(self.client / "smb.conf"), "-p", str(self.ports[domain]),
                "-U", f"bob%{password}", f"//{DOMAINS[domain][0]}/bob"]

    def smbclient(self, domain: str, password: str, commands: str, cwd: Path) -> subprocess.CompletedProcess:
        return subprocess.run([*self.smbclient_argv(domain, password), "-c", commands],
                              cwd=cwd, capture_output=True, text=True, timeout=60)

    def home(self, domain: str) -> Path:
        return self.root / domain / "home" / "bob"

    def uid_of_bob(self, domain: str) -> int:
        for line in (self.root / domain / "etc" / "passwd").read_text().splitlines():
            if line.startswith("bob:"):
                return int(line.split(":")[2])
        raise AssertionError(f"no bob in {domain}")


def in_domain(root: Path, program: Path, domain: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    environment = {"PATH": "/usr/bin:/bin", "VIRT_ROOT": str(root), "VIRTEXEC_LOG_SOCKET": "/nonexistent"}
    return subprocess.run([str(program), "--domain", domain, *args], input=stdin, capture_output=True,
                          text=True, env=environment, timeout=120)


def client_config(directory: Path) -> Path:
    """An smb.conf for smbclient alone: its caches and locks here, not in the host's Samba."""
    directory.mkdir()
    state = directory / "state"
    state.mkdir()
    (directory / "smb.conf").write_text(
        "[global]\n   client min protocol = SMB2\n"
        + "".join(f"   {key} = {state}\n" for key in ("lock directory", "state directory", "cache directory",
                                                       "private dir", "pid directory", "ncalrpc dir")))
    return directory


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    for program, package in (("smbd", "samba"), ("smbclient", "smbclient"), ("tcpserver", "ucspi-tcp")):
        require_program(program, package)
    base = tmp_path_factory.mktemp("smb")
    root = base / "root"
    root.mkdir()
    links = base / "bin"
    links.mkdir()   # links install refuses a missing directory
    installed = subprocess.run([str(VENV_BIN / "virttui"), "--root", str(root), "links", "install", str(links)],
                               capture_output=True, text=True, timeout=60)
    assert installed.returncode == 0, installed.stderr
    for domain, (_, password) in DOMAINS.items():
        built = subprocess.run([str(VENV_BIN / "virtfs"), "--root", str(root), "--profile", "samba", domain],
                               capture_output=True, text=True, timeout=600)
        assert built.returncode == 0, built.stderr
        if domain == "d2.example":   # bob is another uid there: the file owner shows whose passwd smbd read
            assert in_domain(root, VENV_BIN / "virtexec", domain, "useradd", "-m", "alice").returncode == 0
        added = in_domain(root, VENV_BIN / "virtexec", domain, "useradd", "-m", "-s", "/bin/sh", "bob")
        assert added.returncode == 0, added.stderr
        # the link, without a settings file: the catalog's `smbpasswd -a`, -s reads the password twice
        smb_password = in_domain(root, links / "virtsmbpasswd", domain, "-s", "bob", stdin=f"{password}\n" * 2)
        assert smb_password.returncode == 0, smb_password.stdout + smb_password.stderr
        assert (root / domain / "var/lib/samba/private/passdb.tdb").is_file()
    conf = root / "conf.smb"
    conf.write_text("".join(f"{address} {root / domain}\n" for domain, (address, _) in DOMAINS.items()))
    service = load_services()["smb"]
    session = ["-s"] if service.new_session else []
    daemons = Daemons()
    environment = {"PATH": "/usr/bin:/bin", "VIRTUALD_LOG_SOCKET": str(base / "no-syslog")}
    ports, servers = {}, {}
    for domain, (address, _) in DOMAINS.items():
        ports[domain] = free_port(address)
        servers[domain] = daemons.start(["tcpserver", "-R", "-H", "-l", "0", address, str(ports[domain]),
                                         VIRTUALD, *session, str(conf), *service.argv], environment)
    for domain, (address, _) in DOMAINS.items():
        wait_for_listener(address, ports[domain])
    yield Served(root, links, client_config(base / "client"), ports, servers)
    daemons.stop()


def test_each_bob_reads_and_writes_his_own_home(served, tmp_path):
    assert served.uid_of_bob("d1.example") != served.uid_of_bob("d2.example")
    for domain, (_, password) in DOMAINS.items():
        (tmp_path / "upload.txt").write_text(f"from bob of {domain}\n")
        result = served.smbclient(domain, password, "put upload.txt report.txt; get report.txt back.txt; ls",
                                  cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "report.txt" in result.stdout and ".profile" in result.stdout   # the listing of his home
        landed = served.home(domain) / "report.txt"
        assert landed.read_text() == f"from bob of {domain}\n"
        assert landed.stat().st_uid == served.uid_of_bob(domain)
        assert (tmp_path / "back.txt").read_text() == f"from bob of {domain}\n"
        landed.unlink()


def test_a_wrong_password_and_the_other_domains_are_refused(served, tmp_path):
    d1_password, d2_password = DOMAINS["d1.example"][1], DOMAINS["d2.example"][1]
    for domain, password in (("d1.example", "not-his"), ("d1.example", d2_password),
                             ("d2.example", d1_password)):
        result = served.smbclient(domain, password, "put /etc/hostname intruder.txt", cwd=tmp_path)
        assert result.returncode != 0 and "NT_STATUS_LOGON_FAILURE" in result.stdout + result.stderr
        assert not (served.home(domain) / "intruder.txt").exists()


def test_the_super_server_outlives_ten_sessions(served, tmp_path):
    """smbd signals its process group when a session ends: virtuald -s (the catalog's
    new_session) keeps tcpserver out of it."""
    domain, (_, password) = "d1.example", DOMAINS["d1.example"]
    for _ in range(10):
        assert served.smbclient(domain, password, "ls", cwd=tmp_path).returncode == 0
    time.sleep(0.5)   # the last smbd's end, and its signal, come after the client has gone
    assert all(server.poll() is None for server in served.servers.values())
    assert served.smbclient(domain, password, "ls", cwd=tmp_path).returncode == 0


def test_smbd_loads_its_modules_inside_the_domain(served, tmp_path):
    """A VFS module (the recycle bin) is loaded at run time from the domain's copy of Samba's
    module directory: without it smbd refuses the share."""
    domain, (_, password) = "d2.example", DOMAINS["d2.example"]
    config = served.root / domain / "etc" / "samba" / "smb.conf"
    shipped = config.read_text()
    try:
        config.write_text(shipped + "   vfs objects = recycle\n")   # [homes] is the last section
        (tmp_path / "draft.txt").write_text("first draft\n")
        result = served.smbclient(domain, password, "put draft.txt; rm draft.txt", cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert not (served.home(domain) / "draft.txt").exists()
        assert (served.home(domain) / ".recycle" / "draft.txt").read_text() == "first draft\n"
    finally:
        config.write_text(shipped)


def test_the_domains_samba_log_names_no_missing_piece(served, tmp_path):
    """smbd logs in the domain's own var/log/samba; nothing it looked for was missing there
    (a charset, the mount table its quota code reads, a module)."""
    domain, (_, password) = "d1.example", DOMAINS["d1.example"]
    assert served.smbclient(domain, password, "ls", cwd=tmp_path).returncode == 0
    logs = "".join(path.read_text(errors="replace")
                   for path in (served.root / domain / "var" / "log" / "samba").glob("log.*"))
    assert "smbd version" in logs
    for complaint in ("charset 'CP850' unavailable", "sys_path_to_bdev() failed", "Error loading module"):
        assert complaint not in logs


def test_virtsmbstatus_shows_the_sessions_of_its_domain_alone(served, tmp_path):
    domain, (_, password) = "d2.example", DOMAINS["d2.example"]
    held = subprocess.Popen(served.smbclient_argv(domain, password), stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 20
        while True:
            status = in_domain(served.root, served.links / "virtsmbstatus", domain, "-b")
            sessions = [line.split() for line in status.stdout.splitlines() if line[:1].isdigit()]
            if sessions or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert [words[1] for words in sessions] == ["bob"], status.stdout + status.stderr
        elsewhere = in_domain(served.root, served.links / "virtsmbstatus", "d1.example", "-b")
        assert elsewhere.returncode == 0 and "Samba version" in elsewhere.stdout
        assert sessions[0][0] not in [line.split()[0] for line in elsewhere.stdout.splitlines()
                                      if line[:1].isdigit()]   # d2's smbd is not d1's business
    finally:
        held.stdin.close()
        held.wait(timeout=30)
