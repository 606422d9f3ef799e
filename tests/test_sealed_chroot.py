"""Python running as root inside a domain (virtfs --update's child, the mail filter before it
becomes the user) imports nothing from the domain: its users could have put a module where
sys.path leads once / is the domain's."""

import subprocess
import sys
from pathlib import Path

import pytest

from virttui.virtfs.inside import inside

PLANTED = "planted_by_the_domain"


def domain_with_planted_modules(base: Path) -> Path:
    """A directory holding, under every sys.path entry's path, a module that leaves a mark."""
    domain = base / "domain"
    for entry in filter(None, sys.path):
        place = domain / entry.lstrip("/")
        place.mkdir(parents=True, exist_ok=True)
        (place / f"{PLANTED}.py").write_text("open('/ran', 'w').write('the domain\\'s code ran as root')\n")
    return domain


@pytest.mark.root
def test_after_entering_nothing_is_imported_from_the_domain(tmp_path):
    domain = domain_with_planted_modules(tmp_path)
    program = ("import sys\nfrom virttui import sealed_chroot\nsealed_chroot.enter(sys.argv[1])\n"
               f"try:\n    import {PLANTED}\nexcept ImportError:\n    print('refused')\n")
    result = subprocess.run([sys.executable, "-c", program, str(domain)], capture_output=True, text=True,
                            timeout=60)
    assert result.stdout == "refused\n", result.stderr
    assert not (domain / "ran").exists()


def import_planted():
    __import__(PLANTED)


@pytest.mark.root
def test_virtfs_work_inside_a_domain_cannot_import_the_domains_modules(tmp_path):
    domain = domain_with_planted_modules(tmp_path)
    with pytest.raises(ImportError):
        inside(domain, import_planted)
    assert not (domain / "ran").exists()
