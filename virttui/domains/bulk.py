"""One action on several domains: relink dev/log, update from the host (virtfs --update), run
a catalog command (virtexec), or enable a service. Each domain gets its own result (status,
first line of what was said); one domain's failure never stops the others.

The actions are the ones a command line offers for one domain, called once per domain:
the app's bulk screen only chooses them.
"""

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from virttui.catalog import CatalogCommand
from virttui.domain_commands import command_argv, run_captured
from virttui.names import printable
from virttui.settings import Settings

RELINK, UPDATE, RUN, ENABLE = "relink", "update", "run", "enable"
ACTIONS = {
    RELINK: "Relink dev/log to the log socket",
    UPDATE: "Update binaries and libraries from the host (virtfs --update)",
    RUN: "Run a catalog command (virtexec)",
    ENABLE: "Enable a service on the domain's own addresses",
}


@dataclass(frozen=True)
class BulkResult:
    domain: str
    status: int
    said: str   # the first line of what the action said

    @property
    def ok(self) -> bool:
        return self.status == 0


def first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return printable(lines[0]) if lines else ""


def relink_one(settings: Settings, domain: str) -> BulkResult:
    from virttui.syslog.relink import NoLogSocket, relink, shared_socket

    try:
        result = relink(domain, Path(settings.root) / domain, shared_socket(settings))
    except NoLogSocket as error:
        return BulkResult(domain, 1, first_line(str(error)))
    return BulkResult(domain, 0 if result.ok else 1, first_line(str(result)))


def update_one(settings: Settings, domain: str) -> BulkResult:
    virtfs = Path(sys.executable).parent / "virtfs"
    done = subprocess.run([str(virtfs), "--root", str(settings.root), "--update", domain],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = done.stdout.decode(errors="replace")
    lines = [line for line in output.splitlines() if line.strip()]
    # virtfs says what it did line by line; its verdict is the last line
    return BulkResult(domain, done.returncode, first_line(lines[-1] if lines else ""))


def run_one(settings: Settings, domain: str, command: CatalogCommand, arguments: list[str]) -> BulkResult:
    result = run_captured(command_argv(domain, command, arguments), Path(settings.root))
    return BulkResult(domain, result.status, first_line(result.output) or f"status {result.status}")


def enable_one(settings: Settings, services: dict, domain_model, service: str) -> BulkResult:
    from virttui.services.enabling import ServiceRefused, enable

    addresses = domain_model.all_addresses()
    if not addresses:
        return BulkResult(domain_model.name, 2, "no address of its own yet: give it one (A, addresses)")
    try:
        done = enable(settings, services, domain_model.name, service, addresses)
    except ServiceRefused as refused:
        return BulkResult(domain_model.name, refused.status, first_line(str(refused)))
    added = len(done.edit.added) if done.edit else 0
    return BulkResult(domain_model.name, 0, f"{service} enabled on {added} new address(es)"
                      + (f", profile {done.profile_added} added" if done.profile_added else ""))
