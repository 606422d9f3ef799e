"""The log screen: snapshots (following, filtered by domain, paused, junk lines) at 80x24 and
120x40, and its behaviour with the pilot: new lines follow, a pause holds them."""

import pytest
from textual.widgets import Input

from screens.app import VirtTuiApp
from screens.log import LogScreen
from tests.app_pilot import SIZES, press_settled, pressing, settle
from tests.snapshot_roots import demo_settings
from virttui.settings import load_settings


def log_app():
    return VirtTuiApp(demo_settings("log"))


def run_with(*keys, typed: dict[str, str] | None = None):
    async def run_before(pilot):
        await press_settled(pilot, "l")
        for selector, text in (typed or {}).items():
            pilot.app.screen.query_one(selector, Input).value = text
            pilot.app.screen.query_one(selector, Input).focus()
            await press_settled(pilot, "enter")
        await press_settled(pilot, *keys)
    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_log_following_with_junk_lines_shown_safely(snap_compare, size):
    assert snap_compare(log_app(), terminal_size=size, run_before=run_with())


@pytest.mark.parametrize("size", SIZES)
def test_log_filtered_by_domain(snap_compare, size):
    assert snap_compare(log_app(), terminal_size=size,
                        run_before=run_with(typed={"#filter-domain": "example.com"}))


@pytest.mark.parametrize("size", SIZES)
def test_log_paused_and_wrapped(snap_compare, size):
    assert snap_compare(log_app(), terminal_size=size, run_before=run_with("space", "w"))


def lines_shown(screen: LogScreen) -> list[str]:
    return [line.text for line in screen.lines]


async def wait_until(pilot, condition, tries: int = 50) -> None:
    for _ in range(tries):
        await pilot.pause(0.1)
        await settle(pilot)
        if condition():
            return
    raise AssertionError("the screen never got there")


async def test_new_lines_follow_and_a_pause_holds_them(demo_root):
    settings = load_settings(config=str(demo_root / ".virttui.yaml"), environ={})
    app = VirtTuiApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("l")
        screen = app.screen
        assert isinstance(screen, LogScreen)
        await wait_until(pilot, lambda: screen.follower is not None)
        with open(settings.log_file, "a") as log:
            log.write("2026-11-24T09:03:00.000000+00:00 example.com httpd[9]: fresh line\n")
        await wait_until(pilot, lambda: any("fresh line" in text for text in lines_shown(screen)))
        await pilot.press("space")
        with open(settings.log_file, "a") as log:
            log.write("2026-11-24T09:04:00.000000+00:00 example.com httpd[9]: held line\n")
        await wait_until(pilot, lambda: screen.waiting == 1)
        assert not any("held line" in text for text in lines_shown(screen))
        assert "paused, 1 new" in str(screen.query_one("#log-state").render())
        await pilot.press("space")
        assert any("held line" in text for text in lines_shown(screen))
        screen.query_one("#filter-domain", Input).value = "example.net"
        screen.query_one("#filter-domain", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.follower is not None and screen.lines)
        assert all("example.com" not in text for text in lines_shown(screen))
        assert any("ftpd[2102]" in text for text in lines_shown(screen))  # by virtuald's pid
        shown_before = lines_shown(screen)
        screen.query_one("#filter-domain", Input).value = "not a domain!"
        screen.query_one("#filter-domain", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen, "a bad domain filter left the log screen"
        assert any("domain: " in n.message for n in app._notifications), "the bad domain is not said"
        assert lines_shown(screen) == shown_before, "a bad filter replaced the lines shown"


@pytest.mark.parametrize("size", SIZES)
def test_detail_log_tab_with_its_sparkline(snap_compare, size):
    assert snap_compare(log_app(), terminal_size=size, run_before=pressing("enter", "4"))


async def test_the_relink_key_mends_a_stale_and_a_missing_dev_log(demo_root):
    from virttui.domains.discovery import DevLog, devlog_state

    settings = load_settings(config=str(demo_root / ".virttui.yaml"), environ={})
    assert devlog_state(demo_root / "example.net", settings.socket_path) == DevLog.STALE
    app = VirtTuiApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("down", "L")  # the domains table: example.net
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert devlog_state(demo_root / "example.net", settings.socket_path) == DevLog.LINKED
        app.open_domain("shop.example.org")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("L")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert devlog_state(demo_root / "shop.example.org", settings.socket_path) == DevLog.LINKED
        assert app.screen.domain.devlog == DevLog.LINKED
