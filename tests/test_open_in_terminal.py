"""The app in a real terminal (tmux): what `make run` does for a newcomer."""

import shutil
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN
from tests.terminal import Tmux


@pytest.fixture
def tmux(tmp_path):
    terminal = Tmux(tmp_path.name)
    yield terminal
    terminal.stop()


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
    tmux.start(command)
    tmux.wait_for("oldsite.example.org", "example.net", f"Root {demo}")
    tmux.keys("q")
    deadline = time.monotonic() + 10
    status = tmp_path / "status"
    # The shell creates the file, then writes it: wait for the line, not for the file.
    while not (status.exists() and status.read_text().endswith("\n")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status.read_text().strip() == "exit=0"
