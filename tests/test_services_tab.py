"""The Services tab of the domain detail: snapshots (no service, served, not listening) on a
fixed demo root whose catalog serves on ports nothing else here uses; enable and disable
through the address prompt on a real root; the services offered after a build."""

import json
import shutil
import socket
from pathlib import Path

import pytest

from screens.app import VirtTuiApp
from screens.service_prompt import ServicePromptScreen
from screens.widgets.services import ServicesView
from tests.app_pilot import SIZES, press_settled, settle
from tests.conftest import require_root
from tests.snapshot_roots import SNAPSHOT_BASE
from tests.test_new_domain_screen import HOST_FREE
from tests.test_virtfs import virtfs
from virttui.demo import build_demo
from virttui.settings import load_settings

# Below the ephemeral range (so no test's free_port hands them out), and no server here uses them.
PORTS = {"ftp": 30021, "www": 30080, "smb": 30445}
# The catalog the snapshots show, whole: what the shipped one says may change, and the mail
# services are left out.
SERVICES_SECTION = f"""\
services:
  ftp:
    description: "FTP: vsftpd, one process per connection"
    ports: [{PORTS["ftp"]}]
    argv: [/usr/sbin/vsftpd, /etc/vsftpd.conf]
    profile: ftp
    new_session: false
  www:
    description: "web: busybox httpd per connection"
    ports: [{PORTS["www"]}]
    argv: [/bin/busybox, httpd, -i, -h, /var/www/html]
    profile: www
    new_session: false
  smb:
    description: "Samba: smbd per connection"
    ports: [{PORTS["smb"]}]
    argv: [/usr/sbin/smbd]
    profile: samba
    new_session: true
  pop3: null
  imap: null
  smtp: null
"""
SERVICES_TAB = "5"   # Overview, Users, Mail, Log, Services


def services_root(area: str) -> Path:
    """The demo root at a fixed path, its catalog moved to PORTS; example.com built with the
    ftp and www profiles (a manifest and their servers), and a bare domain with no service."""
    config = build_demo(SNAPSHOT_BASE / area)
    root = config.parent
    with config.open("a") as settings:
        settings.write(SERVICES_SECTION)
    write_manifest(root / "example.com", ["base", "ftp", "www"])
    for server in ("usr/sbin/vsftpd", "bin/busybox"):
        path = root / "example.com" / server
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    bare = root / "bare.example.org"
    (bare / "etc").mkdir(parents=True)
    write_manifest(bare, ["base"])
    return config


def write_manifest(domain: Path, profiles: list[str]) -> None:
    (domain / "etc" / "virtfs.json").write_text(json.dumps({"profiles": profiles, "files": {}}))


def services_app(area: str = "services") -> VirtTuiApp:
    return VirtTuiApp(load_settings(config=str(services_root(area)), environ={}))


@pytest.fixture
def listeners():
    """Something that answers on example.com's ftp and www addresses (SO_REUSEPORT: a run of
    the same test beside this one binds them too)."""
    sockets = []
    for port in (PORTS["ftp"], PORTS["www"]):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(("127.0.0.2", port))
        sock.listen(16)
        sockets.append(sock)
    yield
    for sock in sockets:
        sock.close()


def on_services_tab(*keys: str):
    """Opens the highlighted domain after `keys`, its Services tab, and puts the cursor on www."""
    async def run_before(pilot):
        await press_settled(pilot, *keys, "enter", SERVICES_TAB)
        pilot.app.screen.query_one("#services-table").focus()
        await press_settled(pilot, "down", "down")
    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_no_service(snap_compare, size):
    # bare.example.org sorts first: no conf line sends it anything.
    assert snap_compare(services_app(), terminal_size=size, run_before=on_services_tab())


@pytest.mark.parametrize("size", SIZES)
def test_served(snap_compare, size, listeners):
    assert snap_compare(services_app(), terminal_size=size, run_before=on_services_tab("down"))


@pytest.mark.parametrize("size", SIZES)
def test_not_listening(snap_compare, size):
    assert snap_compare(services_app(), terminal_size=size, run_before=on_services_tab("down"))


@pytest.mark.parametrize("size", SIZES)
def test_enable_refused_in_the_prompt(snap_compare, size):
    async def run_before(pilot):
        await on_services_tab("down")(pilot)
        await press_settled(pilot, "e", *"127.0.0.3", "enter")   # example.net's www address
    assert snap_compare(services_app(), terminal_size=size, run_before=run_before)


# -- on a real root -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_root(tmp_path_factory) -> Path:
    """gamma.example built by virtfs with the ftp profile; conf.ftp gives 127.0.0.2 to another
    domain."""
    require_root()
    root = tmp_path_factory.mktemp("services-tab") / "root"
    root.mkdir()
    built = virtfs("--profile", "ftp", "gamma.example", root=root)
    assert built.returncode == 0, built.stderr
    (root / "other.example").mkdir()
    (root / "conf.ftp").write_text(f"# FTP\n127.0.0.2 {root}/other.example\n")
    (root / "virttui.yaml").write_text(f"root: {root}\nlog:\n  socket: {root}/log\n  file: {root}/log.txt\n"
                                       + SERVICES_SECTION)
    return root


def real_app(root: Path) -> VirtTuiApp:
    return VirtTuiApp(load_settings(config=str(root / "virttui.yaml"), environ={}))


async def open_services(pilot, domain: str) -> ServicesView:
    await settle(pilot)
    pilot.app.open_domain(domain)
    await settle(pilot)
    assert pilot.app.screen.query_one(ServicesView).states == ()   # nothing probed before the tab is open
    await press_settled(pilot, SERVICES_TAB)
    view = pilot.app.screen.query_one(ServicesView)
    assert view.selected().service.name == "ftp"   # the first row
    return view


async def test_enable_then_disable_from_the_tab(real_root):
    conf = real_root / "conf.ftp"
    line = f"127.0.0.3 {real_root}/gamma.example"
    async with real_app(real_root).run_test(size=(100, 30)) as pilot:
        view = await open_services(pilot, "gamma.example")
        await press_settled(pilot, "e")
        assert isinstance(pilot.app.screen, ServicePromptScreen)
        await press_settled(pilot, *"127.0.0.3", "enter")
        assert not isinstance(pilot.app.screen, ServicePromptScreen)
        assert conf.read_text() == f"# FTP\n127.0.0.2 {real_root}/other.example\n{line}\n"
        await settle(pilot)
        assert view.selected().addresses == ("127.0.0.3",)

        await press_settled(pilot, "u")
        prompt = pilot.app.screen
        assert isinstance(prompt, ServicePromptScreen) and prompt.query_one("#prompt-addresses").value == "127.0.0.3"
        await press_settled(pilot, "enter")
        assert conf.read_text() == f"# FTP\n127.0.0.2 {real_root}/other.example\n"
        await settle(pilot)
        assert view.selected().addresses == ()


async def test_an_address_of_another_domain_is_refused_in_the_prompt(real_root):
    conf = real_root / "conf.ftp"
    manifest = real_root / "gamma.example" / "etc" / "virtfs.json"
    before = conf.read_bytes(), manifest.read_bytes()
    async with real_app(real_root).run_test(size=(100, 30)) as pilot:
        await open_services(pilot, "gamma.example")
        await press_settled(pilot, "e", *"127.0.0.2", "enter")
        prompt = pilot.app.screen
        assert isinstance(prompt, ServicePromptScreen)   # still open, saying why
        refusal = prompt.query_one("#prompt-refusal")
        assert "other.example" in str(refusal.render()) and refusal.has_class("bad")
        assert (conf.read_bytes(), manifest.read_bytes()) == before
        await press_settled(pilot, "escape")
        assert not isinstance(pilot.app.screen, ServicePromptScreen)
        assert (conf.read_bytes(), manifest.read_bytes()) == before


async def test_enable_and_disable_from_the_command_palette(real_root):
    conf = real_root / "conf.ftp"
    async with real_app(real_root).run_test(size=(100, 30)) as pilot:
        await open_services(pilot, "gamma.example")
        await press_settled(pilot, "ctrl+p", *"Enable ftp on gamma")
        await press_settled(pilot, "enter")
        assert isinstance(pilot.app.screen, ServicePromptScreen)
        await press_settled(pilot, *"::1", "enter")
        assert f"::1 {real_root}/gamma.example" in conf.read_text().splitlines()
        await press_settled(pilot, "ctrl+p", *"Disable ftp on gamma")
        await press_settled(pilot, "enter", "enter")
        assert "gamma.example" not in conf.read_text()


@pytest.mark.root
async def test_a_built_domain_is_offered_its_services(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "virttui.yaml").write_text(f"root: {root}\n" + SERVICES_SECTION)
    app = VirtTuiApp(load_settings(config=str(root / "virttui.yaml"), environ={}), open_new_domain=True)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await press_settled(pilot, *"fresh.example", "ctrl+b")
        assert app.screen.state == "done"
        offer = app.screen.query_one("ServiceOffer")
        offer.query_one("#offer-services").select("ftp")
        offer.query_one("#offer-addresses").focus()
        await press_settled(pilot, *"127.0.0.5", "enter")
        results = str(offer.query_one("#offer-results").render())
        assert "profile ftp added" in results and "conf.ftp: added 127.0.0.5" in results
        assert (root / "conf.ftp").read_text() == f"127.0.0.5 {root}/fresh.example\n"
        assert "ftp" in json.loads((root / "fresh.example" / "etc" / "virtfs.json").read_text())["profiles"]


# -- the offer after a build ----------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_services_offered_after_a_build(snap_compare, size):
    root = SNAPSHOT_BASE / "service-offer"
    shutil.rmtree(root, ignore_errors=True)
    (root / "existing.example").mkdir(parents=True)   # a root with a domain: the table, not the empty-root page
    (root / "virttui.yaml").write_text(f"root: {root}\n" + HOST_FREE + SERVICES_SECTION)
    app = VirtTuiApp(load_settings(config=str(root / "virttui.yaml"), environ={}), open_new_domain=True)

    async def run_before(pilot):
        await settle(pilot)
        profiles = pilot.app.screen.query_one("#profiles")
        profiles.deselect("base")
        profiles.select("minimal")
        await press_settled(pilot, *"new.example")
        pilot.app.screen.finished(True, f"✓ built {root}/new.example", "new.example")   # as a build ends
        await settle(pilot)
        offer = pilot.app.screen.query_one("ServiceOffer")
        offer.query_one("#offer-services").select("www")
        offer.query_one("#offer-addresses").focus()
        await press_settled(pilot, *"127.0.0.2")
        # the screen scrolls to the focused box with an animation: let it end, whatever the load
        await pilot.wait_for_scheduled_animations()
        offer.query_one("#offer-addresses").scroll_visible(animate=False)
        await settle(pilot)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def test_refresh_sees_a_server_started_since():
    app = services_app("services-refresh")
    async with app.run_test(size=(100, 30)) as pilot:
        await press_settled(pilot, "down", "enter", SERVICES_TAB)   # example.com
        view = app.screen.query_one(ServicesView)
        assert [s.listening for s in view.states if s.enabled] == [False, False]
        with socket.socket() as server:
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            server.bind(("127.0.0.2", PORTS["ftp"]))
            server.listen(4)
            await press_settled(pilot, "ctrl+r")
            assert {s.service.name: s.listening for s in view.states if s.enabled} == {"ftp": True, "www": False}
            assert "listening" in str(view.query_one("#service-detail").render())
