"""Every place that checks a user name accepts and refuses the same names."""

import pytest

from virttui.domains.accounts import BadAccount, check_user_name
from virttui.mail import filter as mail_filter
from virttui.mail.logins import SESSION
from virttui.mail.outcome import DeliveryFailure
from virttui.mail.wiring import WiringError, WiringSpec, checked
from virttui.services.entries import ServiceError, ServiceSpec, check_spec
from virttui.user_names import is_user_name

GOOD = ["bob", "_apt", "b", "bob.smith", "mary-jane", "www-data", "user_1", "a" * 32, "x2.0-rc"]
BAD = ["", "a" * 33, "1bob", "-bob", ".bob", "Bob", "bob smith", "bob:x", "bob,", "bob$", "bob/..",
       "../bob", "bob\n", "bob\x00", "bób", "bob@example.com", "b\u0131"]


def accounts(name: str) -> bool:
    try:
        check_user_name(name)
    except BadAccount:
        return False
    return True


def service_entry(name: str) -> bool:
    try:
        check_spec(ServiceSpec("ftp", "/virtual/conf.ftp", "/usr/sbin/vsftpd", user=name))
    except ServiceError:
        return False
    return True


def mail_wiring(name: str) -> bool:
    if name == "":
        return False   # an empty --user means the wiring's default account
    try:
        checked(WiringSpec("d1.example", mail_user=name))
    except WiringError:
        return False
    return True


def mail_recipient(name: str) -> bool:
    if name != name.lower():
        return False   # folded first, as a mail address's local part (test below)
    try:
        mail_filter.user_name(name)
    except DeliveryFailure:
        return False
    return True


def session_line(name: str) -> bool:
    found = SESSION.search(f"imap({name})<4242><x>: Disconnected: Logged out")
    return found is not None and found[2] == name


CHECKS = [is_user_name, accounts, service_entry, mail_wiring, mail_recipient, session_line]


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_every_check_accepts_the_same_names(check):
    assert [name for name in GOOD if not check(name)] == []


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_every_check_refuses_the_same_names(check):
    assert [name for name in BAD if check(name)] == []


def test_the_mail_filter_folds_an_address_local_part_first():
    assert mail_filter.user_name("Bob.Smith") == "bob.smith"
