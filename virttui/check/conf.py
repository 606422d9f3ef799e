"""conf: every finding of the conf-file linter (an address on no interface of this host among
them), attributed to the domain its line sends traffic to."""

from pathlib import Path

from virttui.check.report import ROOT, Finding, Severity
from virttui.conf.lint import conf_files, lint_file
from virttui.domains.discovery import domain_of_directory
from virttui.names import printable

MEND = {
    "does not exist": "build the domain (virtfs) or remove the line",
    "is not a directory": "point the line at a domain's directory",
    "is not a domain of the root": "point the line at ROOT/DOMAIN",
    "is on no interface": "add the address to an interface, or remove the line",
    "already mapped": "remove the later line",
    "stands above specific": "move the default line below the specific ones",
}


def conf_findings(root: Path, domains: dict[str, str]) -> list[Finding]:
    """The linter's findings of every conf file; a line's finding is its domain's when the line
    sends traffic to one of `domains` (name -> the domain it is, an alias its target), the
    root's otherwise."""
    found = []
    for path in conf_files(root):
        report = lint_file(path, root)
        by_line = {m.lineno: domain_of_directory(root, m.directory) for m in report.conf.mappings} \
            if report.conf else {}
        for problem in report.problems:
            found.append(Finding(Severity(problem.severity), _owner(by_line.get(problem.lineno), domains), "conf",
                                 _where(path.name, problem.lineno) + problem.message,
                                 _mend(problem.message, path), conf=str(path), line=problem.lineno))
    return found


def _owner(name: str | None, domains: dict[str, str]) -> str:
    return domains.get(name or "", ROOT)


def _where(name: str, lineno: int) -> str:
    """'conf.ftp line 3: ', or 'conf.ftp: ' for a problem of the whole file (line 0)."""
    return f"{name} line {lineno}: " if lineno else f"{name}: "


def _mend(message: str, path: Path) -> str:
    for words, mend in MEND.items():
        if words in message:
            return mend
    return f"edit {printable(str(path))} (`virttui conf check` shows each line)"
