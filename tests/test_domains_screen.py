"""Behaviour of the domains table and detail, driven by the pilot."""

import pytest

from screens.detail import DomainDetailScreen
from screens.domains import DomainsScreen
from screens.empty_root import EmptyRootScreen
from screens.help import HelpScreen
from screens.widgets.domain_table import DomainTable
from tests.app_pilot import app_on, settle
from virttui.demo import build_many


async def test_filter_narrows_the_table(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DomainTable)
        assert len(table.index) == 5
        await pilot.press("slash", *"example.org")
        await pilot.pause()
        assert [table.index[i].name for i in range(len(table.index))] == [
            "oldsite.example.org", "shop.example.org"]
        await pilot.press("escape")  # clears the filter
        await pilot.pause()
        assert len(table.index) == 5


async def test_filter_matches_addresses_and_services(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DomainTable)
        await pilot.press("slash", *"::1")
        await pilot.pause()
        assert [table.index[i].name for i in range(len(table.index))] == ["shop.example.org"]


async def test_a_filter_that_matches_nothing_says_so(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"nowhere")
        await pilot.pause()
        table = app.screen.query_one(DomainTable)
        assert len(table.index) == 0
        assert "No domain matches “nowhere”" in table.render_line(1).text
        assert "showing 0" in str(app.screen.query_one("#counts").render())


async def test_enter_opens_the_right_domain_and_escape_comes_back(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DomainDetailScreen)
        assert app.screen.domain.name == "oldsite.example.org"
        await pilot.press("escape")
        assert isinstance(app.screen, DomainsScreen)


async def test_alias_detail_opens_its_target(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("end", "enter")
        await settle(pilot)
        assert app.screen.domain.name == "www.example.com"
        await pilot.press("o")
        await settle(pilot)
        assert app.screen.domain.name == "example.com"


async def test_sort_by_users_puts_the_busiest_domain_first(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DomainTable)
        while table.sort_key != "users":
            await pilot.press("o")
        assert table.index[0].name == "example.com"


async def test_empty_root_explains_itself(tmp_path):
    app = app_on(tmp_path / "nothing-here")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, EmptyRootScreen)
        assert "does not exist" in str(app.screen.query_one("#explanation").render())


async def test_an_empty_root_waits_for_the_new_domain_form_virtfs_opens_to_close(tmp_path):
    from screens.new_domain import NewDomainScreen

    app = app_on(tmp_path / "nothing-here", open_new_domain=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert [type(screen) for screen in app.screen_stack] == [DomainsScreen, NewDomainScreen]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, EmptyRootScreen)


async def test_help_lists_every_screen_key(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("DataTable")
        rows = [tuple(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]
        assert {where for where, _, _ in rows} == {title for title, _ in app.help_sources()}, \
            "a screen's keys are missing from the help"
        assert ("Log", "G", "End") in rows and ("Everywhere", "q", "Quit") in rows


async def test_palette_opens_a_domain(demo_root):
    app = app_on(demo_root)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"shop")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DomainDetailScreen) and app.screen.domain.name == "shop.example.org"


@pytest.fixture(scope="module")
def big_root(tmp_path_factory):
    return build_many(tmp_path_factory.mktemp("big") / "root", 10_000)


async def test_ten_thousand_domains_fill_in(big_root):
    app = app_on(big_root)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DomainTable)
        assert len(table.index) == 10_000
        assert all(d.loaded for d in table.index.domains)
        assert table.index[9_999].people[0].name == "u9999"
        await pilot.press("slash", *"d0999")
        await pilot.pause()
        assert len(table.index) == 10
