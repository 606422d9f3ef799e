"""The app's side of a domain's life: the forms, then the core's step in a worker, then the
root read again. The domains table and the domain detail both call these (keys and palette).

The work is virttui.domains.life, .addresses and .disk: what `virttui domain ...` does;
those are imported when a step is taken (the app's start does not wait for them)."""

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App, SuspendNotSupported

from virttui.domains.discovery import Domain
from virttui.mail.mailbox import human_size

if TYPE_CHECKING:
    from virttui.domains.discovery import Root
    from virttui.settings import Settings

    _App = App   # what the type checker sees: the App this is mixed into
else:
    _App = object


class DomainLife(_App):
    """Mixed into the App: `self` is the VirtTuiApp."""

    if TYPE_CHECKING:
        settings: Settings
        root_model: Root | None

        def open_domain(self, name: str) -> None: ...
        def action_reload_in_background(self) -> None: ...
        def relink_devlog(self, name: str, then=None) -> object: ...  # a worker in the app
        def run_command_in(self, name: str, command: str | None = None) -> None: ...

    def _domain(self, name: str) -> Domain | None:
        domain = self.root_model.domain(name) if self.root_model else None
        if domain is None:
            self.notify(f"No domain {name!r} in {self.settings.root}", severity="error", markup=False)
        return domain

    def _life_step(self, done: str, step, *arguments, then=None) -> None:
        """Run a step of virttui.domains.life in a worker; say how it ended; read the root again."""
        from virttui.conf.editor import EditRefused
        from virttui.domains import life

        def work() -> None:
            try:
                result = step(self.settings.root, *arguments)
            except (life.LifeRefused, EditRefused, OSError) as refused:
                self.call_from_thread(self.notify, str(refused), severity="error", timeout=10)
                return
            said = done.format(result=result)
            for note in getattr(result, "notes", []):
                said += f"\n{note}"
            self.call_from_thread(self.notify, said, timeout=8)
            self.call_from_thread(self.action_reload_in_background)
            if then is not None:
                self.call_from_thread(then, result)
        self.run_worker(work, thread=True, group="domain-life", exit_on_error=False)

    # -- the steps ---------------------------------------------------------

    def edit_addresses(self, name: str) -> None:
        from screens.life_forms import AddressesScreen
        from virttui.services.catalog import load_services

        domain = self._domain(name)
        if domain is None:
            return
        target = domain.alias_of or domain.name
        current = ((self.root_model and self.root_model.domain(target)) or domain).addresses
        services = sorted(set(load_services(self.settings.services)) | set(current))

        def chosen(plan) -> None:
            if plan is not None:
                from virttui.domains.addresses import save
                self._life_step(f"{plan.path.name}: addresses of {target} saved", lambda root, p: save(p, root), plan)
        self.push_screen(AddressesScreen(self.settings.root, target, services, current), chosen)

    def toggle_disabled(self, name: str) -> None:
        from virttui.domains import life

        domain = self._domain(name)
        if domain is None:
            return
        target = domain.alias_of or domain.name
        model = (self.root_model and self.root_model.domain(target)) or domain
        if model.state == "disabled":
            self._life_step(f"{target} enabled: {{result.lines_changed}} conf line(s) restored", life.enable, target)
        elif model.addresses:
            self._life_step(f"{target} disabled: {{result.lines_changed}} conf line(s) commented out",
                            life.disable, target)
        else:
            self.notify(f"{target} has no conf line to disable: give it addresses with A", severity="warning", markup=False)

    def rename_domain(self, name: str) -> None:
        from screens.life_forms import RenameDomainScreen
        from virttui.domains import life

        domain = self._domain(name)
        if domain is None:
            return
        if domain.alias_of:
            self.notify(f"{name} is an alias of {domain.alias_of}: rename {domain.alias_of}", severity="warning", markup=False)
            return
        taken = {d.name for d in self.root_model.domains} if self.root_model else set()

        def chosen(new: str | None) -> None:
            if new:
                self._life_step(f"{name} renamed to {new}", life.rename, name, new,
                                then=lambda result: self._after_rename(name, new))
        self.push_screen(RenameDomainScreen(name, taken), chosen)

    def _after_rename(self, old: str, new: str) -> None:
        from screens.detail import DomainDetailScreen

        if isinstance(self.screen, DomainDetailScreen) and self.screen.domain.name == old:
            self.pop_screen()

    def delete_domain(self, name: str) -> None:
        from screens.life_forms import DeleteDomainScreen
        from virttui.domains import life
        from virttui.domains.archive import default_directory

        domain = self._domain(name)
        if domain is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._life_step(f"{name} deleted" + ("" if domain.alias_of else "; archive: {result.archive}"),
                                life.delete, name, then=lambda result: self._after_rename(name, ""))
        archive = "(none: an alias is a link)" if domain.alias_of else str(default_directory(self.settings.root))
        self.push_screen(DeleteDomainScreen(name, archive), answered)

    def open_shell(self, name: str) -> None:
        """sh in the domain through virtexec, on the terminal; the app suspended meanwhile."""
        from virttui.domain_commands import run_on_terminal
        from virttui.installed import installed_path

        domain = self._domain(name)
        if domain is None:
            return
        target = domain.alias_of or domain.name
        try:
            with self.suspend():
                print(f"sh in {target} (virtexec); exit returns to virttui", flush=True)
                status = run_on_terminal([installed_path("virtexec"), "--domain", target, "sh"], self.settings.root)
        except SuspendNotSupported:
            self.notify("A shell needs the app on a terminal it can hand over", severity="error")
            return
        self.notify(f"shell in {target} ended with status {status}",
                    severity="information" if status == 0 else "warning", markup=False)

    def count_disk_use(self, domains: list[Domain], then=None) -> None:
        """Each domain's own blocks, counted in a worker; `then` called (on the app) after each batch."""
        from virttui.domains.disk import disk_use

        def work() -> None:
            for domain in domains:
                if domain.alias_of:
                    continue
                try:
                    domain.disk = disk_use(Path(self.settings.root) / domain.name).bytes
                except OSError:
                    continue
                if then is not None:
                    self.call_from_thread(then)
        self.run_worker(work, thread=True, group="disk-use", exclusive=True, exit_on_error=False)

    def action_show_problems(self) -> None:
        from screens.problems import ProblemsScreen

        if not isinstance(self.screen, ProblemsScreen):
            self.push_screen(ProblemsScreen())

    def bulk_action(self, domains: list[Domain]) -> None:
        from screens.bulk import BulkScreen

        if not domains:
            self.notify("Mark domains with space first", severity="warning")
            return
        self.push_screen(BulkScreen(domains))


    # -- the palette's actions ---------------------------------------------

    def current_domain_name(self, screen) -> str | None:
        """The domain the screen is on: the detail's, or the table's row under the cursor."""
        from screens.detail import DomainDetailScreen
        from screens.domains import DomainsScreen
        from screens.widgets.domain_table import DomainTable

        if isinstance(screen, DomainDetailScreen):
            return screen.domain.name
        if isinstance(screen, DomainsScreen):
            domain = screen.query_one(DomainTable).current_domain
            return domain.name if domain else None
        return None

    def domain_commands(self, screen):
        from textual.app import SystemCommand

        from virttui.catalog import load_catalog

        name = self.current_domain_name(screen)
        if name is None:
            return
        target = self.root_model.domain(name) if self.root_model else None
        disabled = (target is not None and self.root_model is not None
                    and (self.root_model.domain(target.alias_of or name) or target).state == "disabled")
        yield SystemCommand(f"Addresses of {name}", "Add, change or remove its addresses per service (A)",
                            partial(self.edit_addresses, name))
        yield SystemCommand(f"{'Enable' if disabled else 'Disable'} {name}",
                            "Its conf lines commented out with a marker, or restored (D)", partial(self.toggle_disabled, name))
        yield SystemCommand(f"Rename {name}", "Its directory, conf lines and aliases (R)", partial(self.rename_domain, name))
        yield SystemCommand(f"Delete {name}", "Archive it, then remove its lines, aliases and directory (Delete)",
                            partial(self.delete_domain, name))
        yield SystemCommand(f"Shell in {name}", "sh in the domain through virtexec, the app suspended (s)",
                            partial(self.open_shell, name))
        yield SystemCommand(f"Relink dev/log of {name}", "Make its dev/log a link to the log socket again (L)",
                            partial(self.relink_devlog, name))
        yield SystemCommand(f"Disk use of {name}", "Count its own blocks (U counts every domain's)",
                            partial(self.count_disk_use, [target] if target else [], self._disk_counted))
        for command in load_catalog(self.settings.commands).values():
            yield SystemCommand(f"Run {command.name} in {name}", command.help or "a catalog command (x)",
                                partial(self.run_command_in, name, command.name))
        from screens.detail import DomainDetailScreen
        if isinstance(screen, DomainDetailScreen):
            yield SystemCommand(f"Add a user to {name}", "A new user account (a)", screen.action_add_user)
        else:
            yield SystemCommand(f"Users of {name}", "Its user accounts: add, passwd, delete (enter, 2)",
                                partial(self.open_domain_tab, name, "users"))

    def open_domain_tab(self, name: str, tab: str) -> None:
        self.open_domain(name)
        from screens.detail import DomainDetailScreen
        if isinstance(self.screen, DomainDetailScreen):
            self.screen.call_after_refresh(self.screen.action_show_tab, tab)

    def _disk_counted(self) -> None:
        from screens.domains import DomainsScreen

        for screen in self.screen_stack:
            if isinstance(screen, DomainsScreen):
                screen.disk_counted()
        refresh = getattr(self.screen, "show_disk_use", None)
        if refresh is not None:
            refresh()


def disk_text(domain: Domain) -> str:
    return human_size(domain.disk) if domain.disk is not None else "not counted yet (U counts it)"
