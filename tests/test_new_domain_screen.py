"""The new-domain screen: live name check, profiles, the plan, a real build (as root), and
snapshots of its states."""

import shutil
import subprocess

import pytest

from screens.app import VirtTuiApp
from screens.new_domain import NewDomainScreen
from tests.app_pilot import SIZES, settle
from tests.conftest import VENV_BIN
from tests.snapshot_roots import SNAPSHOT_BASE
from tests.terminal import Tmux
from virttui.settings import load_settings

# Snapshots use a profile that takes nothing from the host, so what they show is the same
# on every machine.
HOST_FREE = """\
profiles:
  minimal:
    description: directories and generated files only
    directories:
      - {path: tmp, mode: "1777"}
    generate: [passwd, group, hostname]
"""


def new_domain_app(root, fresh=True):
    if fresh and root.exists():
        shutil.rmtree(root)
    (root / "existing.example").mkdir(parents=True, exist_ok=True)
    (root / "virttui.yaml").write_text(f"root: {root}\n" + HOST_FREE)
    return VirtTuiApp(load_settings(config=str(root / "virttui.yaml"), environ={}), open_new_domain=True)


def typed(*keys, state=None):
    async def run_before(pilot):
        await settle(pilot)
        profiles = pilot.app.screen.query_one("#profiles")
        profiles.deselect("base")
        profiles.select("minimal")
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        if state:
            screen = pilot.app.screen
            if state == "building":
                screen.show_progress(12, 40, "copy /usr/lib/x86_64-linux-gnu/libc.so.6")
            else:
                screen.finished(True, f"✓ built {pilot.app.settings.root}/new.example")
            await pilot.pause()
    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_empty(snap_compare, size):
    assert snap_compare(new_domain_app(SNAPSHOT_BASE / "new-domain"), terminal_size=size, run_before=typed())


@pytest.mark.parametrize("size", SIZES)
def test_invalid_name(snap_compare, size):
    assert snap_compare(new_domain_app(SNAPSHOT_BASE / "new-domain"), terminal_size=size,
                        run_before=typed(*"bad..name"))


@pytest.mark.parametrize("size", SIZES)
def test_building(snap_compare, size):
    assert snap_compare(new_domain_app(SNAPSHOT_BASE / "new-domain"), terminal_size=size,
                        run_before=typed(*"new.example", state="building"))


@pytest.mark.parametrize("size", SIZES)
def test_done(snap_compare, size):
    assert snap_compare(new_domain_app(SNAPSHOT_BASE / "new-domain"), terminal_size=size,
                        run_before=typed(*"new.example", state="done"))


async def test_name_is_checked_as_typed(tmp_path):
    app = new_domain_app(tmp_path / "root")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, NewDomainScreen)
        await pilot.press(*"existing.example")
        await settle(pilot)
        state = app.screen.query_one("#name-state")
        assert "already exists" in str(state.render()) and state.has_class("bad")


@pytest.mark.root
async def test_a_real_build_shows_up_in_the_table(tmp_path):
    app = new_domain_app(tmp_path / "root")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"fresh.example")
        await settle(pilot)
        assert "Will install" in str(app.screen.query_one("#plan").render())
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert app.screen.state == "done"
        assert "built" in str(app.screen.query_one("#result").render())
        assert (tmp_path / "root" / "fresh.example" / "etc" / "virtfs.json").exists()
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.root_model.domain("fresh.example") is not None


def test_virtfs_without_a_domain_opens_the_screen_on_a_terminal_and_refuses_without(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    refused = subprocess.run([str(VENV_BIN / "virtfs"), "--root", str(root)], capture_output=True,
                             text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert refused.returncode == 2 and "needs a terminal" in refused.stderr
    tmux = Tmux(f"virtfs-{tmp_path.name}")
    try:
        tmux.start(f"{VENV_BIN / 'virtfs'} --root {root}", columns=100, rows=30)
        tmux.wait_for("Profiles", "new domain in")
    finally:
        tmux.stop()
