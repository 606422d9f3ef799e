"""A domain's life from the app, driven by the pilot on a real root: each step checked on disk
(files, conf lines, archive); marks and a bulk action over three domains; the Problems view;
the palette's actions."""

import os
from pathlib import Path

from textual.widgets import Button, DataTable, Input

from screens.bulk import BulkScreen
from screens.conf import ConfScreen
from screens.detail import DomainDetailScreen
from screens.domains import DomainsScreen
from screens.life_forms import AddressesScreen, DeleteDomainScreen, RenameDomainScreen
from screens.problems import ProblemsScreen
from screens.widgets.domain_table import DomainTable
from tests.test_domains_screen import app_on


async def settled(app, pilot):
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def on_row(app, pilot, name: str) -> DomainTable:
    table = app.screen.query_one(DomainTable)
    while table.current_domain.name != name:
        await pilot.press("down")
    return table


async def test_disable_then_enable_from_the_table(demo_root):
    before = (demo_root / "conf.www").read_text()
    app = app_on(demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot)
        await on_row(app, pilot, "example.net")
        await pilot.press("D")
        await settled(app, pilot)
        assert f"#virttui-disabled: 127.0.0.3 {demo_root}/example.net\n" in (demo_root / "conf.www").read_text()
        assert (demo_root / "example.net" / "etc" / "passwd").exists()
        table = app.screen.query_one(DomainTable)
        assert table.current_domain.name == "example.net"          # the cursor stayed on it
        assert table.current_domain.state == "disabled"
        assert "disabled" in table.render_line(table.cursor + 1).text
        await pilot.press("D")
        await settled(app, pilot)
        assert (demo_root / "conf.www").read_text() == before


async def test_rename_from_the_table(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot)
        await on_row(app, pilot, "example.com")
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, RenameDomainScreen)
        field = app.screen.query_one("#new-name", Input)
        field.value = "example.org"
        await pilot.press("enter")
        await settled(app, pilot)
        assert not os.path.lexists(demo_root / "example.com")
        assert (demo_root / "example.org" / "etc" / "passwd").exists()
        assert os.readlink(demo_root / "www.example.com") == "example.org"
        assert f"127.0.0.2\t{demo_root}/example.org\n" in (demo_root / "conf.www").read_text()
        names = [d.name for d in app.screen.query_one(DomainTable).index.domains]
        assert "example.org" in names and "example.com" not in names


async def test_delete_asks_for_the_typed_name_with_the_focus_on_no_and_archives_first(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await on_row(app, pilot, "oldsite.example.org")
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, DeleteDomainScreen)
        assert app.screen.focused.id == "no"
        assert app.screen.query_one("#yes", Button).disabled
        await pilot.press("enter")            # Enter on the focused No: nothing happens
        await settled(app, pilot)
        assert (demo_root / "oldsite.example.org").is_dir()

        await pilot.press("delete")
        await pilot.pause()
        app.screen.query_one("#typed-name", Input).focus()
        await pilot.press(*"oldsite.example.or")
        assert app.screen.query_one("#yes", Button).disabled
        await pilot.press("enter")            # not the whole name yet
        assert isinstance(app.screen, DeleteDomainScreen)
        await pilot.press("g", "enter")
        await settled(app, pilot)
        assert not os.path.lexists(demo_root / "oldsite.example.org")
        [archive] = (demo_root / ".archive").glob("oldsite.example.org-*.tar")
        assert archive.stat().st_size > 0
        assert "oldsite" not in (demo_root / "conf.ftp").read_text()


async def test_the_addresses_editor_shows_the_linters_verdict_and_saves_only_without_an_error(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await on_row(app, pilot, "shop.example.org")
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, AddressesScreen)
        field = app.screen.query_one("#addresses", Input)
        assert field.value == "::1"
        await pilot.press(*" 127.0.0.300")
        await pilot.pause()
        verdict = str(app.screen.query_one("#verdict").render())
        assert "'127.0.0.300' is not an IPv4 or IPv6 address" in verdict
        assert app.screen.query_one("#save", Button).disabled
        await pilot.press("enter")
        assert isinstance(app.screen, AddressesScreen)   # not saved
        await pilot.press(*["backspace"] * 3, "5")
        await pilot.pause()
        assert "lints clean" in str(app.screen.query_one("#verdict").render())
        await pilot.press("enter")
        await settled(app, pilot)
        assert f"::1       {demo_root}/shop.example.org\n" in (demo_root / "conf.www").read_text()
        assert (demo_root / "conf.www").read_text().endswith(f"127.0.0.5 {demo_root}/shop.example.org\n")


async def test_marks_and_a_bulk_relink_over_three_domains_give_a_result_per_domain(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot)
        await pilot.press("space", "space", "down", "space")   # example.com, example.net, shop
        table = app.screen.query_one(DomainTable)
        assert table.marked == {"example.com", "example.net", "shop.example.org"}
        assert "3 marked" in str(app.screen.query_one("#counts").render())
        assert table.render_line(1).text.startswith("* example.com")
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BulkScreen)
        await pilot.press("enter")          # the first action: relink
        await settled(app, pilot)
        results = app.screen.query_one("#bulk-results", DataTable)
        rows = [[str(cell) for cell in results.get_row_at(i)] for i in range(results.row_count)]
        assert [row[0] for row in rows] == ["example.com", "example.net", "shop.example.org"]
        assert [row[1] for row in rows] == ["ok", "ok", "ok"]
        assert rows[1][2] == "example.net: relinked" and rows[2][2] == "shop.example.org: linked"
    shared = os.stat(demo_root / "log").st_ino
    assert all(os.stat(demo_root / name / "dev" / "log").st_ino == shared
               for name in ("example.com", "example.net", "shop.example.org"))


async def test_a_bulk_catalog_command_reports_each_domains_status(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot)
        await pilot.press("space", "space", "space")
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        await pilot.press("down", "down")                  # run a catalog command
        screen.query_one("#bulk-choice").value = "mailq"
        await pilot.pause()
        screen.action_start()
        await settled(app, pilot)
        results = screen.query_one("#bulk-results", DataTable)
        assert results.row_count == 3
        rows = [[str(cell) for cell in results.get_row_at(i)] for i in range(3)]
        assert [row[0] for row in rows] == ["example.com", "example.net", "oldsite.example.org"]
        # the demo's domains have no mailq: each says so, with virtexec's status for it
        assert all(row[1] == "status 127" and "mailq" in row[2] for row in rows), rows


async def test_disk_use_fills_a_column_and_the_detail(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot)
        table = app.screen.query_one(DomainTable)
        assert "Disk" not in table.render_line(0).text
        await pilot.press("U")
        await settled(app, pilot)
        assert "Disk" in table.render_line(0).text
        assert table.index.domains[0].disk > 0
        assert "KiB" in table.render_line(1).text
        await pilot.press("enter")
        await settled(app, pilot)
        assert isinstance(app.screen, DomainDetailScreen)
        assert "Disk use" in str(app.screen.query_one("#overview-text").render())
        assert "KiB" in str(app.screen.query_one("#overview-text").render())


def broken_root(root: Path) -> Path:
    (root / "gone.example").symlink_to("/nowhere-at-all")
    (root / "example.net" / "etc" / "passwd").unlink()
    with open(root / "conf.ftp", "a") as conf:
        conf.write(f"\n127.0.0.9 {root}/nosuch.example\n")
    return root


async def test_the_problems_view_lists_them_and_enter_goes_to_the_domain_or_the_conf_line(demo_root):
    broken_root(demo_root)
    app = app_on(demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot)
        await pilot.press("p")
        await settled(app, pilot)
        assert isinstance(app.screen, ProblemsScreen)
        places = [(p.place, p.message) for p in app.screen.problems]
        assert ("root", "gone.example: broken symlink to /nowhere-at-all") in places
        assert ("conf.ftp:5", f"directory {demo_root}/nosuch.example does not exist: "
                              "virtuald refuses such connections") in places
        assert ("example.net", "etc/passwd is missing") in places

        table = app.screen.query_one(DataTable)
        table.move_cursor(row=next(i for i, p in enumerate(app.screen.problems) if p.domain == "example.net"))
        await pilot.press("enter")
        await settled(app, pilot)
        assert isinstance(app.screen, DomainDetailScreen) and app.screen.domain.name == "example.net"
        await pilot.press("escape")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=next(i for i, p in enumerate(app.screen.problems) if p.lineno == 5))
        await pilot.press("enter")
        await settled(app, pilot)
        assert isinstance(app.screen, ConfScreen)
        lines = app.screen.query_one("#conf-lines", DataTable)
        assert str(lines.get_row_at(lines.cursor_row)[0]) == "5"


async def test_the_palette_offers_the_actions_on_the_domain_under_the_cursor(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot)
        await on_row(app, pilot, "example.net")
        await pilot.press("ctrl+p", *"relink")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settled(app, pilot)
        assert os.stat(demo_root / "example.net" / "dev" / "log").st_ino == os.stat(demo_root / "log").st_ino
        assert isinstance(app.screen, DomainsScreen)
        assert app.screen.query_one(DomainTable).current_domain.name == "example.net"   # L keeps the row


async def test_ctrl_r_keeps_the_cursor_on_the_same_domain(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await on_row(app, pilot, "shop.example.org")
        await pilot.press("ctrl+r")
        await settled(app, pilot)
        assert app.screen.query_one(DomainTable).current_domain.name == "shop.example.org"
        await pilot.press("L")
        await settled(app, pilot)
        assert app.screen.query_one(DomainTable).current_domain.name == "shop.example.org"


async def test_a_click_on_a_title_sorts_by_it_with_a_marker_on_every_sort(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot)
        table = app.screen.query_one(DomainTable)
        assert "Domain ▼" in table.render_line(0).text
        users_x = table.render_line(0).text.index("Users")
        await pilot.click(DomainTable, offset=(users_x + 1, 0))
        await pilot.pause()
        assert table.sort_key == "users"
        assert "Users ▼" in table.render_line(0).text and "Domain ▼" not in table.render_line(0).text


async def test_the_palette_finds_actions_by_their_words(demo_root):
    from textual.command import CommandPalette

    app = app_on(demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot)
        for words, expected in (("mailq", "Run mailq in example.com"), ("user", "Users of example.com"),
                                ("rename", "Rename example.com"), ("disk", "Disk use of example.com")):
            await pilot.press("ctrl+p", *words)
            await pilot.pause(0.5)
            palette = app.screen
            assert isinstance(palette, CommandPalette)
            found = [str(option.prompt) for option in palette.query_one("CommandList").options]
            assert any(expected in text for text in found), (words, found)
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("ctrl+p", *"users of example.com")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settled(app, pilot)
        assert isinstance(app.screen, DomainDetailScreen)
        assert app.screen.query_one("TabbedContent").active == "users"


async def test_disk_use_counted_from_the_detail_shows_in_its_overview(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot)
        await pilot.press("enter")
        await settled(app, pilot)
        assert isinstance(app.screen, DomainDetailScreen)
        assert "not counted yet" in str(app.screen.query_one("#overview-text").render())
        await pilot.press("U")
        await settled(app, pilot)
        assert isinstance(app.screen, DomainDetailScreen)
        assert "KiB" in str(app.screen.query_one("#overview-text").render())
