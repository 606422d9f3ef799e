"""A domain's life (`virttui domain ...`) run over the hostile root (tests/hostile_root.py):
disk use, addresses, disable and enable, rename there and back, delete with its archive. No
output or archive holds the canary token, no host file named by a link changes or goes (the
fixture's fingerprint), nothing waits, each refusal is one line."""

import os
import tarfile

from tests.hostile_root import USUAL, run

DOMAINS = ("etclink.example", "links.example", "mail.example", "huge.example", "fifo.example")


def domain(place, *args):
    result = run(place, "virttui", "--config", str(place.config), "domain", *args)
    assert result.seconds < USUAL
    return result


def conf_lines(place) -> str:
    text = "".join(f"127.0.23.{n} {place.root / name}\n" for n, name in enumerate(DOMAINS, start=1))
    (place.root / "conf.ftp").write_text(text)
    return text


def test_disk_use_counts_no_target_and_waits_for_nothing(hostile, never_wait):
    used = domain(hostile, "du", *DOMAINS)
    assert used.returncode == 0, used.stderr
    for name in DOMAINS:
        assert name in used.stdout


def test_disable_enable_and_rename_there_and_back(hostile, never_wait):
    text = conf_lines(hostile)
    hostname = open("/etc/hostname", "rb").read()
    for name in DOMAINS:
        assert domain(hostile, "disable", name).returncode == 0
        assert "#virttui-disabled: " in (hostile.root / "conf.ftp").read_text()
        assert domain(hostile, "enable", name).returncode == 0
        addresses = domain(hostile, "addresses", name)
        assert addresses.returncode == 0 and "127.0.23." in addresses.stdout
        there = domain(hostile, "rename", name, f"new-{name}")
        assert there.returncode == 0, there.stderr
        assert (hostile.root / f"new-{name}").is_dir() and not os.path.lexists(hostile.root / name)
        back = domain(hostile, "rename", f"new-{name}", name)
        assert back.returncode == 0, back.stderr
    assert (hostile.root / "conf.ftp").read_text() == text   # every line as it was
    # etclink.example's etc is the host's /etc: its hostname, which rename rewrites in a
    # domain, is left alone there
    assert open("/etc/hostname", "rb").read() == hostname


def test_delete_archives_links_as_links_and_removes_no_target(hostile, never_wait):
    conf_lines(hostile)
    archives = hostile.root.parent / "archives"
    archives.mkdir()
    for name in ("mail.example", "fifo.example"):   # their links lead into the test's own directories
        deleted = domain(hostile, "delete", name, "--archive-dir", str(archives))
        assert deleted.returncode == 0, deleted.stderr
        assert not os.path.lexists(hostile.root / name)
        assert name not in (hostile.root / "conf.ftp").read_text()
    written = sorted(archives.iterdir())
    assert len(written) == 2
    for archive in written:
        assert hostile.token.encode() not in archive.read_bytes()
    with tarfile.open(next(a for a in written if a.name.startswith("mail.example"))) as tar:
        maildir = tar.getmember("mail.example/home/bob/Maildir")
        assert maildir.issym() and maildir.linkname == str(hostile.outside / "maildir")
    assert sorted(os.listdir(hostile.outside / "maildir" / "new")) == ["1.M1P1.host"]   # the target stays
