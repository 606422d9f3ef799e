"""The Run action: a catalog command run in a domain from the app, for real (root, busybox jails)."""

import time

import pytest

from screens.run_command import RunCommandScreen
from tests.app_pilot import app_on, press_settled, settle
from tests.conftest import VENV_BIN
from tests.jails import build_busybox_root
from tests.terminal import Tmux
from virttui.catalog import load_catalog
from virttui.domain_commands import commands_in_domain
from virttui.settings import load_settings

CATALOG = """\
commands:
  hostname: {argv: [cat, /etc/hostname], help: "the domain's name"}
  fail: {argv: [sh, -c, "echo broken >&2; exit 3"], help: "always fails"}
  shell: {argv: [sh], help: "a shell", interactive: true}
"""


@pytest.fixture
def root(tmp_path):
    root = build_busybox_root(tmp_path / "root")
    (root / "virttui.yaml").write_text(f"root: {root}\n" + CATALOG)
    return root


async def run_from_catalog(pilot, name, arguments="", keys=("x",)):
    """From the domains table: open the catalog with `keys`, then run `name`."""
    await press_settled(pilot, *keys)
    await choose(pilot, name, arguments)


def output_lines(app) -> list[str]:
    return [str(line.text) for line in app.screen.query_one("#run-output").lines]


async def choose(pilot, name, arguments=""):
    screen = pilot.app.screen
    commands = screen.query_one("#run-commands")
    names = [commands.get_option_at_index(i).id for i in range(commands.option_count)]
    commands.highlighted = names.index(name)
    await pilot.press("enter", *arguments, "enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.root
async def test_x_runs_a_command_in_the_current_domain_and_shows_its_output(root):
    app = app_on(root)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "x")
        await settle(pilot)
        assert isinstance(app.screen, RunCommandScreen) and app.screen.domain == "d2.example"
        await choose(pilot, "hostname")
        assert "d2.example" in output_lines(app)
        assert "hostname ended with status 0" in str(app.screen.query_one("#run-status").render())


@pytest.mark.root
async def test_a_failing_command_shows_its_status_and_stderr(root):
    app = app_on(root)
    async with app.run_test(size=(100, 30)) as pilot:
        await run_from_catalog(pilot, "fail")
        lines = output_lines(app)
        assert "broken" in lines
        status = app.screen.query_one("#run-status")
        assert "status 3" in str(status.render()) and status.has_class("error")


@pytest.mark.root
async def test_arguments_reach_the_command_and_bad_quoting_is_refused(root):
    app = app_on(root)
    async with app.run_test(size=(100, 30)) as pilot:
        await run_from_catalog(pilot, "hostname", " /etc/passwd")
        lines = output_lines(app)
        assert any(line.startswith("root:x:0:0") for line in lines)
        arguments = app.screen.query_one("#run-arguments")
        arguments.value = "'unclosed"
        arguments.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "No closing quotation" in str(app.screen.query_one("#run-status").render())


@pytest.mark.root
def test_an_interactive_command_gets_the_terminal_and_the_app_comes_back(root, tmp_path):
    tmux = Tmux(f"run-{tmp_path.name}")
    try:
        tmux.start(f"{VENV_BIN / 'virttui'} --config {root / 'virttui.yaml'}", columns=100, rows=30)
        tmux.wait_for("d2.example")
        tmux.keys("x")
        tmux.wait_for("a shell")
        offered = [c.name for c in commands_in_domain(root / "d1.example", load_catalog(
            load_settings(config=str(root / "virttui.yaml"), environ={}).commands))[0]]
        tmux.keys(*["Down"] * offered.index("shell"), "Enter")   # only what the domain has is offered
        time.sleep(0.5)  # the arguments box takes the focus
        tmux.keys("Enter")  # no arguments: run it
        tmux.wait_for("built-in shell")  # busybox sh owns the terminal now
        tmux.keys("cat /etc/hostname; exit 5", "Enter")
        tmux.wait_for("shell ended with status 5")
    finally:
        tmux.stop()
