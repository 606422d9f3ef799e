"""The Health screen: snapshots (a clean root, a root with findings) at 80x24 and 120x40, and
pilot tests: it opens first when the last check found errors, Enter opens the domain or the
conf line, `f` relinks a stale dev/log and the domain is checked again."""

import json
import os
import shutil
import socket

import pytest

from screens.app import VirtTuiApp
from screens.conf import ConfScreen
from screens.detail import DomainDetailScreen
from screens.domains import DomainsScreen
from screens.health import HealthScreen
from tests.app_pilot import SIZES, pressing, settle
from tests.snapshot_roots import SNAPSHOT_BASE
from virttui.check.audit import audit
from virttui.check.last import last_check_path, save
from virttui.settings import load_settings

# The check judges owners: every test's root must be root's.
pytestmark = pytest.mark.root

PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
SHADOW = "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n"


def bind_socket(path) -> None:
    if os.path.lexists(path):
        os.unlink(path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as log:
        log.bind(str(path))


def make_domain(root, name: str) -> None:
    """A small domain as virtfs leaves one (its manifest names no profile, so that it expects
    nothing of the host): accounts, dev/log linked to the root's socket."""
    domain = root / name
    for directory in ("etc", "dev", "usr/bin", "var/mail", "home"):
        (domain / directory).mkdir(parents=True)
    (domain / "etc/passwd").write_text(PASSWD)
    (domain / "etc/shadow").write_text(SHADOW)
    (domain / "etc/virtfs.json").write_text(json.dumps({"profiles": [], "files": {}}))
    os.link(root / "log", domain / "dev/log")


def build_health_root(area: str, broken: bool):
    root = SNAPSHOT_BASE / area
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    bind_socket(root / "log")
    for name in ("d1.example", "d2.example", "d3.example", "d4.example"):
        make_domain(root, name)
    if broken:
        bind_socket(root / "log")   # a new socket: every dev/log is stale but the relinked below
        for name in ("d2.example", "d3.example", "d4.example"):
            os.unlink(root / name / "dev/log")
            os.link(root / "log", root / name / "dev/log")
        with open(root / "d2.example/etc/passwd", "a") as f:
            f.write("toor:x:0:0::/root:/bin/sh\n")
        (root / "d2.example/usr/bin/sneaky").write_bytes(b"#!/bin/sh\n")
        os.chmod(root / "d2.example/usr/bin/sneaky", 0o4755)
        with open(root / "d3.example/etc/passwd", "a") as f:
            f.write("bob:x:1000:1000::/home/bob:/bin/sh\n")
        (root / "d3.example/home/bob").mkdir()
        (root / "d3.example/var/mail/bob").write_text("From x\n\nhello\n")
        (root / "conf.pop").write_text(f"127.0.0.2 {root}/d1.example\n127.0.0.3 {root}/gone.example\n"
                                       f"192.0.2.9 {root}/d3.example\n")
    return load_settings(root=str(root), environ={})


def health_app(area: str, broken: bool) -> VirtTuiApp:
    return VirtTuiApp(build_health_root(area, broken))


@pytest.mark.parametrize("size", SIZES)
def test_health_clean(snap_compare, size):
    assert snap_compare(health_app("health-clean", broken=False), terminal_size=size, run_before=pressing("h"))


@pytest.mark.parametrize("size", SIZES)
def test_health_with_findings(snap_compare, size):
    assert snap_compare(health_app("health-findings", broken=True), terminal_size=size,
                        run_before=pressing("h"))


async def test_opens_first_when_the_last_check_found_errors():
    app = health_app("health-first", broken=True)
    save(audit(app.settings))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HealthScreen)
        assert "4 errors, 2 warnings in 3 of 4 domains" in str(app.screen.query_one("#health-summary").render())
        await pilot.press("escape")
        assert isinstance(app.screen, DomainsScreen)


async def test_a_clean_last_check_opens_on_the_domains():
    app = health_app("health-first-clean", broken=False)
    save(audit(app.settings))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DomainsScreen)


async def test_enter_opens_the_conf_line_and_the_domain_and_f_relinks():
    app = health_app("health-pilot", broken=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HealthScreen)
        assert [(f.domain, f.check) for f in screen.rows][:2] == [("-", "conf"), ("d1.example", "logging")]
        await pilot.press("enter")   # the conf line of gone.example
        await settle(pilot)
        assert isinstance(app.screen, ConfScreen)
        assert app.screen.query_one("#conf-lines").cursor_row == 1
        await pilot.press("escape", "down")
        await settle(pilot)
        assert screen.current.check == "logging" and screen.current.fix == "relink"
        await pilot.press("f")
        await settle(pilot)
        assert ("d1.example", "logging") not in [(f.domain, f.check) for f in screen.rows]
        assert os.stat(app.settings.root / "d1.example/dev/log").st_ino == os.stat(app.settings.root / "log").st_ino
        saved = json.loads(last_check_path(app.settings.root).read_text())
        assert saved["counts"] == {"error": 3, "warning": 2}
        await pilot.press("down")   # d2.example's first finding: its domain opens
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DomainDetailScreen)
