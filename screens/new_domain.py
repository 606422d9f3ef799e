"""A new domain: its name (checked as you type), its profiles, what will be installed and
its size, then the build with a progress bar, and the result or the error."""

import os
from typing import TYPE_CHECKING

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, ProgressBar, SelectionList, Static

from screens.widgets.service_offer import ServiceOffer
from virttui.names import BadDomainName, normalize_domain, printable
from virttui.virtfs.builder import BuildError, build, remove_leftovers
from virttui.virtfs.closure import ClosureError
from virttui.virtfs.plan import Plan, make_plan
from virttui.virtfs.profiles import available, compose, describe
from virttui.yamlfile import ConfigError

if TYPE_CHECKING:
    from screens.app import VirtTuiApp


class NewDomainScreen(Screen):
    if TYPE_CHECKING:
        app = getters.app(VirtTuiApp)

    CSS_PATH = "new_domain.tcss"

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+b", "build", "Build"),
    ]

    state = reactive("editing")  # editing, building, done, failed
    plan: Plan | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="new-domain"):
            yield Static("Name", classes="field-title")
            yield Input(placeholder="example.org", id="domain-name")
            yield Static(id="name-state", markup=False)
            yield Static("Profiles", classes="field-title")
            yield SelectionList[str](id="profiles")
            yield Static(id="plan", markup=False)
            yield ProgressBar(id="progress", show_eta=False)
            yield Static(id="result", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "virttui"
        self.sub_title = f"new domain in {self.app.settings.root}"
        profiles = self.query_one("#profiles", SelectionList)
        settings_profiles = self.app.settings.profiles
        for name in available(settings_profiles):
            prompt = Content(printable(f"{name:<7} {describe(name, settings_profiles)}"))
            profiles.add_option((prompt, name, name == "base"))
        self.query_one("#progress").display = False
        self.query_one("#domain-name", Input).focus()
        self.check_name("")

    # -- the name and the plan ------------------------------------------------

    @on(Input.Changed, "#domain-name")
    def name_changed(self, event: Input.Changed) -> None:
        self.check_name(event.value)

    def check_name(self, text: str) -> str | None:
        label = self.query_one("#name-state", Static)
        if not text:
            label.update("lower-case letters, digits and '-', in labels between dots")
            label.set_classes("hint")
            return None
        try:
            name = normalize_domain(text)
        except BadDomainName as error:
            label.update(f"✗ {error}")
            label.set_classes("bad")
            return None
        if os.path.lexists(self.app.settings.root / name):
            label.update(f"✗ {name} already exists in {self.app.settings.root}")
            label.set_classes("bad")
            return None
        label.update(f"✓ {self.app.settings.root / name}")
        label.set_classes("good")
        self.make_plan(name, self.chosen_profiles())
        return name

    def chosen_profiles(self) -> list[str]:
        return list(self.query_one("#profiles", SelectionList).selected)

    @on(SelectionList.SelectedChanged, "#profiles")
    def profiles_changed(self) -> None:
        self.check_name(self.query_one("#domain-name", Input).value)

    @work(thread=True, exclusive=True, group="plan")
    def make_plan(self, name: str, profiles: list[str]) -> None:
        try:
            plan = make_plan(name, compose(profiles or ["base"], self.app.settings.profiles))
        except (ConfigError, ClosureError) as error:
            self.app.call_from_thread(self.show_plan, None, str(error))
            return
        self.app.call_from_thread(self.show_plan, plan, "")

    def show_plan(self, plan: Plan | None, error: str) -> None:
        self.plan = plan
        text = self.query_one("#plan", Static)
        if plan is None:
            text.update(f"✗ {error}")
            return
        lines = [f"Will install {len(plan.copies)} files from the host ({plan.size / 1e6:.1f} MB), "
                 f"{len(plan.directories)} directories, {len(plan.devices)} devices, "
                 f"{len(plan.generate)} generated files. ctrl+b builds."]
        lines += [f"warning: {warning}" for warning in plan.warnings]
        text.update("\n".join(lines))

    # -- the build ---------------------------------------------------------

    def action_build(self) -> None:
        name = self.check_name(self.query_one("#domain-name", Input).value)
        if name is None or self.plan is None or self.plan.domain != name or self.state == "building":
            self.notify("Give a valid new name first", severity="warning")
            return
        self.show_progress(0, self.plan.steps, "starting")
        self.state = "building"
        self.run_build(self.plan)

    def show_progress(self, done: int, total: int, what: str) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=total, progress=done)
        self.query_one("#result", Static).update(what)
        self.query_one("#new-domain").scroll_end(animate=False)

    @work(thread=True, exclusive=True, group="build")
    def run_build(self, plan: Plan) -> None:
        settings = self.app.settings
        done = 0

        def step(what: str) -> None:
            nonlocal done
            done += 1
            self.app.call_from_thread(self.show_progress, done, plan.steps, what)

        try:
            remove_leftovers(settings.root)
            path = build(plan, settings.root, settings.socket_path, step)
        except (BuildError, OSError) as error:
            self.app.call_from_thread(self.finished, False, str(error))
            return
        self.app.call_from_thread(self.finished, True, f"✓ built {path}", plan.domain)

    def finished(self, ok: bool, message: str, domain: str | None = None) -> None:
        """The build's end; a domain built: the services it can be served with are offered."""
        self.state = "done" if ok else "failed"
        result = self.query_one("#result", Static)
        result.update(message if ok else f"✗ {message}")
        result.set_classes("good" if ok else "bad")
        self.query_one("#new-domain").scroll_end(animate=False)
        if ok:
            self.app.action_reload_in_background()
            if domain:
                self.query_one("#new-domain").mount(ServiceOffer(domain))
