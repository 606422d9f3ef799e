"""Snapshots of a domain's life in the app, at 80x24 and 120x40, on the demo root: the table
with marked rows and disk use, the Problems view, the delete confirmation, the addresses
editor with a lint error, the bulk result table."""

import pytest
from textual.widgets import Input

from screens.app import VirtTuiApp
from screens.widgets.domain_table import DomainTable
from tests.app_pilot import press_settled, settle
from tests.snapshot_roots import demo_settings
from tests.test_domain_life_app import broken_root

SIZES = [(80, 24), (120, 40)]
# Disk use as counted depends on the file system the root is on: fixed figures instead.
DISK_USE = {"example.com": 81_920, "example.net": 73_728, "shop.example.org": 1_572_864}


def demo_app():
    return VirtTuiApp(demo_settings("life"))


@pytest.mark.parametrize("size", SIZES)
def test_domains_marked_with_disk_use(snap_compare, size):
    async def run_before(pilot):
        await settle(pilot)
        for domain in pilot.app.screen.query_one(DomainTable).index.domains:
            domain.disk = DISK_USE.get(domain.name, 40_960 if not domain.alias_of else None)
        await press_settled(pilot, "space", "down", "space", "o", "o", "o", "o")
    assert snap_compare(demo_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_problems_view(snap_compare, size):
    settings = demo_settings("life-problems")
    broken_root(settings.root)
    assert snap_compare(VirtTuiApp(settings), terminal_size=size,
                        run_before=lambda pilot: press_settled(pilot, "p"))


@pytest.mark.parametrize("size", SIZES)
def test_delete_confirmation(snap_compare, size):
    async def run_before(pilot):
        await press_settled(pilot, "down", "down", "delete")
    assert snap_compare(demo_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_addresses_editor_with_a_lint_error(snap_compare, size):
    async def run_before(pilot):
        await press_settled(pilot, "down", "A")
        field = pilot.app.screen.query_one("#addresses", Input)
        field.value = "127.0.0.3 127.0.0.2 10.0.0.300"
        field.action_end()
        await settle(pilot)
    assert snap_compare(demo_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_bulk_result_table(snap_compare, size):
    async def run_before(pilot):
        await press_settled(pilot, "space", "space", "space", "b", "down", "down")
        pilot.app.screen.query_one("#bulk-choice").value = "mailq"
        await settle(pilot)
        pilot.app.screen.action_start()
        await settle(pilot)
    assert snap_compare(demo_app(), terminal_size=size, run_before=run_before)
