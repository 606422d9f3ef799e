"""The Users tab's forms: add a user, change a password, confirm a deletion. Each returns
what was typed (dismiss); the detail screen does the work in a worker."""

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from virttui.domains.accounts import BadAccount, check_full_name, check_password, check_user_name
from virttui.names import printable


@dataclass(frozen=True)
class NewUser:
    name: str
    full_name: str
    password: str


class AddUserScreen(ModalScreen[NewUser | None]):
    CSS_PATH = "user_forms.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "submit", "Add")]

    def __init__(self, domain: str) -> None:
        super().__init__()
        self.domain = domain

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Label(Content.from_markup("New user in [b]$domain[/b]", domain=self.domain), classes="form-title")
            yield Input(placeholder="user name", id="name")
            yield Input(placeholder="full name", id="full-name")
            yield Input(placeholder="password", password=True, id="password")
            yield Input(placeholder="password again", password=True, id="again")
            yield Static(id="form-error", classes="form-error", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button("Add", variant="primary", id="submit")
                yield Button("Cancel", id="cancel")

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    @on(Input.Changed)
    def validate_live(self) -> None:
        self._problem(live=True)

    def _problem(self, live: bool = False) -> str:
        try:
            name = self._value("name")
            if name or not live:
                check_user_name(name)
            check_full_name(self._value("full-name"))
            if self._value("again") or not live:
                check_password(self._value("password"), self._value("again"))
            problem = ""
        except BadAccount as error:
            problem = str(error)
        self.query_one("#form-error", Static).update(problem)
        return problem

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "again":
            self.action_submit()
        else:
            self.focus_next()

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        if not self._problem():
            self.dismiss(NewUser(self._value("name"), self._value("full-name"), self._value("password")))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class PasswordScreen(ModalScreen[str | None]):
    CSS_PATH = "user_forms.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "submit", "Change")]

    def __init__(self, domain: str, user: str) -> None:
        super().__init__()
        self.domain, self.user = domain, user

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Label(Content.from_markup("New password for [b]$user[/b] in $domain", user=printable(self.user),
                                         domain=self.domain), classes="form-title")
            yield Input(placeholder="password", password=True, id="password")
            yield Input(placeholder="password again", password=True, id="again")
            yield Static(id="form-error", classes="form-error", markup=False)
            yield Static("Enter moves on, then changes it; ctrl+s changes it; escape cancels", classes="form-hint")
            with Horizontal(classes="form-buttons"):
                yield Button("Change", variant="primary", id="submit")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "again":
            self.action_submit()
        else:
            self.focus_next()

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        password = self.query_one("#password", Input).value
        try:
            check_password(password, self.query_one("#again", Input).value)
        except BadAccount as error:
            self.query_one("#form-error", Static).update(str(error))
            return
        self.dismiss(password)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    CSS_PATH = "user_forms.tcss"
    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Label(Content(printable(self.question)), classes="form-title")
            with Horizontal(classes="form-buttons"):
                yield Button("Yes, delete", variant="error", id="yes")
                yield Button("No", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()   # Enter on a reflex must not delete

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
