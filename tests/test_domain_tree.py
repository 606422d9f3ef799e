"""A domain's whole tree from the host: walk, disk use, removal and archive never follow a
link out, never open a FIFO or a device, never cross into a mount."""

import os
import stat
import subprocess
import tarfile

import pytest

from virttui.domains.archive import archive_domain
from virttui.domains.disk import disk_use
from virttui.domains.inroot import DomainRoot, Refused
from virttui.domains.tree import remove_tree, walk

TOKEN = b"CANARY-tree-51c0e2"


pytestmark = pytest.mark.usefixtures("never_wait")


@pytest.fixture
def place(tmp_path):
    """A domain with links out (absolute, relative, a directory), a FIFO, a hard link; a host
    directory beside it holding a large file with the token."""
    domain, host = tmp_path / "domain", tmp_path / "host"
    (domain / "etc").mkdir(parents=True)
    (domain / "home" / "bob").mkdir(parents=True)
    host.mkdir()
    (host / "big").write_bytes(TOKEN * 200_000)
    (domain / "etc" / "passwd").write_bytes(b"root:x:0:0::/root:/bin/sh\n")
    os.link(domain / "etc" / "passwd", domain / "etc" / "passwd.hard")
    os.symlink(host / "big", domain / "etc" / "shadow")
    os.symlink("../../../../../../../../" + str(host).lstrip("/"), domain / "home" / "bob" / "up")
    os.symlink(host, domain / "var")
    os.mkfifo(domain / "etc" / "group")
    return domain, host


def test_walk_lists_the_links_and_never_enters_them(place):
    domain, host = place
    with DomainRoot(domain) as files:
        found = {path: info for path, info, _, _ in walk(files)}
    assert set(found) == {"etc", "etc/passwd", "etc/passwd.hard", "etc/shadow", "etc/group", "home",
                          "home/bob", "home/bob/up", "var"}
    assert stat.S_ISLNK(found["var"].st_mode) and stat.S_ISFIFO(found["etc/group"].st_mode)


def test_disk_use_counts_the_domains_own_blocks_only(place):
    domain, host = place
    used = disk_use(domain).bytes
    assert used < 200_000 < (host / "big").stat().st_blocks * 512


def test_removal_removes_links_never_their_targets(place):
    domain, host = place
    with DomainRoot(domain) as files:
        remove_tree(files, "home")
        remove_tree(files, "var")
        remove_tree(files, "etc")
        with pytest.raises(Refused, match="its parent"):
            remove_tree(files, ".")
    assert os.listdir(domain) == []
    assert (host / "big").read_bytes() == TOKEN * 200_000


@pytest.mark.root
def test_removal_refuses_a_mount_inside_the_domain(place, tmp_path):
    domain, _ = place
    mounted = domain / "home" / "bob" / "data"
    mounted.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mounted)], check=True)
    try:
        (mounted / "kept").write_bytes(b"not the domain's")
        with DomainRoot(domain) as files, pytest.raises(Refused) as refused:
            remove_tree(files, "home")
        assert str(refused.value) == f"{domain}/home/bob/data: another filesystem is mounted here: left alone"
        assert (mounted / "kept").read_bytes() == b"not the domain's"
    finally:
        subprocess.run(["umount", str(mounted)], check=True)


def test_the_archive_stores_links_as_links_and_never_opens_a_fifo(place):
    domain, host = place
    if os.geteuid() == 0:
        (domain / "dev").mkdir()
        os.mknod(domain / "dev" / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    written = archive_domain(domain.parent, domain.name, host)   # GNU tar, as `virttui domain delete` writes it
    assert TOKEN not in written.read_bytes()
    with tarfile.open(written) as tar:
        members = {member.name: member for member in tar.getmembers()}
        assert members["domain/etc/shadow"].issym()
        assert members["domain/etc/shadow"].linkname == str(host / "big")
        assert members["domain/var"].issym() and members["domain/etc/group"].isfifo()
        assert members["domain/etc/passwd.hard"].islnk() or members["domain/etc/passwd"].islnk()
        assert tar.extractfile("domain/etc/passwd").read() == b"root:x:0:0::/root:/bin/sh\n"
        if os.geteuid() == 0:
            assert members["domain/dev/null"].ischr() and members["domain/dev/null"].devminor == 3
