"""The audit, the services and their profiles, the web and mail configuration and the new
user's Maildir, run over the hostile root (tests/hostile_root.py): no output, JSON, kept
report or screen shows the canary token, no host file named by a link changes or goes,
nothing waits, each refusal is one line naming the domain's path."""

import asyncio
import json
import os
import shutil
import stat
import threading
import time
from pathlib import Path

import pytest

from screens.app import VirtTuiApp
from screens.health import HealthScreen
from tests.hostile_root import USUAL, run
from virttui.check.host import Host
from virttui.check.last import last_check_path
from virttui.check.scan import scan_domain
from virttui.settings import load_settings

DOMAINS = ("etclink.example", "links.example", "mail.example", "huge.example", "fifo.example")
WWW, SMTP = "127.0.22.1", "127.0.22.2"


@pytest.fixture
def served(hostile):
    """The hostile root with conf.www and conf.smtp lines for its domains (the root's own
    files: only the domains are hostile)."""
    root = hostile.root
    (root / "conf.www").write_text(f"{WWW} {root}/links.example\n{SMTP} {root}/mail.example\n")
    (root / "conf.smtp").write_text(f"{SMTP} {root}/mail.example\n")
    return hostile


@pytest.fixture
def built(served):
    """One more domain, built.example, built by virtfs (base), then made hostile: its
    etc/passwd and etc/shadow, dev, var/www and bob's Maildir lead out of it, its etc/group
    a FIFO. add-profile and enable get as far as the child working inside it."""
    root, outside = served.root, served.outside
    made = run(served, "virtfs", "--root", str(root), "built.example")
    assert made.returncode == 0, made.stderr
    domain = root / "built.example"
    shutil.rmtree(domain / "dev")
    for name in ("passwd", "shadow", "group"):
        os.unlink(domain / "etc" / name)
    os.symlink(outside / "canary" / "passwd", domain / "etc" / "passwd")
    os.symlink(outside / "canary" / "shadow", domain / "etc" / "shadow")
    os.mkfifo(domain / "etc" / "group")
    os.symlink("/dev", domain / "dev")
    shutil.rmtree(domain / "var" / "www", ignore_errors=True)
    os.symlink(outside / "www", domain / "var" / "www")
    (domain / "home" / "bob").mkdir(parents=True)
    os.symlink(outside / "maildir", domain / "home" / "bob" / "Maildir")
    return served


def virttui(place, *args):
    return run(place, "virttui", "--config", str(place.config), *args)


def lines_naming(place, text: str, domain: str) -> list[str]:
    return [line for line in text.splitlines() if f"{place.root}/{domain}" in line]


def test_the_audit_reads_nothing_out_and_keeps_no_canary(served):
    checked = virttui(served, "check")
    assert checked.returncode == 2, checked.stderr
    findings = checked.stdout.splitlines()
    for domain, expected in (("etclink.example", "accounts: etc/passwd cannot be read: too many symbolic links"),
                             ("links.example", "escape: dev is a symbolic link (to /dev)"),
                             ("links.example", "accounts: etc/passwd cannot be read: No such file"),
                             ("huge.example", "accounts: etc/passwd cannot be read: 2147483648 bytes, more than"),
                             ("fifo.example", "accounts: etc/passwd cannot be read: a FIFO, not a regular file")):
        assert any(f" {domain} {expected}" in line for line in findings), (domain, expected, findings)
    assert served.token not in last_check_path(served.root).read_text()
    as_json = virttui(served, "check", "--json")
    assert {f["domain"] for f in json.loads(as_json.stdout)["findings"]} >= set(DOMAINS)
    nagios = virttui(served, "check", "--format", "nagios")
    assert nagios.returncode == 2 and nagios.stdout.startswith("VIRTTUI CRITICAL")


def test_the_audits_walk_never_opens_what_it_must_not(served, never_wait):
    """Programs to compare that are a FIFO, a link to the host's copy and a device, and a file
    swapped for a FIFO between the listing and its reading (the moment the host's copy is
    looked at): none is opened to wait, none is followed, and the walk ends."""
    domain = served.root / "mail.example"
    (domain / "bin").mkdir()
    os.mkfifo(domain / "bin" / "ls")
    os.symlink("/bin/sh", domain / "bin" / "sh")
    os.mknod(domain / "bin" / "cat", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    host_true = Path("/bin/true")
    swapped = domain / "bin" / "true"
    swapped.write_bytes(b"\0" * host_true.stat().st_size)   # the host's size, another time: read

    writer_through = threading.Event()   # a writer's open of the FIFO returns once a reader opened it

    def writer():
        os.close(os.open(swapped, os.O_WRONLY))
        writer_through.set()

    class SwappingHost(Host):
        def differs(self, host_path, mine, fd, name):
            if name == "true":
                os.unlink(swapped)
                os.mkfifo(swapped)
                threading.Thread(target=writer, daemon=True).start()
                time.sleep(0.05)   # the writer waits in its open
            return super().differs(host_path, mine, fd, name)

    programs = {"bin": {"ls": "/bin/ls", "sh": "/bin/sh", "cat": "/bin/cat", "true": str(host_true)}}
    started = time.monotonic()
    scanned = scan_domain(domain, programs, SwappingHost())
    assert time.monotonic() - started < 5   # never_wait's alarm is an OSError the walk would swallow
    opened = writer_through.wait(0.2)
    os.close(os.open(swapped, os.O_RDONLY | os.O_NONBLOCK))   # lets the writer go
    assert not opened, "the FIFO swapped in was opened by the walk"
    assert stat.S_ISFIFO(os.lstat(swapped).st_mode)
    assert "/bin/ls" not in scanned.outdated and "/bin/sh" not in scanned.outdated
    assert scanned.devices == [("bin/cat", stat.S_IFCHR | 0o600, os.makedev(1, 3))]


def test_services_of_each_domain(served):
    """A manifest refused (a FIFO, a link in a loop) is the domain's problem, said once and
    naming its path; a missing one is none (a domain virtfs did not build)."""
    root = served.root
    problems = {"etclink.example": f"{root}/etclink.example/etc/virtfs.json: too many symbolic links, a loop",
                "mail.example": f"{root}/mail.example/etc/virtfs.json: a FIFO, not a regular file"}
    for domain in DOMAINS:
        shown = virttui(served, "services", domain)
        said = shown.stderr.splitlines()
        if domain in problems:
            assert shown.returncode == 1 and [line for line in said if "virtfs.json" in line] == \
                [f"problem: {domain}: {problems[domain]}"], said
        else:
            assert shown.returncode == (1 if domain == "links.example" else 0), said   # conf.www: nothing answers
            assert not any("virtfs.json" in line for line in said), said
        listed = virttui(served, "services", domain, "--json")
        states = {s["name"]: s for s in json.loads(listed.stdout)["services"]}
        assert not any(s["server_present"] for s in states.values()), domain
        assert {s["profile_installed"] for s in states.values()} == {None}
    mail = json.loads(virttui(served, "services", "mail.example", "--json").stdout)
    assert {s["name"]: s["addresses"] for s in mail["services"]}["smtp"] == [SMTP]


def test_enable_and_add_profile_refuse_in_one_line_and_change_no_conf(built):
    """Over every domain: the manifest refused before anything is written; over built.example
    the child inside the domain meets its links (dev, var/www) as the domain's own."""
    root = built.root
    conf = root / "conf.ftp"
    for domain in DOMAINS + ("built.example",):
        enabled = virttui(built, "enable", domain, "ftp", "--address", "127.0.22.9")
        assert enabled.returncode == 3, (domain, enabled.stdout, enabled.stderr)
        assert enabled.stdout == "" and enabled.stderr.count("\n") == 1, enabled.stderr
        assert f"{root}/{domain}" in enabled.stderr or f"{domain}: /" in enabled.stderr, enabled.stderr
        assert not conf.exists()
        for profile in ("www", "maildir"):
            added = run(built, "virtfs", "--root", str(root), "--add-profile", profile, domain)
            assert added.returncode == 3, (domain, added.stdout, added.stderr)
            assert added.stderr.count("\n") == 1 and domain in added.stderr, added.stderr
            if profile == "www":
                www = added
    # the first link in the way (dev -> /dev) refused before anything is added
    assert ("built.example: /dev inside the domain: a symbolic link where a directory is expected; "
            "nothing was added") in www.stderr, www.stderr
    assert not (root / "built.example" / "bin" / "busybox").exists()   # www's busybox: not copied
    assert os.path.islink(root / "built.example" / "etc" / "passwd")
    assert stat.S_ISFIFO(os.lstat(root / "built.example" / "etc" / "group").st_mode)
    disabled = virttui(built, "disable", "links.example", "www")
    assert disabled.returncode == 0, disabled.stderr
    assert (root / "conf.www").read_text() == f"{SMTP} {root}/mail.example\n"


def test_web_config_mail_wiring_and_queue_runners(served):
    for server in ("nginx", "apache"):
        web = virttui(served, "web", "config", "--server", server)
        assert web.returncode == 0 and f"{served.root}/links.example/var/www/html" in web.stdout
    for mta in ("postfix", "qmail"):
        wiring = virttui(served, "mail", "wiring", "--mta", mta)
        assert wiring.returncode == 0, wiring.stderr
        assert all(domain in wiring.stdout for domain in DOMAINS)
    runners = virttui(served, "mail", "queue-runners")
    assert runners.returncode == 0 and "mail.example" in runners.stdout


def test_a_new_users_maildir_is_made_inside_or_refused(served):
    root = served.root
    for domain, user, reason in (
            ("mail.example", "bob", "/home/bob/Maildir: a symbolic link where a directory is expected"),
            ("mail.example", "carol", "home /home/carol: No such file or directory"),
            ("links.example", "bob", "etc/passwd: No such file or directory"),
            ("etclink.example", "bob", "etc/passwd: too many symbolic links"),
            ("fifo.example", "bob", "etc/passwd: a FIFO, not a regular file"),
            ("huge.example", "bob", "etc/passwd: 2147483648 bytes, more than")):
        made = run(served, "python", "-I", "-m", "virttui.mail.new_maildir", f"{root}/{domain}", user)
        assert made.returncode == 1 and made.stdout.count("\n") == 1 and made.stderr == "", made.stdout
        assert made.stdout.startswith(f"no Maildir for {user} in {root}/{domain}: ") and reason in made.stdout, \
            made.stdout


async def test_the_services_tab_and_the_health_screen(served):
    app = VirtTuiApp(load_settings(config=str(served.config), environ={}))
    seen = []

    async def visit():
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            for position in range(len(DOMAINS)):
                await pilot.press("home", *["down"] * position, "enter")
                await pilot.press("5")
                for _ in range(2):   # the states, then the probes and the log
                    await app.workers.wait_for_complete()
                    await pilot.pause()
                seen.append(app.export_screenshot())
                if sorted(DOMAINS)[position] == "mail.example":   # its manifest is a FIFO: said, not waited on
                    assert "FIFO" in seen[-1]
                await pilot.press("escape")
            await pilot.press("h")
            await pilot.pause()
            assert isinstance(app.screen, HealthScreen)
            await app.workers.wait_for_complete()
            await pilot.pause()
            seen.append(app.export_screenshot())
            await pilot.press("F")   # every safe fix over the hostile domains, then checked again
            await app.workers.wait_for_complete()
            await pilot.pause()
            seen.append(app.export_screenshot())
    await asyncio.wait_for(visit(), USUAL * 2)
    shown = "\n".join(seen)
    assert served.token not in shown
    assert "Services" in shown and "escape" in shown
