"""`make test` runs ruff and mypy, with the project's settings, before the suite: an unsorted
import or a type error fails it."""

import subprocess
import sys

import pytest

from tests.conftest import REPO

CONFIG = str(REPO / "pyproject.toml")

SORTED = "import os\nimport sys\n\nimport yaml\n\nfrom virttui import names\n\nprint(os, sys, yaml, names)\n"
UNSORTED = "import sys\nimport os\n\nprint(os, sys)\n"
FIRST_PARTY_FIRST = "from virttui import names\nimport yaml\n\nprint(yaml, names)\n"

# A screen reading the app's settings through the typed `app`, once right and once with a typo.
SCREEN = """from typing import TYPE_CHECKING

from textual import getters
from textual.screen import Screen

if TYPE_CHECKING:
    from screens.app import VirtTuiApp


class Probe(Screen):
    if TYPE_CHECKING:
        app = getters.app(VirtTuiApp)

    def root_name(self) -> str:
        return self.app.settings.{attribute}.name
"""
CORE = "from pathlib import Path\n\nfrom virttui.settings import Settings\n\n\ndef root(s: Settings) -> {kind}:\n    return s.root\n"


def run(*argv: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *argv], cwd=cwd, capture_output=True, text=True, timeout=300)


def ruff(path) -> subprocess.CompletedProcess:
    return run("ruff", "check", "--no-cache", "--config", CONFIG, str(path), cwd=REPO)


def mypy(path, tmp_path) -> subprocess.CompletedProcess:
    return run("mypy", "--config-file", CONFIG, "--cache-dir", str(tmp_path / "cache"), str(path), cwd=REPO)


def test_make_test_runs_ruff_and_mypy_before_the_suite():
    dry = subprocess.run(["make", "-n", "test"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    ruff_at = next(i for i, line in enumerate(lines) if "-m ruff check ." in line)
    mypy_at = next(i for i, line in enumerate(lines) if line.endswith("-m mypy"))
    pytest_at = next(i for i, line in enumerate(lines) if "-m pytest" in line)
    assert ruff_at < pytest_at and mypy_at < pytest_at


@pytest.mark.parametrize("text", [UNSORTED, FIRST_PARTY_FIRST])
def test_an_unsorted_import_fails_ruff(tmp_path, text):
    (tmp_path / "sorted_module.py").write_text(SORTED)
    assert ruff(tmp_path / "sorted_module.py").returncode == 0
    (tmp_path / "unsorted_module.py").write_text(text)
    checked = ruff(tmp_path / "unsorted_module.py")
    assert checked.returncode == 1 and "I001" in checked.stdout, checked.stdout


def test_a_type_error_fails_mypy(tmp_path):
    (tmp_path / "right.py").write_text(CORE.format(kind="Path"))
    assert mypy(tmp_path / "right.py", tmp_path).returncode == 0
    (tmp_path / "wrong.py").write_text(CORE.format(kind="int"))
    checked = mypy(tmp_path / "wrong.py", tmp_path)
    assert checked.returncode == 1 and "[return-value]" in checked.stdout, checked.stdout


def test_a_typo_in_the_apps_settings_fails_mypy_in_a_screen(tmp_path):
    (tmp_path / "right_screen.py").write_text(SCREEN.format(attribute="root"))
    assert mypy(tmp_path / "right_screen.py", tmp_path).returncode == 0
    (tmp_path / "wrong_screen.py").write_text(SCREEN.format(attribute="rooot"))
    checked = mypy(tmp_path / "wrong_screen.py", tmp_path)
    assert checked.returncode == 1 and '"Settings" has no attribute "rooot"' in checked.stdout, checked.stdout
