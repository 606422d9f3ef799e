"""One rule finds each of our programs: beside the running interpreter, else on PATH."""

import os
import sys

import pytest

from virttui import installed
from virttui.installed import find_installed, installed_path


def program(directory, name: str) -> str:
    path = directory / name
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def places(tmp_path, monkeypatch):
    """An interpreter's directory and a PATH directory, both empty to start with."""
    interpreter, on_path = tmp_path / "venv-bin", tmp_path / "path-bin"
    interpreter.mkdir()
    on_path.mkdir()
    monkeypatch.setattr(sys, "executable", str(interpreter / "python"))
    monkeypatch.setenv("PATH", str(on_path))
    return interpreter, on_path


def test_the_copy_beside_the_interpreter_wins_over_the_one_on_path(places):
    interpreter, on_path = places
    beside = program(interpreter, "virtuald")
    program(on_path, "virtuald")
    assert find_installed("virtuald") == beside == installed_path("virtuald")


def test_else_the_one_on_path(places):
    _, on_path = places
    assert find_installed("virtexec") is None
    found = program(on_path, "virtexec")
    assert find_installed("virtexec") == found


def test_a_file_that_cannot_be_run_is_not_the_program(places):
    interpreter, on_path = places
    (interpreter / "virtfs").write_text("not a program")
    found = program(on_path, "virtfs")
    assert find_installed("virtfs") == found


def test_not_installed_names_the_usual_place(places):
    assert find_installed("virtmailfilter") is None
    assert installed_path("virtmailfilter") == os.path.join(installed.USUAL_DIRECTORY, "virtmailfilter")


def test_every_caller_uses_the_rule(places):
    """The service entry, the mail wiring, the links, the app's commands, the fixes and the
    timer all name the copy beside the interpreter."""
    from virttui.catalog import DEFAULTS
    from virttui.check.timer import exec_line
    from virttui.domain_commands import command_argv
    from virttui.settings import Settings

    interpreter, on_path = places
    for name in ("virtexec", "virttui"):
        program(on_path, name)
    beside = {name: program(interpreter, name) for name in ("virtexec", "virttui")}
    assert command_argv("a.example", DEFAULTS[0], [])[0] == beside["virtexec"]
    assert exec_line(Settings(config_path=None)).split()[0] == beside["virttui"]
