"""`virttui list`, `virttui demo` and `virttui open --demo-if-missing` as scripts use them."""

import json
import os
import signal
import subprocess

from tests.conftest import VENV_BIN
from tests.interrupts import interrupted_while_starting


def virttui(*args, env=None):
    return subprocess.run([str(VENV_BIN / "virttui"), *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_list_json_has_stable_keys_and_the_model(demo_root):
    result = virttui("--config", str(demo_root / ".virttui.yaml"), "list", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    domains = {d["name"]: d for d in data["domains"]}
    assert sorted(domains) == ["example.com", "example.net", "oldsite.example.org",
                               "shop.example.org", "www.example.com"]
    assert set(domains["example.com"]) == {"name", "path", "alias_of", "aliases", "addresses",
                                           "users", "system_users", "devlog", "problems",
                                           "state", "disabled"}
    assert domains["www.example.com"]["alias_of"] == "example.com"
    assert domains["example.com"]["aliases"] == ["www.example.com"]
    assert [u["name"] for u in domains["example.com"]["users"]] == ["alice", "bob"]
    assert domains["example.net"]["devlog"] == "stale"
    assert domains["shop.example.org"]["devlog"] == "missing"
    assert domains["shop.example.org"]["addresses"]["www"] == ["::1"]


def test_list_table_has_one_row_per_domain(demo_root):
    result = virttui("--root", str(demo_root), "list")
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()
    assert rows[0].split()[:2] == ["DOMAIN", "ADDRESSES"]
    assert [row.split()[0] for row in rows[1:]] == [
        "example.com", "example.net", "oldsite.example.org", "shop.example.org", "www.example.com"]


def test_list_on_a_missing_root_says_how_to_make_one(tmp_path):
    result = virttui("--root", str(tmp_path / "nothing"), "list")
    assert result.returncode == 1
    assert "does not exist" in result.stderr and "virttui demo" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_builds_a_root_and_rebuilds_it_the_same_with_reset(tmp_path):
    target = tmp_path / "demo"
    first = virttui("demo", "--no-open", str(target))
    assert first.returncode == 0, first.stderr
    listing = virttui("--config", first.stdout.strip(), "list", "--json").stdout
    assert virttui("demo", "--no-open", "--reset", str(target)).returncode == 0
    again = virttui("--config", first.stdout.strip(), "list", "--json").stdout
    assert listing == again and json.loads(listing)["domains"]


def test_demo_keeps_what_the_user_made_in_an_existing_demo_root_until_reset(tmp_path):
    target = tmp_path / "demo"
    assert virttui("demo", "--no-open", str(target)).returncode == 0
    (target / "mine.example" / "etc").mkdir(parents=True)
    (target / "example.com" / "home" / "alice" / "notes").write_text("kept")
    kept = virttui("demo", "--no-open", str(target))
    assert kept.returncode == 0
    assert "was kept as it is (--reset rebuilds it)" in kept.stderr
    assert (target / "mine.example" / "etc").is_dir()
    assert (target / "example.com" / "home" / "alice" / "notes").read_text() == "kept"
    assert virttui("demo", "--no-open", "--reset", str(target)).returncode == 0
    assert not (target / "mine.example").exists()


def test_demo_refuses_a_directory_that_is_not_a_demo_root(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    result = virttui("demo", "--no-open", str(precious))
    assert result.returncode == 2
    assert "not a demo root" in result.stderr and "Traceback" not in result.stderr
    assert (precious / "thesis.txt").read_text() == "years of work"


def test_bad_settings_file_is_one_line_with_file_and_line(tmp_path):
    config = tmp_path / "virttui.yaml"
    config.write_text("root: /srv/virtual\nlog:\n  sockett: /x\n")
    result = virttui("--config", str(config), "list")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert f"{config}:3" in result.stderr and "sockett" in result.stderr


def test_a_named_command_imports_its_own_module_alone(tmp_path):
    """Scripts run one command: they do not wait for the others' imports."""
    from virttui.cli import named_command
    assert named_command(["--root", "log", "list", "--json"]) == "list"   # an option's value is no command
    assert named_command(["--config=x.yaml", "log", "-n", "3"]) == "log"
    assert named_command(["--help"]) is None and named_command(["nonsense"]) is None
    (tmp_path / "log").write_bytes(b"Nov 24 09:00:01 host cron: tick\n")
    code = ("import sys; from virttui.cli import main; status = main(['--root', sys.argv[1], 'log', '--file', "
            "sys.argv[1] + '/log']); print(sorted(m for m in sys.modules if m.startswith('virttui.commands.')))")
    result = subprocess.run([str(VENV_BIN / "python"), "-c", code, str(tmp_path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["Nov 24 09:00:01 host cron: tick", "['virttui.commands.log']"]


def test_a_grep_text_that_is_not_utf8_is_one_line_not_a_traceback(tmp_path):
    log = tmp_path / "log"
    log.write_bytes(b"Nov 24 09:00:01 host cron: ab\xff\n")
    argv = [str(VENV_BIN / "virttui"), "log", "--count", "--file", str(log), "--grep"]
    result = subprocess.run([*map(os.fsencode, argv), b"ab\xff"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "--grep: 'ab\\xff' is not UTF-8" in result.stderr and "Traceback" not in result.stderr


def test_a_relative_root_is_read_from_the_current_directory_with_its_addresses(demo_root):
    result = subprocess.run([str(VENV_BIN / "virttui"), "--root", demo_root.name, "list", "--json"],
                            capture_output=True, text=True, timeout=60, cwd=demo_root.parent)
    assert result.returncode == 0, result.stderr
    domains = {d["name"]: d for d in json.loads(result.stdout)["domains"]}
    assert domains["example.com"]["path"] == str(demo_root / "example.com")
    assert domains["example.com"]["addresses"]["www"] == ["127.0.0.2", "default"]


def test_an_empty_root_or_config_flag_is_refused(tmp_path):
    for flag in ("--root", "--config"):
        result = virttui(flag, "", "list")
        assert result.returncode == 2 and result.stderr == f"virttui: {flag}: the value is empty: " \
            f"give the {'root directory' if flag == '--root' else 'settings file'}'s path\n"


def test_a_global_option_after_the_command_says_where_it_goes(tmp_path):
    result = virttui("list", "--root", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (f"virttui: error: unrecognized arguments: --root {tmp_path} "
                                              "(--root goes before the command: virttui --root ... list ...)")
    assert "goes before" not in virttui("list", "--colour").stderr


def test_aliases_that_expand_without_end_are_refused_at_once(tmp_path):
    config = tmp_path / "virttui.yaml"
    config.write_text("".join(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10) if n else 'x'}]\n" for n in range(10)))
    result = virttui("--config", str(config), "list")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "the aliases expand to more than" in result.stderr


def test_ctrl_c_while_it_starts_is_status_130_without_a_traceback(tmp_path):
    for delay, status, err in interrupted_while_starting([str(VENV_BIN / "virttui"), "--root", str(tmp_path), "list"]):
        assert "Traceback" not in err and status in (0, 1, 130, -signal.SIGINT), (delay, status, err)
