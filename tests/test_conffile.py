"""The conf parser: never raises, and its lookup follows the documented rule."""

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from virttui.conf.conffile import DEFAULT, ERROR, WARNING, canonical_address, parse


def lines_of(conf, severity=None):
    return [p.lineno for p in conf.problems if severity is None or p.severity == severity]


@pytest.mark.parametrize("text, address, expected", [
    # an exact line wins over default, wherever default stands
    ("default /v/any\n127.0.0.2 /v/d1\n", "127.0.0.2", "/v/d1"),
    ("127.0.0.2 /v/d1\ndefault /v/any\n", "127.0.0.2", "/v/d1"),
    ("default /v/any\n127.0.0.2 /v/d1\n", "127.0.0.9", "/v/any"),
    # a repeated address: the first line wins
    ("127.0.0.2 /v/first\n127.0.0.2 /v/second\n", "127.0.0.2", "/v/first"),
    # tabs, several blanks, trailing blanks, CRLF, no final newline
    ("127.0.0.2\t\t/v/d1   \r\n127.0.0.3 \t /v/d2", "127.0.0.3", "/v/d2"),
    ("127.0.0.2 /v/d1\r\n", "127.0.0.2", "/v/d1"),
    ("127.0.0.2 /v/d1", "127.0.0.2", "/v/d1"),  # the 1998 daemon cut the last character here
    # comments and blank lines
    ("# a comment\n\n   \n127.0.0.2 /v/d1 # where d1 lives\n", "127.0.0.2", "/v/d1"),
    # IPv6 forms compare canonically; an IPv4-mapped address is its IPv4 address
    ("2001:db8::1 /v/six\n", "2001:0db8:0:0:0:0:0:1", "/v/six"),
    ("2001:DB8::1 /v/six\n", "2001:db8::1", "/v/six"),
    ("127.0.0.2 /v/d1\n", "::ffff:127.0.0.2", "/v/d1"),
    ("::ffff:127.0.0.2 /v/d1\n", "127.0.0.2", "/v/d1"),
    ("::1 /v/loop\n", "0:0:0:0:0:0:0:1", "/v/loop"),
    # no line, no default
    ("127.0.0.2 /v/d1\n", "127.0.0.3", None),
    ("", "127.0.0.3", None),
])
def test_lookup_edge_cases(text, address, expected):
    found = parse(text.encode()).lookup(address)
    assert (found.directory if found else None) == expected


@pytest.mark.parametrize("text, lineno, severity, words", [
    ("127.0.0.2 relative/dir\n", 1, ERROR, "relative"),
    ("127.0.0.2 /v/a\n127.0.0.2 /v/b\n", 2, ERROR, "already mapped on line 1"),
    ("default /v/a\ndefault /v/b\n", 2, WARNING, "already mapped on line 1"),
    ("default /v/a\n127.0.0.2 /v/b\n", 1, WARNING, "exact addresses first"),
    ("999.1.1.1 /v/a\n", 1, ERROR, "not an IPv4 or IPv6"),
    ("fe80::1%eth0 /v/a\n", 1, ERROR, "not an IPv4 or IPv6"),
    ("127.0.0.2\n", 1, ERROR, "has no directory"),
    ("127.0.0.2 /v/a surplus\n", 1, ERROR, "extra text"),
    ("127.0.0.2 /v/" + "a" * 5000 + "\n", 1, ERROR, "longer than"),
    ("127.0.0.2 /v/a\0b\n", 1, ERROR, "NUL"),
])
def test_problems_name_their_line(text, lineno, severity, words):
    conf = parse(text.encode())
    matching = [p for p in conf.problems if words in p.message]
    assert matching, conf.problems
    assert (matching[0].lineno, matching[0].severity) == (lineno, severity)


def test_an_overlong_or_broken_line_does_not_hide_the_others():
    text = "127.0.0.2 /v/" + "x" * 5000 + "\nnonsense\n127.0.0.3 /v/d3\n"
    conf = parse(text.encode())
    assert conf.lookup("127.0.0.3").directory == "/v/d3"
    assert lines_of(conf, ERROR) == [1, 2]


# -- properties -------------------------------------------------------------

@settings(max_examples=400)
@given(st.binary(max_size=600))
def test_parse_never_raises_on_any_bytes(data):
    conf = parse(data)
    for mapping in conf.mappings:
        assert mapping.directory.startswith("/")
        assert mapping.address == DEFAULT or canonical_address(mapping.address) == mapping.address
    for address in ("127.0.0.2", "::1", "not an address"):
        conf.lookup(address)


addresses = st.one_of(
    st.ip_addresses(v=4).map(str), st.ip_addresses(v=6).map(str), st.just(DEFAULT))
lines = st.tuples(addresses, st.sampled_from(["/v/a", "/v/b", "/v/c", "/v/d"]),
                  st.sampled_from([" ", "\t", "  \t"]), st.sampled_from(["\n", "\r\n"]))


def reference_lookup(entries, address):
    """The documented rule, written plainly: first exact line, else first default line."""
    wanted = ipaddress.ip_address(address)
    if isinstance(wanted, ipaddress.IPv6Address) and wanted.ipv4_mapped:
        wanted = wanted.ipv4_mapped
    for entry_address, directory in entries:
        if entry_address == DEFAULT:
            continue
        candidate = ipaddress.ip_address(entry_address)
        if isinstance(candidate, ipaddress.IPv6Address) and candidate.ipv4_mapped:
            candidate = candidate.ipv4_mapped
        if candidate == wanted:
            return directory
    return next((d for a, d in entries if a == DEFAULT), None)


@settings(max_examples=300)
@given(st.lists(lines, max_size=12), st.one_of(st.ip_addresses(v=4).map(str), st.ip_addresses(v=6).map(str)))
def test_lookup_agrees_with_the_documented_rule(entries, address):
    text = "".join(f"{a}{blank}{d}{end}" for a, d, blank, end in entries)
    pairs = [(a, d) for a, d, _, _ in entries]
    candidates = [address] + [a for a, _ in pairs if a != DEFAULT]
    conf = parse(text.encode())
    for wanted in candidates:
        found = conf.lookup(wanted)
        assert (found.directory if found else None) == reference_lookup(pairs, wanted)
