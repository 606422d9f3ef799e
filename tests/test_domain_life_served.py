"""A domain's life while real clients reach it: virtuald behind tcpserver on loopback, and a
client asking the whole time. Rename never loses a connection; disable stops the serving and
enable restores it; delete ends it."""

import subprocess
import threading

import pytest

from tests.conftest import VENV_BIN, require_program
from tests.jails import build_busybox_root
from tests.virtuald_fixtures import Daemons, ask, free_port, wait_for_listener

VIRTUALD = str(VENV_BIN / "virtuald")


def virttui(root, *args):
    return subprocess.run([str(VENV_BIN / "virttui"), "--root", str(root), *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.root
def test_a_served_domain_through_its_life(tmp_path):
    tcpserver = require_program("tcpserver", "ucspi-tcp")
    root = build_busybox_root(tmp_path / "root", ("d1.example",))
    (root / "www.d1.example").symlink_to("d1.example")
    conf = root / "conf.hostname"
    conf.write_text(f"127.0.0.2 {root}/d1.example\n127.0.0.3 {root}/www.d1.example\n")
    port = free_port("127.0.0.2")
    daemons = Daemons()
    try:
        for address in ("127.0.0.2", "127.0.0.3"):
            daemons.start([tcpserver, "-R", "-H", "-l", "0", address, str(port), VIRTUALD, str(conf),
                           "/bin/cat", "/etc/hostname"], {"PATH": "/bin:/usr/bin"})
            wait_for_listener(address, port)
        assert ask("127.0.0.2", port) == ask("127.0.0.3", port) == b"d1.example\n"

        answers, stop = [], threading.Event()

        def keep_asking():
            while not stop.is_set():
                answers.append(ask("127.0.0.2", port))
                answers.append(ask("127.0.0.3", port))
        asker = threading.Thread(target=keep_asking)
        asker.start()
        try:
            for old, new in (("d1.example", "d9.example"), ("d9.example", "d1.example")) * 3:
                renamed = virttui(root, "domain", "rename", old, new)
                assert renamed.returncode == 0, renamed.stderr
        finally:
            stop.set()
            asker.join()
        # never a lost connection; the domain's etc/hostname follows its name
        assert len(answers) > 10 and set(answers) <= {b"d1.example\n", b"d9.example\n"}, set(answers)

        assert virttui(root, "domain", "disable", "d1.example").returncode == 0
        assert ask("127.0.0.2", port) == ask("127.0.0.3", port) == b""      # no line: virtuald ends it
        assert virttui(root, "domain", "enable", "d1.example").returncode == 0
        assert ask("127.0.0.2", port) == b"d1.example\n"

        deleted = virttui(root, "domain", "delete", "d1.example")
        assert deleted.returncode == 0, deleted.stderr
        assert deleted.stdout.startswith(f"archive: {root}/.archive/d1.example-")
        assert ask("127.0.0.2", port) == ask("127.0.0.3", port) == b""
    finally:
        daemons.stop()
