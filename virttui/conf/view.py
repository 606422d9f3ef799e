"""The rows the conf screen shows for one conf file: each mapping with the domain it sends
traffic to and its state, and each problem beside its line."""

import os
from dataclasses import dataclass
from pathlib import Path

from virttui.conf.conffile import DEFAULT, ERROR
from virttui.conf.lint import LintReport
from virttui.domains.discovery import domain_of_directory


@dataclass(frozen=True)
class ConfRow:
    lineno: int
    address: str
    directory: str
    domain: str
    severity: str  # "ok", "warning" or "error"
    state: str


def domain_label(root: Path, directory: str) -> str:
    """The domain a directory is, as shown: its name, `NAME → TARGET` for an alias, or '-'."""
    name = domain_of_directory(root, directory)
    if name is None:
        return "-"
    path = Path(root) / name
    if path.is_symlink():
        return f"{name} → {os.path.basename(os.path.realpath(path))}"
    return name


def rows_of(report: LintReport, root: Path) -> list[ConfRow]:
    problems_by_line: dict[int, list] = {}
    for problem in report.problems:
        problems_by_line.setdefault(problem.lineno, []).append(problem)
    rows = []
    mapped_lines = set()
    for mapping in report.conf.mappings if report.conf else []:
        mapped_lines.add(mapping.lineno)
        found = problems_by_line.get(mapping.lineno, [])
        address = "default" if mapping.address == DEFAULT else mapping.address
        rows.append(ConfRow(mapping.lineno, address, mapping.directory,
                            domain_label(root, mapping.directory), worst(found),
                            "; ".join(p.message for p in found) or "ok"))
    for lineno, found in problems_by_line.items():
        if lineno not in mapped_lines:
            rows.append(ConfRow(lineno, "", "", "", worst(found), "; ".join(p.message for p in found)))
    return sorted(rows, key=lambda row: row.lineno)


def worst(problems) -> str:
    if any(p.severity == ERROR for p in problems):
        return "error"
    return "warning" if problems else "ok"
