"""After host upgrades: refresh a domain's binaries and libraries (`virtfs --update`), or
say what is missing or outdated (`virtfs --check`). A domain's data (etc/passwd, shadow,
homes, spools, logs, its own configuration) is never touched.

The host's files are read here; the domain is read and written only from inside it
(virttui.virtfs.inside), where a link its users made cannot lead out of it: a whole tree of
the host's binaries is compared and copied, simpler and as safe in a chrooted child as path by
path through virttui.domains.inroot. The manifest is still read through inroot there, for
its FIFOs and size.
"""

import os
import shutil
import stat
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from virttui.domains.inroot import DomainRoot
from virttui.virtfs.builder import MANIFEST, BuildError, manifest_text, parse_manifest
from virttui.virtfs.inside import inside
from virttui.virtfs.plan import Plan, make_plan
from virttui.virtfs.profiles import compose

MANIFEST_LIMIT = 1 << 20
MISSING = "missing"
OUTDATED = "outdated"


@dataclass(frozen=True)
class Difference:
    host_path: str
    state: str


@dataclass(frozen=True)
class HostFile:
    """A host file as the domain's copy of it is compared with, and made again."""
    path: str
    link: str | None    # its target, when it is a symbolic link
    size: int
    mtime_ns: int
    atime_ns: int
    mode: int
    uid: int
    gid: int

    @classmethod
    def read(cls, path: str) -> "HostFile":
        info = os.lstat(path)
        link = os.readlink(path) if stat.S_ISLNK(info.st_mode) else None
        if link is not None:
            info = os.stat(path)
        return cls(path, link, info.st_size, info.st_mtime_ns, info.st_atime_ns, stat.S_IMODE(info.st_mode),
                   info.st_uid, info.st_gid)


def plan_again(domain_path: Path, settings_profiles) -> Plan:
    try:
        text = inside(domain_path, _manifest_inside)
    except OSError as error:
        raise BuildError(f"{domain_path / MANIFEST}: cannot read what the domain was built from "
                         f"({error.strerror}); was it built by virtfs?") from None
    manifest = parse_manifest(text, domain_path)
    return make_plan(domain_path.name, compose(manifest["profiles"], settings_profiles))


def differences(plan: Plan, domain_path: Path) -> list[Difference]:
    return inside(domain_path, partial(_differences_inside, [HostFile.read(path) for path in plan.programs]))


def update(plan: Plan, domain_path: Path, progress=lambda step: None) -> list[Difference]:
    """Copy what is missing or outdated; what was done."""
    host_files = [HostFile.read(path) for path in plan.programs]
    sources = {}   # opened here, read from inside the domain
    try:
        for host_file in host_files:
            if host_file.link is None:
                sources[host_file.path] = os.open(host_file.path, os.O_RDONLY | os.O_CLOEXEC)
        done = inside(domain_path, partial(_update_inside, host_files, sources, manifest_text(plan)))
    finally:
        for source in sources.values():
            os.close(source)
    for difference in done:
        progress(f"{difference.state} {difference.host_path}")
    return done


# What follows runs inside the domain: its / is the domain's root.

def _manifest_inside() -> str:
    """Read through inroot even here: a FIFO in its place would hold the child (and virtfs)
    for ever, a file of gigabytes would fill the memory."""
    with DomainRoot("/") as files:
        return files.read_text(MANIFEST, MANIFEST_LIMIT)


def _differences_inside(host_files: list[HostFile]) -> list[Difference]:
    found = []
    for host_file in host_files:
        if not os.path.lexists(host_file.path):
            found.append(Difference(host_file.path, MISSING))
        elif _differs(host_file, Path(host_file.path)):
            found.append(Difference(host_file.path, OUTDATED))
    return found


def _differs(host_file: HostFile, copied: Path) -> bool:
    if host_file.link is not None:
        return not copied.is_symlink() or os.readlink(copied) != host_file.link
    mine = os.lstat(copied)
    return host_file.size != mine.st_size or host_file.mtime_ns // 10**9 != int(mine.st_mtime)


def _update_inside(host_files: list[HostFile], sources: dict[str, int], manifest: str) -> list[Difference]:
    done = _differences_inside(host_files)
    by_path = {host_file.path: host_file for host_file in host_files}
    for difference in done:
        _install(by_path[difference.host_path], sources.get(difference.host_path))
    _replace(Path("/", MANIFEST), lambda out: out.write(manifest.encode("utf-8")), 0o644)
    return done


def _install(host_file: HostFile, source: int | None) -> None:
    """The host file made again in the domain, beside its old copy, then put in its place."""
    destination = Path(host_file.path)
    if host_file.link is not None:
        temporary = _temporary(destination)
        os.symlink(host_file.link, temporary)
        os.replace(temporary, destination)
        return
    assert source is not None, host_file.path   # the caller opened every file that is not a link
    fd = source

    def copy(out):
        os.lseek(fd, 0, os.SEEK_SET)
        with open(fd, "rb", closefd=False) as data:
            shutil.copyfileobj(data, out)
    _replace(destination, copy, host_file.mode, (host_file.uid, host_file.gid),
             (host_file.atime_ns, host_file.mtime_ns))


def _replace(destination: Path, write, mode: int, owner: tuple[int, int] = (0, 0),
             times: tuple[int, int] | None = None) -> None:
    """A new file written beside `destination`, then renamed over it (over a link, not through it)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary(destination)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with open(descriptor, "wb") as out:
            write(out)
            out.flush()
            os.fchown(descriptor, *owner)   # before the mode: chown clears set-id bits
            os.fchmod(descriptor, mode)
            if times is not None:
                os.utime(descriptor, ns=times)
        os.replace(temporary, destination)
    except BaseException:
        os.unlink(temporary)
        raise


def _temporary(destination: Path) -> Path:
    return destination.with_name(f".{destination.name}.virtfs-{os.getpid()}")
