"""served: each address of a catalog service's conf file answers on the service's ports.

Addresses on no interface of this host are the linter's (check conf); `default` lines name
no address to try. The connections are made in parallel, each with a short timeout."""

import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from virttui.check.report import ERROR, Finding
from virttui.conf.conffile import DEFAULT
from virttui.conf.lint import is_local_address
from virttui.domains.discovery import domain_of_directory

TIMEOUT = 1.5
WORKERS = 32


@dataclass(frozen=True)
class Probe:
    service: str
    domain: str
    address: str
    port: int
    conf: str
    line: int


def probes(model, services, domains: dict[str, str]) -> list[Probe]:
    """One probe per (address, port) of each catalog service's conf lines to a domain
    (`domains`: name -> the domain it is, an alias its target)."""
    found: list[Probe] = []
    for view in model.confs:
        service = services.get(view.service)
        if service is None or view.conf is None:
            continue
        for mapping in view.conf.mappings:
            domain = domains.get(domain_of_directory(model.path, mapping.directory) or "")
            if mapping.address == DEFAULT or domain is None or not is_local_address(mapping.address):
                continue
            found.extend(Probe(view.service, domain, mapping.address, port, str(view.path), mapping.lineno)
                         for port in service.ports)
    return found


def answers(probe: Probe) -> str:
    """'' when something accepts a connection there, else why not."""
    try:
        with socket.create_connection((probe.address, probe.port), timeout=TIMEOUT):
            return ""
    except TimeoutError:
        return f"no answer within {TIMEOUT} s"
    except OSError as error:
        return error.strerror or str(error)


def served_findings(model, services, domains: dict[str, str], wanted=None) -> list[Finding]:
    chosen = [p for p in probes(model, services, domains) if wanted is None or p.domain in wanted]
    if not chosen:
        return []
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(chosen))) as pool:
        outcomes = list(pool.map(answers, chosen))
    return [Finding(ERROR, probe.domain, "served",
                    f"{probe.service} on {_where(probe.address, probe.port)} does not answer ({why})",
                    "start its super-server entry (`virttui service`) or virtuald --listen",
                    conf=probe.conf, line=probe.line)
            for probe, why in zip(chosen, outcomes) if why]


def _where(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
