"""The conf screen shows the dispatcher that serves a conf file and its live counts, read
from the status file of a real `virtuald --listen`."""

import socket

import pytest

from screens.app import VirtTuiApp
from screens.conf import ConfScreen
from tests.snapshot_roots import settle
from tests.virtuald_fixtures import Dispatcher
from virttui.settings import load_settings
from virttui.virtuald import status as dispatcher_status

WAITS_FOR_A_LINE = ["/bin/sh", "-c", "read line; cat /etc/hostname"]


async def test_the_conf_screen_shows_the_dispatcher_serving_the_file(two_domains, syslog, tmp_path,
                                                                     monkeypatch):
    conf = two_domains / "conf.hostname"
    conf.write_text(f"127.0.0.2 {two_domains}/d1.example\n127.0.0.3 {two_domains}/d2.example\n")
    (two_domains / "conf.ftp").write_text(f"127.0.0.2 {two_domains}/d1.example\n")
    dispatcher = Dispatcher(tmp_path, syslog, conf, program=WAITS_FOR_A_LINE)
    monkeypatch.setattr(dispatcher_status, "RUN_DIR", str(dispatcher.run_dir))
    monkeypatch.setattr(ConfScreen, "DISPATCHER_EVERY", 0.2)
    held = []
    try:
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
            held = [socket.create_connection(("127.0.0.2", dispatcher.port)) for _ in range(2)]
            dispatcher.wait_status("connections", 2)
            for _ in range(30):
                await pilot.pause(0.1)
                if "2 connections now (d1.example 2)" in str(line.render()):
                    break
            assert "2 connections now (d1.example 2)" in str(line.render())
    finally:
        for sock in held:
            sock.close()
        dispatcher.stop()


@pytest.mark.parametrize("name, shown", [("[bold]x", "[bold]x"), ("d\x1b[2Jx", "d\\x1b[2Jx")])
def test_the_summary_shows_names_escaped(name, shown, tmp_path):
    status = dispatcher_status.Status(str(tmp_path), {"pid": 1, "conf": "/c", "listen": ["127.0.0.2:21"],
                                                      "connections": 1, "domains": {f"/v/{name}": 1}})
    assert f"({shown} 1)" in dispatcher_status.summary(status)
