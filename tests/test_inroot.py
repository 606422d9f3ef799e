"""The one way the host opens a domain's paths: links read as the domain sees them, `..`
kept under the root, FIFOs and devices refused without waiting, sizes bounded, writes never
through a link."""

import errno
import hashlib
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from virttui.domains.inroot import DomainRoot, Refused

TOKEN = b"CANARY-inroot-7f3a9c"


pytestmark = pytest.mark.usefixtures("never_wait")


@pytest.fixture
def place(tmp_path):
    """(domain directory, host directory outside it with a canary file)."""
    domain, host = tmp_path / "domain", tmp_path / "host"
    (domain / "etc").mkdir(parents=True)
    host.mkdir()
    (host / "secret").write_bytes(TOKEN)
    (domain / "etc" / "hosts").write_bytes(b"inside\n")
    return domain, host


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_plain_file_is_read(place):
    domain, _ = place
    with DomainRoot(domain) as root:
        assert root.read_bytes("etc/hosts", 100) == b"inside\n"
        assert root.read_bytes("/etc/hosts", 100) == b"inside\n"


def test_an_absolute_link_is_taken_from_the_domains_root(place):
    domain, host = place
    os.symlink(host / "secret", domain / "etc" / "passwd")
    os.symlink("/etc/hosts", domain / "etc" / "mine")
    with DomainRoot(domain) as root:
        with pytest.raises(FileNotFoundError):   # DOMAIN/<host path>: not there
            root.read_bytes("etc/passwd", 100)
        assert root.read_bytes("etc/mine", 100) == b"inside\n"


def test_a_directory_linked_to_a_host_directory_is_the_domains_own(place):
    domain, host = place
    os.symlink(host, domain / "var")
    (domain / str(host).lstrip("/")).mkdir(parents=True)
    (domain / str(host).lstrip("/") / "secret").write_bytes(b"the domain's own\n")
    with DomainRoot(domain) as root:
        assert root.read_bytes("var/secret", 100) == b"the domain's own\n"


@pytest.mark.parametrize("target", ["../../../../../../../../secret", "../" * 40 + "secret"])
def test_relative_links_never_climb_above_the_root(place, target):
    domain, host = place
    os.symlink(target.replace("secret", str(host).lstrip("/") + "/secret"), domain / "etc" / "up")
    with DomainRoot(domain) as root, pytest.raises(FileNotFoundError):
        root.read_bytes("etc/up", 100)


def test_dot_dot_chains_in_the_path_stay_under_the_root(place, tmp_path):
    domain, host = place
    with DomainRoot(domain) as root:
        assert root.read_bytes("../../../../etc/../etc/hosts", 100) == b"inside\n"
        with pytest.raises(FileNotFoundError):
            root.read_bytes("../host/secret", 100)
        with pytest.raises(FileNotFoundError):
            root.read_bytes("/".join([".."] * 10) + str(host / "secret"), 100)


def test_dot_dot_after_a_link_goes_to_the_targets_parent(place):
    domain, _ = place
    (domain / "srv" / "a" / "b").mkdir(parents=True)
    (domain / "srv" / "a" / "x").write_bytes(b"x of a\n")
    os.symlink("/srv/a/b", domain / "b")
    with DomainRoot(domain) as root:
        assert root.read_bytes("b/../x", 100) == b"x of a\n"


@pytest.mark.parametrize("links", [{"etc": "/etc"}, {"a": "b", "b": "a"}, {"a": "a/x"}])
def test_loops_are_refused(tmp_path, links):
    domain = tmp_path / "domain"
    domain.mkdir()
    for name, target in links.items():
        os.symlink(target, domain / name)
    first = next(iter(links))
    with DomainRoot(domain) as root, pytest.raises(Refused) as refused:
        root.read_bytes(f"{first}/passwd", 100)
    assert refused.value.errno == errno.ELOOP
    assert str(refused.value).startswith(f"{domain}/{first}/passwd: ")
    assert "\n" not in str(refused.value)


def test_follow_false_refuses_any_link(place):
    domain, _ = place
    os.symlink("etc", domain / "config")
    with DomainRoot(domain) as root:
        with pytest.raises(Refused, match="symbolic link"):
            root.open("config/hosts", follow=False)
        os.close(root.open("config/hosts"))


def test_a_fifo_is_refused_without_waiting(place):
    domain, _ = place
    os.mkfifo(domain / "etc" / "group")
    with DomainRoot(domain) as root:
        with pytest.raises(Refused, match="a FIFO, not a regular file"):
            root.read_bytes("etc/group", 100)
        with pytest.raises(Refused, match="not a directory"):
            root.read_bytes("etc/group/x", 100)
        with pytest.raises(Refused):
            root.open("etc/group", os.O_WRONLY)


def test_a_fifo_swapped_in_after_the_check_is_refused_on_the_descriptor(place, monkeypatch):
    """The stat said regular file; by the open it is a FIFO: O_NONBLOCK, then fstat."""
    domain, _ = place
    path = domain / "etc" / "hosts"
    real_stat = os.stat

    def stat_then_swap(name, *args, **kwargs):
        found = real_stat(name, *args, **kwargs)
        if name == "hosts" and path.exists() and not stat.S_ISFIFO(real_stat(path, follow_symlinks=False).st_mode):
            path.unlink()
            os.mkfifo(path)
        return found
    with DomainRoot(domain) as root:
        monkeypatch.setattr(os, "stat", stat_then_swap)
        with pytest.raises(Refused, match="a FIFO"):
            root.read_bytes("etc/hosts", 100)


@pytest.mark.root
def test_devices_and_sockets_are_refused(place):
    domain, _ = place
    (domain / "dev").mkdir()
    os.mknod(domain / "dev" / "zero", stat.S_IFCHR | 0o666, os.makedev(1, 5))
    os.symlink("/dev/zero", domain / "etc" / "passwd")
    os.symlink("/dev", domain / "devices")
    with DomainRoot(domain) as root:
        for path in ("dev/zero", "etc/passwd", "devices/zero"):
            with pytest.raises(Refused, match="a character device, not a regular file"):
                root.read_bytes(path, 100)


def test_a_huge_sparse_file_is_refused_by_its_size(place):
    domain, _ = place
    with open(domain / "etc" / "passwd", "wb") as huge:
        huge.truncate(2 << 30)
    with DomainRoot(domain) as root, pytest.raises(Refused, match="2147483648 bytes, more than the 1000"):
        root.read_bytes("etc/passwd", 1000)


def swapping(domain: Path, host: Path, stop: threading.Event):
    """Make DOMAIN/d a real directory, a link to the host's directory, missing, and again."""
    real, d = domain / "real", domain / "d"
    while not stop.is_set():
        os.rename(real, d)
        time.sleep(0.0002)   # each state long enough for the reader to meet it
        os.rename(d, real)
        os.symlink(host, d)
        time.sleep(0.0002)
        os.unlink(d)
        os.symlink(os.path.relpath(host, domain), d)   # climbing with ../
        time.sleep(0.0002)
        os.unlink(d)


def test_a_link_swapped_during_the_walk_never_leads_out(place):
    domain, host = place
    (domain / "real").mkdir()
    (domain / "real" / "secret").write_bytes(b"inside\n")
    os.chmod(host / "secret", 0o644)
    before = digest(host / "secret")
    stop = threading.Event()
    racer = threading.Thread(target=swapping, args=(domain, host, stop))
    racer.start()
    seen = set()
    try:
        with DomainRoot(domain) as root:
            rounds, deadline = 0, time.monotonic() + 8
            while time.monotonic() < deadline and (rounds < 2000 or b"inside\n" not in seen):
                rounds += 1
                try:
                    seen.add(root.read_bytes("d/secret", 100))
                except OSError as error:
                    seen.add(type(error).__name__)
                try:
                    root.write_file("d/written", b"w")
                    root.chmod("d/secret", 0o600)
                except OSError:
                    pass
    finally:
        stop.set()
        racer.join()
    assert TOKEN not in seen
    assert b"inside\n" in seen   # the race was run: the directory was found at times
    assert sorted(os.listdir(host)) == ["secret"]
    assert digest(host / "secret") == before
    assert stat.S_IMODE(os.stat(host / "secret").st_mode) == 0o644


def test_writes_replace_a_link_never_write_through_it(place):
    domain, host = place
    secret = host / "secret"
    os.chmod(secret, 0o644)
    before = digest(secret)
    for name in ("shadow", "passwd", "group"):
        os.symlink(secret, domain / "etc" / name)
    os.symlink(host, domain / "home")
    with DomainRoot(domain) as root:
        root.write_file("etc/shadow", b"root:*:1::::::\n", 0o640)
        root.unlink("etc/passwd")
        with pytest.raises(Refused, match="symbolic link"):
            root.chmod("etc/group", 0o600)
        with pytest.raises(Refused, match="symbolic link"):
            root.chown("etc/group", 1, 1)
        with pytest.raises(Refused, match="a symbolic link where a directory is expected"):
            root.mkdir("home")
        root.makedirs(f"{host}/made")   # the host's path, taken from the domain's root
    assert digest(secret) == before and stat.S_IMODE(secret.stat().st_mode) == 0o644
    assert sorted(os.listdir(host)) == ["secret"]
    assert (domain / "etc" / "shadow").read_bytes() == b"root:*:1::::::\n"
    assert not (domain / "etc" / "shadow").is_symlink()
    assert stat.S_IMODE((domain / "etc" / "shadow").stat().st_mode) == 0o640
    assert not os.path.lexists(domain / "etc" / "passwd")
    assert (domain / str(host).lstrip("/") / "made").is_dir()


def test_writes_through_a_directory_link_stay_inside(place):
    domain, host = place
    os.symlink(host, domain / "www")
    with DomainRoot(domain) as root:
        with pytest.raises(FileNotFoundError, match="No such file"):
            root.write_file("www/index.html", b"page")
        root.makedirs(str(host))
        root.write_file("www/index.html", b"page")
    assert sorted(os.listdir(host)) == ["secret"]
    assert (domain / str(host).lstrip("/") / "index.html").read_bytes() == b"page"


def test_link_in_replaces_what_stands_there(place, tmp_path):
    domain, host = place
    source = tmp_path / "socketish"
    source.write_bytes(b"")
    (domain / "dev").mkdir()
    os.symlink(host / "secret", domain / "dev" / "log")
    with DomainRoot(domain) as root:
        root.link_in(str(source), "dev/log")
    assert os.stat(domain / "dev" / "log").st_ino == source.stat().st_ino
    assert (host / "secret").read_bytes() == TOKEN


def test_the_directory_listing_and_stat(place):
    domain, host = place
    os.symlink(host, domain / "out")
    with DomainRoot(domain) as root:
        [(name, info)] = root.entries("etc")
        assert name == "hosts" and info.st_size == 7
        with pytest.raises(FileNotFoundError):
            root.entries("out")
        assert root.stat("out", follow=False).st_mode & stat.S_IFLNK
        assert root.readlink("out") == str(host)
        with pytest.raises(OSError):
            root.readlink("etc")
        assert not root.exists("out")
        assert root.is_dir("/..")
