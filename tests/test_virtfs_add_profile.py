"""virtfs --add-profile (as root): an existing domain gets what one more profile names,
its data kept, and nothing written through a link its users made."""

import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_root
from tests.test_virtfs import VIRTFS, digest, in_domain, virtfs


def built_base(tmp_path) -> Path:
    require_root()
    root = tmp_path / "root"
    root.mkdir()
    result = virtfs("d1.example", root=root)
    assert result.returncode == 0, result.stderr
    return root / "d1.example"


def test_add_profile_installs_what_the_profile_names_and_keeps_the_data(tmp_path):
    domain = built_base(tmp_path)
    assert in_domain(domain, "useradd", "-m", "-s", "/bin/sh", "bob").returncode == 0
    passwd_before = (domain / "etc/passwd").read_text()
    (domain / "home/bob/notes.txt").write_text("mine\n")
    assert not (domain / "var/spool/postfix/maildrop").exists()

    result = virtfs("--add-profile", "mail", "d1.example", root=domain.parent)

    assert result.returncode == 0, result.stderr
    assert "added profile mail" in result.stdout
    assert (domain / "var/spool/postfix/maildrop").is_dir()
    assert (domain / "var/spool/postfix/maildrop").stat().st_uid == 8  # the profile's owner
    assert (domain / "etc/aliases").is_file() and (domain / "etc/postfix/main.cf").is_file()
    assert (domain / "usr/sbin/postqueue").is_file()   # the host has Postfix: `make test` installs it
    assert (domain / "etc/passwd").read_text() == passwd_before  # bob is still there
    assert (domain / "home/bob/notes.txt").read_text() == "mine\n"
    manifest = (domain / "etc/virtfs.json").read_text()
    assert '"mail"' in manifest and '"base"' in manifest


def test_add_profile_again_adds_nothing_and_says_so(tmp_path):
    domain = built_base(tmp_path)
    assert virtfs("--add-profile", "mail", "d1.example", root=domain.parent).returncode == 0
    again = virtfs("--add-profile", "mail", "d1.example", root=domain.parent)
    assert again.returncode == 0
    assert "already has mail; 0 files refreshed" in again.stdout


@pytest.mark.parametrize("action", [[], ["--update"], ["--check"], ["--add-profile", "ftp"]])
def test_not_root_is_status_77_in_one_line_and_nothing_changes(tmp_path, action):
    domain = built_base(tmp_path)
    before = (domain / "etc/virtfs.json").read_bytes()
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    name = "d2.example" if not action else "d1.example"
    result = subprocess.run([*nobody, VIRTFS, "--root", str(domain.parent), *action, name],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 77, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.rstrip().endswith(": run it as root")
    assert sorted(p.name for p in domain.parent.iterdir()) == ["d1.example"]
    assert (domain / "etc/virtfs.json").read_bytes() == before


def test_add_profile_never_writes_through_a_link_out_of_the_domain(tmp_path):
    domain = built_base(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("host file\n")
    before = digest(outside / "keep")
    (domain / "var/spool").rename(domain / "var/spool.old")
    (domain / "var/spool").symlink_to(outside)  # a domain user's trap: spool leads to a host dir

    result = virtfs("--add-profile", "mail", "d1.example", root=domain.parent)

    assert sorted(p.name for p in outside.iterdir()) == ["keep"]   # nothing made on the host
    assert digest(outside / "keep") == before
    # Refused before anything is written, in one line naming the domain's path.
    assert result.returncode == 3
    assert result.stderr.strip() == ("virtfs: d1.example: /var/spool inside the domain: a symbolic link where a "
                                     "directory is expected; nothing was added; nothing outside it was touched")
    assert not (domain / "usr/sbin/postqueue").exists()   # nothing of the profile went in
    assert '"mail"' not in (domain / "etc/virtfs.json").read_text()


def test_add_profile_of_an_unknown_profile_or_domain_is_one_line(tmp_path):
    domain = built_base(tmp_path)
    unknown = virtfs("--add-profile", "nosuch", "d1.example", root=domain.parent)
    assert unknown.returncode == 2 and "no profile 'nosuch'" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    missing = virtfs("--add-profile", "mail", "d9.example", root=domain.parent)
    assert missing.returncode == 3 and "no domain d9.example" in missing.stderr


@pytest.mark.parametrize("action", ["--update", "--check", "--add-profile=mail"])
def test_a_profile_given_to_update_or_check_is_refused_pointing_at_add_profile(tmp_path, action):
    # `virtfs --update --profile mail D` once refreshed 0 files and installed nothing, silently
    (tmp_path / "d1.example").mkdir()
    result = virtfs(action, "--profile", "mail", "d1.example", root=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("virtfs: --profile is for a build or --plan; to give an existing domain one more "
                             "profile: virtfs --add-profile P DOMAIN\n")
    assert list(tmp_path.iterdir()) == [tmp_path / "d1.example"]
    assert not any((tmp_path / "d1.example").iterdir())
