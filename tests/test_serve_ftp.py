"""FTP per domain, for real (as root): two domains built by `virtfs --profile ftp`, each with a
user bob whose password differs, served on 127.0.0.2 and 127.0.0.3 by tcpserver (and xinetd)
running `virtuald CONF` and the catalog's vsftpd argv; Python's ftplib as the client."""

import ftplib
import io
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import VENV_BIN, require_program, require_root
from tests.served_domains import ADDRESSES, PASSWORDS, served_root
from tests.virtuald_fixtures import Daemons, SyslogCatcher, free_port, wait_for_listener
from virttui.services.catalog import load_services

VIRTUALD = str(VENV_BIN / "virtuald")
FTP = load_services()["ftp"]
OTHER = {"d1.example": "d2.example", "d2.example": "d1.example"}


@pytest.fixture(scope="module")
def shared_log(tmp_path_factory):
    """The root's log socket, there before the domains are built: each one's dev/log links to it."""
    require_root()
    root = tmp_path_factory.mktemp("ftp") / "root"
    root.mkdir()
    catcher = SyslogCatcher(root / "log")
    yield catcher
    catcher.close()


@pytest.fixture(scope="module")
def root(shared_log):
    require_program("vsftpd", "vsftpd")
    root = served_root(shared_log.path.parent, FTP.profile, FTP.name)
    for name in ADDRESSES:
        (root / name / "srv" / "ftp" / f"only-in-{name}.txt").write_text(f"anonymous file of {name}\n")
    return root


@pytest.fixture(scope="module")
def port(root, shared_log):
    """tcpserver on both addresses, one port, each connection through virtuald."""
    tcpserver = require_program("tcpserver", "ucspi-tcp")
    env = {"PATH": "/bin:/usr/bin", "VIRTUALD_LOG_SOCKET": str(shared_log.path)}
    port = free_port("127.0.0.2")
    servers = Daemons()
    try:
        for address in ADDRESSES.values():
            servers.start([tcpserver, "-R", "-H", "-l", "0", address, str(port),
                           VIRTUALD, str(root / "conf.ftp"), *FTP.argv], env)
        for address in ADDRESSES.values():
            wait_for_listener(address, port)
        yield port
    finally:
        servers.stop()


def session(address: str, port: int) -> ftplib.FTP:
    client = ftplib.FTP()
    client.connect(address, port, timeout=20)
    return client


def refused(address: str, port: int, user: str, password: str) -> str:
    client = session(address, port)
    try:
        with pytest.raises(ftplib.error_perm) as error:
            client.login(user, password)
    finally:
        client.close()
    return str(error.value)


def replies_to_refused(port: int, attempts: list[tuple[str, str, str]]) -> list[str]:
    """refused() for each (address, user, password), at once: every failed login waits out
    vsftpd's and PAM's delays."""
    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(lambda attempt: refused(attempt[0], port, *attempt[1:]), attempts))


@pytest.mark.parametrize("name", sorted(ADDRESSES))
def test_each_bob_logs_in_on_his_own_address_and_not_on_the_others(root, port, name):
    address = ADDRESSES[name]
    with session(address, port) as client:
        assert client.login("bob", PASSWORDS[name]).startswith("230")
        assert client.pwd() == "/"               # jailed in his home
        assert "etc" not in client.nlst("/")
    replies = replies_to_refused(port, [(address, "bob", PASSWORDS[OTHER[name]]),
                                        (ADDRESSES[OTHER[name]], "bob", PASSWORDS[name])])
    assert all(reply.startswith("530") for reply in replies), replies


def test_vsftpd_logs_through_the_domains_dev_log(root, port, shared_log):
    for name in ADDRESSES:
        assert (root / name / "dev" / "log").stat().st_ino == shared_log.path.stat().st_ino
    with session("127.0.0.3", port) as client:
        client.login("bob", PASSWORDS["d2.example"])
    assert any("vsftpd[" in line and "[bob] OK LOGIN" in line for line in shared_log.lines("OK LOGIN"))


def test_wrong_passwords_unknown_users_and_system_accounts_get_530(root, port):
    replies = replies_to_refused(port, [("127.0.0.2", user, password) for user, password in (
        ("bob", "wrong"), ("bob", ""), ("alice", PASSWORDS["d1.example"]), ("root", "x"), ("daemon", "x"))])
    assert all(reply.startswith("530") for reply in replies), replies


@pytest.mark.parametrize("name", sorted(ADDRESSES))
def test_bob_lists_and_uploads_into_his_own_home(root, port, name):
    content = f"uploaded to {name}\n".encode()
    with session(ADDRESSES[name], port) as client:
        client.login("bob", PASSWORDS[name])
        assert client.storbinary("STOR report.txt", io.BytesIO(content)).startswith("226")
        listing = []
        client.retrlines("LIST", listing.append)
    assert any(line.endswith(" report.txt") for line in listing)
    landed = root / name / "home" / "bob" / "report.txt"
    assert landed.read_bytes() == content
    bob_uid = next(int(line.split(":")[2]) for line in (root / name / "etc" / "passwd").read_text().splitlines()
                   if line.startswith("bob:"))
    assert landed.stat().st_uid == bob_uid == (root / name / "home" / "bob").stat().st_uid
    other = root / OTHER[name] / "home" / "bob" / "report.txt"
    assert not other.exists() or other.read_bytes() != content


@pytest.mark.parametrize("name", sorted(ADDRESSES))
def test_anonymous_lists_its_domains_tree_and_cannot_write(root, port, name):
    with session(ADDRESSES[name], port) as client:
        assert client.login().startswith("230")
        assert client.nlst() == [f"only-in-{name}.txt"]
        for attempt in (lambda: client.storbinary("STOR put.txt", io.BytesIO(b"x")),
                        lambda: client.mkd("incoming"),
                        lambda: client.delete(f"only-in-{name}.txt")):
            with pytest.raises(ftplib.error_perm, match="^550"):
                attempt()
    assert sorted(p.name for p in (root / name / "srv" / "ftp").iterdir()) == [f"only-in-{name}.txt"]


@pytest.mark.parametrize("name", sorted(ADDRESSES))
def test_passive_data_connections_open_on_the_domains_address(root, port, name):
    address = ADDRESSES[name]
    with session(address, port) as client:
        client.login()
        assert ftplib.parse227(client.sendcmd("PASV"))[0] == address
        client.trust_server_pasv_ipv4_address = True   # connect where the server says
        received = []
        client.retrbinary(f"RETR only-in-{name}.txt", received.append)
    assert b"".join(received) == f"anonymous file of {name}\n".encode()


def test_xinetd_configured_by_virttui_service_serves_each_bob(root, daemons, tmp_path):
    xinetd = require_program("xinetd", "xinetd")
    port = free_port("127.0.0.2")
    listen = [word for address in ADDRESSES.values() for word in ("--listen", f"{address}:{port}")]
    printed = subprocess.run(
        [str(VENV_BIN / "virttui"), "service", "ftp", "--conf", str(root / "conf.ftp"), "--style", "xinetd",
         "--virtuald", VIRTUALD, *listen, "--", *FTP.argv], capture_output=True, text=True, check=True).stdout
    config = tmp_path / "xinetd.conf"
    config.write_text("defaults\n{\n\tinstances = 20\n\tlog_type = FILE %s\n}\n\n%s" % (tmp_path / "xinetd.log", printed))
    env = {"PATH": "/bin:/usr/bin", "VIRTUALD_LOG_SOCKET": str(tmp_path / "no-log")}
    daemons.start([xinetd, "-dontfork", "-f", str(config), "-pidfile", str(tmp_path / "xinetd.pid")], env)
    for name, address in ADDRESSES.items():
        wait_for_listener(address, port)
        with session(address, port) as client:
            assert client.login("bob", PASSWORDS[name]).startswith("230")
            client.storbinary("STOR through-xinetd.txt", io.BytesIO(name.encode()))
            assert "through-xinetd.txt" in client.nlst()
        assert (root / name / "home" / "bob" / "through-xinetd.txt").read_text() == name
        assert refused(address, port, "bob", PASSWORDS[OTHER[name]]).startswith("530")


def test_the_profile_gives_each_domain_its_own_ftp_configuration(root):
    for name in ADDRESSES:
        etc = root / name / "etc"
        config = etc / "vsftpd.conf"
        assert config.stat().st_uid == 0 and config.stat().st_mode & 0o022 == 0   # vsftpd insists
        assert {"listen=NO", "listen_ipv6=NO"} <= set(config.read_text().splitlines())
        for pam in ("vsftpd", "other"):
            text = (etc / "pam.d" / pam).read_text()
            assert "include" not in text and "substack" not in text   # nothing of the host's PAM
        assert "pam_deny.so" in (etc / "pam.d" / "other").read_text()
        empty = root / name / "var" / "run" / "vsftpd" / "empty"
        assert empty.stat().st_uid == 0 and not any(empty.iterdir())
        anonymous = (root / name / "srv" / "ftp").stat()
        assert anonymous.st_uid == 0 and anonymous.st_mode & 0o022 == 0
        assert "root" in (etc / "ftpusers").read_text().split()
