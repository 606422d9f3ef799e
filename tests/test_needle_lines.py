"""The compiled search for a needle's lines (virttui/syslog/_needle_lines.c) against its
Python twin, which tells a host's own lines with logline.host_lines: the same lines, told
the same way, on lines made to sit on every edge of that pattern."""

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from virttui.syslog.needle_lines import COMPILED, python_lines_with

HOST = "d1.example"


def compiled_lines_with():
    """The compiled module; as root (CI, where `make test` installs gcc and python3-dev
    first) its absence fails, elsewhere the test skips saying what it needs."""
    if COMPILED is None:
        message = "the compiled search was not built (needs gcc and python3-dev; `make test` installs them as root)"
        if os.geteuid() == 0:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return COMPILED


# Each part of a line: the shapes of an own line, then odd ones near them.
PARTS = [
    (["", "<13>", "<0>", "<191>"], ["<1234>", "<>", "<ab>", "<13"]),
    (["Nov 24 09:00:01", "Nov  4 09:00:01", "2026-11-24T09:00:01.123456+00:00", "2026-11-24T09:00:01Z",
      "2026-11-24T09:00:01-05:30"],
     ["2026-11-24T09:00:01.Z", "2026-11-24T09:00:01", "2026-11-24T09:00:01+0100", "nov 24 09:00:01",
      "Nov 24 9:00:01", "Nov 24 09:00", "2026-11-24Tgarbage", "", "Nov 24 09:00:01\t", "Nov 24 09:00:01.5"]),
    ([" "], ["", "  ", "\t"]),
    ([HOST], ["x" + HOST, HOST + "x", "d1-example", "host", HOST.upper(), ""]),
    ([" ", "   "], ["", "\t", " \t"]),
    (["popd", "in.ftpd", "a\\b", "virtualdx", "virtexec2", "p;q"],
     ["virtuald", "virtexec", "", "p:q", "é", "x]", "virtuald "]),
    (["", "[12]", "[0]"], ["[]", "[x]", "[12", "[1]2", "[٣]", "[ 1]"]),
    ([":"], ["", " :", ";"]),
    (["", " login", f" GET /{HOST}", f" {HOST} ", " Chroot dir: /virtual/" + HOST], [" \x00\xff\r", ":"]),
]


@st.composite
def lines(draw):
    """A line of an own line's shape with some parts odd, or now and then raw bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=40)).replace(b"\n", b" ")
    parts = [draw(st.sampled_from(odd if draw(st.integers(0, 5)) == 0 else usual)) for usual, odd in PARTS]
    return "".join(parts).encode()


@settings(max_examples=500, deadline=None)
@given(body=st.lists(lines(), max_size=30),
       needle=st.sampled_from([HOST, f" {HOST} ", " host ", "GET", "x", "\n", "\nNov"]),
       host=st.sampled_from([HOST, HOST, ""]), keep=st.integers(-1, 4),
       cut=st.tuples(st.integers(0, 60), st.integers(0, 60)), ended=st.booleans())
def test_the_compiled_search_finds_and_tells_lines_as_the_python_one_does(body, needle, host, keep, cut, ended):
    """An empty host has no own lines."""
    lines_with = compiled_lines_with()
    buffer = bytearray(b"\n".join(body) + (b"\n" if ended else b""))
    low, high = min(cut[0], len(buffer)), max(min(len(buffer) - cut[1], len(buffer)), 0)
    low = min(low, high)   # the range may start or end inside a line, as the Python one allows
    expected = python_lines_with(buffer, low, high, needle.encode(), host.encode(), keep)
    assert lines_with(buffer, low, high, needle.encode(), host.encode(), keep) == expected
    assert host or expected[1:] == ([], 0)


def test_own_lines_are_those_whose_host_field_is_the_host():
    lines_with = compiled_lines_with()
    buffer = bytearray(b"\n".join([
        b"Nov 24 09:00:01 d1.example popd[3]: login",                   # own
        b"<13>2026-11-24T09:00:01.5+01:00 d1.example   cron: tick",     # own
        b"Nov 24 09:00:01 host virtuald[4]: Chroot dir: /virtual/d1.example",
        b"Nov 24 09:00:01 d1.example virtuald[4]: handing, so parsed",
        b"Nov 24 09:00:01  d1.example popd[3]: two spaces, so parsed",
        b"Nov 24 09:00:01 d1.example popd[3] no colon",
        b"2026-11-24T09:00:01Z d1.example x[9]:",                       # own, at the very end
    ]))
    others, own, count = lines_with(buffer, 0, len(buffer), b"d1.example", b"d1.example", -1)
    texts = [bytes(buffer[start:stop]) for start, stop in own]
    assert count == 3 and texts[0].startswith(b"Nov") and texts[2].endswith(b"x[9]:")
    assert len(others) == 4
    assert lines_with(buffer, 0, len(buffer), b"d1.example", b"d1.example", 1)[1:] == ([own[-1]], 3)
    assert lines_with(buffer, 0, len(buffer), b"d1.example", b"d1.example", 0)[1:] == ([], 3)
    empty_host = bytearray(b"Nov 24 09:00:01  popd: d1.example\n")   # an empty host's shape, but none is
    assert lines_with(empty_host, 0, len(empty_host), b"d1.example", b"", -1) == ([(0, len(empty_host) - 1)], [], 0)


def test_a_range_outside_the_buffer_or_an_empty_needle_is_refused():
    lines_with = compiled_lines_with()
    buffer = bytearray(b"Nov 24 09:00:01 d1.example popd: x\n")
    for low, high, needle in [(0, len(buffer) + 1, b"x"), (-1, 3, b"x"), (4, 3, b"x"), (0, 3, b"")]:
        with pytest.raises(ValueError):
            lines_with(buffer, low, high, needle, b"d1.example", -1)
