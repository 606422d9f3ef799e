"""`virttui services`, `enable`, `disable` and the catalog form of `virttui service`, run as
an admin would, on real roots."""

import json
import shlex
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN
from tests.test_virtfs import virtfs
from tests.virtuald_fixtures import free_port
from virttui.conf import conffile


def virttui(root: Path, *args, config: Path | None = None):
    settings = ["--config", str(config)] if config else []
    return subprocess.run([str(VENV_BIN / "virttui"), "--root", str(root), *settings, *args],
                          capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})


@pytest.fixture
def root(tmp_path) -> Path:
    """Two plain domains (no profile: enable them with --no-profile) and an alias."""
    root = tmp_path / "root"
    for name in ("alpha.example", "beta.example"):
        (root / name).mkdir(parents=True)
    (root / "www.alpha.example").symlink_to("alpha.example")
    (root / "conf.ftp").write_text("# who gets FTP\n127.0.0.2 %s/alpha.example\n" % root)
    return root


def test_the_catalog_as_a_table_and_as_json(root):
    table = virttui(root, "services")
    assert table.returncode == 0
    assert table.stdout.splitlines()[0].split()[:3] == ["SERVICE", "PORTS", "PROFILE"]
    assert any(line.split()[:3] == ["smb", "445", "samba"] for line in table.stdout.splitlines())
    data = json.loads(virttui(root, "services", "--json").stdout)
    ftp = next(s for s in data["services"] if s["name"] == "ftp")
    assert ftp == {"name": "ftp", "description": ftp["description"], "ports": [21], "argv": ftp["argv"],
                   "profile": "ftp", "new_session": False, "conf": f"{root}/conf.ftp"}


def test_enable_adds_the_line_keeping_the_file_and_disable_removes_it(root):
    added = virttui(root, "enable", "beta.example", "ftp", "--address", "127.0.0.3", "--address", "::1",
                    "--no-profile")
    assert added.returncode == 0, added.stderr
    assert f"added: 127.0.0.3 {root}/beta.example" in added.stdout
    assert (root / "conf.ftp").read_text() == (f"# who gets FTP\n127.0.0.2 {root}/alpha.example\n"
                                               f"127.0.0.3 {root}/beta.example\n::1 {root}/beta.example\n")
    assert virttui(root, "enable", "beta.example", "ftp", "--address", "127.0.0.3",
                   "--no-profile").stdout.strip() == "beta.example: ftp was already enabled on those addresses"

    one = virttui(root, "disable", "beta.example", "ftp", "--address", "::1")
    assert one.returncode == 0 and one.stdout.strip() == f"{root}/conf.ftp: removed: ::1 {root}/beta.example"
    assert virttui(root, "disable", "BETA.example", "ftp").returncode == 0
    assert (root / "conf.ftp").read_text() == f"# who gets FTP\n127.0.0.2 {root}/alpha.example\n"


@pytest.mark.parametrize("args, status, says", [
    (("beta.example", "ftp", "--address", "127.0.0.2"), 3,
     "conf.ftp:2: 127.0.0.2 is already given to {root}/alpha.example"),
    (("beta.example", "gopher", "--address", "127.0.0.3"), 2, "no service 'gopher' in the catalog"),
    (("beta.example", "ftp", "--address", "127.0.0.300"), 2, "'127.0.0.300' is not an IPv4 or IPv6"),
    (("nosuch.example", "ftp", "--address", "127.0.0.3"), 2, "no domain nosuch.example in {root}"),
    (("www.alpha.example", "ftp", "--address", "127.0.0.3"), 2, "is an alias of alpha.example"),
    (("a[/]b", "ftp", "--address", "127.0.0.3"), 2, "a[/]b"),
])
def test_enable_refusals_are_one_line_with_their_status(root, args, status, says):
    before = (root / "conf.ftp").read_bytes()
    result = virttui(root, "enable", *args, "--no-profile")
    assert result.returncode == status
    assert says.format(root=root) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (root / "conf.ftp").read_bytes() == before


@pytest.mark.parametrize("is_file, says", [(False, "No such file or directory"), (True, "Not a directory")])
def test_disable_on_a_root_that_is_no_directory_is_one_line_and_status_3(tmp_path, is_file, says):
    root = tmp_path / "root"
    if is_file:
        root.write_text("")
    result = virttui(root, "disable", "alpha.example", "ftp")
    assert result.returncode == 3, result.stderr
    assert result.stderr == f"virttui disable: the root {root}: cannot open it: {says}; nothing was changed\n"


def test_fifty_concurrent_enables_of_different_domains_leave_all_fifty_lines(root):
    names = [f"d{i:02d}.example" for i in range(50)]
    for name in names:
        (root / name).mkdir()
    runs = [subprocess.Popen([str(VENV_BIN / "virttui"), "--root", str(root), "enable", name, "www",
                              "--address", f"127.0.1.{i}", "--no-profile"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for i, name in enumerate(names)]
    assert [run.wait(timeout=120) for run in runs] == [0] * 50
    mappings = conffile.read(str(root / "conf.www")).mappings
    assert sorted((m.address, Path(m.directory).name) for m in mappings) == sorted(
        (f"127.0.1.{i}", name) for i, name in enumerate(names))


@pytest.mark.root
def test_enable_that_must_install_a_profile_is_status_77_when_not_root():
    base = Path(tempfile.mkdtemp(prefix="virttui-enable-"))   # one that nobody may enter
    try:
        base.chmod(0o755)
        root = base / "root"
        root.mkdir()
        assert virtfs("gamma.example", root=root).returncode == 0
        nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        result = subprocess.run([*nobody, str(VENV_BIN / "virttui"), "--root", str(root), "enable", "gamma.example",
                                 "ftp", "--address", "127.0.0.4"], capture_output=True, text=True, timeout=60)
        assert result.returncode == 77, result.stderr
        assert result.stderr == ("virttui enable: gamma.example lacks the ftp profile that ftp needs, and "
                                 "installing it needs root: run this as root, or "
                                 "`virtfs --add-profile ftp gamma.example` first\n")
        assert not (root / "conf.ftp").exists()
    finally:
        shutil.rmtree(base)


@pytest.mark.root
def test_enable_as_root_installs_the_profile_first(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    assert virtfs("gamma.example", root=root).returncode == 0
    result = virttui(root, "enable", "gamma.example", "ftp", "--address", "127.0.0.4")
    assert result.returncode == 0, result.stderr
    assert "gamma.example: profile ftp added" in result.stdout
    assert '"ftp"' in (root / "gamma.example/etc/virtfs.json").read_text()
    assert (root / "conf.ftp").read_text() == f"127.0.0.4 {root}/gamma.example\n"
    again = virttui(root, "enable", "gamma.example", "ftp", "--address", "127.0.0.5")
    assert "profile" not in again.stdout   # installed once


@pytest.mark.root
def test_enable_of_a_domain_not_built_by_virtfs_says_so_and_changes_nothing(root):
    result = virttui(root, "enable", "beta.example", "ftp", "--address", "127.0.0.3")
    assert result.returncode == 3
    assert "was it built by virtfs?" in result.stderr and "could not be added" in result.stderr
    assert "beta.example" not in (root / "conf.ftp").read_text()


def test_services_of_a_domain_says_what_answers(root, tmp_path):
    port = free_port("127.0.0.2")
    config = tmp_path / "virttui.yaml"
    config.write_text(f"services:\n  ftp: {{ports: [{port}]}}\n")
    listener = socket.socket()
    listener.bind(("127.0.0.2", port))
    listener.listen()
    try:
        served = virttui(root, "services", "alpha.example", config=config)
        data = json.loads(virttui(root, "services", "alpha.example", "--json", config=config).stdout)
    finally:
        listener.close()
    ftp_line = next(line for line in served.stdout.splitlines() if line.startswith("ftp "))
    assert ftp_line.split() == ["ftp", "127.0.0.2", "ftp", "?", "absent", f"127.0.0.2:{port}", "yes"]
    ftp = next(s for s in data["services"] if s["name"] == "ftp")
    assert ftp["endpoints"] == [{"address": "127.0.0.2", "port": port, "listening": True}]
    assert ftp["profile_installed"] is None   # no manifest: not built by virtfs
    assert served.returncode == 1   # enabled, answering, but its server is not in the domain
    assert "problem: alpha.example: ftp: /usr/sbin/vsftpd is not in the domain" in served.stderr
    assert "nothing answers" not in served.stderr

    silent = virttui(root, "services", "alpha.example", config=config)   # the listener is gone
    assert silent.returncode == 1
    assert f"problem: alpha.example: ftp: nothing answers on 127.0.0.2:{port}" in silent.stderr


def test_services_of_an_unknown_domain_is_one_line(root):
    result = virttui(root, "services", "nosuch.example")
    assert result.returncode == 2 and result.stderr.count("\n") == 1


def test_service_from_the_catalog_listens_on_each_address_of_its_conf(root):
    (root / "conf.smb").write_text(f"127.0.0.2 {root}/alpha.example\n127.0.0.3 {root}/beta.example\n"
                                   f"default {root}/alpha.example\n")
    result = virttui(root, "service", "smb", "--style", "tcpserver", "--virtuald", "/usr/sbin/virtuald")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"tcpserver -R -H -l 0 127.0.0.2 445 /usr/sbin/virtuald -s {root}/conf.smb /usr/sbin/smbd",
        f"tcpserver -R -H -l 0 127.0.0.3 445 /usr/sbin/virtuald -s {root}/conf.smb /usr/sbin/smbd",
    ]
    xinetd = virttui(root, "service", "ftp", "--style", "xinetd").stdout
    assert xinetd.count("service ftp") == 1 and "bind        = 127.0.0.2" in xinetd
    assert f"server_args = {root}/conf.ftp /usr/sbin/vsftpd" in xinetd


def test_the_dispatcher_of_a_catalog_service_listens_on_each_address_of_its_conf(root):
    (root / "conf.ftp").write_text(f"127.0.0.2 {root}/alpha.example\n::1 {root}/beta.example\n")
    command = virttui(root, "service", "ftp", "--style", "dispatcher", "--virtuald", "/usr/sbin/virtuald")
    assert command.returncode == 0, command.stderr
    assert shlex.split(command.stdout) == ["/usr/sbin/virtuald", "--listen", "127.0.0.2:21", "--listen", "[::1]:21",
                                      f"{root}/conf.ftp", "/usr/sbin/vsftpd", "/etc/vsftpd.conf"]
    units = virttui(root, "service", "ftp", "--style", "systemd-dispatcher").stdout
    assert [line for line in units.splitlines() if line.startswith("ListenStream=")] == [
        "ListenStream=127.0.0.2:21", "ListenStream=[::1]:21"]
    assert "Accept=no" in units


def test_service_from_the_catalog_with_no_address_yet_warns(root):
    result = virttui(root, "service", "www", "--style", "inetd")
    assert result.returncode == 1
    assert "has no address to listen on yet" in result.stderr
    for style in ("systemd", "tcpserver", "dispatcher", "systemd-dispatcher"):   # they need an address
        refused = virttui(root, "service", "www", "--style", style)
        assert (refused.returncode, refused.stdout) == (2, "")
        assert refused.stderr.count("\n") == 1
        assert refused.stderr.endswith(f"; {root}/conf.www has no address to listen on yet: "
                                       "`virttui enable DOMAIN www --address ADDR` first\n")
    unknown = virttui(root, "service", "gopher", "--style", "inetd")
    assert unknown.returncode == 2 and "no service 'gopher' in the catalog" in unknown.stderr


@pytest.mark.root
def test_a_taken_address_is_refused_before_the_profile_is_installed(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    assert virtfs("delta.example", root=root).returncode == 0
    (root / "other.example").mkdir()
    (root / "conf.ftp").write_text(f"127.0.0.4 {root}/other.example\n")
    manifest = (root / "delta.example/etc/virtfs.json").read_bytes()
    result = virttui(root, "enable", "delta.example", "ftp", "--address", "127.0.0.4")
    assert result.returncode == 3
    assert f"conf.ftp:1: 127.0.0.4 is already given to {root}/other.example" in result.stderr
    assert (root / "delta.example/etc/virtfs.json").read_bytes() == manifest   # no profile added
    assert not (root / "delta.example/etc/vsftpd.conf").exists()


def test_servers_that_log_on_stderr_get_virtuald_e_in_every_style(root):
    (root / "conf.pop3").write_text(f"127.0.0.2 {root}/alpha.example\n")
    for style in ("inetd", "xinetd", "systemd", "tcpserver", "dispatcher", "systemd-dispatcher"):
        result = virttui(root, "service", "pop3", "--style", style, "--virtuald", "/usr/sbin/virtuald")
        assert result.returncode == 0, result.stderr
        assert f"-e {root}/conf.pop3 /usr/sbin/pop3front-auth" in result.stdout, style
    ftp = virttui(root, "service", "ftp", "--style", "tcpserver", "--virtuald", "/usr/sbin/virtuald").stdout
    assert " -e " not in ftp   # vsftpd logs to syslog itself
