"""The conf screen and the Services tab show the dispatcher that serves a conf file and its
live counts, read from the status file of a real `virtuald --listen`."""

import socket

import pytest
from textual.widgets import DataTable

from screens.app import VirtTuiApp
from screens.conf import ConfScreen
from screens.widgets.services import ServicesView
from tests.app_pilot import press_settled, settle
from tests.test_services_tab import SERVICES_TAB
from tests.virtuald_fixtures import Dispatcher
from virttui.settings import load_settings
from virttui.virtuald import status as dispatcher_status

WAITS_FOR_A_LINE = ["/bin/sh", "-c", "read line; cat /etc/hostname"]


@pytest.fixture
def dispatcher(two_domains, syslog, tmp_path, monkeypatch):
    """A dispatcher serving conf.hostname (d1 and d2) whose status files the screens read;
    conf.ftp (d1 only) is served by no dispatcher."""
    conf = two_domains / "conf.hostname"
    conf.write_text(f"127.0.0.2 {two_domains}/d1.example\n127.0.0.3 {two_domains}/d2.example\n")
    (two_domains / "conf.ftp").write_text(f"127.0.0.2 {two_domains}/d1.example\n")
    started = Dispatcher(tmp_path, syslog, conf, program=WAITS_FOR_A_LINE)
    monkeypatch.setattr(dispatcher_status, "RUN_DIR", str(started.run_dir))
    monkeypatch.setattr(ConfScreen, "DISPATCHER_EVERY", 0.2)
    monkeypatch.setattr(ServicesView, "DISPATCHER_EVERY", 0.2)
    held = []
    started.held = held
    yield started
    for sock in held:
        sock.close()
    started.stop()


async def shows(pilot, render, text: str) -> str:
    """What `render()` shows once it holds `text` (the status file is read every 0.2 s)."""
    for _ in range(30):
        if text in render():
            break
        await pilot.pause(0.1)
    return render()


async def test_the_conf_screen_shows_the_dispatcher_serving_the_file(dispatcher, two_domains):
    app = VirtTuiApp(load_settings(root=str(two_domains), environ={}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfScreen)
        line = app.screen.query_one("#conf-dispatcher")
        assert not line.display  # conf.ftp comes first: no dispatcher serves it
        await pilot.press("down")
        await settle(pilot)
        assert line.display
        assert f"dispatcher pid {dispatcher.pid} on 127.0.0.2:{dispatcher.port}" in str(line.render())
        dispatcher.held += [socket.create_connection(("127.0.0.2", dispatcher.port)) for _ in range(2)]
        dispatcher.wait_status("connections", 2)
        assert "2 connections now (d1.example 2)" in await shows(pilot, lambda: str(line.render()),
                                                                 "2 connections now")


async def test_the_services_tab_shows_the_dispatcher_serving_the_conf_and_its_counts(dispatcher, two_domains,
                                                                                    tmp_path):
    config = tmp_path / "virttui.yaml"   # conf.hostname is the conf file of a service of the catalog
    config.write_text(f"root: {two_domains}\nservices:\n  hostname: {{ports: [{dispatcher.port}], "
                      "argv: [/bin/cat, /etc/hostname], profile: base}\n")
    app = VirtTuiApp(load_settings(config=str(config), environ={}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_domain("d1.example")
        await settle(pilot)
        await press_settled(pilot, SERVICES_TAB)
        view = app.screen.query_one(ServicesView)

        def detail() -> str:
            return str(view.query_one("#service-detail").render())

        names = [state.service.name for state in view.states]
        view.query_one(DataTable).move_cursor(row=names.index("hostname"))
        await settle(pilot)
        assert f"Served by  dispatcher pid {dispatcher.pid} on 127.0.0.2:{dispatcher.port}" in await shows(
            pilot, detail, "Served by")
        dispatcher.held += [socket.create_connection(("127.0.0.2", dispatcher.port)) for _ in range(2)]
        dispatcher.wait_status("connections", 2)
        assert "2 connections now (d1.example 2)" in await shows(pilot, detail, "2 connections now")
        view.query_one(DataTable).move_cursor(row=names.index("ftp"))
        await settle(pilot)
        assert "Served by" not in detail()   # no dispatcher serves conf.ftp


@pytest.mark.parametrize("name, shown", [("[bold]x", "[bold]x"), ("d\x1b[2Jx", "d\\x1b[2Jx")])
def test_the_summary_shows_names_escaped(name, shown, tmp_path):
    status = dispatcher_status.Status(str(tmp_path), {"pid": 1, "conf": "/c", "listen": ["127.0.0.2:21"],
                                                      "connections": 1, "domains": {f"/v/{name}": 1}})
    assert f"({shown} 1)" in dispatcher_status.summary(status)
