"""The `virttui` subcommands given bad input: one line saying what is wrong, the documented
exit status, never a traceback."""

import subprocess

from tests.conftest import VENV_BIN


def virttui(*args):
    return subprocess.run([str(VENV_BIN / "virttui"), *args], capture_output=True, text=True, timeout=60)


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
    assert result.returncode == 1
    assert f"{plain / 'bin'}: Not a directory" in one_line(result)
