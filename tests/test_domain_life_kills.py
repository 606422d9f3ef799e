"""A rename or a delete killed (SIGKILL) at each of its moments: before each change it makes
on disk (each link, write, fsync, rename, exchange and removal, the conf editor's included).
After every kill, every conf line reaches a whole domain; the domain is whole and reachable
under one of its names, or gone with its archive written; and running the step again ends it."""

import os
import signal
import subprocess
import sys
import tarfile
from pathlib import Path

from tests.conftest import REPO, require_program
from tests.test_domain_life import assert_every_line_reaches_a_directory, make_root, plain_lines

# Runs one life step in a child that SIGKILLs itself just before its Nth change on disk, and
# prints how many changes it made when it was not killed.
KILLER = """
import os, signal, sys
from pathlib import Path
from virttui.domains import life

moment, count = int(sys.argv[1]), 0

def counted(module, name):
    real = getattr(module, name)
    def call(*args, **kwargs):
        global count
        count += 1
        if count == moment:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    setattr(module, name, call)

for name in ("symlink", "replace", "rename", "unlink", "rmdir", "fsync", "write", "mkdir"):
    counted(os, name)
counted(life, "_exchange")
root, step = Path(sys.argv[2]), sys.argv[3]
if step == "rename":
    life.rename(root, "alpha.example", "gamma.example")
else:
    life.delete(root, "alpha.example")
print(count)
"""


def run_killed(root: Path, step: str, moment: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", KILLER, str(moment), str(root), step], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def moments(tmp_path: Path, step: str) -> int:
    """How many changes the step makes, counted on a root of its own."""
    root = make_root(tmp_path / "count")
    done = run_killed(root, step, 0)
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def whole(directory: Path) -> bool:
    return ((directory / "etc" / "marker").read_text() == "alpha.example\n"
            and (directory / "home" / "big").stat().st_size == 100_000)


def test_a_rename_killed_at_each_moment_leaves_the_domain_whole_and_reachable(tmp_path):
    total = moments(tmp_path, "rename")
    assert total >= 10
    for moment in range(1, total + 1):
        root = make_root(tmp_path / f"rename-{moment}")
        killed = run_killed(root, "rename", moment)
        assert killed.returncode == -signal.SIGKILL, (moment, killed.stderr)
        assert_every_line_reaches_a_directory(root)
        alias = root / "www.alpha.example"
        assert os.path.isdir(alias) and whole(alias), f"the alias is broken after moment {moment}"
        names = [name for name in ("alpha.example", "gamma.example") if os.path.isdir(root / name)]
        assert names and all(whole(root / name) for name in names), f"moment {moment}: {names}"
        lines = {m.directory for m in plain_lines(root)}
        assert lines and all(os.path.isdir(directory) for directory in lines)

        again = run_killed(root, "rename", 0)   # the admin runs it again: it ends it
        assert again.returncode == 0, (moment, again.stderr)
        assert not os.path.lexists(root / "alpha.example") and whole(root / "gamma.example")
        assert not (root / "gamma.example").is_symlink()
        assert os.readlink(alias) == "gamma.example"
        assert {m.directory for m in plain_lines(root)} == {f"{root}/gamma.example", f"{root}/www.alpha.example",
                                                             f"{root}/beta.example"}
        assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []


def test_a_delete_killed_at_each_moment_leaves_the_domain_whole_or_gone_with_its_archive(tmp_path):
    require_program("tar", "tar")
    total = moments(tmp_path, "delete")
    assert total >= 10
    for moment in range(1, total + 1):
        root = make_root(tmp_path / f"delete-{moment}")
        killed = run_killed(root, "delete", moment)
        assert killed.returncode == -signal.SIGKILL, (moment, killed.stderr)
        assert_every_line_reaches_a_directory(root)
        archives = sorted((root / ".archive").glob("alpha.example-*.tar")) if (root / ".archive").exists() else []
        if os.path.lexists(root / "alpha.example"):
            assert whole(root / "alpha.example"), f"a half domain after moment {moment}"
        else:
            assert len(archives) == 1, f"gone without its archive after moment {moment}"
            with tarfile.open(archives[0]) as tar:
                assert tar.extractfile("alpha.example/etc/marker").read() == b"alpha.example\n"
            assert not os.path.lexists(root / "www.alpha.example")
        if os.path.lexists(root / "www.alpha.example"):
            assert whole(root / "www.alpha.example")

        if os.path.lexists(root / "alpha.example"):
            again = run_killed(root, "delete", 0)
            assert again.returncode == 0, (moment, again.stderr)
        else:
            from virttui.domains.life import remove_leftovers
            remove_leftovers(root)   # what the next delete does first
        assert sorted(p.name for p in root.iterdir()) == [".archive", "beta.example", "conf.ftp", "conf.www"]
        assert {m.directory for m in plain_lines(root)} == {f"{root}/beta.example"}
