"""The whole audit: the root and the host once, then each domain (one walk of its tree for
the checks that look at its files). `audit(settings)` returns the Report; `audit_domain`
checks one domain again (after a fix)."""

import os
from dataclasses import dataclass, field
from pathlib import Path

from virttui.check import accounts, conf, escape, logging_state, mail, outdated, served
from virttui.check.expected import Expectations
from virttui.check.host import Host
from virttui.check.report import ERROR, ROOT, WARNING, Finding, Report
from virttui.check.scan import scan_domain
from virttui.domains.discovery import Domain, Root, scan_root
from virttui.names import printable
from virttui.services.catalog import load_services

NOT_ROOT = ("the check needs root: it reads every domain's etc/shadow and its whole tree "
            "(run it with sudo, or from root's timer)")


class UnknownDomain(ValueError):
    """A domain named on the command line that the root does not have."""


@dataclass
class Context:
    settings: object
    host: Host
    expectations: Expectations
    mounts: list = field(default_factory=list)


def audit(settings, names: list[str] | None = None, host: Host | None = None,
          progress=lambda done, total, name: None) -> Report:
    """Every check on the root and on its domains (or on `names` only: the root's own checks
    are made all the same). UnknownDomain for a name the root does not have."""
    report = Report(str(settings.root))
    if os.geteuid() != 0:
        report.unknown = NOT_ROOT
        return report
    model = scan_root(settings.root, settings.socket_path)
    if model.missing_why:
        report.unknown = model.missing_why
        return report
    domains = chosen_domains(model, names)
    report.domains = [d.name for d in domains]
    wanted = None if names is None else set(report.domains)
    report.findings.extend(root_findings(model, settings, wanted))
    context = new_context(settings, host)
    for done, domain in enumerate(domains, start=1):
        progress(done, len(domains), domain.name)
        report.findings.extend(domain_findings(domain.name, domain.path, context))
    return report


def new_context(settings, host: Host | None = None) -> Context:
    return Context(settings, host or Host(), Expectations(settings.profiles), escape.read_mounts())


def chosen_domains(model: Root, names: list[str] | None) -> list[Domain]:
    """The domains to check: every domain (aliases are their targets), or those named."""
    real = [d for d in model.domains if not d.alias_of]
    if names is None:
        return real
    by_name = {d.name: d for d in model.domains}
    chosen = []
    for name in names:
        domain = by_name.get(name)
        if domain is None:
            raise UnknownDomain(f"no domain {printable(name)} in {printable(str(model.path))}")
        target = by_name.get(domain.alias_of) if domain.alias_of else domain
        if target is not None and target not in chosen:
            chosen.append(target)
    return chosen


def domain_names(model: Root) -> dict[str, str]:
    """Every domain's and alias's name -> the domain it is."""
    return {d.name: d.alias_of or d.name for d in model.domains}


def root_findings(model: Root, settings, wanted: set[str] | None) -> list[Finding]:
    found = [Finding(WARNING, ROOT, "root", problem, "rename or remove the entry") for problem in model.problems]
    found.extend(escape.above_root_findings(model.path))
    found.extend(logging_state.socket_findings(settings))
    found.extend(f for f in conf.conf_findings(model.path, domain_names(model))
                 if wanted is None or f.domain in wanted | {ROOT})
    found.extend(served.served_findings(model, load_services(settings.services), domain_names(model), wanted))
    return found


def audit_domain(name: str, settings, context: Context | None = None) -> list[Finding]:
    """One domain checked again: its own findings and its conf and served ones."""
    model = scan_root(settings.root, settings.socket_path)
    domain = model.domain(name)
    if domain is None:
        return []
    found = [f for f in conf.conf_findings(model.path, domain_names(model)) if f.domain == name]
    found.extend(served.served_findings(model, load_services(settings.services), domain_names(model), {name}))
    found.extend(domain_findings(name, domain.path, context or new_context(settings)))
    return found


def domain_findings(name: str, path: Path, context: Context) -> list[Finding]:
    found = escape.domain_directory_findings(name, path)
    found.extend(escape.mount_findings(name, path, context.mounts))
    if escape.dev_is_directory(path):
        found.extend(logging_state.devlog_findings(name, path, context.settings))
    expected = context.expectations.of(path)
    try:
        scanned = scan_domain(path, expected.programs, context.host)
    except OSError as error:
        found.append(Finding(ERROR, name, "escape", f"its tree cannot be walked: {error.strerror}",
                             "look at the domain's directory as root"))
    else:
        found.extend(escape.set_id_findings(name, scanned, expected, context.host))
        found.extend(escape.device_findings(name, scanned, expected))
        found.extend(escape.hard_link_findings(name, scanned, expected, context.host))
        found.extend(Finding(WARNING, name, "escape", f"not looked into: {why}", "look at it as root")
                     for why in scanned.unread)
        found.extend(outdated.outdated_findings(name, scanned, expected, context.host))
    users = accounts.read_accounts(name, path)
    found.extend(users.findings)
    found.extend(mail.mail_findings(name, path, users.entries))
    return found
