"""`virttui domain ...`: a domain's addresses, disable and enable, rename, delete and disk use,
run as an admin would on a real root; the files, conf lines and archives checked on disk."""

import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN, require_program
from virttui.conf import conffile


def virttui(root: Path, *args):
    return subprocess.run([str(VENV_BIN / "virttui"), "--root", str(root), *args],
                          capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})


def make_root(root: Path) -> Path:
    """alpha (an alias www.alpha, a user's files with odd owners, links out, a hard link, a
    FIFO), beta; lines of both in two conf files, one CRLF, one through the alias."""
    for name in ("alpha.example", "beta.example"):
        (root / name / "etc").mkdir(parents=True)
        (root / name / "etc" / "marker").write_text(f"{name}\n")
    alpha = root / "alpha.example"
    (alpha / "home").mkdir()
    (alpha / "home" / "big").write_bytes(b"x" * 100_000)
    os.link(alpha / "home" / "big", alpha / "home" / "big-again")
    (alpha / "home" / "host").symlink_to("/")
    (alpha / "home" / "shadow").symlink_to("/etc/shadow")
    os.mkfifo(alpha / "home" / "fifo")
    (root / "www.alpha.example").symlink_to("alpha.example")
    (root / "conf.ftp").write_text(f"# who gets FTP\n127.0.0.2 {root}/alpha.example\n"
                                   f"127.0.0.3 {root}/www.alpha.example\n127.0.0.4 {root}/beta.example\n")
    (root / "conf.www").write_bytes(f"127.0.0.2\t{root}/alpha.example\r\ndefault {root}/beta.example\r\n".encode())
    return root


@pytest.fixture
def root(tmp_path) -> Path:
    return make_root(tmp_path / "root")


def plain_lines(root: Path) -> list[conffile.Mapping]:
    return [m for path in sorted(root.glob("conf.*")) for m in conffile.read(path).mappings]


def assert_every_line_reaches_a_directory(root: Path) -> None:
    for mapping in plain_lines(root):
        assert os.path.isdir(mapping.directory), f"a conf line points nowhere: {mapping}"
        assert (Path(mapping.directory) / "etc" / "marker").exists(), f"a conf line to a half domain: {mapping}"


def test_disable_comments_the_lines_out_and_enable_restores_them_byte_for_byte(root):
    before = {path.name: path.read_bytes() for path in root.glob("conf.*")}
    done = virttui(root, "domain", "disable", "ALPHA.example")
    assert done.returncode == 0, done.stderr
    assert "alpha.example: disabled (3 line(s))" in done.stdout
    assert (root / "conf.ftp").read_text() == (
        f"# who gets FTP\n#virttui-disabled: 127.0.0.2 {root}/alpha.example\n"
        f"#virttui-disabled: 127.0.0.3 {root}/www.alpha.example\n127.0.0.4 {root}/beta.example\n")
    assert (root / "conf.www").read_bytes() == (f"#virttui-disabled: 127.0.0.2\t{root}/alpha.example\r\n"
                                                f"default {root}/beta.example\r\n").encode()
    assert (root / "alpha.example" / "etc" / "marker").exists()   # nothing deleted
    listed = {d["name"]: d for d in json.loads(virttui(root, "list", "--json").stdout)["domains"]}
    assert listed["alpha.example"]["state"] == "disabled"
    assert listed["alpha.example"]["addresses"] == {}
    assert listed["alpha.example"]["disabled"] == {"ftp": ["127.0.0.2", "127.0.0.3"], "www": ["127.0.0.2"]}
    assert listed["beta.example"]["state"] == "served"
    table = virttui(root, "list").stdout.splitlines()
    assert "STATE" in table[0].split()
    assert next(row for row in table if row.startswith("alpha.example")).split()[-1] == "disabled"

    assert virttui(root, "domain", "disable", "alpha.example").stdout.strip() == \
        "alpha.example: had no conf line to disable"
    again = virttui(root, "domain", "enable", "alpha.example")
    assert again.returncode == 0, again.stderr
    assert {path.name: path.read_bytes() for path in root.glob("conf.*")} == before


def test_enable_is_refused_when_the_address_was_given_to_another_domain_meanwhile(root):
    assert virttui(root, "domain", "disable", "alpha.example").returncode == 0
    assert virttui(root, "enable", "beta.example", "ftp", "--address", "127.0.0.2", "--no-profile").returncode == 0
    before = (root / "conf.ftp").read_bytes()
    refused = virttui(root, "domain", "enable", "alpha.example")
    assert refused.returncode == 3
    assert "127.0.0.2 already mapped" in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert (root / "conf.ftp").read_bytes() == before


def test_rename_moves_the_directory_its_lines_and_its_aliases(root):
    inode = (root / "alpha.example" / "home" / "big").stat().st_ino
    (root / "alpha.example" / "etc" / "hostname").write_text("alpha.example\n")
    done = virttui(root, "domain", "rename", "alpha.example", "gamma.example")
    assert done.returncode == 0, done.stderr
    assert (root / "gamma.example" / "etc" / "hostname").read_text() == "gamma.example\n"
    assert "gamma.example/etc/hostname now says gamma.example" in done.stderr

    assert not os.path.lexists(root / "alpha.example")
    assert (root / "gamma.example" / "home" / "big").stat().st_ino == inode
    assert os.readlink(root / "www.alpha.example") == "gamma.example"
    assert (root / "conf.ftp").read_text() == (f"# who gets FTP\n127.0.0.2 {root}/gamma.example\n"
                                               f"127.0.0.3 {root}/www.alpha.example\n127.0.0.4 {root}/beta.example\n")
    assert (root / "conf.www").read_bytes() == (f"127.0.0.2\t{root}/gamma.example\r\n"
                                                f"default {root}/beta.example\r\n").encode()
    assert sorted(p.name for p in root.iterdir()) == ["beta.example", "conf.ftp", "conf.www", "gamma.example",
                                                      "www.alpha.example"]


def test_rename_leaves_a_hostname_that_is_a_link_out_alone(root):
    (root / "beta.example" / "etc" / "hostname").symlink_to("/etc/hostname")
    host_hostname = open("/etc/hostname", "rb").read()
    done = virttui(root, "domain", "rename", "beta.example", "delta.example")
    assert done.returncode == 0, done.stderr
    assert os.readlink(root / "delta.example" / "etc" / "hostname") == "/etc/hostname"
    assert open("/etc/hostname", "rb").read() == host_hostname
    assert "delta.example/etc/hostname left as it was" in done.stderr


def test_a_disabled_domain_renamed_stays_disabled_under_its_new_name(root):
    virttui(root, "domain", "disable", "alpha.example")
    assert virttui(root, "domain", "rename", "alpha.example", "gamma.example").returncode == 0
    assert f"#virttui-disabled: 127.0.0.2 {root}/gamma.example\n" in (root / "conf.ftp").read_text()
    assert virttui(root, "domain", "enable", "gamma.example").returncode == 0
    assert f"\n127.0.0.2 {root}/gamma.example\n" in (root / "conf.ftp").read_text()


@pytest.mark.parametrize("args, status, says", [
    (("rename", "alpha.example", "beta.example"), 3, "beta.example already exists"),
    (("rename", "alpha.example", "www.alpha.example"), 3, "www.alpha.example already exists"),
    (("rename", "alpha.example", "bad..name"), 2, "bad..name"),
    (("rename", "nosuch.example", "new.example"), 2, "no domain nosuch.example"),
    (("rename", "www.alpha.example", "new.example"), 2, "is an alias of alpha.example"),
    (("disable", "www.alpha.example"), 2, "is an alias of alpha.example"),
    (("delete", "alpha.example", "--archive-dir", "/nonexistent/dir"), 4, "no such directory"),
    (("delete", "nosuch.example"), 2, "no domain nosuch.example"),
    (("addresses", "alpha.example", "ftp", "--set", "127.0.0.4"), 3, "conf.ftp:4: error: 127.0.0.4 already mapped on line 3"),
])
def test_refusals_are_one_line_with_their_status_and_change_nothing(root, args, status, says):
    before = sorted((p.name, p.read_bytes() if p.is_file() else None) for p in root.iterdir())
    result = virttui(root, "domain", *args)
    assert result.returncode == status, result.stderr
    assert says in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("virttui")]) == 1
    assert sorted((p.name, p.read_bytes() if p.is_file() else None) for p in root.iterdir()) == before


def test_an_archive_directory_inside_the_domain_is_refused(root):
    result = virttui(root, "domain", "delete", "alpha.example", "--archive-dir", str(root / "alpha.example" / "etc"))
    assert result.returncode == 4 and "inside the domain" in result.stderr
    assert (root / "alpha.example" / "etc" / "marker").exists()


@pytest.mark.root
def test_delete_archives_first_with_numeric_owners_and_links_as_links_then_removes_everything(root):
    require_program("tar", "tar")
    os.chown(root / "alpha.example" / "home" / "big", 4321, 4322)
    done = virttui(root, "domain", "delete", "alpha.example")
    assert done.returncode == 0, done.stderr
    archive = Path(done.stdout.splitlines()[0].removeprefix("archive: "))
    assert archive.parent == root / ".archive" and archive.name.startswith("alpha.example-")
    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
    big, again = members["alpha.example/home/big"], members["alpha.example/home/big-again"]
    stored, linked = (big, again) if big.isfile() else (again, big)
    assert (stored.uid, stored.gid, stored.uname, stored.gname, stored.size) == (4321, 4322, "", "", 100_000)
    assert linked.islnk() and linked.size == 0                        # the hard link stored once
    assert members["alpha.example/home/host"].issym() and members["alpha.example/home/host"].linkname == "/"
    assert members["alpha.example/home/shadow"].linkname == "/etc/shadow"
    assert members["alpha.example/home/fifo"].isfifo()
    assert not any(name.startswith("alpha.example/home/host/") for name in members)
    assert os.path.exists("/etc/shadow")                              # targets untouched

    assert not os.path.lexists(root / "alpha.example") and not os.path.lexists(root / "www.alpha.example")
    assert (root / "conf.ftp").read_text() == f"# who gets FTP\n127.0.0.4 {root}/beta.example\n"
    assert (root / "conf.www").read_bytes() == f"default {root}/beta.example\r\n".encode()
    assert sorted(p.name for p in root.iterdir()) == [".archive", "beta.example", "conf.ftp", "conf.www"]


def test_delete_to_a_given_directory_and_without_an_archive(root, tmp_path):
    elsewhere = tmp_path / "kept"
    elsewhere.mkdir()
    done = virttui(root, "domain", "delete", "beta.example", "--archive-dir", str(elsewhere))
    assert done.returncode == 0, done.stderr
    assert [p.parent for p in elsewhere.iterdir()] == [elsewhere]
    assert f"archive: {elsewhere}/beta.example-" in done.stdout
    gone = virttui(root, "domain", "delete", "alpha.example", "--no-archive")
    assert gone.returncode == 0, gone.stderr
    assert "archive" not in gone.stdout
    assert not (root / ".archive").exists()
    assert [m for m in plain_lines(root)] == []


def test_delete_an_alias_takes_its_lines_and_its_link_only(root):
    done = virttui(root, "domain", "delete", "www.alpha.example")
    assert done.returncode == 0, done.stderr
    assert not os.path.lexists(root / "www.alpha.example")
    assert (root / "alpha.example" / "etc" / "marker").exists()
    assert "127.0.0.3" not in (root / "conf.ftp").read_text()


def test_addresses_lists_sets_and_checks_with_the_linters_verdict(root):
    listed = virttui(root, "domain", "addresses", "alpha.example")
    assert listed.returncode == 0
    assert [line.split()[:3] for line in listed.stdout.splitlines()[1:]] == [
        ["ftp", "127.0.0.2", "conf.ftp:2"], ["ftp", "127.0.0.3", "conf.ftp:3"], ["www", "127.0.0.2", "conf.www:1"]]
    check = virttui(root, "domain", "addresses", "alpha.example", "ftp", "--set", "127.0.0.300", "--check")
    assert check.returncode == 1
    assert "error: '127.0.0.300' is not an IPv4 or IPv6 address" in check.stderr
    checked_ok = virttui(root, "domain", "addresses", "alpha.example", "ftp", "--set", "127.0.0.5", "--check")
    assert checked_ok.returncode == 0, checked_ok.stderr
    assert f"127.0.0.5 {root}/alpha.example" not in (root / "conf.ftp").read_text()   # --check writes nothing
    done = virttui(root, "domain", "addresses", "alpha.example", "ftp", "--set", "127.0.0.2", "127.0.0.5")
    assert done.returncode == 0, done.stderr
    assert (root / "conf.ftp").read_text() == (
        f"# who gets FTP\n127.0.0.2 {root}/alpha.example\n127.0.0.3 {root}/www.alpha.example\n"
        f"127.0.0.4 {root}/beta.example\n127.0.0.5 {root}/alpha.example\n")
    cleared = virttui(root, "domain", "addresses", "beta.example", "www", "--set")
    assert cleared.returncode == 0, cleared.stderr
    assert (root / "conf.www").read_bytes() == f"127.0.0.2\t{root}/alpha.example\r\n".encode()


def test_disk_use_counts_the_domains_own_blocks_links_not_followed_hard_links_once(root):
    alpha = root / "alpha.example"
    with open(alpha / "home" / "sparse", "wb") as sparse:
        sparse.truncate(1 << 40)   # a terabyte of hole
    result = virttui(root, "domain", "du", "--json", "alpha.example")
    assert result.returncode == 0, result.stderr
    [use] = json.loads(result.stdout)["domains"]
    seen, expected = set(), 0
    for path in [alpha, *alpha.rglob("*")]:
        info = path.lstat()
        if (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            expected += info.st_blocks * 512
    assert use == {"name": "alpha.example", "bytes": expected, "files": len([alpha, *alpha.rglob("*")])}
    assert expected < 1 << 20          # the host's / behind home/host is not counted, the hole not either
    table = virttui(root, "domain", "du").stdout.splitlines()
    assert [row.split()[0] for row in table] == ["DOMAIN", "alpha.example", "beta.example"]
