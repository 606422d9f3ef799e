"""Every problem of a root in one list: the root's own (odd entries, unreadable conf files),
each conf file's lint errors and warnings, and each domain's. Each says where it is, so that
a view can go there (the domain, or the conf file's line)."""

from dataclasses import dataclass
from pathlib import Path

from virttui.conf.lint import LintReport, conf_files, lint_file
from virttui.domains.discovery import Root


@dataclass(frozen=True)
class RootProblem:
    where: str            # "root", a conf file's name, or a domain's name
    severity: str         # error or warning
    message: str
    domain: str | None = None
    conf: Path | None = None
    lineno: int = 0

    @property
    def place(self) -> str:
        return f"{self.where}:{self.lineno}" if self.conf is not None and self.lineno else self.where


def problems_of(model: Root, reports: list[LintReport] | None = None) -> list[RootProblem]:
    """The root's problems first, then the conf files', then the domains' (by name)."""
    if reports is None:
        reports = [lint_file(path, model.path) for path in conf_files(model.path)]
    found = [RootProblem("root", "error", problem) for problem in model.problems]
    for report in reports:
        found.extend(RootProblem(report.path.name, problem.severity, problem.message, conf=report.path,
                                 lineno=problem.lineno)
                     for problem in report.problems)
    for domain in model.domains:
        found.extend(RootProblem(domain.name, "error", problem, domain=domain.name) for problem in domain.problems)
    return found
