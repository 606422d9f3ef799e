"""virtexec and its virtNAME links, run for real in busybox domains."""

import os
import subprocess

import pytest

from screens.picker import PickerApp
from tests.conftest import VENV_BIN
from tests.jails import build_busybox_root
from virttui import virtexec
from virttui.catalog import load_catalog
from virttui.links import FOREIGN, INSTALLED
from virttui.yamlfile import ConfigError, loads


@pytest.fixture
def root(tmp_path):
    root = build_busybox_root(tmp_path / "root")
    (root / "www.d1.example").symlink_to("d1.example")
    return root


@pytest.fixture
def links(tmp_path, root):
    """`virttui links install` into a temp dir, plus links for two busybox applets."""
    directory = tmp_path / "bin"
    directory.mkdir()
    result = subprocess.run([str(VENV_BIN / "virttui"), "--root", str(root), "links", "install", str(directory)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert sorted(line.split("\t")[0].rsplit("/", 1)[1] for line in result.stdout.splitlines()) == [
        "virtadduser", "virtdeluser", "virtmailq", "virtnewaliases", "virtpasswd", "virtsmbpasswd", "virtsmbstatus",
        "virtvi"]
    for name in ("virtcat", "virtid"):
        (directory / name).symlink_to(VENV_BIN / "virtexec")
    return directory


def run(link, *args, root, env=None, stdin=subprocess.DEVNULL):
    environment = {"PATH": "/usr/bin:/bin", "VIRT_ROOT": str(root), **(env or {})}
    return subprocess.run([str(link), *args], capture_output=True, text=True, env=environment,
                          stdin=stdin, timeout=60)


@pytest.mark.root
def test_virtcat_prints_the_domains_own_file(links, root):
    result = run(links / "virtcat", "--domain", "d1.example", "/etc/hostname", root=root)
    assert (result.returncode, result.stdout) == (0, "d1.example\n")


@pytest.mark.root
def test_virt_domain_from_the_environment_and_the_commands_status(links, root):
    result = run(links / "virtid", "-u", root=root, env={"VIRT_DOMAIN": "d2.example"})
    assert (result.returncode, result.stdout) == (0, "0\n")
    failing = run(links / "virtcat", "/no/such/file", root=root, env={"VIRT_DOMAIN": "d2.example"})
    assert failing.returncode == 1  # cat's own status


@pytest.mark.root
def test_arguments_after_the_domain_reach_the_command_untouched(links, root):
    echoed = run(VENV_BIN / "virtexec", "--domain", "d2.example", "echo", "--domain", "x", "-v", root=root)
    assert (echoed.returncode, echoed.stdout) == (0, "--domain x -v\n")
    env_out = run(VENV_BIN / "virtexec", "--domain", "d1.example", "env", root=root,
                  env={"SECRET_TOKEN": "x", "TERM": "xterm", "LANG": "C.UTF-8"})
    variables = dict(line.split("=", 1) for line in env_out.stdout.splitlines())
    assert set(variables) == {"PATH", "HOME", "TERM", "LANG", "USER", "LOGNAME", "VIRT_DOMAIN"}
    assert variables["VIRT_DOMAIN"] == "d1.example"


@pytest.mark.root
def test_an_alias_runs_in_its_target(links, root):
    result = run(links / "virtcat", "--domain", "www.d1.example", "/etc/hostname", root=root)
    assert result.stdout == "d1.example\n"


@pytest.mark.root
def test_each_run_is_logged(links, root, syslog):
    run(links / "virtcat", "--domain", "d1.example", "/etc/hostname", "/etc/passwd", root=root,
        env={"VIRTEXEC_LOG_SOCKET": str(syslog.path), "SUDO_USER": "alice"})
    lines = [line for line in syslog.lines("virtexec[") if "virtexec[" in line]
    assert len(lines) == 1
    assert lines[0].endswith("domain=d1.example command=cat args=2 user=alice")


@pytest.mark.root
def test_the_logged_user_is_the_hosts_not_a_name_the_domain_gives_its_uid(links, root, syslog):
    """Without sudo's SUDO_USER the user is looked up before the chroot: inside, the user
    database (and the libraries that read it) would be the domain's."""
    (root / "d1.example" / "etc" / "passwd").write_text("impostor:x:0:0::/root:/bin/sh\n")
    (root / "d1.example" / "etc" / "nsswitch.conf").write_text("passwd: files\n")
    run(links / "virtcat", "--domain", "d1.example", "/etc/hostname", root=root,
        env={"VIRTEXEC_LOG_SOCKET": str(syslog.path)})
    lines = [line for line in syslog.lines("virtexec[") if "virtexec[" in line]
    assert len(lines) == 1 and lines[0].endswith("command=cat args=1 user=root"), lines


@pytest.mark.root
@pytest.mark.parametrize("link, args, env, status, words", [
    ("virtcat", ["--domain", "nowhere.example", "/etc/hostname"], {}, virtexec.EXIT_NO_DOMAIN, "no domain nowhere.example"),
    ("virtcat", ["--domain", "../../etc", "/etc/hostname"], {}, virtexec.EXIT_NO_DOMAIN, "not a domain name"),
    ("virtpasswd", ["--domain", "d1.example"], {}, virtexec.EXIT_NOT_INSTALLED, "(`virtfs --add-profile PROFILE d1.example`)"),
    ("badname", ["--domain", "d1.example"], {}, virtexec.EXIT_BAD_LINK, "must be named virtNAME"),
    ("virtcat", ["/etc/hostname"], {}, virtexec.EXIT_USAGE, "needs a terminal"),
    ("virtcat", ["--domain"], {}, virtexec.EXIT_USAGE, "needs a domain name"),
])
def test_documented_errors(links, root, link, args, env, status, words):
    if link == "badname":
        (links / "badname").symlink_to(VENV_BIN / "virtexec")
    result = run(links / link, *args, root=root, env=env)
    assert result.returncode == status
    assert words in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


@pytest.mark.root
def test_not_root_is_refused_saying_why(root):
    pid = os.fork()
    if pid == 0:  # a real unprivileged process, running the code already loaded
        try:
            os.setgid(65534)
            os.setuid(65534)
            with open(os.devnull, "w") as quiet:
                os.dup2(quiet.fileno(), 2)
            os._exit(virtexec.main(["virtcat", "--domain", "d1.example", "/etc/hostname"],
                                   {"VIRT_ROOT": str(root)}))
        except BaseException:
            os._exit(99)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == virtexec.EXIT_NOT_ROOT


def test_links_never_overwrite_a_foreign_file(tmp_path, root):
    directory = tmp_path / "bin"
    directory.mkdir()
    (directory / "virtpasswd").write_text("#!/bin/sh\necho mine\n")
    result = subprocess.run([str(VENV_BIN / "virttui"), "links", "install", str(directory)],
                            capture_output=True, text=True, timeout=60)
    states = dict(line.split("\t") for line in result.stdout.splitlines())
    assert result.returncode == 1
    assert states[str(directory / "virtpasswd")] == FOREIGN
    assert states[str(directory / "virtvi")] == INSTALLED
    assert (directory / "virtpasswd").read_text() == "#!/bin/sh\necho mine\n"
    listed = subprocess.run([str(VENV_BIN / "virttui"), "links", "list", str(directory)],
                            capture_output=True, text=True, timeout=60)
    assert listed.stdout == result.stdout


def test_a_link_runs_the_catalogs_own_argv_without_a_settings_file(monkeypatch):
    monkeypatch.setattr(virtexec.root_paths, "DEFAULT_CONFIG", "/nonexistent/virttui.yaml")
    invocation = virtexec.parse_invocation(["virtsmbpasswd", "--domain", "d1.example", "bob"], {})
    settings = virtexec.read_settings(invocation, {"VIRT_ROOT": "/srv/virtual"})
    ran = virtexec.with_catalog_argv(invocation, settings)
    assert (ran.command, ran.args, settings.root) == ("smbpasswd", ["-a", "bob"], "/srv/virtual")
    direct = virtexec.parse_invocation(["virtexec", "smbpasswd", "bob"], {})
    assert virtexec.with_catalog_argv(direct, virtexec.read_settings(direct, {})).args == ["bob"]


def test_catalog_from_settings():
    section = loads(b"commands:\n  backup: {argv: [/usr/local/bin/backup, -q], help: back up}\n"
                    b"  smbstatus: null\n  passwd: {interactive: false}\n", "s.yaml")["commands"]
    catalog = load_catalog(section)
    assert catalog["backup"].argv == ("/usr/local/bin/backup", "-q")
    assert "smbstatus" not in catalog
    assert catalog["passwd"].interactive is False and catalog["passwd"].help == "change a user's password"


@pytest.mark.parametrize("text, line, words", [
    (b"commands:\n  backup: {argv: [], help: x}\n", 2, "argv"),
    (b"commands:\n  backup:\n    interactive: maybe\n", 3, "true or false"),
    (b"commands:\n  backup:\n    colour: red\n", 3, "unknown key"),
    (b"commands:\n  Bad/Name: {}\n", 2, "command name"),
])
def test_catalog_errors_name_file_line_and_key(text, line, words):
    with pytest.raises(ConfigError) as caught:
        load_catalog(loads(text, "s.yaml")["commands"])
    assert str(caught.value).startswith(f"s.yaml:{line}:") and words in str(caught.value)


async def test_picker_filters_and_enter_picks(root):
    app = PickerApp(root)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press(*"d2")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_value == "d2.example"


async def test_picker_alias_picks_its_target_and_escape_cancels(root):
    app = PickerApp(root)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press(*"www", "enter")
        await pilot.pause()
    assert app.return_value == "d1.example"
    app = PickerApp(root)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_value is None


def test_the_fast_path_imports_no_textual_nor_yaml():
    code = ("import sys; import virttui.virtexec; "
            "print([m for m in sys.modules if m.split('.')[0] in ('yaml', 'textual', 'rich', 'argparse')])")
    out = subprocess.run([str(VENV_BIN / "python"), "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("text, words", [
    ("root: [unclosed\n", ":2: not valid YAML"),
    ("root: /virtual\nrooot: /x\n", ":2: rooot: unknown key"),
    ("root: 42\n", ":1: root: must be an absolute path"),
    ("root: &r [*r]\n", ":1: root: an alias inside its own anchor"),
    (None, ": cannot read: No such file or directory"),
])
def test_a_bad_or_missing_settings_file_is_one_line_and_status_2(tmp_path, text, words):
    config = tmp_path / "virttui.yaml"
    if text is not None:
        config.write_text(text)
    result = subprocess.run([str(VENV_BIN / "virtexec"), "--domain", "d1.example", "id"], capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin", "VIRTTUI_CONFIG": str(config)}, timeout=60)
    assert result.returncode == virtexec.EXIT_USAGE
    assert result.stderr.startswith(f"virtexec: {config}{words}") and result.stderr.count("\n") == 1, result.stderr


@pytest.mark.root
def test_a_link_runs_the_catalogs_argv_with_the_root_of_the_settings(tmp_path, links, root):
    config = tmp_path / "virttui.yaml"
    config.write_text(f"root: {root}\ncommands:\n  backup: {{argv: [/bin/id, -u]}}\n"
                      "  greet: {argv: [echo, hello]}\n")
    for name in ("virtbackup", "virtgreet"):
        (links / name).symlink_to(VENV_BIN / "virtexec")
    environment = {"PATH": "/usr/bin:/bin", "VIRTTUI_CONFIG": str(config)}
    backup = subprocess.run([str(links / "virtbackup"), "--domain", "d1.example"], capture_output=True,
                            text=True, env=environment, timeout=60)
    assert (backup.returncode, backup.stdout) == (0, "0\n"), backup.stderr
    greet = run(links / "virtgreet", "--domain", "d2.example", "world", root=root,
                env={"VIRTTUI_CONFIG": str(config)})
    assert (greet.returncode, greet.stdout) == (0, "hello world\n"), greet.stderr
