"""The conf screen: pilot tests and snapshots (a clean file, and one with every kind of problem)."""

import shutil

import pytest

from screens.app import VirtTuiApp
from screens.conf import ConfScreen
from screens.detail import DomainDetailScreen
from tests.app_pilot import SIZES, pressing, settle
from tests.snapshot_roots import SNAPSHOT_BASE
from virttui.settings import load_settings


def build_conf_root(root):
    """d1 and d2, an alias of d1, a clean conf.www and a conf.ftp with every kind of problem."""
    if root.exists():
        shutil.rmtree(root)
    for name in ("d1.example", "d2.example"):
        (root / name / "etc").mkdir(parents=True)
    (root / "www.d1.example").symlink_to("d1.example")
    (root / "conf.www").write_text(f"# the web\n127.0.0.2 {root}/d1.example\n127.0.0.3 {root}/d2.example\n"
                                   f"::1 {root}/www.d1.example\n")
    (root / "conf.ftp").write_text("\n".join([
        f"default {root}/d2.example",
        f"127.0.0.2 {root}/d1.example",
        f"127.0.0.2 {root}/d2.example",
        "not-an-ip /x",
        "127.0.0.4 relative/dir",
        f"127.0.0.5 {root}/gone.example",
        "127.0.0.6 /etc",
        f"192.0.2.77 {root}/d2.example",
        "127.0.0.8",
    ]) + "\n")
    return root


def conf_app(area="conf"):
    root = build_conf_root(SNAPSHOT_BASE / area)
    return VirtTuiApp(load_settings(root=str(root), environ={}))


@pytest.mark.parametrize("size", SIZES)
def test_conf_file_with_every_problem(snap_compare, size):
    assert snap_compare(conf_app(), terminal_size=size, run_before=pressing("c"))


@pytest.mark.parametrize("size", SIZES)
def test_clean_conf_file(snap_compare, size):
    assert snap_compare(conf_app(), terminal_size=size, run_before=pressing("c", "down"))


async def test_rows_show_domain_and_state_and_problems_beside_their_lines():
    app = conf_app("conf-pilot")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfScreen)
        table = app.screen.query_one("#conf-lines")
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        by_line = {int(str(row[0])): [str(cell) for cell in row] for row in rows}
        assert by_line[2][2] == "d1.example" and str(by_line[2][3]) == "ok"
        assert "already mapped on line 2" in str(by_line[3][3])
        assert "not an IPv4" in str(by_line[4][3]) and by_line[4][1] == ""
        assert "does not exist" in str(by_line[6][3])
        assert by_line[7][2] == "/etc" and "not a domain of the root" in str(by_line[7][3])
        assert "no interface" in str(by_line[8][3])
        detail = str(app.screen.query_one("#conf-line-detail").render())
        assert "line 1: default" in detail and "exact addresses first" in detail
        await pilot.press("down")
        await settle(pilot)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [str(row[3]) for row in rows] == ["ok", "ok", "ok"]
        assert str(rows[2][2]) == "www.d1.example → d1.example"


async def test_recheck_sees_a_fixed_file():
    app = conf_app("conf-recheck")
    root = app.settings.root
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        (root / "conf.ftp").write_text(f"127.0.0.2 {root}/d1.example\n")
        await pilot.press("r")
        await settle(pilot)
        table = app.screen.query_one("#conf-lines")
        assert table.row_count == 1 and str(table.get_row_at(0)[3]) == "ok"
        assert "clean" in str(app.screen.query_one("#conf-files").get_option_at_index(0).prompt)


async def test_detail_lists_the_conf_lines_sending_traffic_to_the_domain():
    app = conf_app("conf-detail")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_domain("d1.example")
        await settle(pilot)
        assert isinstance(app.screen, DomainDetailScreen)
        text = str(app.screen.query_one("#overview-text").render())
        assert "conf.ftp:2    127.0.0.2" in text
        assert "conf.www:2    127.0.0.2" in text
        assert "conf.www:4    ::1" in text  # through its alias www.d1.example
