"""One rule says which settings file and which root: flag, environment, settings file, default.
The app's settings, the per-connection programs' root_directory and virtexec all follow it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from virttui import root_paths, virtexec
from virttui.settings import load_settings
from virttui.yamlfile import ConfigError

FILTER = str(Path(sys.executable).parent / "virtmailfilter")


@pytest.fixture
def places(tmp_path, monkeypatch):
    """A settings file with `root: FILE_ROOT`, and no default settings file."""
    config = tmp_path / "virttui.yaml"
    config.write_text(f"root: {tmp_path / 'file-root'}\n")
    monkeypatch.setattr(root_paths, "DEFAULT_CONFIG", str(tmp_path / "no-default.yaml"))
    monkeypatch.chdir(tmp_path)
    return tmp_path, str(config)


CASES = [  # (VIRT_ROOT, VIRTTUI_CONFIG, the root, named relative to the test's directory)
    (None, None, root_paths.DEFAULT_ROOT),
    ("", "", root_paths.DEFAULT_ROOT),            # empty variables are unset ones
    (None, "CONFIG", "file-root"),
    ("env-root", "CONFIG", "env-root"),            # the environment beats the file
    ("/abs/root", None, "/abs/root"),
    ("rel/../root", None, "root"),                 # relative to the current directory, normalized
]


@pytest.mark.parametrize("virt_root,virttui_config,expected", CASES)
def test_every_reader_finds_the_same_root(places, virt_root, virttui_config, expected):
    base, config = places
    environ = {}
    if virt_root is not None:
        environ["VIRT_ROOT"] = virt_root
    if virttui_config is not None:
        environ["VIRTTUI_CONFIG"] = config if virttui_config == "CONFIG" else virttui_config
    want = os.path.join(base, expected)   # an absolute `expected` stays as it is
    invocation = virtexec.Invocation("true", [], "d1.example")
    assert str(load_settings(environ=environ, default_config=Path(root_paths.DEFAULT_CONFIG)).root) == want
    assert root_paths.root_directory(environ) == want
    assert virtexec.read_settings(invocation, environ).root == want


def test_the_flag_beats_the_environment(places):
    base, config = places
    environ = {"VIRT_ROOT": "/env", "VIRTTUI_CONFIG": config}
    assert root_paths.root_directory(environ, root="flag") == str(base / "flag")
    assert load_settings(root="flag", environ=environ).root == base / "flag"


def test_the_default_settings_file_counts_only_when_present(places):
    base, config = places
    assert root_paths.settings_file({}) is None
    assert root_paths.settings_file({}, default=config) == config
    assert root_paths.root_directory({}) == root_paths.DEFAULT_ROOT


def test_a_named_settings_file_that_is_missing_is_an_error_everywhere(places):
    """root_directory once fell back to /virtual for it, silently: mail could bounce from the
    wrong root because of a typo in VIRTTUI_CONFIG."""
    base, _ = places
    environ = {"VIRTTUI_CONFIG": str(base / "typo.yaml")}
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(environ=environ)
    with pytest.raises(ConfigError, match="cannot read"):
        root_paths.root_directory(environ)
    with pytest.raises(virtexec.Refusal) as refused:
        virtexec.read_settings(virtexec.Invocation("true", [], "d1.example"), environ)
    assert refused.value.status == virtexec.EXIT_USAGE


@pytest.mark.root
def test_the_mail_filter_defers_mail_when_the_named_settings_file_is_missing(tmp_path):
    result = subprocess.run([FILTER, "bob", "d1.example"], input=b"Subject: x\n\nhi\n", capture_output=True,
                            env={"PATH": os.environ["PATH"], "VIRTTUI_CONFIG": str(tmp_path / "typo.yaml")},
                            timeout=30)
    assert result.returncode == 111, result.stdout
    assert b"typo.yaml: cannot read" in result.stdout and b"Traceback" not in result.stdout


def test_one_path_for_programs_inside_a_domain_and_on_the_host():
    from virttui.virtfs import closure
    from virttui.virtuald import core as virtuald
    environment = virtexec.clean_environment({}, "d1.example")
    assert virtuald.DEFAULT_PATH == closure.HOST_PATH == environment["PATH"] == root_paths.DEFAULT_PATH
