"""The app in a real terminal (tmux): what `make run` does for a newcomer."""

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN, require_program


@pytest.fixture
def tmux(tmp_path):
    require_program("tmux", "tmux")
    socket = f"virttui-test-{tmp_path.name}"

    def run(*args):
        return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True,
                              timeout=30)

    yield run
    run("kill-server")


def wait_for_screen(tmux, text, seconds=20.0):
    deadline = time.monotonic() + seconds
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", "app").stdout
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")


@pytest.fixture
def short_dir():
    """A short path, so the whole root fits in the status bar of an 80-column terminal."""
    path = Path(tempfile.mkdtemp(prefix="vt"))
    yield path
    shutil.rmtree(path)


def test_open_builds_the_demo_when_the_root_is_missing_and_quits_on_q(tmux, short_dir):
    tmp_path = short_dir
    demo = tmp_path / "demo-root"
    command = (f"VIRT_ROOT={tmp_path / 'no-virtual'} {VENV_BIN / 'virttui'} open "
               f"--demo-if-missing {demo}; echo exit=$? > {tmp_path / 'status'}; sleep 30")
    tmux("new-session", "-d", "-s", "app", "-x", "80", "-y", "24", command)
    screen = wait_for_screen(tmux, "oldsite.example.org")
    assert "example.net" in screen and f"Root {demo}" in screen, screen
    tmux("send-keys", "-t", "app", "q")
    deadline = time.monotonic() + 10
    while not (tmp_path / "status").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (tmp_path / "status").read_text().strip() == "exit=0"
