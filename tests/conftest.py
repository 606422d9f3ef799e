"""Fixtures shared by the whole suite. Area-specific fixtures live beside their tests."""

import os
import shutil
import sys
from pathlib import Path

import pytest

from virttui.demo import build_demo

# Fixtures shared by several test modules, registered here so that each module asks for them
# by name instead of importing them.
pytest_plugins = ["tests.virtuald_fixtures", "tests.hostile_root"]

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def require_root():
    """Skip, saying why, when not root (CI runs as root, so nothing skips there).

    A test says it with `@pytest.mark.root`; a fixture that needs root calls this."""
    if os.geteuid() != 0:
        pytest.skip("needs root (chroot, device nodes, setuid); CI runs as root")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.get_closest_marker("root") is not None:
        require_root()


def require_program(name: str, package: str) -> str:
    """The path of a host program the test drives.

    As root (CI, and `make test`, which installs tools/debian-packages.txt first) a missing
    program fails the test: nothing may pass by skipping there. Otherwise the test skips,
    naming the package.
    """
    path = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/sbin") / name) if p.exists()), None)
    if path is None:
        message = f"needs {name} (Debian package {package}; `make test` installs it as root)"
        if os.geteuid() == 0:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture
def demo_root(tmp_path) -> Path:
    """A fresh demo root; its settings file is demo_root / '.virttui.yaml'."""
    root = tmp_path / "root"
    build_demo(root)
    return root


@pytest.fixture
def snap_compare(snap_compare):
    """pytest-textual-snapshot's snap_compare, with every text cursor held still.

    A focused Input blinks its cursor on a 0.5 s wall-clock timer, so a screenshot taken after a
    slow `run_before` could catch it in either phase. Stopping the blink leaves it drawn.
    The snapshot roots' directory of this run is shown as the fixed one the snapshots hold.
    """
    from tests.snapshot_roots import shown_as_in_snapshots

    def compare(app, *args, run_before=None, **kwargs):
        async def run_then_still_cursors(pilot):
            if run_before is not None:
                await run_before(pilot)
            still_cursors(pilot.app)
        export = app.export_screenshot
        app.export_screenshot = lambda *a, **k: shown_as_in_snapshots(export(*a, **k))
        return snap_compare(app, *args, run_before=run_then_still_cursors, **kwargs)
    return compare


def still_cursors(app) -> None:
    from textual.widgets import Input

    for screen in app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False
