"""The Users tab: add a user, change a password, delete a user, in a domain built by virtfs,
with the domain's own tools."""

import subprocess

import pytest

from screens.app import VirtTuiApp
from screens.detail import DomainDetailScreen
from tests.app_pilot import settle
from tests.conftest import VENV_BIN, require_root
from virttui.domains.accounts import BadAccount, check_password, check_user_name
from virttui.settings import load_settings


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    require_root()
    root = tmp_path_factory.mktemp("users") / "root"
    root.mkdir()
    built = subprocess.run([str(VENV_BIN / "virtfs"), "--root", str(root), "d1.example"],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (root / "www.d1.example").symlink_to("d1.example")
    return root


def shadow_entry(root, user):
    for line in (root / "d1.example" / "etc" / "shadow").read_text().splitlines():
        if line.startswith(user + ":"):
            return line
    return None


async def fill(pilot, *values):
    for value in values:
        pilot.app.screen.focused.value = value
        await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_add_change_password_delete(root):
    app = VirtTuiApp(load_settings(root=str(root), environ={}))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_domain("www.d1.example")  # an alias: the accounts are its target's
        await settle(pilot)
        assert isinstance(app.screen, DomainDetailScreen)
        await pilot.press("a")
        await pilot.pause()
        await fill(pilot, "carol", "Carol Petit", "first-Pass1", "first-Pass1")
        await settle(pilot)
        first = shadow_entry(root, "carol")
        assert first and first.split(":")[1].startswith("$")
        assert (root / "d1.example" / "home" / "carol").is_dir()
        passwd = (root / "d1.example" / "etc" / "passwd").read_text()
        assert "carol:x:1000:1000:Carol Petit:/home/carol:/bin/sh" in passwd
        table = app.screen.query_one("#users-table")
        assert table.row_count == 1

        await pilot.press("p")
        await pilot.pause()
        await fill(pilot, "second-Pass2", "second-Pass2")
        await settle(pilot)
        assert shadow_entry(root, "carol").split(":")[1] != first.split(":")[1]

        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert shadow_entry(root, "carol") is None
        assert not (root / "d1.example" / "home" / "carol").exists()
        assert app.screen.query_one("#users-table").row_count == 0


async def test_form_refuses_bad_input_and_says_why(root):
    app = VirtTuiApp(load_settings(root=str(root), environ={}))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_domain("d1.example")
        await settle(pilot)
        await pilot.press("a")
        await pilot.pause()
        await fill(pilot, "Bad Name", "x", "one", "two")
        error = str(app.screen.query_one("#form-error").render())
        assert "user name" in error
        assert "Bad Name" not in (root / "d1.example" / "etc" / "passwd").read_text()


@pytest.mark.parametrize("name", ["", "Root", "1abc", "a:b", "x" * 33, "a b", "../x"])
def test_user_names_refused(name):
    with pytest.raises(BadAccount):
        check_user_name(name)


def test_passwords_must_match_and_hold_no_line_break():
    with pytest.raises(BadAccount, match="differ"):
        check_password("a", "b")
    with pytest.raises(BadAccount, match="line break"):
        check_password("a\nb", "a\nb")
