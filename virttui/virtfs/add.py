"""`virtfs --add-profile P DOMAIN`: give an existing domain what one more profile names,
keeping its data.

What the new composition (the domain's profiles and P) names and the domain lacks is added:
directories, devices, links, generated files and copied files that are not there, and
programs and libraries that are missing or older than the host's (as --update does).
Nothing the domain already has is overwritten but its programs and libraries: its own
passwd, shadow, configuration and homes stay as they are.

Like --update, the host's files are read here and the domain is written from inside it
(virttui.virtfs.inside): a link its users made cannot lead the writes out of it. Before it
writes anything, every directory on the way to what it would add is looked at: a link or a
file where a directory is expected (but the host's own top-level links, bin -> usr/bin) is
refused, and nothing is added.
"""

import errno
import os
import stat
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from virttui.virtfs.builder import MANIFEST, manifest_text
from virttui.virtfs.generated import GENERATORS
from virttui.virtfs.inside import inside
from virttui.virtfs.plan import Plan, make_plan
from virttui.virtfs.profiles import DEVICES, Directory, compose
from virttui.virtfs.update import HostFile, _differences_inside, _install, _replace, plan_again


@dataclass(frozen=True)
class Generated:
    path: str   # inside the domain
    text: str
    mode: int
    gid: int


@dataclass
class Added:
    """What an add-profile did, as paths inside the domain."""
    profiles: list[str]
    paths: list[str]


def plan_with(current: Plan, new_profiles: list[str], settings_profiles) -> Plan:
    """The domain's plan with the profiles added (ConfigError for an unknown profile)."""
    names = current.profiles + [name for name in new_profiles if name not in current.profiles]
    return make_plan(current.domain, compose(names, settings_profiles))


def add_profiles(domain_path: Path, new_profiles: list[str], settings_profiles) -> Added:
    before = plan_again(domain_path, settings_profiles)   # its manifest, read once from inside it
    plan = plan_with(before, new_profiles, settings_profiles)
    host_files = [HostFile.read(path) for path in plan.copies]
    generated = [Generated(f"/etc/{name}", GENERATORS[name][0](plan.domain), *GENERATORS[name][1:])
                 for name in plan.generate]
    sources = {}
    try:
        for host_file in host_files:
            if host_file.link is None:
                sources[host_file.path] = os.open(host_file.path, os.O_RDONLY | os.O_CLOEXEC)
        work = partial(_add_inside, plan.directories, host_files, set(plan.programs), sources, generated,
                       plan.devices, plan.links, manifest_text(plan), plan.top_links)
        paths = inside(domain_path, work)
    finally:
        for source in sources.values():
            os.close(source)
    return Added([name for name in plan.profiles if name not in before.profiles], paths)


# What follows runs inside the domain: its / is the domain's root.

def _add_inside(directories: list[Directory], host_files: list[HostFile], programs: set[str],
                sources: dict[str, int], generated: list[Generated], devices: list[str],
                links: dict[str, str], manifest: str, top_links: dict[str, str]) -> list[str]:
    wanted_paths = ([f"/{d.path}/" for d in directories] + [f.path for f in host_files]
                    + [f.path for f in generated] + [f"/dev/{name}" for name in devices]
                    + [f"/{path}" for path in links] + ["/" + MANIFEST])
    for checked in wanted_paths:
        _refuse_what_is_in_the_way(checked, top_links)
    done = []
    for directory in directories:
        path = Path("/", directory.path)
        if not os.path.lexists(path):
            path.mkdir(parents=True)
            os.chown(path, directory.uid, directory.gid)
            os.chmod(path, directory.mode)
            done.append(str(path))
    # programs and libraries: missing or outdated; the other copied files: only when missing
    wanted = [f for f in host_files if f.path in programs or not os.path.lexists(f.path)]
    by_path = {f.path: f for f in wanted}
    for difference in _differences_inside(wanted):
        _install(by_path[difference.host_path], sources.get(difference.host_path))
        done.append(difference.host_path)
    for file in generated:
        if not os.path.lexists(file.path):
            _replace(Path(file.path), lambda out, text=file.text: out.write(text.encode("utf-8")),
                     file.mode, (0, file.gid))
            done.append(file.path)
    for name in devices:
        device = f"/dev/{name}"
        if not os.path.lexists(device):
            major, minor = DEVICES[name]
            os.makedirs("/dev", exist_ok=True)
            os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
            os.chmod(device, 0o666)
            done.append(device)
    for relative, destination in links.items():
        path = Path("/", relative)
        if not os.path.lexists(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(destination, path)
            done.append(str(path))
    _replace(Path("/", MANIFEST), lambda out: out.write(manifest.encode("utf-8")), 0o644)
    return done


def _refuse_what_is_in_the_way(path: str, top_links: dict[str, str]) -> None:
    """Each directory above `path` (and `path` itself when it ends in '/') must be a directory
    or not there yet; OSError naming the first that is not."""
    parts = [part for part in path.split("/") if part]
    upto = parts if path.endswith("/") else parts[:-1]
    current = ""
    for part in upto:
        current += "/" + part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return   # made from here down
        if stat.S_ISLNK(info.st_mode):
            if current.count("/") == 1 and top_links.get(part) == os.readlink(current):
                continue   # the host's own layout (bin -> usr/bin), made by the build
            raise OSError(errno.ENOTDIR, "a symbolic link where a directory is expected; nothing was added",
                          current)
        if not stat.S_ISDIR(info.st_mode):
            raise OSError(errno.ENOTDIR, "not a directory; nothing was added", current)
