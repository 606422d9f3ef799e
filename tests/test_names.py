import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from virttui.names import BadDomainName, is_domain_name, normalize_domain, printable


@pytest.mark.parametrize("name", [
    "example.com", "a", "xn--bcher-kva.example", "a-b.c-d", "1.2.3", "x" * 63 + ".com",
])
def test_valid_names(name):
    assert normalize_domain(name) == name


def test_upper_case_is_folded():
    assert normalize_domain("Example.COM") == "example.com"


@pytest.mark.parametrize("name, why", [
    ("", "empty"), (".", "dot"), ("..", "dot"), ("a..b", "empty label"), (".a", "starts with a dot"),
    ("a.", "ends with a dot"), ("-a.com", "hyphen"), ("a-.com", "hyphen"), ("a/b", "characters"),
    ("a b", "characters"), ("a\tb", "characters"), ("log", "reserved"), ("conf.www", "reserved"),
    ("lost+found", "reserved"), ("x" * 64 + ".com", "longer than 63"), ("a." * 127 + "ab", "longer than 253"),
    ("caf\u00e9.fr", "characters"), ("a\x00b", "characters"), ("a_b.com", "characters"),
])
def test_invalid_names_say_why(name, why):
    with pytest.raises(BadDomainName, match=why):
        normalize_domain(name)


@given(st.text(max_size=300))
def test_a_valid_name_never_escapes_a_directory(text):
    if is_domain_name(text):
        name = normalize_domain(text)
        assert "/" not in name and ".." not in name and not name.startswith(".")
        assert name == name.strip() and len(name) <= 253


# The rule as DESIGN.md writes it, as one regular expression: the reference the
# string-method implementation must agree with.
RULE = re.compile(r"(?!conf\.)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")


@given(st.one_of(st.text(max_size=300), st.from_regex(r"[a-zA-Z0-9.\-]{0,80}", fullmatch=True),
                 st.lists(st.from_regex(r"[a-z0-9-]{0,66}", fullmatch=True), max_size=6).map(".".join)))
def test_the_rule_is_the_documented_one(text):
    folded = text.lower()
    documented = len(folded) <= 253 and folded not in ("log", "lost+found") and bool(RULE.match(folded))
    assert is_domain_name(text) == documented


@pytest.mark.parametrize("text, seen", [
    ("example.com", "example.com"), ("caf\u00e9", "caf\u00e9"), ("a\udcffb", "a\\xffb"),
    ("a\x01b\nc", "a\\x01b\\x0ac"), ("a\u2028b", "a\\u2028b"), ("a\x7f", "a\\x7f"),
])
def test_printable_shows_bytes_and_controls_escaped(text, seen):
    assert printable(text) == seen


def test_a_bad_label_is_shown_with_its_bytes_escaped():
    with pytest.raises(BadDomainName) as raised:
        normalize_domain("a\udcff\x1b.com")
    assert str(raised.value) == "label 'a\\xff\\x1b' has characters other than a-z, 0-9 and '-': '\\x1b\\xff'"


def test_one_escaping_for_log_lines_conf_fields_and_paths_in_a_domain(tmp_path):
    """logline.shown, the conf linter's fields and inroot's paths all show outside text as
    names.printable does (a byte that is not UTF-8 as \\xNN, not as \\udcNN; a bidi override,
    which would turn a logged line around, escaped)."""
    from virttui.conf.conffile import parse
    from virttui.domains.inroot import DomainRoot
    from virttui.names import quoted
    from virttui.syslog.logline import shown

    for text in ["plain", "tab\there", "esc \x1b[2J bell \x07", "bidi \u202eevil", "nel \x85 ls \u2028"]:
        assert shown(text) == printable(text)
    assert shown("\u202e") == "\\u202e" and shown("a\tb") == "a\\x09b"
    problems = parse(b"bad\x1b[2J\xff /x\n").problems
    assert quoted("bad\x1b[2J\udcff") in problems[0].message
    assert quoted("bad\x1b[2J\udcff") == "'bad\\x1b[2J\\xff'"
    domain = tmp_path / "d"
    domain.mkdir()
    with DomainRoot(domain) as files:
        assert files.shown("caf\udce9\n") == printable(f"{domain}/caf\udce9\n")
        assert files.shown("caf\udce9").endswith("caf\\xe9")


def test_a_refused_value_is_quoted_the_same_way_in_every_message():
    """Messages quote a refused value with names.quoted, not with repr (which showed a byte
    that is not UTF-8 as \\udcNN, and switched quotes)."""
    from virttui.mail import filter as mail_filter
    from virttui.mail.outcome import DeliveryFailure
    from virttui.names import quoted
    from virttui.virtexec import Refusal, domain_directory

    assert quoted(42) == "42" and quoted("it's") == "'it's'"
    with pytest.raises(DeliveryFailure, match=r"'b\\xffob' is not a user name"):
        mail_filter.user_name("b\udcffob")
    with pytest.raises(Refusal, match=r"'\\x1b\[2J' is not a domain name"):
        domain_directory("/nonexistent", "\x1b[2J")
