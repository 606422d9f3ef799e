"""A domain's addresses per service: its lines in ROOT/conf.SERVICE, read, planned and saved.

A plan is the conf file as it would be, linted before anything is written: the app's address
editor shows its verdict as the admin types, and `virttui domain addresses --check` prints it.
Saving goes through the one conf editor, which lints again under the lock (the file may have
changed since the plan) and refuses a change that adds an error.
"""

from dataclasses import dataclass
from pathlib import Path

from virttui.conf import conffile
from virttui.conf.conffile import ERROR, Problem, canonical_address
from virttui.conf.editor import Change, EditResult, edit
from virttui.conf.lint import conf_files, mapping_problems
from virttui.domains import conflines
from virttui.domains.discovery import CONF_PREFIX
from virttui.domains.life import aliases_of


@dataclass(frozen=True)
class AddressLine:
    service: str
    address: str
    path: Path
    lineno: int
    disabled: bool


@dataclass
class AddressPlan:
    path: Path
    service: str
    text: str                   # the file as it would be
    problems: list[Problem]     # the linter's verdict on the domain's lines of that text
    change: Change

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors


def conf_path(root: Path, service: str) -> Path:
    return Path(root) / f"{CONF_PREFIX}{service}"


def domain_lines(root: Path, name: str) -> list[AddressLine]:
    """Every line (plain or disabled) of the root's conf files sending an address to NAME or
    to one of its aliases."""
    names = {name, *aliases_of(root, name)}
    found = []
    for path in conf_files(root):
        if not path.is_file():
            continue
        try:
            text = conffile.read_bytes(str(path)).decode("utf-8", "surrogateescape")
        except OSError:
            continue
        for lineno, line in enumerate(text.split("\n"), start=1):
            if conflines.line_domain(line, root) in names:
                disabled, body = conflines.split_marked(line)
                found.append(AddressLine(path.name[len(CONF_PREFIX):], body.split()[0], path, lineno, disabled))
    return found


def set_addresses(root: Path, name: str, addresses: list[str]) -> Change:
    """The domain's plain lines become exactly ADDRESS ROOT/NAME for each address given (as
    typed: a bad one is left to the linter); other lines, disabled ones included, are kept."""
    directory = str(Path(root) / name)
    wanted = [text for text in dict.fromkeys(addresses) if text]

    def key(text: str) -> str:
        return canonical_address(text) or text

    def change(lines: list[str], result: EditResult) -> list[str]:
        kept, present = [], set()
        for line in lines:
            disabled, body = conflines.split_marked(line)
            if not disabled and conflines.line_domain(line, root) == name:
                address = key(body.split()[0])
                if address in map(key, wanted) and address not in present:
                    present.add(address)
                else:
                    result.removed.append(line.rstrip("\r\n"))
                    continue
            kept.append(line)
        for text in wanted:
            if key(text) in present:
                continue
            if kept and not kept[-1].endswith("\n"):
                kept[-1] += "\n"
            kept.append(f"{text} {directory}\n")
            present.add(key(text))
            result.added.append(f"{text} {directory}")
        return kept
    return change


def plan(root: Path, name: str, service: str, addresses: list[str]) -> AddressPlan:
    """The conf file of SERVICE with the domain's addresses set, and the linter's verdict on
    the domain's lines of it (nothing is written)."""
    path = conf_path(root, service)
    try:
        old = conffile.read_bytes(str(path)).decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        old = ""
    change = set_addresses(root, name, addresses)
    result = EditResult(path)
    text = "".join(change(old.splitlines(keepends=True), result))
    return AddressPlan(path, service, text, verdict(text, root, name), change)


def verdict(text: str, root: Path, name: str) -> list[Problem]:
    lines = text.split("\n")
    mine = {number for number, line in enumerate(lines, start=1)
            if not line.startswith("#") and _names_domain(line, root, name)}
    conf = conffile.parse(text.encode("utf-8", "surrogateescape"))
    found = [p for p in conf.problems if p.lineno in mine]
    for mapping in conf.mappings:
        if mapping.lineno in mine:
            found.extend(mapping_problems(mapping, root))
    return sorted(found, key=lambda p: p.lineno)


def _names_domain(line: str, root: Path, name: str) -> bool:
    """A line of the domain, or a line the parser may refuse before its directory is known."""
    fields = line.split("#", 1)[0].split()
    return len(fields) >= 2 and fields[1].rstrip("/") == str(Path(root) / name)


def save(plan: AddressPlan, root: Path) -> EditResult:
    return edit(plan.path, plan.change, root)
