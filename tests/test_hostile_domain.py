"""Every command and screen that reads or writes domains, run over a root hostile everywhere
(tests/hostile_root.py): no output shows the canary token, no host file named by a link
changes or goes, nothing waits, and each refusal is one line naming the domain's path."""

import asyncio
import json
import os

import pytest

from screens.app import VirtTuiApp
from tests.hostile_root import USUAL, run
from virttui.domains.accounts import _has
from virttui.domains.archive import archive_domain
from virttui.domains.discovery import discover
from virttui.domains.disk import disk_use
from virttui.domains.inroot import DomainRoot
from virttui.domains.tree import remove_tree
from virttui.mail.mailbox import mailboxes
from virttui.settings import load_settings

pytestmark = pytest.mark.root   # every test here needs root


def test_list_and_its_json(hostile):
    table = run(hostile, "virttui", "--config", str(hostile.config), "list")
    assert table.returncode == 1
    problems = table.stderr.splitlines()
    root = hostile.root
    for expected in ("etclink.example: etc/passwd: cannot read: too many symbolic links",
                     f"links.example: etc/passwd: a symbolic link to {hostile.outside}/canary/passwd, "
                     "which is not in the domain",
                     "huge.example: etc/passwd: cannot read: 2147483648 bytes, more than",
                     "fifo.example: etc/passwd: cannot read: a FIFO, not a regular file"):
        assert any(line.startswith("problem: " + expected) for line in problems), (expected, problems)
    listed = run(hostile, "virttui", "--config", str(hostile.config), "list", "--json")
    domains = {d["name"]: d for d in json.loads(listed.stdout)["domains"]}
    assert domains["etclink.example"]["users"] == [] and domains["etclink.example"]["system_users"] == []
    assert [u["name"] for u in domains["mail.example"]["users"]] == ["bob", "carol"]
    assert domains["links.example"]["devlog"] == "unknown"   # dev -> /dev is a loop in the domain
    assert str(root) in listed.stdout


def test_the_mail_filter_and_delivery_fail_for_a_while_at_once(hostile):
    root = str(hostile.root)
    cases = {
        ("bob", "mail.example"): f"{hostile.outside}/maildir: a symbolic link where a directory",
        ("carol", "mail.example"): "home /home/carol: No such file or directory",
        ("bob", "links.example"): "links.example: etc/passwd: No such file or directory",
        ("bob", "etclink.example"): "etclink.example: etc/passwd: too many symbolic links",
        ("bob", "huge.example"): "huge.example: etc/passwd: 2147483648 bytes, more than",
        ("bob", "fifo.example"): "fifo.example: etc/passwd: a FIFO, not a regular file",
    }
    for (user, domain), reason in cases.items():
        result = run(hostile, "virtmailfilter", "--root", root, user, domain)
        assert result.returncode == 111, (user, domain, result.stdout)
        assert result.stdout.count("\n") == 1 and result.stderr == ""
        assert reason.replace(f"{hostile.outside}/maildir", "/home/bob/Maildir") in result.stdout, result.stdout
    delivered = run(hostile, "virtmaildelivery", "bob", f"{root}/mail.example/home/bob")
    assert delivered.returncode == 111
    assert delivered.stdout == (f"virtmaildelivery: {root}/mail.example/home/bob/Maildir: "
                                "a symbolic link where a directory is expected: left alone\n")


def test_the_log_relink_and_the_rsyslog_configuration(hostile):
    config = str(hostile.config)
    log = run(hostile, "virttui", "--config", config, "log", "--domain", "mail.example", "-n", "20")
    assert log.returncode == 0 and "login bob" in log.stdout
    relinked = run(hostile, "virttui", "--config", config, "syslog", "relink")
    lines = relinked.stdout.splitlines()
    assert relinked.returncode == 1
    root = hostile.root
    assert f"links.example: refused: {root}/links.example/dev: a symbolic link where a directory is expected: " \
           "left alone" in lines
    assert f"fifo.example: refused: {root}/fifo.example/dev: a FIFO where a directory is expected: " \
           "left alone" in lines
    assert "mail.example: linked" in lines
    per_domain = run(hostile, "virttui", "--config", config, "syslog", "config", "--mode", "per-domain")
    assert per_domain.returncode == 1
    assert f"virttui syslog config: links.example: {root}/links.example/dev is a symbolic link, " \
           "not a directory: left out" in per_domain.stderr.splitlines()
    assert "links.example" not in per_domain.stdout and "mail.example/dev/log" in per_domain.stdout


def test_virtfs_check_and_update_neither_wait_nor_read_out(hostile):
    for domain, reason in (("mail.example", "a FIFO, not a regular file"),
                           ("links.example", "No such file or directory"),
                           ("etclink.example", "too many symbolic links")):
        for action in ("--check", "--update"):
            result = run(hostile, "virtfs", "--root", str(hostile.root), action, domain)
            assert result.returncode == 3, (domain, action, result.stderr)
            assert result.stderr.count("\n") == 1 and reason in result.stderr, result.stderr
            assert f"{hostile.root}/{domain}/etc/virtfs.json" in result.stderr


def test_the_core_readers(hostile):
    model = discover(hostile.root, hostile.root / "log")
    boxes = {box.user: box for box in mailboxes(model.domain("mail.example"))}
    assert (boxes["bob"].new, boxes["carol"].new) == (0, 0)
    assert boxes["bob"].problem.startswith("no Maildir yet") and boxes["carol"].problem.startswith("no Maildir")
    assert not _has(hostile.root / "etclink.example", "useradd")


def test_disk_use_archive_and_removal(hostile):
    """The core of the domain's life (the commands are built on these): links stored and
    removed as links. Removal is run only where the links lead into the test's own host
    directory (a regression must never cost this machine its /etc or /dev)."""
    names = ("etclink.example", "links.example", "mail.example", "huge.example", "fifo.example")
    for name in names:
        assert disk_use(hostile.root / name).bytes < 1 << 20   # the 2 GB passwd is sparse: its blocks
        if name == "huge.example":
            continue   # its archive holds the 2 GB, as the domain does (sparse on disk)
        written = archive_domain(hostile.root, name, hostile.root.parent)
        assert hostile.token.encode() not in written.read_bytes()
    with DomainRoot(hostile.root / "mail.example") as files:
        for entry in ("home", "etc", "dev"):
            remove_tree(files, entry)
    assert os.listdir(hostile.root / "mail.example") == []


def screen_text(app) -> str:
    return app.export_screenshot()


async def test_the_apps_detail_tabs_over_every_hostile_domain(hostile):
    app = VirtTuiApp(load_settings(config=str(hostile.config), environ={}))
    seen = []

    async def visit_all():
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            seen.append(screen_text(app))
            for position in range(5):
                await pilot.press("home", *["down"] * position, "enter")
                for tab in ("1", "2", "3", "4"):
                    await pilot.press(tab)
                    await app.workers.wait_for_complete()
                    await pilot.pause()
                    seen.append(screen_text(app))
                await pilot.press("escape")
    await asyncio.wait_for(visit_all(), USUAL)
    shown = "\n".join(seen)
    assert hostile.token not in shown
    for domain in ("etclink.example", "fifo.example", "huge.example", "links.example", "mail.example"):
        assert domain in shown
    assert "FIFO" in shown   # fifo.example's problem is shown, once its details are read
