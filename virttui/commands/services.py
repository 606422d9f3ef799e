"""`virttui services [DOMAIN] [--json]`: the service catalog, or how one domain is served.

For a domain, each service's addresses in its conf file, whether its profile is installed
and its server present in the domain, and whether something answers on each ADDRESS:PORT
(a TCP connect with a short timeout).

Exit status: 0; 1 (a domain) an enabled service has an address where nothing answers, a
missing profile or server, or a file that could not be read; 2 bad usage, a bad or unknown
domain name, or a settings error.
"""

import json
import sys

from virttui.commands.table import table
from virttui.names import printable
from virttui.services.catalog import Service, load_services
from virttui.services.enabling import ServiceRefused, domain_path
from virttui.services.state import ServiceState, domain_services


def register(subparsers) -> None:
    parser = subparsers.add_parser("services", help="the service catalog, or how a domain is served")
    parser.add_argument("domain", nargs="?", help="a domain: its addresses, profiles, servers and listeners")
    parser.add_argument("--json", action="store_true", help="JSON with stable keys, for scripts")
    parser.set_defaults(run=run)


def run(args, settings) -> int:
    services = load_services(settings.services)
    if args.domain is None:
        print_catalog(services, settings.root, args.json)
        return 0
    try:
        domain, _ = domain_path(settings, args.domain)
    except ServiceRefused as refused:
        print(f"virttui services: {refused}", file=sys.stderr)
        return refused.status
    states = domain_services(settings.root, domain, services)
    if args.json:
        json.dump({"domain": domain, "services": [state_json(s) for s in states]}, sys.stdout, indent=2,
                  sort_keys=True)
        sys.stdout.write("\n")
    else:
        print(state_table(states))
    # a problem of the domain (its manifest refused) is every service's: said once
    troubles = list(dict.fromkeys(trouble for state in states for trouble in troubles_of(state)))
    for trouble in troubles:
        print(f"problem: {domain}: {trouble}", file=sys.stderr)
    return 1 if troubles else 0


def print_catalog(services: dict[str, Service], root, as_json: bool) -> None:
    if as_json:
        json.dump({"services": [catalog_json(s, root) for s in services.values()]}, sys.stdout, indent=2,
                  sort_keys=True)
        sys.stdout.write("\n")
        return
    rows = [(s.name, ",".join(map(str, s.ports)), s.profile, printable(" ".join(s.argv)),
             printable(s.description)) for s in services.values()]
    print(table(("SERVICE", "PORTS", "PROFILE", "SERVER (IN THE DOMAIN)", "DESCRIPTION"), rows))


def catalog_json(service: Service, root) -> dict:
    return {"name": service.name, "description": service.description, "ports": list(service.ports),
            "argv": list(service.argv), "profile": service.profile, "new_session": service.new_session,
            "conf": str(service.conf_path(root))}


def _yes_no(value: bool | None, yes: str, no: str) -> str:
    return "?" if value is None else yes if value else no


def state_table(states: list[ServiceState]) -> str:
    rows = []
    for state in states:
        listening = " ".join(f"{e.shown} {_yes_no(e.listening, 'yes', 'no')}" for e in state.endpoints)
        rows.append((state.service.name, " ".join(state.addresses) or "-",
                     f"{state.service.profile} {_yes_no(state.profile_installed, 'installed', 'missing')}",
                     _yes_no(state.server_present, "present", "absent"), listening or "-"))
    return table(("SERVICE", "ADDRESSES", "PROFILE", "SERVER", "LISTENING"), rows)


def state_json(state: ServiceState) -> dict:
    return {"name": state.service.name, "addresses": list(state.addresses), "profile": state.service.profile,
            "profile_installed": state.profile_installed, "server": state.service.program,
            "server_present": state.server_present,
            "endpoints": [{"address": e.address, "port": e.port, "listening": e.listening}
                          for e in state.endpoints],
            "problem": state.problem}


def troubles_of(state: ServiceState) -> list[str]:
    """What needs an admin's look: only for the services the domain has addresses in."""
    found = [state.problem] if state.problem else []
    if not state.enabled:
        return found
    name = state.service.name
    if state.profile_installed is False:
        found.append(f"{name}: the {state.service.profile} profile is not installed "
                     f"(virtfs --add-profile {state.service.profile} DOMAIN)")
    if state.server_present is False:
        found.append(f"{name}: {printable(state.service.program)} is not in the domain")
    found.extend(f"{name}: nothing answers on {e.shown}" for e in state.endpoints if e.listening is False)
    return found
