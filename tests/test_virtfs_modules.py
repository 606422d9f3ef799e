"""Profiles' module_directories: a server's run-time modules (what it loads with dlopen, which
no DT_NEEDED names) carried into a domain with the libraries they load, found on the host's
own multiarch directory, and kept up to date by virtfs --check and --update like binaries."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN, require_program
from virttui.virtfs import closure
from virttui.virtfs.plan import make_plan
from virttui.virtfs.profiles import compose
from virttui.yamlfile import ConfigError, loads

VIRTFS = str(VENV_BIN / "virtfs")
PAM_UNIX = "security/pam_unix.so"   # a module with libraries of its own (libcrypt ...)


@pytest.fixture
def modules(tmp_path) -> Path:
    """A module directory: two real modules (one a level down), a module whose library the
    host lacks, a file that is no module and a link to a directory that is not entered."""
    require_program("gcc", "gcc")
    directory = tmp_path / "modules"
    (directory / "sub").mkdir(parents=True)
    shutil.copy(closure.find_library(PAM_UNIX)[0], directory / "unix.so")
    shutil.copy(closure.find_library("libnss_files.so.2")[0], directory / "sub" / "files.so.2")
    (directory / "README").write_text("not a module\n")
    (directory / "elsewhere").symlink_to(Path(closure.find_library(PAM_UNIX)[0]).parent)
    gone = tmp_path / "libgone.so"
    source = tmp_path / "m.c"
    source.write_text("int f(void) { return 1; }\n")
    for output, extra in ((gone, []), (directory / "orphan.so", ["-Wl,--no-as-needed", f"-L{tmp_path}", "-lgone"])):
        subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(output), str(source), *extra], check=True)
    gone.unlink()   # orphan.so now needs a library the host does not have
    return directory


def profile_settings(text: str, name: str = "s.yaml"):
    return loads(text.encode(), name)["profiles"]


def plan_with(directory: str):
    settings = profile_settings(f"profiles:\n  mods:\n    module_directories: [{directory}]\n")
    return make_plan("d.example", compose(["mods"], settings))


def test_every_module_comes_with_its_libraries(modules):
    plan = plan_with(str(modules))
    real = os.path.realpath(modules)
    assert f"{real}/unix.so" in plan.programs and f"{real}/sub/files.so.2" in plan.programs
    crypt = [path for path in closure.libraries_of(f"{real}/unix.so") if "libcrypt" in path]
    assert crypt and set(closure.closure(crypt)) <= set(plan.programs)   # its links and its file
    assert not any(path.endswith("README") or "/elsewhere/" in path for path in plan.programs)
    assert f"{real}/orphan.so" not in plan.programs
    assert [w for w in plan.warnings if "orphan.so needs libgone.so" in w and "left out" in w]


def test_a_relative_directory_is_found_beside_libc_of_this_host():
    libc = next(p for p in closure.libraries_of(os.path.realpath(shutil.which("sh")))
                if os.path.basename(p).startswith("libc.so"))
    assert closure.library_directories()[0] == os.path.dirname(libc)
    found = closure.find_module_directory("security")
    assert found == os.path.realpath(os.path.join(os.path.dirname(libc), "security"))
    plan = plan_with("security")
    assert os.path.realpath(closure.find_library(PAM_UNIX)[0]) in plan.programs


def test_a_missing_directory_is_a_warning():
    plan = plan_with("no-such-modules")
    assert plan.warnings == ["the host has no module directory no-such-modules"]


@pytest.mark.parametrize("value, words", [
    ("[../etc]", "'../etc': give a directory of modules"),
    ("['/']", "'/': give a directory of modules"),
    ("samba", "a list of names"),
])
def test_a_bad_module_directory_names_file_line_and_key(value, words):
    settings = profile_settings(f"profiles:\n  mods:\n    module_directories: {value}\n")
    with pytest.raises(ConfigError) as raised:
        compose(["mods"], settings)
    assert str(raised.value).startswith("s.yaml:3: module_directories: ") and words in str(raised.value)


@pytest.mark.root
def test_plan_build_check_and_update_agree_on_the_modules(modules, tmp_path):
    config = tmp_path / "virttui.yaml"
    config.write_text(f"profiles:\n  mods:\n    include: [base]\n    module_directories: [{modules}]\n")
    root = tmp_path / "root"
    root.mkdir()

    def virtfs(*args):
        return subprocess.run([VIRTFS, "--config", str(config), "--root", str(root), *args],
                              capture_output=True, text=True, timeout=300)
    planned = virtfs("--plan", "--profile", "mods", "d.example")
    assert planned.returncode == 0 and "orphan.so needs libgone.so" in planned.stderr
    module = f"{os.path.realpath(modules)}/unix.so"
    assert f"  {module}" in planned.stdout.splitlines()
    assert virtfs("--profile", "mods", "d.example").returncode == 0
    domain = root / "d.example"
    copied = domain / module.lstrip("/")
    assert copied.read_bytes() == Path(module).read_bytes()
    assert virtfs("--check", "d.example").returncode == 0
    copied.unlink()
    checked = virtfs("--check", "d.example")
    assert checked.returncode == 1 and f"missing: {module}" in checked.stdout.splitlines()
    assert virtfs("--update", "d.example").returncode == 0
    assert copied.read_bytes() == Path(module).read_bytes()
    assert virtfs("--check", "d.example").returncode == 0
