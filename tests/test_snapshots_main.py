"""Snapshots of the main screens, at 80x24 and 120x40, on the demo root."""

import pytest

from screens.app import VirtTuiApp
from tests.app_pilot import SIZES, pressing
from tests.snapshot_roots import SNAPSHOT_BASE, demo_settings
from virttui.settings import load_settings


def demo_app():
    return VirtTuiApp(demo_settings("main"))


@pytest.mark.parametrize("size", SIZES)
def test_domains(snap_compare, size):
    assert snap_compare(demo_app(), terminal_size=size, run_before=pressing())


@pytest.mark.parametrize("size", SIZES)
def test_domains_filtered(snap_compare, size):
    assert snap_compare(demo_app(), terminal_size=size, run_before=pressing("slash", *"example.net"))


@pytest.mark.parametrize("size", SIZES)
def test_detail(snap_compare, size):
    assert snap_compare(demo_app(), terminal_size=size, run_before=pressing("down", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_detail_users(snap_compare, size):
    assert snap_compare(demo_app(), terminal_size=size, run_before=pressing("enter", "2"))


@pytest.mark.parametrize("size", SIZES)
def test_detail_of_an_alias(snap_compare, size):
    assert snap_compare(demo_app(), terminal_size=size, run_before=pressing("end", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_empty_root(snap_compare, size):
    settings = load_settings(root=str(SNAPSHOT_BASE / "no-such-root"), environ={})
    assert snap_compare(VirtTuiApp(settings), terminal_size=size, run_before=pressing())


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, size):
    assert snap_compare(demo_app(), terminal_size=size, run_before=pressing("question_mark"))


@pytest.mark.parametrize("size", SIZES)
def test_detail_mailboxes(snap_compare, size):
    assert snap_compare(demo_app(), terminal_size=size, run_before=pressing("enter", "3"))
