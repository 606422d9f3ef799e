"""What a new user tripped on, each with a test that failed before its mend."""

import os

import pytest

from virttui.virtfs.profiles import compose

COMMON_TERMINALS = ["xterm", "xterm-256color", "screen", "screen-256color", "tmux", "tmux-256color", "linux",
                    "vt100", "vt220", "rxvt-unicode-256color", "dumb"]


@pytest.mark.parametrize("term", COMMON_TERMINALS)
def test_the_base_profile_copies_the_terminfo_entry_of_common_terminals(term):
    """vi in a domain under tmux said "terminal entry not found": the entry must be one of the
    files the base profile copies, where this host keeps it."""
    files = compose(["base"]).files
    listed = [path for path in files if path.endswith(f"terminfo/{term[0]}/{term}")]
    assert any(os.path.exists("/" + path) for path in listed), (term, listed)


async def test_the_app_says_it_is_on_a_demo_root_and_why(demo_root):
    from screens.app import VirtTuiApp
    from tests.test_domains_screen import app_on
    from virttui.settings import load_settings

    app = VirtTuiApp(load_settings(config=str(demo_root / ".virttui.yaml"), environ={}),
                     notice="A demo root: /virtual does not exist. Kept as you left it; "
                            "`virttui demo --reset` rebuilds it.")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert f"Root {demo_root} (demo)" in str(app.screen.query_one("#root-label").render())
        assert any("/virtual does not exist" in n.message for n in app._notifications)
    plain = app_on(demo_root.parent)   # not a demo root: no such word
    async with plain.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "(demo)" not in str(plain.screen.query_one("#root-label").render())


def test_open_keeps_an_existing_demo_root(tmp_path):
    """`make run` is `virttui open --demo-if-missing demo-root`: its root is built once."""
    from virttui.demo import build_demo, demo_root

    target = tmp_path / "demo-root"
    build_demo(target)
    (target / "made-by-hand").mkdir()
    config, built = demo_root(target)
    assert not built and (target / "made-by-hand").is_dir() and config == target / ".virttui.yaml"
    config, built = demo_root(target, reset=True)
    assert built and not (target / "made-by-hand").exists()


async def test_the_user_forms_fit_80x24_and_the_deletion_asks_with_the_focus_on_no(demo_root):
    from textual.widgets import Button

    from screens.user_forms import AddUserScreen, ConfirmScreen, PasswordScreen
    from tests.test_domains_screen import app_on

    app = app_on(demo_root)
    answers = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(AddUserScreen("example.com"))
        await pilot.pause()
        form = app.screen.query_one(".form")
        assert form.outer_size.height <= 24 and form.region.bottom <= 24    # the whole form, border too
        app.pop_screen()

        app.push_screen(PasswordScreen("example.com", "alice"))
        await pilot.pause()
        assert {button.id for button in app.screen.query(Button)} == {"submit", "cancel"}
        assert "escape cancels" in str(app.screen.query_one(".form-hint").render())
        app.pop_screen()

        app.push_screen(ConfirmScreen("Delete alice and their home from example.com?"), answers.append)
        await pilot.pause()
        assert app.screen.focused.id == "no"
        await pilot.press("enter")
        await pilot.pause()
    assert answers == [False]


def test_the_printed_rsyslog_configuration_writes_the_severity_the_reader_takes(tmp_path):
    """`v` (severity) did nothing: RSYSLOG_FileFormat writes no priority. A real rsyslogd with
    the printed configuration now writes `<PRI>`, and each line's severity is read back."""
    import socket
    import subprocess

    from tests.conftest import VENV_BIN
    from tests.rsyslog_instance import Rsyslogd, wait_for_text
    from virttui.syslog.logline import parse

    root = tmp_path / "root"
    root.mkdir()
    config = tmp_path / "virttui.yaml"
    config.write_text(f"root: {root}\nlog:\n  socket: {root}/log\n  file: {tmp_path}/virtual.log\n")
    printed = subprocess.run([str(VENV_BIN / "virttui"), "--config", str(config), "syslog", "config",
                              "--load-module"], capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    daemon = Rsyslogd(tmp_path, printed.stdout, [root / "log"])
    daemon.start()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as client:
            client.connect(str(root / "log"))
            client.send(b"<27>webapp[42]: the disk is full")      # daemon.err
            client.send(b"<30>webapp[42]: all is well again")     # daemon.info
        text = wait_for_text(tmp_path / "virtual.log", "all is well again")
    finally:
        daemon.stop()
    lines = [parse(line.encode()) for line in text.splitlines() if "webapp" in line]
    assert [(line.severity_name, line.program, line.message) for line in lines] == [
        ("err", "webapp", "the disk is full"), ("info", "webapp", "all is well again")]
    assert lines[0].text.startswith(lines[0].time)    # shown without its <PRI>


async def test_slash_on_the_log_screen_goes_to_the_domain_box(demo_root):
    from screens.log import LogScreen
    from tests.test_domains_screen import app_on

    app = app_on(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LogScreen)
        await pilot.press("slash")
        await pilot.pause()
        assert app.screen.focused.id == "filter-domain"


@pytest.mark.root
async def test_after_a_run_the_focus_is_back_on_the_list_and_the_output_shows_the_newest_run_whole(tmp_path):
    from tests.app_pilot import app_on, press_settled
    from tests.jails import build_busybox_root
    from tests.test_run_command import choose

    root = build_busybox_root(tmp_path / "root")
    long_line = "word " * 40
    (root / "virttui.yaml").write_text(
        f"root: {root}\ncommands:\n  long: {{argv: [echo, '{long_line.strip()}'], help: a long line}}\n"
        "  many: {argv: [sh, -c, 'i=0; while [ $i -lt 60 ]; do echo $i; i=$((i+1)); done'], help: sixty lines}\n")
    app = app_on(root)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "x")
        await choose(pilot, "many")
        assert app.screen.focused.id == "run-commands"          # not the argument box
        await pilot.press("down")                               # the list moves
        output = app.screen.query_one("#run-output")
        await choose(pilot, "long")
        await pilot.pause()
        assert output.scroll_y == output.max_scroll_y > 0         # the newest run in view
        shown = [str(line.text).rstrip() for line in output.lines]
        width = output.scrollable_content_region.width
        assert all(len(line) <= width for line in shown)
        assert " ".join(" ".join(shown[-5:]).split()).endswith(long_line.strip())   # wrapped, not cut


async def test_the_picker_shows_no_column_that_stays_unknown(demo_root):
    from screens.picker import PickerApp

    app = PickerApp(demo_root)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.query_one("#picker-domains")
        header = table.render_line(0).text
        assert "Users" not in header and "dev/log" not in header
        rows = [table.render_line(y).text for y in range(1, 6)]
        assert rows[0].split()[:4] == ["example.com", "127.0.0.2", "default", "ftp,www"]
        assert not any("…" in row.split() for row in rows), rows     # no cell waiting for ever


@pytest.mark.root
async def test_the_run_panel_offers_what_the_domain_has_and_names_the_profile_for_the_rest(tmp_path):
    from tests.app_pilot import app_on, press_settled
    from tests.jails import build_busybox_root

    root = build_busybox_root(tmp_path / "root")
    (root / "virttui.yaml").write_text(f"root: {root}\ncommands:\n  hostname: {{argv: [cat, /etc/hostname]}}\n")
    app = app_on(root)
    async with app.run_test(size=(100, 30)) as pilot:
        await press_settled(pilot, "x")
        commands = app.screen.query_one("#run-commands")
        offered = [commands.get_option_at_index(i).id for i in range(commands.option_count)]
        assert offered == ["hostname", "vi"]    # busybox has vi, and no passwd, adduser, mailq ...
        missing = str(app.screen.query_one("#run-missing").render())
        assert "mailq, newaliases: `virtfs --add-profile mail d1.example` adds them" in missing
        assert "smbpasswd, smbstatus: `virtfs --add-profile samba d1.example` adds them" in missing
        assert "adduser, deluser, passwd: `virtfs --add-profile base d1.example` adds them" in missing


@pytest.mark.root
def test_as_root_the_demos_domains_run_the_catalogs_commands(tmp_path):
    import subprocess

    from tests.conftest import VENV_BIN
    from virttui.demo import demo_notice, demo_root, has_programs

    config, built = demo_root(tmp_path / "demo-root")
    root = config.parent
    assert built and has_programs(root)
    environment = {"PATH": "/usr/bin:/bin", "VIRT_ROOT": str(root)}
    ran = subprocess.run([str(VENV_BIN / "virtexec"), "--domain", "example.com", "id", "alice"],
                         capture_output=True, text=True, env=environment, timeout=60)
    assert ran.returncode == 0 and "uid=1000(alice)" in ran.stdout, ran.stderr
    changed = subprocess.run([str(VENV_BIN / "virtexec"), "--domain", "example.com", "chpasswd"],
                             input="alice:Demo-pass-9\n", capture_output=True, text=True, env=environment, timeout=60)
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert "no programs" not in demo_notice(root, built, "test")


def test_without_programs_the_demo_says_so_plainly(demo_root):
    from virttui.demo import demo_notice

    said = demo_notice(demo_root, False, "/virtual does not exist")
    assert said.startswith("A demo root: /virtual does not exist. Kept as you left it")
    assert "its domains hold no programs: the catalog's commands cannot run in them" in said


async def test_the_log_tab_says_it_is_reading_and_its_caption_speaks_one_date_form(demo_root):
    from screens.detail import DomainDetailScreen
    from screens.widgets.domain_log import DomainLogView
    from tests.test_domains_screen import app_on

    app = app_on(demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DomainDetailScreen)
        view = app.screen.query_one(DomainLogView)
        caption = str(view.query_one("#domain-log-rate").render())
        # the demo's example.com lines are in both of rsyslog's forms: shown in one
        assert "per minute, Nov 24 09:00 to Nov 24 09:01" in caption, caption
        view.show_progress(0.42)
        assert str(view.query_one("#domain-log-rate").render()) == "Reading the log for example.com… 42%"
