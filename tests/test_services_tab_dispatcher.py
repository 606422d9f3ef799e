"""The Services tab shows the virtuald dispatcher that serves a service's conf file and its
live counts, read from the status file of a real `virtuald --listen`."""

import socket

from textual.widgets import DataTable

from screens.app import VirtTuiApp
from screens.widgets.services import ServicesView
from tests.snapshot_roots import press_settled, settle
from tests.test_services_tab import SERVICES_TAB
from tests.virtuald_fixtures import Dispatcher, syslog, two_domains  # noqa: F401 (fixtures)
from virttui.settings import load_settings
from virttui.virtuald import status as dispatcher_status

WAITS_FOR_A_LINE = ["/bin/sh", "-c", "read line; cat /etc/hostname"]


def detail(view: ServicesView) -> str:
    return str(view.query_one("#service-detail").render())


async def test_the_services_tab_shows_the_dispatcher_serving_the_conf_and_its_counts(  # noqa: F811
        two_domains, syslog, tmp_path, monkeypatch):
    conf = two_domains / "conf.ftp"
    conf.write_text(f"127.0.0.2 {two_domains}/d1.example\n127.0.0.3 {two_domains}/d2.example\n")
    (two_domains / "conf.www").write_text(f"127.0.0.2 {two_domains}/d1.example\n")
    dispatcher = Dispatcher(tmp_path, syslog, conf, program=WAITS_FOR_A_LINE)
    monkeypatch.setattr(dispatcher_status, "RUN_DIR", str(dispatcher.run_dir))
    monkeypatch.setattr(ServicesView, "DISPATCHER_EVERY", 0.2)
    held = []
    try:
        app = VirtTuiApp(load_settings(root=str(two_domains), environ={}))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.open_domain("d1.example")
            await settle(pilot)
            await press_settled(pilot, SERVICES_TAB)
            view = app.screen.query_one(ServicesView)
            assert view.selected().service.name == "ftp"
            for _ in range(30):
                if "Served by" in detail(view):
                    break
                await pilot.pause(0.1)
            assert f"Served by  dispatcher pid {dispatcher.pid} on 127.0.0.2:{dispatcher.port}" in detail(view)
            held = [socket.create_connection(("127.0.0.2", dispatcher.port)) for _ in range(2)]
            dispatcher.wait_status("connections", 2)
            for _ in range(30):
                if "2 connections now (d1.example 2)" in detail(view):
                    break
                await pilot.pause(0.1)
            assert "2 connections now (d1.example 2)" in detail(view)
            www = [s.service.name for s in view.states].index("www")
            view.query_one(DataTable).move_cursor(row=www)
            await settle(pilot)
            assert view.selected().service.name == "www"
            assert "Served by" not in detail(view)   # no dispatcher serves conf.www
    finally:
        for sock in held:
            sock.close()
        dispatcher.stop()
