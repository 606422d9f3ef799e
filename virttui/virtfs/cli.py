"""virtfs: build a domain's root filesystem from profiles.

    virtfs [--root R] [--profile P]... DOMAIN     build ROOT/DOMAIN (profile base by default)
    virtfs [--root R] --update DOMAIN             refresh its binaries and libraries from the host
    virtfs [--root R] --check DOMAIN              say what is missing or outdated
    virtfs [--root R] --add-profile P... DOMAIN   give an existing domain one more profile
    virtfs [--root R] --plan [--profile P]... DOMAIN   what a build would install, and its size

With no DOMAIN on a terminal it opens the app's new-domain screen.

Exit statuses: 0 done (or nothing to refresh); 1 --check found something missing or
outdated; 2 usage, a bad domain name, an existing domain, a bad profile or settings file;
3 the build failed (nothing is left behind); 77 not root; 130 interrupted (nothing left behind).
"""

import argparse
import os
import signal
import sys
from pathlib import Path

from virttui.names import BadDomainName, normalize_domain
from virttui.settings import load_settings
from virttui.virtfs.add import add_profiles
from virttui.virtfs.builder import BuildError, build, remove_leftovers
from virttui.virtfs.closure import ClosureError
from virttui.virtfs.inside import inside_problem
from virttui.virtfs.plan import make_plan
from virttui.virtfs.profiles import compose
from virttui.virtfs.update import differences, plan_again, update
from virttui.yamlfile import ConfigError

EXIT_CHECK_FOUND = 1
EXIT_USAGE = 2
EXIT_BUILD = 3
EXIT_NOT_ROOT = 77
EXIT_INTERRUPTED = 130  # also virttui.virtfs.__main__'s, for an interrupt while this loads


class Reporter:
    """A progress bar on a terminal, plain lines otherwise."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.done, self.stream = max(total, 1), 0, stream
        self.bar = stream.isatty()

    def step(self, what: str) -> None:
        self.done += 1
        if self.bar:
            filled = 30 * self.done // self.total
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} "
                              f"{what[-40:]:<40}")
            self.stream.flush()
        else:
            self.stream.write(what + "\n")

    def end(self) -> None:
        if self.bar:
            self.stream.write("\n")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="virtfs", description="Build a domain's root filesystem from profiles.")
    p.add_argument("--root", help="the root of the domains (default: settings, then /virtual)")
    p.add_argument("--config", help="settings file")
    p.add_argument("--profile", action="append", metavar="P", help="a profile (repeat; default: base)")
    action = p.add_mutually_exclusive_group()
    action.add_argument("--update", action="store_true", help="refresh binaries and libraries from the host")
    action.add_argument("--check", action="store_true", help="report what is missing or outdated")
    action.add_argument("--plan", action="store_true", help="print what a build would install")
    action.add_argument("--add-profile", action="append", metavar="P",
                        help="add a profile to an existing domain, keeping its data (repeat)")
    p.add_argument("domain", nargs="?", help="the domain's name")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.profile and (args.update or args.check or args.add_profile):
        # --update and --check work on the profiles the domain has; a profile given there
        # would be silently ignored
        print("virtfs: --profile is for a build or --plan; to give an existing domain one more "
              "profile: virtfs --add-profile P DOMAIN", file=sys.stderr)
        return EXIT_USAGE
    try:
        settings = load_settings(root=args.root, config=args.config)
        if args.domain is None:
            return open_new_domain_screen(settings)
        domain = normalize_domain(args.domain)
        if args.check:
            return check(settings, domain)
        if args.update:
            return refresh(settings, domain)
        if args.add_profile:
            return add_profile(settings, domain, args.add_profile)
        composition = compose(args.profile or ["base"], settings.profiles)
        plan = make_plan(domain, composition)
        if args.plan:
            return print_plan(plan)
        return create(settings, plan)
    except (BadDomainName, ConfigError) as error:
        print(f"virtfs: {error}", file=sys.stderr)
        return EXIT_USAGE
    except NotRoot as error:
        print(f"virtfs: {error}", file=sys.stderr)
        return EXIT_NOT_ROOT
    except (BuildError, ClosureError) as error:
        print(f"virtfs: {error}", file=sys.stderr)
        return EXIT_BUILD
    except KeyboardInterrupt:
        print("virtfs: interrupted; nothing was left behind", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as error:   # the root or the domain cannot be read (permissions, a disk error)
        where = f"{error.filename}: " if error.filename else ""
        print(f"virtfs: {where}{error.strerror or error}", file=sys.stderr)
        return EXIT_BUILD


def open_new_domain_screen(settings) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("virtfs: give the DOMAIN to build: virtfs [--profile P]... DOMAIN "
              "(the new-domain screen needs a terminal)", file=sys.stderr)
        return EXIT_USAGE
    from screens.app import VirtTuiApp  # Textual only for the screen
    VirtTuiApp(settings, open_new_domain=True).run()
    return 0


class NotRoot(Exception):
    """What virtfs was asked needs root (exit 77)."""


def _require_root(what: str = "building a domain needs root (device nodes, owners, chroot)") -> None:
    if os.geteuid() != 0:
        raise NotRoot(f"{what}: run it as root")


def print_plan(plan) -> int:
    print(f"{plan.domain}: profiles {', '.join(plan.profiles)}; {len(plan.copies)} files from the host, "
          f"{plan.size / 1e6:.1f} MB")
    for path in plan.copies:
        print(f"  {path}")
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def create(settings, plan) -> int:
    _require_root()
    root = Path(settings.root)
    if not root.exists():
        raise BuildError(f"the root {root} does not exist: create it first (mkdir -p {root})")
    if not root.is_dir():
        raise BuildError(f"the root {root} is not a directory: give another with --root or VIRT_ROOT")
    remove_leftovers(root)
    for warning in plan.warnings:
        print(f"virtfs: warning: {warning}", file=sys.stderr)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    reporter = Reporter(plan.steps)
    try:
        path = build(plan, root, settings.socket_path, reporter.step)
    finally:
        reporter.end()
    print(f"built {path} ({plan.size / 1e6:.1f} MB from the host; profiles {', '.join(plan.profiles)})")
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def refresh(settings, domain: str) -> int:
    _require_root("--update works inside the domain (chroot) and as the owner of its programs")
    path = _existing(settings, domain)
    try:
        done = update(plan_again(path, settings.profiles), path)
    except OSError as error:
        raise BuildError(inside_problem(domain, error)) from None
    print(f"{domain}: {len(done)} file{'s' * (len(done) != 1)} refreshed from the host")
    return 0


def add_profile(settings, domain: str, profiles: list[str]) -> int:
    _require_root("--add-profile writes inside the domain (chroot) as the owner of its programs")
    path = _existing(settings, domain)
    try:
        added = add_profiles(path, profiles, settings.profiles)
    except OSError as error:
        raise BuildError(inside_problem(domain, error)) from None
    if not added.profiles:
        print(f"{domain}: already has {', '.join(profiles)}; {len(added.paths)} file"
              f"{'s' * (len(added.paths) != 1)} refreshed")
    else:
        print(f"{domain}: added profile{'s' * (len(added.profiles) != 1)} {', '.join(added.profiles)} "
              f"({len(added.paths)} path{'s' * (len(added.paths) != 1)} written; its data kept)")
    return 0


def check(settings, domain: str) -> int:
    _require_root("--check reads the domain from inside it (chroot)")
    path = _existing(settings, domain)
    try:
        found = differences(plan_again(path, settings.profiles), path)
    except OSError as error:
        raise BuildError(inside_problem(domain, error)) from None
    for difference in found:
        print(f"{difference.state}: {difference.host_path}")
    if not found:
        print(f"{domain}: up to date with the host")
    return EXIT_CHECK_FOUND if found else 0


def _existing(settings, domain: str) -> Path:
    path = Path(settings.root) / domain
    if not path.is_dir() or path.is_symlink():
        raise BuildError(f"no domain {domain} in {settings.root}")
    return path

