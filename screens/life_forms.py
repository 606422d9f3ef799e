"""The forms of a domain's life: its addresses, a new name, a confirmed deletion. Each returns
what was chosen (dismiss); the caller does the work in a worker (virttui.domains.life)."""

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from virttui.conf.conffile import ERROR
from virttui.domains.addresses import AddressPlan, plan
from virttui.names import BadDomainName, normalize_domain, printable


class DeleteDomainScreen(ModalScreen[bool]):
    """Delete DOMAIN? The name must be typed; the focus starts on No."""

    CSS_PATH = "life_forms.tcss"
    BINDINGS = [Binding("escape", "cancel", "No")]

    def __init__(self, domain: str, archive_directory: str) -> None:
        super().__init__()
        self.domain, self.archive_directory = domain, archive_directory

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="delete-form"):
            yield Label(Content.from_markup("Delete [b]$domain[/b]?", domain=printable(self.domain)),
                        classes="form-title")
            yield Static(Content.from_markup("An archive is written first to $directory/, then its conf lines, "
                                             "its aliases and its directory are removed.",
                                             directory=printable(self.archive_directory)), classes="form-note")
            yield Input(placeholder=f"type {self.domain} to confirm", id="typed-name")
            with Horizontal(classes="form-buttons"):
                yield Button("Delete", variant="error", id="yes", disabled=True)
                yield Button("No", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Input.Changed, "#typed-name")
    def typed(self, event: Input.Changed) -> None:
        self.query_one("#yes", Button).disabled = event.value.strip().lower() != self.domain

    @on(Input.Submitted, "#typed-name")
    def submitted(self, event: Input.Submitted) -> None:
        if event.value.strip().lower() == self.domain:
            self.dismiss(True)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes" and not event.button.disabled)

    def action_cancel(self) -> None:
        self.dismiss(False)


class RenameDomainScreen(ModalScreen[str | None]):
    CSS_PATH = "life_forms.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, domain: str, taken: set[str]) -> None:
        super().__init__()
        self.domain, self.taken = domain, taken

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Label(Content.from_markup("Rename [b]$domain[/b]", domain=printable(self.domain)),
                        classes="form-title")
            yield Static("Its directory, its conf lines and its aliases follow the new name.", classes="form-note")
            yield Input(value=self.domain, id="new-name")
            yield Static(id="form-error", classes="form-error", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button("Rename", variant="primary", id="rename")
                yield Button("Cancel", id="cancel")

    def problem(self, text: str) -> str:
        try:
            name = normalize_domain(text.strip())
        except BadDomainName as error:
            return str(error)
        if name == self.domain:
            return "that is already its name"
        if name in self.taken:
            return f"{name} already exists"
        return ""

    @on(Input.Changed, "#new-name")
    def changed(self, event: Input.Changed) -> None:
        self.query_one("#form-error", Static).update(self.problem(event.value) if event.value != self.domain else "")

    @on(Input.Submitted, "#new-name")
    @on(Button.Pressed, "#rename")
    def submit(self) -> None:
        text = self.query_one("#new-name", Input).value
        problem = self.problem(text)
        self.query_one("#form-error", Static).update(problem)
        if not problem:
            self.dismiss(normalize_domain(text.strip()))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class AddressesScreen(ModalScreen[AddressPlan | None]):
    """A domain's addresses for one service, with the linter's verdict on the file as it would
    be, shown as it is typed; Save only when the verdict has no error."""

    CSS_PATH = "life_forms.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, root, domain: str, services: list[str], current: dict[str, list[str]]) -> None:
        super().__init__()
        self.root, self.domain = root, domain
        self.services = services
        self.current = current
        self.plan: AddressPlan | None = None

    def compose(self) -> ComposeResult:
        first = next((s for s in self.services if s in self.current), self.services[0])
        with Vertical(classes="form", id="addresses-form"):
            yield Label(Content.from_markup("Addresses of [b]$domain[/b]", domain=printable(self.domain)),
                        classes="form-title")
            yield Select([(service, service) for service in self.services], value=first, allow_blank=False,
                         id="service")
            yield Input(value=" ".join(self.current.get(first, [])), id="addresses", select_on_focus=False,
                        placeholder="addresses, space-separated (IPv4, IPv6, default); empty: not served")
            yield Static(id="verdict", classes="verdict")
            with Horizontal(classes="form-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#addresses", Input).focus()
        self.check()

    @on(Select.Changed, "#service")
    def service_changed(self, event: Select.Changed) -> None:
        self.query_one("#addresses", Input).value = " ".join(self.current.get(str(event.value), []))
        self.check()

    @on(Input.Changed, "#addresses")
    def check(self) -> None:
        service = str(self.query_one("#service", Select).value)
        addresses = self.query_one("#addresses", Input).value.split()
        self.plan = plan(self.root, self.domain, service, addresses)
        where = f"conf.{printable(service)}"
        lines = [Content.from_markup("[$error]✗ $where:$line: $message[/]" if p.severity == ERROR
                                     else "[$warning]! $where:$line: $message[/]",
                                     where=where, line=p.lineno, message=printable(p.message))
                 for p in self.plan.problems]
        if not lines:
            lines = [Content.from_markup("[$success]✓ $where lints clean with these addresses[/]", where=where)]
        self.query_one("#verdict", Static).update(Content("\n").join(lines))
        self.query_one("#save", Button).disabled = not self.plan.ok

    @on(Input.Submitted, "#addresses")
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self.plan is not None and self.plan.ok:
            self.dismiss(self.plan)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
