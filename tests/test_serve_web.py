"""The web per domain, both ways, for real: the host's nginx from the blocks `virttui web config`
prints, and busybox httpd per connection through tcpserver and virtuald with the catalog's
argv. Two domains built by `virtfs --profile www` on 127.0.0.2 and 127.0.0.3; http.client."""

import http.client
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN, require_program, require_root
from tests.served_domains import ADDRESSES, served_root
from tests.virtuald_fixtures import free_port, wait_for_listener
from virttui.services.catalog import load_services
from virttui.virtfs.closure import is_static

WWW = load_services()["www"]
VIRTTUI = str(VENV_BIN / "virttui")


def bob_uid(domain: Path) -> int:
    return next(int(line.split(":")[2]) for line in (domain / "etc" / "passwd").read_text().splitlines()
                if line.startswith("bob:"))


@pytest.fixture(scope="module")
def root():
    """Outside pytest's own temporary tree (mode 0700): nginx's workers, as www-data, must reach
    the document roots as they would under /virtual."""
    require_root()
    scratch = Path(tempfile.mkdtemp(prefix="virttui-web-"))
    os.chmod(scratch, 0o755)
    try:
        root = served_root(scratch / "root", WWW.profile, WWW.name)
        for name in ADDRESSES:
            domain = root / name
            site = domain / "var" / "www" / "html"
            (site / "index.html").write_text(f"<h1>welcome to {name}</h1>\n")
            (domain / "var" / "www" / "secret.txt").write_text("outside the document root\n")
            uid = bob_uid(domain)
            (site / "bob.html").write_text(f"bob's page on {name}\n")
            os.chown(site / "bob.html", uid, uid)
            for link, target in (("bob-link.html", "bob.html"), ("leak.html", "/etc/hostname")):
                os.symlink(target, site / link)
                os.lchown(site / link, uid, uid)
            cgi = site / "cgi-bin"
            cgi.mkdir()
            (cgi / "uid").write_text("#!/bin/sh\necho 'Content-Type: text/plain'\necho\nid -u\n")
            os.chmod(cgi / "uid", 0o755)
        yield root
    finally:
        shutil.rmtree(scratch)


def get(address: str, port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(address, port, timeout=20)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def web_config(root: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([VIRTTUI, "--root", str(root), "web", "config", *args],
                          capture_output=True, text=True, timeout=60)


def nginx_config(root: Path, blocks: str) -> Path:
    """A whole nginx configuration of the test's own (its pid, logs and temporary files beside
    it) including the generated blocks as /etc/nginx/conf.d/ would."""
    here = root.parent / "nginx"
    here.mkdir(exist_ok=True)
    (here / "virtual.conf").write_text(blocks)
    temporary = " ".join(f"{kind}_temp_path {here / kind};" for kind in
                         ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    config = here / "nginx.conf"
    config.write_text(f"daemon off;\nuser www-data;\nworker_processes 1;\npid {here / 'nginx.pid'};\n"
                      f"error_log {here / 'error.log'};\nevents {{ worker_connections 64; }}\n"
                      f"http {{\n    access_log {here / 'access.log'};\n    {temporary}\n"
                      f"    include {here / 'virtual.conf'};\n}}\n")
    return config


def test_nginx_serves_each_domain_from_the_generated_blocks(root, daemons):
    nginx = require_program("nginx", "nginx")
    port = free_port("127.0.0.2")
    printed = web_config(root, "--server", "nginx", "--port", str(port))
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.count("server {") == 2
    config = nginx_config(root, printed.stdout)
    tested = subprocess.run([nginx, "-t", "-c", str(config), "-e", str(config.parent / "error.log")],
                            capture_output=True, text=True)
    assert tested.returncode == 0, tested.stderr
    daemons.start([nginx, "-c", str(config), "-e", str(config.parent / "error.log")], {"PATH": "/usr/sbin:/usr/bin"})
    for name, address in ADDRESSES.items():
        wait_for_listener(address, port)
        assert get(address, port, "/") == (200, f"<h1>welcome to {name}</h1>\n".encode())
        # a link to a file of the link's owner is followed; one to a file of the host's is not
        assert get(address, port, "/bob-link.html") == (200, f"bob's page on {name}\n".encode())
        status, body = get(address, port, "/leak.html")
        assert status in (403, 404) and Path("/etc/hostname").read_bytes() not in body


def test_busybox_httpd_through_virtuald_serves_each_domain_and_refuses_dot_dot(root, daemons):
    tcpserver = require_program("tcpserver", "ucspi-tcp")
    port = free_port("127.0.0.2")
    env = {"PATH": "/bin:/usr/bin", "VIRTUALD_LOG_SOCKET": str(root / "no-log")}
    for address in ADDRESSES.values():
        daemons.start([tcpserver, "-R", "-H", "-l", "0", address, str(port),
                       str(VENV_BIN / "virtuald"), str(root / "conf.www"), *WWW.argv], env)
    for name, address in ADDRESSES.items():
        wait_for_listener(address, port)
        assert get(address, port, "/") == (200, f"<h1>welcome to {name}</h1>\n".encode())
        for path in ("/../secret.txt", "/cgi-bin/../../secret.txt", "/%2e%2e/secret.txt"):
            status, body = get(address, port, path)
            assert status >= 400 and b"outside" not in body, path
        # the server, and the CGI programs it runs, are the domain's www-data, not root
        assert get(address, port, "/cgi-bin/uid") == (200, b"33\n")


def test_the_www_profile_takes_a_static_busybox(root):
    assert is_static("/bin/busybox") and not is_static(shutil.which("setpriv"))
    for name in ADDRESSES:
        assert (root / name / "bin" / "busybox").is_file()
        assert "www-data:x:33:33:" in (root / name / "etc" / "passwd").read_text()


# `virttui web config` itself: what it prints and what it refuses (no root needed).

def conf_root(tmp_path: Path, text: str) -> Path:
    (tmp_path / "conf.www").write_text(text)
    return tmp_path


def test_apache_virtual_hosts_and_listen_lines(tmp_path):
    root = conf_root(tmp_path, f"# shop\n127.0.0.2 {tmp_path}/d1.example\n::1 {tmp_path}/d2.example/\n")
    printed = web_config(root, "--server", "apache", "--port", "8080")
    assert printed.returncode == 0, printed.stderr
    lines = printed.stdout.splitlines()
    assert [line for line in lines if line.startswith("Listen")] == ["Listen 127.0.0.2:8080", "Listen [::1]:8080"]
    assert "<VirtualHost [::1]:8080>" in lines and "    ServerName d2.example" in lines
    assert f"    DocumentRoot {tmp_path}/d1.example/var/www/html" in lines
    assert lines.count("        Options SymLinksIfOwnerMatch") == 2


def test_the_default_line_is_the_default_server(tmp_path):
    root = conf_root(tmp_path, f"127.0.0.2 {tmp_path}/d1.example\ndefault {tmp_path}/d2.example\n")
    nginx = web_config(root, "--server", "nginx").stdout
    assert "    listen 127.0.0.2:80;" in nginx and "    listen 80 default_server;" in nginx
    apache = web_config(root, "--server", "apache").stdout.splitlines()
    assert [line for line in apache if line.startswith("Listen")] == ["Listen 80"]  # no overlapping Listen
    assert "<VirtualHost _default_:80>" in apache


@pytest.mark.parametrize("directory", ["/virtual/a;b", "/virtual/a}b", "/virtual/{x}", "/virtual/$host",
                                       "/virtual/a\x1bb", "/virtual/a\"b", "/virtual/../etc", "/virtual/a%b",
                                       "/virtual/<b>", "/virtual/a\\b"])
def test_a_directory_no_configuration_can_hold_is_refused_and_nothing_printed(tmp_path, directory):
    root = conf_root(tmp_path, f"127.0.0.2 {tmp_path}/d1.example\n127.0.0.3 {directory}\n")
    for server in ("nginx", "apache"):
        result = web_config(root, "--server", server)
        assert (result.returncode, result.stdout) == (1, "")
        [line] = result.stderr.splitlines()
        assert line.startswith(f"virttui web config: {tmp_path}/conf.www:2: directory '/virtual/")
        assert "\x1b" not in line


def test_conf_errors_and_a_missing_conf_are_one_line_and_status_1(tmp_path):
    missing = web_config(tmp_path, "--server", "nginx")
    assert (missing.returncode, missing.stdout) == (1, "")
    assert missing.stderr == f"virttui web config: {tmp_path}/conf.www does not exist: give the domains " \
                             "their addresses first (virttui enable DOMAIN www --address ADDRESS)\n"
    root = conf_root(tmp_path, f"127.0.0.2 {tmp_path}/d1.example\n127.0.0.999 {tmp_path}/d2.example\n")
    broken = web_config(root, "--server", "nginx")
    assert (broken.returncode, broken.stdout) == (1, "")
    assert broken.stderr.startswith(f"virttui web config: {tmp_path}/conf.www:2: '127.0.0.999' is not")
    assert len(broken.stderr.splitlines()) == 1


@pytest.mark.parametrize("args", [["--server", "lighttpd"], ["--server", "nginx", "--port", "0"],
                                  ["--server", "nginx", "--port", "http"], []])
def test_usage_errors_are_status_2(tmp_path, args):
    result = web_config(conf_root(tmp_path, ""), *args)
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr


def test_an_empty_conf_www_is_a_configuration_with_no_block(tmp_path):
    result = web_config(conf_root(tmp_path, "# nothing yet\n"), "--server", "nginx")
    assert result.returncode == 0 and "server {" not in result.stdout and result.stdout.startswith("#")
