"""Reading and writing a path inside a domain from the host, never outside it.

A domain's files belong to its users and to the servers run in it: any path may be a
symbolic link to the host's /etc, a FIFO, a device or a sparse file of gigabytes. The host's
tools run as root, so every host-side read or write of a domain's path goes through a
`DomainRoot`: the path is resolved component by component from a descriptor of the
domain's root (`openat` with `O_NOFOLLOW` at each step), so that

- a symbolic link is followed as the domain itself sees it (an absolute target is taken from
  the domain's root, a relative one from the link's directory), or refused (`follow=False`);
  never onto the host. A chain of more than MAX_LINKS links is refused (a loop);
- `..` never climbs above the domain's root (at the root it stays there, as in a chroot);
- a FIFO, a socket or a device where a file or directory is expected is refused before it is
  opened, and opened with `O_NONBLOCK` in case it was swapped in meanwhile, then checked again
  on the descriptor: nothing ever waits for a writer;
- a file larger than the caller's limit is refused before it is read;
- writes never go through a link: a file is replaced by a temporary file beside it renamed
  over it (relative to the parent's descriptor), removal removes the link, not its target,
  chmod and chown act on a descriptor or without following.

Each refusal is a `Refused` (an OSError) whose text is one line naming the domain's path.

Why not `openat2(RESOLVE_IN_ROOT)`: it would need ctypes (an import that costs the mail filter,
which uses this per message), and the walk below gives the same answers on every kernel, with
one code path to test. A component swapped for a link during the walk is seen on the next
`openat` (O_NOFOLLOW fails) and resolved again, inside the root.

Where the work is a whole tree of the host's files (virtfs --update and --check compare and
copy binaries and libraries), it is done instead by a child chrooted into the domain
(virttui.virtfs.inside), where every path is the domain's by construction; the mail filter
also chroots (it must become the user), and then reads through a `DomainRoot` of "/" for the
FIFOs and sizes. Standard library only, and cheap to import: the mail filter uses it per message.
"""

import errno
import os
import stat

from virttui.names import printable

MAX_LINKS = 40          # as the kernel's own limit on links in one lookup
SWAP_RETRIES = 8        # a component that changes under us again and again: refused
DIRECTORY_FLAGS = os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
OPEN_FLAGS = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY

KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
         stat.S_IFBLK: "a block device", stat.S_IFLNK: "a symbolic link", stat.S_IFDIR: "a directory",
         stat.S_IFREG: "a regular file"}


class Refused(OSError):
    """A path of a domain that is not read or written; str() is one line naming it."""

    def __init__(self, shown: str, reason: str | None, code: int | None = errno.EPERM):
        super().__init__(code, reason, shown)
        self.shown = shown

    def __str__(self) -> str:
        return f"{self.shown}: {self.strerror}"

    def __reduce__(self):   # pickled by virtfs' chrooted child
        return (Refused, (self.shown, self.strerror, self.errno))


class Missing(Refused, FileNotFoundError):
    """A path of a domain that is not there (or leads, as the domain sees it, nowhere)."""

    def __init__(self, shown: str):
        super().__init__(shown, os.strerror(errno.ENOENT), errno.ENOENT)

    def __reduce__(self):
        return (Missing, (self.shown,))


def kind_of(mode: int) -> str:
    return KINDS.get(stat.S_IFMT(mode), "an unknown kind of file")


def components(path) -> list[str]:
    """The names of a path inside a domain, '.' and empty ones dropped (absolute or not,
    it is taken from the domain's root)."""
    return [part for part in os.fsdecode(path).split("/") if part and part != "."]


def _naming(method):
    """An OSError of the method becomes one line naming the domain's path."""
    def named(self, path, *args, **kwargs):
        try:
            return method(self, path, *args, **kwargs)
        except Refused:
            raise
        except OSError as error:
            raise self.failed(path, error) from None
    named.__name__, named.__doc__ = method.__name__, method.__doc__
    return named


class _Walk:
    """The directories walked so far, from the root down: `..` pops one, a link's absolute
    target goes back to the root. Closes what it opened."""

    def __init__(self, root_fd: int):
        self.fds = [root_fd]

    @property
    def here(self) -> int:
        return self.fds[-1]

    def down(self, fd: int) -> None:
        self.fds.append(fd)

    def up(self) -> None:
        if len(self.fds) > 1:
            os.close(self.fds.pop())

    def to_root(self) -> None:
        while len(self.fds) > 1:
            os.close(self.fds.pop())

    def take(self) -> int:
        """The current directory's descriptor, owned by the caller from now on."""
        if len(self.fds) == 1:
            return os.dup(self.fds[0])
        return self.fds.pop()

    def close(self) -> None:
        for fd in self.fds[1:]:
            os.close(fd)
        del self.fds[1:]


class DomainRoot:
    """A domain's root, held by a descriptor; every path given to its methods is inside it.

        with DomainRoot("/virtual/example.com") as domain:
            text = domain.read_text("etc/passwd", limit=PASSWD_LIMIT)
    """

    def __init__(self, directory, fd: int | None = None):
        self.directory = os.fsdecode(directory)
        if fd is None:
            try:
                fd = os.open(directory, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
            except OSError as error:
                raise Refused(printable(self.directory), error.strerror,
                              error.errno) from None
        self.fd = fd

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> "DomainRoot":
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def shown(self, path) -> str:
        """The domain's path as a message names it: DOMAIN_DIRECTORY/PATH."""
        inside = "/".join(components(path))
        return printable(os.path.join(self.directory, inside) if inside else self.directory)

    def refused(self, path, reason: str | None, code: int | None = errno.EPERM) -> Refused:
        return Refused(self.shown(path), reason, code)

    def failed(self, path, error: OSError) -> Refused:
        """An OSError met at path, as a Refused naming it (Missing when it is not there)."""
        if isinstance(error, FileNotFoundError):
            return Missing(self.shown(path))
        return Refused(self.shown(path), error.strerror or str(error), error.errno or errno.EIO)

    # Resolving

    def resolve(self, path, follow: bool = True, follow_last: bool = True) -> tuple[int, str, os.stat_result | None]:
        """(descriptor of the parent directory, last name, its lstat or None when missing).
        The caller owns the descriptor. The last name is '.' when the path names a directory
        by '..' or the root itself. `follow` False: any link on the way is refused;
        `follow_last` False: a link as the last name is returned as itself."""
        walk = _Walk(self.fd)
        try:
            name, info = self._walk(walk, path, follow, follow_last)
            return walk.take(), name, info
        finally:
            walk.close()

    def _walk(self, walk: _Walk, path, follow: bool, follow_last: bool):
        todo = components(path)[::-1]   # a stack: the next name last
        links = retries = 0
        while todo:
            name = todo.pop()
            if name == "..":
                walk.up()
                if not todo:
                    return ".", os.stat(".", dir_fd=walk.here)
                continue
            last = not todo
            try:
                info = os.stat(name, dir_fd=walk.here, follow_symlinks=False)
            except FileNotFoundError:
                if last:
                    return name, None
                raise Missing(self.shown(path)) from None
            except OSError as error:
                raise self.refused(path, error.strerror, error.errno) from None
            if stat.S_ISLNK(info.st_mode) and not (last and not follow_last):
                if not follow:
                    raise self.refused(path, f"{printable(name)} is a symbolic link: not followed", errno.ELOOP)
                links += 1
                if links > MAX_LINKS:
                    raise self.refused(path, "too many symbolic links, a loop", errno.ELOOP)
                target = os.readlink(name, dir_fd=walk.here)
                if target.startswith("/"):
                    walk.to_root()
                todo.extend(components(target)[::-1])
                if not todo:   # a link to "/" or to "."
                    return ".", os.stat(".", dir_fd=walk.here)
                continue
            if last:
                return name, info
            if not stat.S_ISDIR(info.st_mode):
                raise self.refused(path, f"{printable(name)} is {kind_of(info.st_mode)}, not a directory",
                                   errno.ENOTDIR)
            try:
                walk.down(os.open(name, DIRECTORY_FLAGS, dir_fd=walk.here))
            except OSError as error:
                # Changed since the stat (a link swapped in): look at it again.
                retries += 1
                if retries > SWAP_RETRIES or error.errno not in (errno.ENOTDIR, errno.ELOOP, errno.ENOENT):
                    raise self.refused(path, error.strerror, error.errno) from None
                todo.append(name)
        return ".", os.stat(".", dir_fd=walk.here)

    # Reading

    def stat(self, path, follow: bool = True, strict: bool = False) -> os.stat_result:
        """The stat of the path inside the domain (of the link itself with follow False);
        FileNotFoundError when it is missing. `strict`: a link before the last name is refused."""
        parent, name, info = self.resolve(path, follow=not strict, follow_last=follow)
        os.close(parent)
        if info is None:
            raise Missing(self.shown(path))
        return info

    def exists(self, path, follow: bool = True) -> bool:
        try:
            self.stat(path, follow)
        except OSError:
            return False
        return True

    def is_dir(self, path) -> bool:
        try:
            return stat.S_ISDIR(self.stat(path).st_mode)
        except OSError:
            return False

    def open(self, path, flags: int = os.O_RDONLY, mode: int = 0o600, expect: str = "file",
             follow: bool = True) -> int:
        """A descriptor of the file (`expect` "file") or directory ("directory") at path;
        anything else is refused without being opened. With os.O_CREAT a missing file is
        made (never through a link). The descriptor is blocking again for a regular file."""
        for _ in range(SWAP_RETRIES):
            parent, name, info = self.resolve(path, follow=follow)
            try:
                if info is None and not flags & os.O_CREAT:
                    raise Missing(self.shown(path))
                if info is not None:
                    self._expect(path, info.st_mode, expect)
                extra = os.O_DIRECTORY if expect == "directory" else 0
                try:
                    fd = os.open(name, flags | extra | OPEN_FLAGS, mode, dir_fd=parent)
                except OSError as error:
                    if error.errno in (errno.ELOOP, errno.ENOTDIR, errno.ENXIO):
                        continue   # swapped for a link or a FIFO since: resolved again
                    raise self.refused(path, error.strerror, error.errno) from None
            finally:
                os.close(parent)
            try:
                self._expect(path, os.fstat(fd).st_mode, expect)
            except Refused:
                os.close(fd)
                raise
            if expect == "file":
                os.set_blocking(fd, True)
            return fd
        raise self.refused(path, "changed while it was opened, again and again", errno.EAGAIN)

    def _expect(self, path, mode: int, expect: str) -> None:
        wanted = stat.S_ISDIR(mode) if expect == "directory" else stat.S_ISREG(mode)
        if not wanted:
            what = "a directory" if expect == "directory" else "a regular file"
            raise self.refused(path, f"{kind_of(mode)}, not {what}",
                               errno.ENOTDIR if expect == "directory" else errno.EINVAL)

    def open_directory(self, path, follow: bool = True) -> int:
        """A readable descriptor of the directory at path (for os.scandir, dir_fd=...)."""
        return self.open(path, os.O_RDONLY, expect="directory", follow=follow)

    @_naming
    def read_bytes(self, path, limit: int) -> bytes:
        """The whole regular file at path; refused when it holds more than `limit` bytes."""
        fd = self.open(path)
        try:
            size = os.fstat(fd).st_size
            if size > limit:
                raise self.refused(path, f"{size} bytes, more than the {limit} such a file may have: not read",
                                   errno.EFBIG)
            chunks, left = [], limit + 1
            while left > 0:
                chunk = os.read(fd, min(left, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            if left <= 0:
                raise self.refused(path, f"grew past the {limit} bytes such a file may have: not read",
                                   errno.EFBIG)
            return b"".join(chunks)
        finally:
            os.close(fd)

    def read_text(self, path, limit: int) -> str:
        """read_bytes decoded as UTF-8; bytes that are not stay readable (surrogateescape)."""
        return self.read_bytes(path, limit).decode("utf-8", "surrogateescape")

    @_naming
    def entries(self, path) -> list[tuple[str, os.stat_result]]:
        """(name, lstat) of each entry of the directory at path, links not followed; an
        entry taken away while it is listed is left out."""
        fd = self.open_directory(path)
        try:
            found = []
            for name in os.listdir(fd):
                try:
                    found.append((name, os.stat(name, dir_fd=fd, follow_symlinks=False)))
                except FileNotFoundError:
                    continue
            return found
        finally:
            os.close(fd)

    @_naming
    def readlink(self, path) -> str:
        """The target of the symbolic link at path (its directories resolved in the domain);
        OSError (EINVAL) when it is not a link."""
        parent, name, info = self.resolve(path, follow_last=False)
        try:
            if info is None:
                raise Missing(self.shown(path))
            return os.readlink(name, dir_fd=parent)
        finally:
            os.close(parent)

    # Writing

    @_naming
    def write_file(self, path, data: bytes, mode: int = 0o644, owner: tuple[int, int] | None = None) -> None:
        """Put a regular file at path with `data`: written to a temporary file beside it,
        synced, renamed over it. A link standing there is replaced, never written through."""
        parent, name, info = self.resolve(path, follow_last=False)
        try:
            if name in (".", ".."):
                raise self.refused(path, "a directory, not a file to write", errno.EISDIR)
            if info is not None and stat.S_ISDIR(info.st_mode):
                raise self.refused(path, "a directory where a file is to be written: left alone", errno.EISDIR)
            temporary = f".{name}.virttui-{os.getpid()}-{os.urandom(4).hex()}"
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | OPEN_FLAGS, 0o600, dir_fd=parent)
            try:
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
                    if owner is not None:
                        os.fchown(fd, *owner)   # before the mode: chown clears set-id bits
                    os.fchmod(fd, mode)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                os.replace(temporary, name, src_dir_fd=parent, dst_dir_fd=parent)
            except BaseException:
                try:
                    os.unlink(temporary, dir_fd=parent)
                except OSError:
                    pass
                raise
        finally:
            os.close(parent)

    @_naming
    def mkdir(self, path, mode: int = 0o755, exist_ok: bool = True) -> None:
        """Make the directory at path (its parent must be there); one already there is fine
        when exist_ok, anything else standing there (a link among them) is refused."""
        parent, name, info = self.resolve(path, follow_last=False)
        try:
            if info is None:
                try:
                    os.mkdir(name, mode, dir_fd=parent)
                    return
                except FileExistsError:
                    info = os.stat(name, dir_fd=parent, follow_symlinks=False)
            if not stat.S_ISDIR(info.st_mode):
                raise self.refused(path, f"{kind_of(info.st_mode)} where a directory is expected: left alone",
                                   errno.ENOTDIR)
            if not exist_ok:
                raise FileExistsError(errno.EEXIST, "exists already", self.shown(path))
        finally:
            os.close(parent)

    def makedirs(self, path, mode: int = 0o755) -> None:
        """mkdir of each missing directory along path."""
        names = components(path)
        for end in range(1, len(names) + 1):
            self.mkdir("/".join(names[:end]), mode)

    @_naming
    def unlink(self, path, missing_ok: bool = True) -> None:
        """Remove the name at path (a link is removed, never its target; a directory refused)."""
        parent, name, info = self.resolve(path, follow_last=False)
        try:
            if info is None:
                if missing_ok:
                    return
                raise Missing(self.shown(path))
            if stat.S_ISDIR(info.st_mode):
                raise self.refused(path, "a directory, not removed by unlink", errno.EISDIR)
            os.unlink(name, dir_fd=parent)
        finally:
            os.close(parent)

    @_naming
    def chmod(self, path, mode: int) -> None:
        """chmod of the file or directory at path, through its descriptor (never a link)."""
        fd = self._open_any(path)
        try:
            os.fchmod(fd, mode)
        finally:
            os.close(fd)

    @_naming
    def chown(self, path, uid: int, gid: int) -> None:
        """chown of the file or directory at path, through its descriptor (never a link)."""
        fd = self._open_any(path)
        try:
            os.fchown(fd, uid, gid)
        finally:
            os.close(fd)

    def _open_any(self, path) -> int:
        info = self.stat(path, follow=False)
        if stat.S_ISLNK(info.st_mode):
            raise self.refused(path, "a symbolic link: its target is left alone", errno.ELOOP)
        expect = "directory" if stat.S_ISDIR(info.st_mode) else "file"
        return self.open(path, os.O_RDONLY, expect=expect, follow=True)

    @_naming
    def link_in(self, source: str, path) -> None:
        """Make path a hard link to the host file `source` (the root's log socket), atomically
        replacing what stands there (a link is replaced, never followed)."""
        parent, name, info = self.resolve(path, follow_last=False)
        try:
            if info is not None and stat.S_ISDIR(info.st_mode):
                raise self.refused(path, "a directory where a link is to be made: left alone", errno.EISDIR)
            temporary = f".{name}.virttui-{os.getpid()}-{os.urandom(4).hex()}"
            os.link(source, temporary, dst_dir_fd=parent)
            try:
                os.replace(temporary, name, src_dir_fd=parent, dst_dir_fd=parent)
            except BaseException:
                os.unlink(temporary, dir_fd=parent)
                raise
        finally:
            os.close(parent)
