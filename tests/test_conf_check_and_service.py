"""`virttui conf check` and `virttui service`, as an admin runs them."""

import os
import subprocess

import pytest

from tests.conftest import VENV_BIN
from virttui.services.entries import STYLES, ServiceError, ServiceSpec, parse_listen, render


def virttui(*args):
    return subprocess.run([str(VENV_BIN / "virttui"), *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "root"
    for name in ("d1.example", "d2.example"):
        (root / name).mkdir(parents=True)
    return root


def test_conf_check_clean_root_is_silent_and_zero(root):
    (root / "conf.www").write_text(f"127.0.0.2 {root}/d1.example\n127.0.0.3 {root}/d2.example\n"
                                   f"default {root}/d1.example\n")
    result = virttui("--root", str(root), "conf", "check")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_conf_check_reports_every_kind_of_problem(root, tmp_path):
    conf = root / "conf.ftp"
    conf.write_text("\n".join([
        f"default {root}/d1.example",        # 1 default above specific lines
        f"127.0.0.2 {root}/d1.example",      # 2
        f"127.0.0.2 {root}/d2.example",      # 3 repeated address
        "not-an-ip /x",                      # 4 bad address
        "127.0.0.4 relative/dir",            # 5 relative directory
        f"127.0.0.5 {root}/missing.example",  # 6 missing directory
        f"127.0.0.6 {tmp_path}",             # 7 outside the root
        f"192.0.2.77 {root}/d2.example",     # 8 on no local interface
    ]) + "\n")
    result = virttui("--root", str(root), "conf", "check")
    assert result.returncode == 1
    found = {(int(line.split(":")[1]), line.split(": ")[1]) for line in result.stdout.splitlines()}
    assert found == {(1, "warning"), (3, "error"), (4, "error"), (5, "error"), (6, "error"),
                     (7, "warning"), (8, "warning")}
    assert all(line.startswith(f"{conf}:") for line in result.stdout.splitlines())


def test_conf_check_through_a_link_to_the_root_finds_its_domains(root, tmp_path):
    (root / "conf.www").write_text(f"127.0.0.2 {root}/d1.example\n")
    link = tmp_path / "link"
    link.symlink_to(root)
    result = virttui("--root", str(link), "conf", "check")
    assert (result.returncode, result.stdout) == (0, "")


def test_conf_check_warnings_only_exit_zero(root):
    (root / "conf.pop").write_text(f"192.0.2.77 {root}/d1.example\n")
    result = virttui("--root", str(root), "conf", "check")
    assert result.returncode == 0 and ": warning: " in result.stdout


def test_conf_check_named_file_that_cannot_be_read(root):
    result = virttui("--root", str(root), "conf", "check", str(root / "conf.nothing"))
    assert result.returncode == 1
    assert result.stdout.strip() == f"{root}/conf.nothing:0: error: cannot read: No such file or directory"


def test_conf_check_reports_a_conf_that_is_a_directory_or_a_broken_link(root):
    (root / "conf.www").mkdir()
    (root / "conf.ftp").symlink_to("/nonexistent/conf.ftp")
    result = virttui("--root", str(root), "conf", "check")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{root}/conf.ftp:0: error: a broken symlink to /nonexistent/conf.ftp",
        f"{root}/conf.www:0: error: cannot read: not a regular file"]


def test_conf_check_refuses_a_fifo_without_waiting_for_a_writer(root):
    os.mkfifo(root / "conf.ftp")
    result = virttui("--root", str(root), "conf", "check")    # a read would block until the timeout
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{root}/conf.ftp:0: error: cannot read: not a regular file"]
    listed = subprocess.run([str(VENV_BIN / "virttui"), "--root", str(root), "list"], capture_output=True,
                            text=True, timeout=60)
    assert listed.returncode == 1 and "conf.ftp" in listed.stderr


def test_conf_check_shows_bytes_and_controls_escaped(root):
    (root / "conf.www").write_bytes(b"127.0.0.2 /x/\xff\x1b[2J\n\xff /y\n")
    result = virttui("--root", str(root), "conf", "check")
    assert result.stdout.splitlines() == [
        f"{root}/conf.www:1: error: directory /x/\\xff\\x1b[2J does not exist: virtuald refuses such connections",
        f"{root}/conf.www:1: warning: directory /x/\\xff\\x1b[2J is not a domain of the root {root}",
        f"{root}/conf.www:2: error: '\\xff' is not an IPv4 or IPv6 address nor 'default'"]


def test_conf_check_without_conf_files_says_so(root):
    result = virttui("--root", str(root), "conf", "check")
    assert result.returncode == 2 and "no conf.* file" in result.stderr


SPEC = ServiceSpec(name="ftp", conf="/virtual/conf.ftp", program="/usr/sbin/in.ftpd", args=("-l", "-a"),
                   listen=(parse_listen("127.0.0.2:21"), parse_listen("[::1]:21")),
                   virtuald="/usr/local/bin/virtuald")


def test_inetd_line_repeats_the_program_name_like_the_howto():
    line = render(SPEC, "inetd").splitlines()[-1]
    assert line.split() == ["ftp", "stream", "tcp", "nowait", "root", "/usr/local/bin/virtuald",
                            "virtuald", "/virtual/conf.ftp", "/usr/sbin/in.ftpd", "-l", "-a"]


def test_xinetd_one_block_per_address_and_args_without_the_server_name():
    text = render(SPEC, "xinetd")
    assert text.count("service ftp") == 2
    assert "bind        = 127.0.0.2" in text and "bind        = ::1" in text
    assert "flags       = IPv6" in text
    assert "server_args = /virtual/conf.ftp /usr/sbin/in.ftpd -l -a" in text


def test_systemd_socket_accepts_and_service_reads_the_socket():
    text = render(SPEC, "systemd")
    assert "ListenStream=127.0.0.2:21" in text and "ListenStream=[::1]:21" in text
    assert "Accept=yes" in text and "StandardInput=socket" in text
    assert "ExecStart=/usr/local/bin/virtuald /virtual/conf.ftp /usr/sbin/in.ftpd -l -a" in text


def test_tcpserver_has_no_ipv6():
    with pytest.raises(ServiceError, match="no IPv6"):
        render(SPEC, "tcpserver")


@pytest.mark.parametrize("style", ["inetd", "xinetd"])
def test_blank_in_an_argument_is_refused_where_it_cannot_be_quoted(style):
    spec = ServiceSpec(name="ftp", conf="/virtual/conf.ftp", program="in.ftpd", args=("a b",))
    with pytest.raises(ServiceError, match="cannot quote"):
        render(spec, style)


@pytest.mark.parametrize("text", ["127.0.0.2", "127.0.0.2:0", "127.0.0.2:70000", "::1:21", "host:21"])
def test_bad_listen_is_refused(text):
    with pytest.raises(ServiceError):
        parse_listen(text)


def test_service_command_line_error_is_one_line_and_status_2():
    result = virttui("service", "ftp", "--conf", "/virtual/conf.ftp", "--style", "systemd", "--", "in.ftpd")
    assert result.returncode == 2
    assert result.stderr.strip() == "virttui service: systemd needs at least one --listen ADDRESS:PORT"


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("word", ["a\nExecStartPre=/bin/evil", "a\rb", "a\x1bb", "a\udcffb"])
def test_an_argument_no_entry_can_hold_is_refused_in_every_style(style, word):
    spec = ServiceSpec(name="ftp", conf="/virtual/conf.ftp", program="/usr/sbin/in.ftpd", args=(word,),
                       listen=(parse_listen("127.0.0.2:21"),))
    with pytest.raises(ServiceError, match="control character"):
        render(spec, style)


# The one user-name rule (virttui.user_names): no '$' (a Samba machine account runs no server), no upper case.
@pytest.mark.parametrize("user", ["root\n\tserver = /bin/sh", "a b", "", "a:b", "-x", "smb$", "Ftp"])
def test_a_user_that_is_no_user_name_is_refused(user):
    spec = ServiceSpec(name="ftp", conf="/virtual/conf.ftp", program="in.ftpd", user=user)
    with pytest.raises(ServiceError, match="--user"):
        render(spec, "xinetd")


@pytest.mark.parametrize("user", ["root", "ftp", "www-data", "svc.ftp", "_ftp"])
def test_user_names_are_taken(user):
    spec = ServiceSpec(name="ftp", conf="/virtual/conf.ftp", program="in.ftpd", user=user)
    assert f"\t{user}\t" in render(spec, "inetd")


def test_a_relative_virtuald_is_refused_like_a_relative_conf():
    spec = ServiceSpec(name="ftp", conf="/virtual/conf.ftp", program="in.ftpd", virtuald="bin/virtuald")
    with pytest.raises(ServiceError, match="--virtuald 'bin/virtuald': give an absolute path"):
        render(spec, "inetd")


def test_a_newline_on_the_command_line_is_one_line_and_status_2():
    result = virttui("service", "ftp", "--conf", "/virtual/conf.ftp", "--style", "systemd",
                     "--listen", "127.0.0.1:21", "--", "/x", "a\nExecStartPre=/bin/evil")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and "'a\\x0aExecStartPre=/bin/evil'" in result.stderr


def test_a_conf_file_that_is_not_there_is_warned_about(tmp_path):
    result = virttui("service", "ftp", "--conf", str(tmp_path / "conf.ftp"), "--", "in.ftpd")
    assert result.returncode == 1 and "virtuald" in result.stdout
    assert result.stderr == (f"virttui service: warning: --conf {tmp_path}/conf.ftp: No such file or directory: "
                             "virtuald will refuse every connection until the conf file is there "
                             "(`virttui conf check` it then)\n")
    (tmp_path / "conf.ftp").write_text("")
    result = virttui("service", "ftp", "--conf", str(tmp_path / "conf.ftp"), "--", "in.ftpd")
    assert (result.returncode, result.stderr) == (0, "")
