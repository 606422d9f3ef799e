"""Domains as an admin serves them: built by virtfs with a service's profile, a user `bob`
in each with a password of his own (set with the domain's own useradd and chpasswd), and the
service's conf file mapping one loopback address to each. For the serving tests and
bench/services.py."""

import subprocess
import sys
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
IN_DOMAIN_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
ADDRESSES = {"d1.example": "127.0.0.2", "d2.example": "127.0.0.3"}
PASSWORDS = {"d1.example": "Bob-of-d1!", "d2.example": "bob@d2 differs"}


def build_domain(root: Path, name: str, profile: str) -> Path:
    built = subprocess.run([str(VENV_BIN / "virtfs"), "--root", str(root), "--profile", profile, name],
                           capture_output=True, text=True, timeout=300)
    if built.returncode != 0:
        raise RuntimeError(f"virtfs {name}: {built.stderr.strip()}")
    return root / name


def add_user(domain: Path, name: str, password: str) -> None:
    for argv, stdin in ((["useradd", "-m", "-s", "/bin/sh", name], None),
                        (["chpasswd"], f"{name}:{password}\n")):
        done = subprocess.run(["chroot", str(domain), *argv], input=stdin, capture_output=True, text=True,
                              timeout=60, env=IN_DOMAIN_ENV)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} in {domain.name}: {done.stderr.strip()}")


def served_root(root: Path, profile: str, service: str) -> Path:
    """ROOT with d1.example and d2.example (each with its bob) and ROOT/conf.SERVICE giving
    each its address."""
    root.mkdir(parents=True, exist_ok=True)
    for name, password in PASSWORDS.items():
        add_user(build_domain(root, name, profile), "bob", password)
    (root / f"conf.{service}").write_text(
        "# two customers, each on an address of his own\n"
        + "".join(f"{address} {root / name}\n" for name, address in ADDRESSES.items()))
    return root
