"""The `virttui` subcommands given bad input: one line saying what is wrong, the documented
exit status, never a traceback."""

import json
import os
import subprocess

from tests.conftest import VENV_BIN

# As root, mode 000 keeps nothing out: run without the capabilities that read through it.
NO_DAC = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search",
          "--inh-caps", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []


def virttui(*args, unprivileged=False):
    command = [*(NO_DAC if unprivileged else []), str(VENV_BIN / "virttui"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def one_line(result) -> str:
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_links_into_a_plain_file_is_refused_in_one_line(tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("not a directory")
    for action in ("install", "list"):
        result = virttui("links", action, str(plain))
        assert result.returncode == 2
        assert f"{plain} is not a directory" in one_line(result)
    assert plain.read_text() == "not a directory"


def test_links_under_a_plain_file_say_why_they_could_not_be_made(tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("")
    result = virttui("links", "install", str(plain / "bin"))
    assert result.returncode == 2
    assert f"{plain / 'bin'} does not exist" in one_line(result)


def test_links_install_into_a_missing_directory_is_refused_and_makes_nothing(tmp_path):
    missing = tmp_path / "nonexistent" / "bin"
    result = virttui("links", "install", str(missing))
    assert result.returncode == 2
    assert f"{missing} does not exist: make it first" in one_line(result)
    assert not (tmp_path / "nonexistent").exists()


def test_list_json_on_a_missing_root_exits_1(tmp_path):
    result = virttui("--root", str(tmp_path / "nothing"), "list", "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["exists"] is False
    assert "does not exist" in one_line(result)


def test_list_on_a_root_that_is_a_file_exits_1(tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("")
    table = virttui("--root", str(plain), "list")
    assert table.returncode == 1
    assert one_line(table) == f"problem: {plain}: cannot list: Not a directory\n"
    listing = virttui("--root", str(plain), "list", "--json")
    assert listing.returncode == 1
    assert json.loads(listing.stdout)["problems"] == [f"{plain}: cannot list: Not a directory"]


def test_list_on_an_unreadable_root_exits_1(tmp_path):
    root = tmp_path / "root"
    root.mkdir(mode=0)
    result = virttui("--root", str(root), "list", unprivileged=True)
    assert result.returncode == 1
    assert one_line(result) == f"problem: {root}: cannot list: Permission denied\n"


def test_list_exits_1_on_broken_links_and_bad_names(demo_root):
    (demo_root / "UPPER.com").mkdir()
    (demo_root / "a..b").mkdir()
    (demo_root / "gone.example").symlink_to("/nonexistent")
    result = virttui("--root", str(demo_root), "list")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "problem: UPPER.com: not a valid domain name: has upper-case letters",
        "problem: a..b: not a valid domain name: has an empty label ('..')",
        "problem: gone.example: broken symlink to /nonexistent"]
    assert virttui("--root", str(demo_root), "list", "--json").returncode == 1


def test_list_reports_an_unreadable_conf_file_and_passwd(demo_root):
    (demo_root / "conf.ftp").chmod(0)
    (demo_root / "example.com" / "etc" / "passwd").chmod(0)
    result = virttui("--root", str(demo_root), "list", unprivileged=True)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "problem: conf.ftp: cannot read: Permission denied: its addresses are not shown",
        "problem: example.com: etc/passwd: cannot read: Permission denied"]
    listing = json.loads(virttui("--root", str(demo_root), "list", "--json", unprivileged=True).stdout)
    assert listing["problems"] == ["conf.ftp: cannot read: Permission denied: its addresses are not shown"]


def test_relink_on_a_missing_root_says_the_socket_is_missing(tmp_path):
    result = virttui("--root", str(tmp_path / "nothing"), "syslog", "relink")
    assert result.returncode == 2
    assert f"{tmp_path / 'nothing' / 'log'}: No such file or directory" in one_line(result)


def test_relink_on_a_missing_root_with_its_socket_elsewhere_exits_1(demo_root, tmp_path):
    config = tmp_path / "virttui.yaml"
    config.write_text(f"root: {tmp_path / 'nothing'}\nlog:\n  socket: {demo_root / 'log'}\n")
    result = virttui("--config", str(config), "syslog", "relink")
    assert result.returncode == 1
    assert one_line(result) == f"virttui syslog relink: the root {tmp_path / 'nothing'} does not exist\n"


def test_relink_goes_on_past_a_domain_it_cannot_enter(demo_root):
    (demo_root / "example.net").chmod(0)
    result = virttui("--root", str(demo_root), "syslog", "relink", unprivileged=True)
    (demo_root / "example.net").chmod(0o755)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert f"example.net: refused: {demo_root}/example.net/dev: Permission denied" in lines
    assert "shop.example.org: linked" in lines and "example.com: already" in lines


def test_relink_names_the_bad_name_it_refuses(demo_root):
    for name, shown in (("../x", "'../x': starts with a dot"), ("a\udcffb", "'a\\xffb': label 'a\\xffb'")):
        result = virttui("--root", str(demo_root), "syslog", "relink", name)
        assert result.returncode == 2
        assert one_line(result).startswith(f"virttui syslog relink: {shown}")


def test_syslog_config_per_domain_on_a_missing_root_prints_nothing_and_exits_1(tmp_path):
    result = virttui("--root", str(tmp_path / "nothing"), "syslog", "config", "--mode", "per-domain")
    assert (result.returncode, result.stdout) == (1, "")
    assert f"the root {tmp_path / 'nothing'} does not exist" in one_line(result)


def test_syslog_config_shared_on_an_unreadable_root_warns_and_exits_1(tmp_path):
    root = tmp_path / "root"
    root.mkdir(mode=0)
    result = virttui("--root", str(root), "syslog", "config", unprivileged=True)
    assert result.returncode == 1 and f'Socket="{root}/log"' in result.stdout
    assert f"{root}: cannot list: Permission denied" in one_line(result)


def test_syslog_config_refuses_a_root_with_a_control_character(tmp_path):
    root = tmp_path / "a\x01b"
    result = virttui("--root", str(root), "syslog", "config")
    assert (result.returncode, result.stdout) == (2, "")
    assert f"'{tmp_path}/a\\x01b/log': a path with a quote, backslash, newline or other control" \
        in one_line(result)


def test_log_refuses_empty_values(tmp_path):
    log = tmp_path / "virtual.log"
    log.write_text("Nov 24 09:00:01 host prog[1]: hello\n")
    for option in ("--file", "--domain", "--program", "--grep"):
        arguments = ["--file", str(log)] if option != "--file" else []
        result = virttui("log", *arguments, option, "")
        assert (result.returncode, result.stdout) == (2, "")
        assert one_line(result) == f"virttui log: {option} is empty: give a value, or leave the option out\n"


def test_log_names_the_domain_it_refuses(tmp_path):
    result = virttui("log", "--file", str(tmp_path / "none"), "--domain", "../x\x1b")
    assert result.returncode == 2
    assert one_line(result) == "virttui log: --domain '../x\\x1b': starts with a dot\n"


def test_demo_refuses_an_empty_directory_name(tmp_path):
    result = subprocess.run([str(VENV_BIN / "virttui"), "demo", "--no-open", ""], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (2, "")
    assert "the directory is empty" in one_line(result)
    assert list(tmp_path.iterdir()) == []


def test_demo_where_it_cannot_build_is_one_line(tmp_path):
    (tmp_path / "plain\x01").write_text("")
    result = virttui("demo", "--no-open", str(tmp_path / "plain\x01" / "demo"))
    assert result.returncode == 2
    assert one_line(result).startswith(f"virttui demo: {tmp_path}/plain\\x01")
