"""Discovery of a root: every odd entry is either skipped or reported, never a crash."""

import os
import socket

import pytest

from virttui.domains.discovery import DevLog, discover, scan_root


def bind(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(path))
    s.close()


def make_domain(root, name, passwd="root:x:0:0:root:/root:/bin/sh\n"):
    (root / name / "etc").mkdir(parents=True)
    (root / name / "dev").mkdir()
    if passwd is not None:
        (root / name / "etc" / "passwd").write_text(passwd)
    return root / name


@pytest.fixture
def odd_root(tmp_path):
    root = tmp_path / "virtual"
    root.mkdir()
    bind(root / "log")
    make_domain(root, "good.example", "root:x:0:0::/root:/bin/sh\nann:x:1000:1000:Ann:/home/ann:/bin/sh\n"
                "daemon:x:1:1::/:/bin/false\nbroken line\nbad:x:notanumber:1::/:/bin/sh\n")
    os.link(root / "log", root / "good.example" / "dev" / "log")
    make_domain(root, "stale.example")
    bind(tmp_path / "old-socket")
    os.link(tmp_path / "old-socket", root / "stale.example" / "dev" / "log")
    make_domain(root, "missing.example")
    make_domain(root, "nosock.example")
    (root / "nosock.example" / "dev" / "log").write_text("not a socket")
    make_domain(root, "nopasswd.example", passwd=None)
    make_domain(root, "dirpasswd.example", passwd=None)
    (root / "dirpasswd.example" / "etc" / "passwd").mkdir()
    os.symlink("good.example", root / "alias.example")
    os.symlink("/nonexistent/target", root / "broken.example")
    os.symlink(str(tmp_path), root / "outside.example")
    (root / "lost+found").mkdir()
    (root / ".hidden").mkdir()
    (root / "README").write_text("a plain file")
    bind(root / "stray-socket")
    (root / "Upper.Example").mkdir()
    (root / "under_score").mkdir()
    (root / "conf.www").write_text(f"127.0.0.2 {root}/good.example\n127.0.0.9 {root}/alias.example\n"
                                   f"default {root}/stale.example\n")
    (root / "conf.ftp").write_text(f"::ffff:127.0.0.3 {root}/good.example\r\n")
    (root / "conf.dir").mkdir()  # a directory named like a conf file: neither conf nor domain
    os.symlink("/nonexistent/conf", root / "conf.gone")
    return root


def test_only_directories_and_aliases_are_domains(odd_root):
    model = discover(odd_root)
    assert [d.name for d in model.domains] == [
        "alias.example", "dirpasswd.example", "good.example", "missing.example",
        "nopasswd.example", "nosock.example", "stale.example"]
    assert sorted(c.service for c in model.confs) == ["ftp", "www"]


def test_odd_entries_are_reported_not_hidden(odd_root):
    problems = "\n".join(discover(odd_root).problems)
    assert "broken.example: broken symlink to /nonexistent/target" in problems
    assert "outside.example: symlink to" in problems and "outside the root" in problems
    assert "Upper.Example: not a valid domain name" in problems
    assert "under_score: not a valid domain name" in problems
    assert "conf.dir: not a regular file: virtuald cannot read it as a conf file" in problems
    assert "conf.gone: broken symlink to /nonexistent/conf" in problems
    for quiet in ("lost+found", ".hidden", "README", "stray-socket", "log"):
        assert quiet not in problems


def test_odd_names_are_shown_escaped(odd_root):
    os.mkdir(odd_root / "bad\udcff\x1b[2J")
    os.symlink("/x\ny", odd_root / "gone\x01")
    problems = discover(odd_root).problems
    assert "bad\\xff\\x1b[2J: not a valid domain name: label 'bad\\xff\\x1b[2j' has characters " \
        "other than a-z, 0-9 and '-': '\\x1b[\\xff'" in problems
    assert "gone\\x01: broken symlink to /x\\x0ay" in problems


def test_alias_points_to_its_target_and_shares_its_addresses(odd_root):
    model = discover(odd_root)
    alias, good = model.domain("alias.example"), model.domain("good.example")
    assert alias.alias_of == "good.example"
    assert good.aliases == ["alias.example"]
    assert good.addresses == {"www": ["127.0.0.2", "127.0.0.9"], "ftp": ["127.0.0.3"]}
    assert model.domain("stale.example").addresses == {"www": ["default"]}


def test_users_split_people_from_system_accounts_and_flag_bad_lines(odd_root):
    good = discover(odd_root).domain("good.example")
    assert [u.name for u in good.people] == ["ann"]
    assert sorted(u.name for u in good.users if u.system) == ["daemon", "root"]
    assert good.problems == ["etc/passwd: malformed line(s) 4, 5"]


def test_unreadable_passwd_is_a_problem_of_that_domain_only(odd_root):
    model = discover(odd_root)
    assert model.domain("nopasswd.example").problems == ["etc/passwd is missing"]
    assert model.domain("dirpasswd.example").problems == ["etc/passwd: cannot read: a directory, not a regular file"]
    assert model.domain("missing.example").problems == []


def test_devlog_states(odd_root):
    model = discover(odd_root)
    states = {d.name: d.devlog for d in model.domains if not d.alias_of}
    assert states["good.example"] == DevLog.LINKED
    assert states["stale.example"] == DevLog.STALE
    assert states["missing.example"] == DevLog.MISSING
    assert states["nosock.example"] == DevLog.NOT_SOCKET


def test_devlog_without_a_root_socket(odd_root):
    (odd_root / "log").unlink()
    assert discover(odd_root).domain("good.example").devlog == DevLog.NO_SOCKET


def test_missing_root_is_not_an_error(tmp_path):
    model = scan_root(tmp_path / "nowhere")
    assert not model.exists and model.domains == [] and model.problems == []


def test_demo_root_has_what_the_issue_lists(demo_root):
    model = discover(demo_root)
    real = [d for d in model.domains if not d.alias_of]
    assert len(real) >= 4 and model.alias_count == 1
    assert {d.devlog for d in real} >= {DevLog.LINKED, DevLog.STALE, DevLog.MISSING}
    assert sum(1 for d in real if d.people) == 2
    addresses = {a for d in real for a in d.all_addresses()}
    assert {"default", "::1", "127.0.0.2"} <= addresses
    assert (demo_root / ".virtual.log").stat().st_size > 0


def test_a_root_named_through_a_link_matches_conf_lines_naming_its_target(odd_root, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(odd_root)
    good = scan_root(link).domain("good.example")
    assert good.addresses == {"www": ["127.0.0.2", "127.0.0.9"], "ftp": ["127.0.0.3"]}


def test_conf_lines_naming_the_root_through_a_link_reach_their_domains(odd_root, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(odd_root)
    (odd_root / "conf.www").write_text(f"127.0.0.2 {link}/good.example\n")
    assert scan_root(odd_root).domain("good.example").addresses["www"] == ["127.0.0.2"]
