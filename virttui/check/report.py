"""The one report of the audit: findings, each `SEVERITY DOMAIN CHECK: what is wrong; how to
mend it`, and what a terminal, a script and a monitoring system read from them."""

from dataclasses import asdict, dataclass, field
from enum import StrEnum

from virttui.names import printable


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


ERROR, WARNING = Severity.ERROR, Severity.WARNING
ROOT = "-"   # the DOMAIN of a finding about the root or the host, not one domain

EXIT_OK, EXIT_WARNINGS, EXIT_ERRORS = 0, 1, 2
NAGIOS_UNKNOWN = 3
CHECKS = ("root", "conf", "served", "logging", "outdated", "escape", "accounts", "mail")

# What a Health screen or a script may do about a finding, safely and without asking more.
FIX_RELINK = "relink"          # dev/log made a link to the log socket again
FIX_UPDATE = "virtfs-update"   # the domain's programs refreshed from the host


def listing(items: list[str], shown: int = 3) -> str:
    """The first few of `items`, the rest counted: a finding stays one line."""
    text = ", ".join(printable(item) for item in items[:shown])
    return text + (f" and {len(items) - shown} more" if len(items) > shown else "")


@dataclass(frozen=True)
class Finding:
    severity: Severity
    domain: str       # a domain's name, or ROOT
    check: str        # one of CHECKS
    what: str         # what is wrong
    mend: str         # how to mend it
    conf: str = ""    # the conf file a conf finding is about ...
    line: int = 0     # ... and its line (0: the whole file)
    fix: str = ""     # FIX_RELINK, FIX_UPDATE or "" (no safe fix known)

    def __str__(self) -> str:
        return (f"{self.severity} {printable(self.domain)} {self.check}: "
                f"{printable(self.what)}; {printable(self.mend)}")

    @property
    def order(self) -> tuple:
        return (self.severity != ERROR, self.domain != ROOT, self.domain, CHECKS.index(self.check),
                self.conf, self.line, self.what)


@dataclass
class Report:
    root: str
    domains: list[str] = field(default_factory=list)   # the domains checked
    findings: list[Finding] = field(default_factory=list)
    unknown: str = ""   # why nothing could be checked (the root is missing); nagios' UNKNOWN

    def sorted(self) -> list[Finding]:
        return sorted(self.findings, key=lambda finding: finding.order)

    def count(self, severity: str) -> int:
        return sum(finding.severity == severity for finding in self.findings)

    @property
    def status(self) -> int:
        """0 all well, 1 warnings only, 2 an error (a root that cannot be checked is one)."""
        if self.unknown or self.count(ERROR):
            return EXIT_ERRORS
        return EXIT_WARNINGS if self.findings else EXIT_OK

    @property
    def nagios_status(self) -> int:
        return NAGIOS_UNKNOWN if self.unknown else self.status

    def summary(self) -> str:
        if self.unknown:
            return self.unknown
        errors, warnings = self.count(ERROR), self.count(WARNING)
        troubled = len({f.domain for f in self.findings if f.domain != ROOT})
        if not self.findings:
            return f"{len(self.domains)} domain{'s' * (len(self.domains) != 1)} checked, all well"
        return (f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} "
                f"in {troubled} of {len(self.domains)} domain{'s' * (len(self.domains) != 1)}")

    def nagios_line(self) -> str:
        """The monitoring plugin convention: `VIRTTUI STATE - text | perfdata`."""
        state = ("OK", "WARNING", "CRITICAL", "UNKNOWN")[self.nagios_status]
        first = self.sorted()[0] if self.findings else None
        text = printable(self.summary()) + (f"; first: {first}" if first else "")
        perfdata = (f"errors={self.count(ERROR)};;1;0 warnings={self.count(WARNING)};1;;0 "
                    f"domains={len(self.domains)};;;0")
        return f"VIRTTUI {state} - {text.replace('|', '/')} | {perfdata}"

    def as_json(self) -> dict:
        return {
            "root": self.root,
            "status": self.status,
            "unknown": self.unknown,
            "summary": self.summary(),
            "counts": {ERROR: self.count(ERROR), WARNING: self.count(WARNING)},
            "domains": list(self.domains),
            "findings": [asdict(finding) for finding in self.sorted()],
        }

    @classmethod
    def from_json(cls, data: dict) -> "Report":
        return cls(root=data["root"], domains=list(data["domains"]), unknown=data.get("unknown", ""),
                   findings=[Finding(**{**finding, "severity": Severity(finding["severity"])})
                             for finding in data["findings"]])

    def replace_domain(self, domain: str, findings: list[Finding]) -> None:
        """The findings of one domain checked again (after a fix)."""
        self.findings = [f for f in self.findings if f.domain != domain] + list(findings)
