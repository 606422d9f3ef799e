"""Carrying a plan out: the domain is built in a hidden directory under the root and renamed
into place only when complete, so the root never holds half a domain. A build killed on the
way leaves its hidden directory, which the next run removes."""

import json
import os
import shutil
import stat
from pathlib import Path
from typing import Callable

from virttui.virtfs.generated import GENERATORS
from virttui.virtfs.plan import Plan
from virttui.virtfs.profiles import DEVICES

MANIFEST = "etc/virtfs.json"  # the profiles and the host files a domain was built from
BUILDING_PREFIX = ".virtfs-"

Progress = Callable[[str], None]


class BuildError(Exception):
    """A build that cannot go on; the message is the one line to show."""


def building_directory(root: Path, domain: str) -> Path:
    return root / f"{BUILDING_PREFIX}{domain}-{os.getpid()}"


def remove_leftovers(root: Path) -> list[Path]:
    """Hidden build directories of runs that are no longer alive."""
    removed = []
    for entry in root.glob(f"{BUILDING_PREFIX}*"):
        pid = entry.name.rsplit("-", 1)[-1]
        if pid.isdigit() and _alive(int(pid)) and int(pid) != os.getpid():
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def build(plan: Plan, root: Path, socket_path: Path | None, progress: Progress = lambda step: None) -> Path:
    """Build the domain; its final path. BuildError (and nothing left behind) on failure."""
    final = root / plan.domain
    if os.path.lexists(final):
        raise BuildError(f"{final} already exists: virtfs never builds over a domain "
                         "(virtfs --update refreshes one)")
    work = building_directory(root, plan.domain)
    try:
        work.mkdir(mode=0o755)
        write_domain(plan, work, socket_path, progress)
        if os.path.lexists(final):
            raise BuildError(f"{final} appeared while building; the new build is dropped")
        os.rename(work, final)
    except BaseException as error:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(error, OSError):
            raise BuildError(f"building {plan.domain}: {error.strerror}: {error.filename}") from None
        raise
    return final


def write_domain(plan: Plan, target: Path, socket_path: Path | None, progress: Progress) -> None:
    for name, destination in plan.top_links.items():
        os.symlink(destination, target / name)
        progress(f"link /{name}")
    for directory in plan.directories:
        path = target / directory.path
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, directory.uid, directory.gid)
        os.chmod(path, directory.mode)
        progress(f"directory /{directory.path}")
    for host_path in plan.copies:
        copy_host_file(host_path, target)
        progress(f"copy {host_path}")
    for name in plan.generate:
        write_generated(target, plan.domain, name)
        progress(f"generate /etc/{name}")
    for name in plan.devices:
        make_device(target, name)
        progress(f"device /dev/{name}")
    for relative, destination in plan.links.items():
        link = target / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        if not os.path.lexists(link):
            os.symlink(destination, link)
        progress(f"link /{relative}")
    link_devlog(target, socket_path)
    write_manifest(plan, target)
    progress("manifest")


def jail_path(target: Path, host_path: str) -> Path:
    return target / host_path.lstrip("/")


def copy_host_file(host_path: str, target: Path) -> None:
    destination = jail_path(target, host_path)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(destination):
        os.unlink(destination)
    if os.path.islink(host_path):
        os.symlink(os.readlink(host_path), destination)
    else:
        shutil.copy2(host_path, destination, follow_symlinks=False)


def write_generated(target: Path, domain: str, name: str) -> None:
    make, mode, gid = GENERATORS[name]
    path = target / "etc" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(make(domain))
    os.chown(path, 0, gid)
    os.chmod(path, mode)


def make_device(target: Path, name: str) -> None:
    major, minor = DEVICES[name]
    path = target / "dev" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
    os.chmod(path, 0o666)


def link_devlog(target: Path, socket_path: Path | None) -> bool:
    """dev/log as a hard link to the root's log socket, when that socket exists."""
    if socket_path is None or not os.path.exists(socket_path) or not stat.S_ISSOCK(os.stat(socket_path).st_mode):
        return False
    devlog = target / "dev" / "log"
    devlog.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(socket_path, devlog)
    except OSError:
        return False
    return True


def write_manifest(plan: Plan, target: Path) -> None:
    path = target / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(manifest_text(plan), encoding="utf-8")
    os.chmod(path, 0o644)


def manifest_text(plan: Plan) -> str:
    """The profiles and the host files (size, mtime) the domain is built from, as read on the host."""
    files = {}
    for host_path in plan.copies:
        try:
            info = os.lstat(host_path)
        except OSError:
            continue
        files[host_path] = [info.st_size, int(info.st_mtime)]
    return json.dumps({"profiles": plan.profiles, "files": files}, indent=1, sort_keys=True)


def parse_manifest(text: str, domain_path: Path) -> dict:
    try:
        manifest = json.loads(text)
    except ValueError as error:
        raise BuildError(f"{domain_path / MANIFEST}: cannot read what the domain was built from "
                         f"({error}); was it built by virtfs?") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("profiles"), list):
        raise BuildError(f"{domain_path / MANIFEST}: no list of profiles in it; was it built by virtfs?")
    return manifest
