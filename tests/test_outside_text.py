"""Text from outside (typed names, directory names, conf lines, passwd fields, log lines,
descriptions in the settings file, command output) is shown as data: never read as markup,
never a link that runs an action, never an escape sequence sent to the terminal."""

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rich.text import Text
from textual.content import Content
from textual.widgets import DataTable, Input, OptionList, RichLog, Static

from screens.app import VirtTuiApp
from screens.conf import ConfScreen
from screens.detail import DomainDetailScreen
from screens.domains import DomainsScreen
from screens.empty_root import EmptyRootScreen
from screens.log import LogScreen
from screens.new_domain import NewDomainScreen
from screens.problems import ProblemsScreen
from screens.run_command import RunCommandScreen
from screens.widgets.domain_table import DomainTable
from tests.app_pilot import settle
from virttui.domain_commands import CommandRun
from virttui.names import BadDomainName, normalize_domain, printable
from virttui.settings import load_settings

PIECES = ["[", "]", "[/]", "[b]", "[/b]", "[@click=quit]", "[@click=app.quit]", "[$error]", "\\",
          "\x1b[2J", "\x1b]0;title\x07", "a", "x y", "$root"]
MARKUP_LIKE = st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join)

EXAMPLES = ("a[/]b", "[@click=app.quit]quit[/]", "[b]bold", "\x1b[2Jclear")
WIDE = 250   # log lines are cut at the screen's width: room for the longest text drawn
THOROUGH = settings(max_examples=5, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def with_examples(test):
    for text in EXAMPLES:
        test = example(text)(test)
    return test


def visible(renderable) -> tuple[str, list]:
    """What a widget shows of `renderable`, and the styles of its spans."""
    if isinstance(renderable, Content):
        return renderable.plain, [span.style for span in renderable.spans]
    if isinstance(renderable, Text):
        return renderable.plain, [span.style for span in renderable.spans]
    return str(renderable), []


def assert_shown_as_data(renderable, text: str) -> None:
    """`text` appears literally (controls as \\xNN), with no link or action attached to it."""
    plain, styles = visible(renderable)
    assert printable(text) in plain, f"{text!r} is not shown literally in {plain!r}"
    assert "\x1b" not in plain, f"an escape sequence reaches the terminal: {plain!r}"
    for style in styles:
        assert "@click" not in str(style) and not getattr(style, "meta", None), \
            f"{text!r} became a link: {style!r}"


def assert_still_running(app, screen_type) -> None:
    assert app.is_running and app.return_code is None, "the app stopped"
    assert isinstance(app.screen, screen_type), f"the screen is now {type(app.screen).__name__}"


def fresh_dir() -> Path:
    """A directory of its own per example (hypothesis runs many in one test)."""
    return Path(tempfile.mkdtemp(prefix="virttui-outside-"))


def app_with(config: Path, **kwargs) -> VirtTuiApp:
    return VirtTuiApp(load_settings(config=str(config), environ={}), **kwargs)


def small_root(base: Path, extra_settings: str = "") -> tuple[Path, Path]:
    """A root with one domain, example.org, with a passwd; its settings file."""
    root = base / "root"
    (root / "example.org" / "etc").mkdir(parents=True)
    config = base / "virttui.yaml"
    config.write_text(f"root: {root}\nlog:\n  socket: {root}/log\n  file: {root}/.virtual.log\n"
                      + extra_settings)
    return root, config


@THOROUGH
@given(text=MARKUP_LIKE)
@with_examples
async def test_a_typed_new_domain_name(text):
    base = fresh_dir()
    try:
        root, config = small_root(base)
        app = app_with(config, open_new_domain=True)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            app.screen.query_one("#domain-name", Input).insert_text_at_cursor(text)
            await settle(pilot)
            assert_still_running(app, NewDomainScreen)
            said, styles = visible(app.screen.query_one("#name-state", Static).render())
            assert said == name_check_said(text, root), "the name check is not shown as it is"
            assert not any("@click" in str(style) for style in styles)
    finally:
        shutil.rmtree(base)


@THOROUGH
@given(text=MARKUP_LIKE)
@with_examples
async def test_a_typed_new_name_in_the_rename_form(text):
    from screens.life_forms import RenameDomainScreen

    base = fresh_dir()
    try:
        _, config = small_root(base)
        app = app_with(config)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("R")
            await settle(pilot)
            new_name = app.screen.query_one("#new-name", Input)
            new_name.value = ""
            new_name.insert_text_at_cursor(text)
            await settle(pilot)
            assert_still_running(app, RenameDomainScreen)
            said, styles = visible(app.screen.query_one("#form-error", Static).render())
            assert said == app.screen.problem(text), "the name check is not shown as it is"
            assert not any("@click" in str(style) for style in styles)
    finally:
        shutil.rmtree(base)


def name_check_said(text: str, root: Path) -> str:
    try:
        return f"✓ {root / normalize_domain(text)}"
    except BadDomainName as error:
        return f"✗ {error}"


@THOROUGH
@given(text=MARKUP_LIKE)
@with_examples
async def test_outside_text_in_a_root(text):
    """The root's path, a directory name that is not a domain name, and the problem said of it."""
    base = fresh_dir()
    try:
        name = "_" + text.replace("/", "_")       # never a domain name
        root = base / name
        (root / name).mkdir(parents=True)
        app = VirtTuiApp(load_settings(root=str(root), environ={}))
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert_still_running(app, EmptyRootScreen)
            assert_shown_as_data(app.screen.query_one("#explanation", Static).render(), str(root))
            problems = [widget.render() for widget in app.screen.query(".problem").results(Static)]
            assert problems, "the directory that is not a domain is not reported"
            assert_shown_as_data(problems[0], name)
    finally:
        shutil.rmtree(base)


@THOROUGH
@given(text=MARKUP_LIKE)
@with_examples
async def test_conf_lines(text):
    base = fresh_dir()
    try:
        root, config = small_root(base)
        (root / "conf.ftp").write_text(f"127.0.0.2 {root}/example.org\n127.0.0.3 {text}\n{text} x\n")
        app = app_with(config)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.action_show_conf()
            await settle(pilot)
            assert_still_running(app, ConfScreen)
            table = app.screen.query_one("#conf-lines", DataTable)
            cells = [cell for i in range(table.row_count) for cell in table.get_row_at(i)]
            assert all(isinstance(cell, (Text, Content)) for cell in cells), "a cell is left to markup"
            shown = " ".join(visible(cell)[0] for cell in cells)
            assert printable(text.split()[0]) in shown
            await pilot.press("down")
            await settle(pilot)
            assert_still_running(app, ConfScreen)
    finally:
        shutil.rmtree(base)


@THOROUGH
@given(text=MARKUP_LIKE)
@with_examples
async def test_the_problems_view(text):
    """A conf file's name is any name after `conf.`: the Problems view shows it as its place."""
    base = fresh_dir()
    try:
        root, config = small_root(base)
        name = "conf." + text.replace("/", "_")
        (root / name).write_text("not a line of a conf file\n")
        app = app_with(config)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.action_show_problems()
            await settle(pilot)
            assert_still_running(app, ProblemsScreen)
            table = app.screen.query_one(DataTable)
            cells = [cell for i in range(table.row_count) for cell in table.get_row_at(i)]
            assert all(isinstance(cell, (Text, Content)) for cell in cells), "a cell is left to markup"
            assert_shown_as_data(table.get_row_at(0)[0], name)
    finally:
        shutil.rmtree(base)


@THOROUGH
@given(text=MARKUP_LIKE)
@with_examples
async def test_passwd_fields_and_log_lines_in_the_detail(text):
    base = fresh_dir()
    try:
        root, config = small_root(base)
        one_line = text.replace(":", ";")
        (root / "example.org" / "etc" / "passwd").write_text(
            "root:x:0:0:root:/root:/bin/sh\n"
            f"alice:x:1000:1000:{one_line}:/home/{one_line}:/bin/sh\n")
        (root / ".virtual.log").write_text(f"Nov 24 09:00:01 example.org ftpd[7]: USER {text}\n")
        app = app_with(config)
        async with app.run_test(size=(WIDE, 40)) as pilot:
            await settle(pilot)
            app.open_domain("example.org")
            await settle(pilot)
            await pilot.press("2")
            await settle(pilot)
            assert_still_running(app, DomainDetailScreen)
            row = app.screen.query_one("#users-table", DataTable).get_row_at(0)
            assert_shown_as_data(row[2], one_line)
            await pilot.press("4")
            await settle(pilot)
            assert_still_running(app, DomainDetailScreen)
            lines = app.screen.query_one("#domain-log-lines", RichLog).lines
            assert any(printable(text) in line.text for line in lines), "the log line is not shown"
    finally:
        shutil.rmtree(base)


@THOROUGH
@given(text=MARKUP_LIKE)
@with_examples
async def test_the_shared_log_and_its_filters(text):
    base = fresh_dir()
    try:
        root, config = small_root(base)
        (root / ".virtual.log").write_text(f"Nov 24 09:00:01 host ftpd[7]: USER {text}\n")
        app = app_with(config)
        async with app.run_test(size=(WIDE, 40)) as pilot:
            await settle(pilot)
            app.action_show_log()
            await settle(pilot)
            assert_still_running(app, LogScreen)
            assert [line.text for line in app.screen.lines] == [f"Nov 24 09:00:01 host ftpd[7]: USER {text}"]
            assert_shown_as_data(app.screen.styled(app.screen.lines[0]), text)
            app.screen.query_one("#filter-program", Input).insert_text_at_cursor(text)
            app.screen.query_one("#filter-domain", Input).insert_text_at_cursor(text)
            app.screen.query_one("#filter-domain", Input).focus()
            await pilot.press("enter")     # a bad domain: said in a notification
            await settle(pilot)
            app.screen.query_one("#filter-domain", Input).clear()
            app.screen.query_one("#filter-domain", Input).focus()
            await pilot.press("enter")     # the program filter applied: said in the state line
            await settle(pilot)
            assert_still_running(app, LogScreen)
            assert_shown_as_data(app.screen.query_one("#log-state", Static).render(), text.strip())
    finally:
        shutil.rmtree(base)


@THOROUGH
@given(text=MARKUP_LIKE)
@with_examples
async def test_descriptions_from_the_settings_file(text):
    """Profile descriptions in the new-domain screen, command help in the Run panel."""
    base = fresh_dir()
    try:
        quoted = text.replace("\\", "\\\\").replace('"', '\\"').replace("\x1b", "\\e").replace("\x07", "\\a")
        root, config = small_root(base, (
            f'profiles:\n  odd:\n    description: "{quoted}"\n    directories: [tmp]\n'
            f'commands:\n  odd: {{argv: [/bin/odd], help: "{quoted}"}}\n'))
        program = root / "example.org" / "bin" / "odd"   # the Run panel offers what the domain has
        program.parent.mkdir()
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
        app = app_with(config, open_new_domain=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert_still_running(app, NewDomainScreen)
            profiles = app.screen.query_one("#profiles", OptionList)
            prompts = [profiles.get_option_at_index(i).prompt for i in range(profiles.option_count)]
            assert any(printable(text) in visible(prompt)[0] for prompt in prompts)
            for prompt in prompts:
                assert isinstance(prompt, (Text, Content)), f"{prompt!r} is left to markup"
            await pilot.press("escape")
            app.run_command_in("example.org")
            await settle(pilot)
            assert_still_running(app, RunCommandScreen)
            commands = app.screen.query_one("#run-commands", OptionList)
            prompt = commands.get_option("odd").prompt
            assert_shown_as_data(prompt, text)
    finally:
        shutil.rmtree(base)


@THOROUGH
@given(text=MARKUP_LIKE)
@with_examples
async def test_command_output_and_notifications(text):
    base = fresh_dir()
    try:
        _, config = small_root(base)
        app = app_with(config)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.run_command_in("example.org")
            await settle(pilot)
            screen = app.screen
            screen._show_result("odd", CommandRun(["virtexec", "example.org", "odd", text], 3, f"{text}\n"))
            await settle(pilot)
            assert_still_running(app, RunCommandScreen)
            lines = [line.text for line in screen.query_one("#run-output", RichLog).lines]
            # Colours (SGR) are kept, other sequences dropped: what is left is shown as it is.
            assert any(Text.from_ansi(text).plain in line for line in lines), f"{text!r} is not shown"
            assert not any("\x1b" in line for line in lines), "an escape sequence reaches the terminal"
            app.open_domain(text)        # no such domain: a notification quotes the name
            await settle(pilot)
            assert_still_running(app, RunCommandScreen)
            assert app._notifications, "no notification"
            for notification in app._notifications:
                assert not notification.markup, f"{notification.message!r} is read as markup"
    finally:
        shutil.rmtree(base)


@THOROUGH
@given(text=MARKUP_LIKE)
@with_examples
async def test_the_demo_notice_names_the_missing_root(text):
    """`virttui open --demo-if-missing` says which root is missing: a path from VIRT_ROOT."""
    base = fresh_dir()
    try:
        _, config = small_root(base)
        app = app_with(config, notice=f"/srv/{text} does not exist")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert_still_running(app, DomainsScreen)
            assert [n.markup for n in app._notifications] == [False], "the notice is read as markup"
    finally:
        shutil.rmtree(base)


@THOROUGH
@given(text=MARKUP_LIKE)
@with_examples
async def test_service_names_in_the_domains_table(text):
    """A conf.SERVICE file's name is the service shown in the table."""
    base = fresh_dir()
    try:
        root, config = small_root(base)
        service = text.replace("/", "_")
        (root / f"conf.{service}").write_text(f"127.0.0.2 {root}/example.org\n")
        app = app_with(config)
        async with app.run_test(size=(WIDE, 20)) as pilot:
            await settle(pilot)
            table = app.screen.query_one(DomainTable)
            shown = [table.render_line(y).text for y in range(3)]
            start = printable(service)[:25]     # the column may cut the rest
            assert any(start in line for line in shown), f"{service!r} is not in {shown!r}"
            assert not any("\x1b" in line for line in shown), "an escape sequence reaches the terminal"
    finally:
        shutil.rmtree(base)
