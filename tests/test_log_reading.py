"""Reading the shared log: lines of both timestamp forms, safe display, the last lines of a
big file at once, and the chunked scanner agreeing with a line-by-line reading."""

import multiprocessing
import os
import random
import signal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from virttui.syslog.attribution import Attributor
from virttui.syslog.candidates import Needles
from virttui.syslog.logfile import last_lines
from virttui.syslog.logline import parse, shown
from virttui.syslog.memfind import MEMMEM, finder
from virttui.syslog.query import LogQuery, Scanner
from virttui.syslog.search import searched_pieces


def test_both_timestamp_forms_and_the_tag_are_read():
    old = parse(b"Nov  4 09:00:01 host virtuald[2101]: Chroot dir: /virtual/d1.example\n")
    new = parse(b"2026-11-24T09:01:12.345678+01:00 d1.example popd[23]: login carol")
    assert (old.time, old.host, old.program, old.pid) == ("Nov  4 09:00:01", "host", "virtuald", 2101)
    assert (new.host, new.program, new.pid, new.message) == ("d1.example", "popd", 23, "login carol")
    assert (old.minute, new.minute) == ("Nov  4 09:00", "2026-11-24T09:01")
    assert parse(b"<11>Nov 24 09:00:01 host kernel: oops").severity_name == "err"
    assert parse(b"kernel: no timestamp").program == "" and parse(b"").text == ""


def test_junk_is_shown_as_text_and_long_lines_are_cut():
    junk = parse(b"Nov 24 09:00:01 host x: \x1b[2J\x07\x00\xff\xfe end")
    assert shown(junk.text) == "Nov 24 09:00:01 host x: \\x1b[2J\\x07\\x00\ufffd\ufffd end"
    long = shown("a" * 10_000, limit=100)
    assert long.startswith("a" * 100) and long.endswith("(9900 more characters)")


def test_the_last_lines_come_from_the_end_and_say_where_to_follow_from(tmp_path):
    path = tmp_path / "log"
    path.write_bytes(b"".join(b"line %d\n" % n for n in range(200_000)) + b"partial")
    lines, offset = last_lines(path, 3)
    assert lines == [b"line 199997", b"line 199998", b"line 199999"]
    assert offset == path.stat().st_size - len(b"partial")
    assert last_lines(path, 0)[0] == [] and last_lines(tmp_path / "log", 300_000)[0][0] == b"line 0"
    (tmp_path / "empty").write_bytes(b"")
    assert last_lines(tmp_path / "empty", 5) == ([], 0)


@pytest.mark.parametrize("workers, chunk_size", [(1, 1000), (1, 7), (1, 250), (2, 64)])
def test_pieces_hold_each_line_once_and_stop_at_a_line_being_written(tmp_path, workers, chunk_size):
    path = tmp_path / "log"
    lines = [b"x" * random.Random(n).randint(0, 300) + b" %d" % n for n in range(5000)]
    path.write_bytes(b"".join(line + b"\n" for line in lines) + b"being written")
    pieces = list(searched_pieces(path, Needles, workers=workers, piece_size=1000, chunk_size=chunk_size))
    assert [raw for piece in pieces for _, raw, _ in piece.candidates] == lines
    assert all(path.read_bytes()[offset:offset + len(raw)] == raw
               for piece in pieces for offset, raw, _ in piece.candidates)
    assert not pieces[-1].complete and pieces[-1].stop == path.stat().st_size - len(b"being written")


def test_lines_far_longer_than_a_chunk_or_a_piece_are_held_once(tmp_path):
    path = tmp_path / "log"
    lines = [b"y" * random.Random(n).choice([0, 10, 3000, 120_000, 400_000]) + b" %d" % n for n in range(40)]
    path.write_bytes(b"".join(line + b"\n" for line in lines) + b"z" * 300_000)   # and one being written
    pieces = list(searched_pieces(path, Needles, piece_size=50_000, chunk_size=1000))
    assert [raw for piece in pieces for _, raw, _ in piece.candidates] == lines
    assert not pieces[-1].complete and pieces[-1].stop == path.stat().st_size - 300_000


DOMAINS = ["d1.example", "d2.example", "sub.d1.example"]
PROGRAMS = ["httpd", "popd", "virtuald", "virtexec", "cron"]


@st.composite
def log_lines(draw):
    """Lines of a shared log: virtuald and virtexec handing pids to domains, servers logging
    under those pids (reused), per-domain lines, noise that names domains in the text, and
    odd lines with a domain where the host goes."""
    lines = []
    for _ in range(draw(st.integers(0, 60))):
        pid = draw(st.integers(1, 20))  # more than FEW_PIDS: the regex path too
        kind = draw(st.sampled_from(["chroot", "virtexec", "server", "per-domain", "noise", "odd"]))
        domain = draw(st.sampled_from(DOMAINS))
        if kind == "chroot":
            lines.append(f"Nov 24 09:00:01 host virtuald[{pid}]: Chroot dir: /virtual/{domain}")
        elif kind == "virtexec":
            lines.append(f"Nov 24 09:00:01 host virtexec[{pid}]: domain={domain} command=ls args=0 user=root")
        elif kind == "server":
            lines.append(f"Nov 24 09:00:02 host {draw(st.sampled_from(PROGRAMS))}[{pid}]: GET /{domain}")
        elif kind == "per-domain":
            lines.append(f"2026-11-24T09:00:03.000000+00:00 {domain} popd[{pid}]: login")
        elif kind == "noise":
            lines.append(f"Nov 24 09:00:04 host cron: {domain} {draw(st.text(max_size=10))}")
        else:   # the domain where a host goes, in lines that parse otherwise or not at all
            lines.append(draw(st.sampled_from([
                f"2026-11-24Tgarbage {domain} popd[{pid}]: login",
                f"<ab>Nov 24 09:00:05 {domain} popd[{pid}]: login",
                f"2026-11-24T09:00:06Z {domain} :",
                f"Nov 24 09:00:07  {domain} popd[{pid}]: login",
                f"Nov 24 09:00:08 {domain} virtuald[{pid}]: Chroot dir: /virtual/{domain}",
                f"Nov 24 09:00:09  host virtuald[{pid}]: Chroot dir: /virtual/{domain}",
            ])))
    return lines


@settings(max_examples=300, deadline=None)
@given(lines=log_lines(), wanted=st.sampled_from(DOMAINS), size=st.integers(64, 2000),
       chunk=st.integers(16, 3000), text=st.sampled_from([None, "GET", "login"]))
def test_the_scanner_finds_what_a_line_by_line_reading_finds(tmp_path_factory, lines, wanted, size, chunk, text):
    path = tmp_path_factory.mktemp("scan") / "log"
    path.write_bytes("".join(line + "\n" for line in lines).encode())
    slow = Attributor(set(DOMAINS))
    expected = [line for line in lines
                if slow.domain_of(parse(line.encode())) == wanted and (text is None or text in line)]
    scanner = Scanner(LogQuery(domain=wanted, text=text))  # as the programs make it: no root listing
    found = [match.line.text for _, matches in scanner.scan(path, piece_size=size, chunk_size=chunk)
             for match in matches]
    assert found == expected
    assert Scanner(LogQuery(domain=wanted, text=text)).count(path, piece_size=size, chunk_size=chunk) \
        == len(expected)


@settings(max_examples=200, deadline=None)
@given(lines=log_lines(), wanted=st.sampled_from(DOMAINS), size=st.integers(64, 2000),
       chunk=st.integers(16, 3000), last=st.integers(0, 6))
def test_the_last_matches_are_the_same_when_pieces_keep_their_last_own_lines(tmp_path_factory, lines, wanted,
                                                                              size, chunk, last):
    """`virttui log --domain D -n N` has the searches send back only the last N lines of D's
    host of each piece: the last N matches are those of a scan that sends all."""
    path = tmp_path_factory.mktemp("scan") / "log"
    path.write_bytes("".join(line + "\n" for line in lines).encode())
    def last_matches(keep_own):
        scan = Scanner(LogQuery(domain=wanted)).scan(path, piece_size=size, chunk_size=chunk, keep_own=keep_own)
        return [m.raw for _, matches in scan for m in matches][-last:] if last else []
    assert last_matches(last) == last_matches(None)


# Lines whose bytes and decoded text may differ (invalid UTF-8 around the text, a CR at the
# end), and lines near the shape of a program's (other digits, other spacing, other names).
ODD_BYTES = [b"Nov 24 09:00:01 host cron: \xff\xfelogin\r", b"\xe2\x82login GET", b"GET\r\r",
             b"2026-11-24T09:00:03Z d1.example popd[4]: caf\xc3\xa9 \xc3login", b"\x00popd[2]: login",
             b"Nov 24 09:00:01 host popd[\xd9\xa3]: x", b"Nov 24 09:00:01 h\x1cst popd: x",
             b"Nov 24 09:00:01  host popd: x", b"Nov 24 09:00:01 host   cron: x", b"Nov 24 09:00:01 host cronx: y",
             b"Nov 24 09:00:01 host popd2[3]: y", b"Nov 24 09:00:01 host cron]: x", b"Nov 24 09:00:01 host popd[3] x"]


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.one_of(log_lines().map(lambda drawn: [line.encode() for line in drawn]),
                                st.lists(st.sampled_from(ODD_BYTES), max_size=3))),
       asked=st.sampled_from([("text", "GET"), ("text", "login"), ("text", "o"), ("text", "é"), ("text", "GET\r"),
                              ("program", "popd"), ("program", "cron"), ("program", "virtuald")]),
       size=st.integers(64, 2000), chunk=st.integers(16, 3000), last=st.integers(0, 6))
def test_text_and_program_queries_find_what_a_line_by_line_reading_finds(tmp_path_factory, lines, asked, size,
                                                                          chunk, last):
    """Without a domain, every line with the text, and the lines of the program's shape,
    are known to match unparsed (and counted where they are found)."""
    path = tmp_path_factory.mktemp("scan") / "log"
    path.write_bytes(b"".join(line + b"\n" for group in lines for line in group))
    raw_lines = path.read_bytes().split(b"\n")[:-1]   # a drawn text may hold a newline
    query = LogQuery(**{asked[0]: asked[1]})
    expected = [raw for raw in raw_lines if Scanner(query).accepts(parse(raw), None)]
    def found(keep_own):
        scan = Scanner(query).scan(path, piece_size=size, chunk_size=chunk, keep_own=keep_own)
        return [match.raw for _, matches in scan for match in matches]
    assert found(None) == expected
    assert found(last)[len(found(last)) - last:] == expected[len(expected) - last:]
    assert Scanner(query).count(path, piece_size=size, chunk_size=chunk) == len(expected)


def test_a_host_learned_in_a_chunk_is_searched_in_the_chunks_after_it(tmp_path):
    lines = ["Nov 24 09:00:01 host virtuald[5]: Chroot dir: /virtual/d1.example",
             *(f"Nov 24 09:00:02 other cron[9]: tick {n}" for n in range(50)),
             "Nov 24 09:00:03 host in.ftpd[5]: login alice"]
    path = tmp_path / "log"
    path.write_bytes("".join(line + "\n" for line in lines).encode())
    scanner = Scanner(LogQuery(domain="d1.example"))
    found = [m.line.text for _, matches in scanner.scan(path, piece_size=1 << 20, chunk_size=64) for m in matches]
    assert found == [lines[0], lines[-1]]


def test_a_text_with_a_newline_matches_no_line_and_the_search_ends(tmp_path):
    """`virttui log --grep` takes any text: one that starts with a newline is found at the
    newline that ends a line, and the search goes on from the next line."""
    path = tmp_path / "log"
    path.write_bytes(b"Nov 24 09:00:01 host httpd[1]: GET /\n" * 3)
    for domain in (None, "d1.example"):
        scan = Scanner(LogQuery(domain=domain, text="\nNov")).scan(path, chunk_size=64)
        assert [m.raw for _, matches in scan for m in matches] == []


def test_a_pid_in_other_digits_than_ascii_is_the_pid_it_reads_as(tmp_path):
    """Lines without the domain's name are left unparsed when no pid in them was handed to
    it: a pid in Arabic-Indic digits is one too (parse() reads it as 3)."""
    lines = ["Nov 24 09:00:01 host virtuald[3]: Chroot dir: /virtual/d1.example",
             "Nov 24 09:00:02 host httpd[\u0663]: GET /", "Nov 24 09:00:03 host httpd[4]: GET /"]
    path = tmp_path / "log"
    path.write_bytes("".join(line + "\n" for line in lines).encode())
    found = [m.line.text for _, matches in Scanner(LogQuery(domain="d1.example")).scan(path) for m in matches]
    assert found == lines[:2]


def test_searching_in_worker_processes_finds_what_one_process_finds(tmp_path):
    """Pieces handed out before a host was learned are searched again for its lines."""
    rng = random.Random(7)
    lines = []
    for n in range(4000):
        pid, domain = rng.randint(1, 40), rng.choice(DOMAINS)
        kind = rng.random()
        if kind < 0.05:
            host = rng.choice(["host", "other"])
            lines.append(f"Nov 24 09:00:01 {host} virtuald[{pid}]: Chroot dir: /virtual/{domain}")
        elif kind < 0.6:
            lines.append(f"Nov 24 09:00:02 {rng.choice(['host', 'other'])} httpd[{pid}]: GET /{n}")
        else:
            lines.append(f"2026-11-24T09:00:03.000000+00:00 {domain} popd[{pid}]: login {n}")
    path = tmp_path / "log"
    path.write_bytes("".join(line + "\n" for line in lines).encode())
    for wanted in DOMAINS:
        alone, pooled = (Scanner(LogQuery(domain=wanted)) for _ in range(2))
        one = [m.raw for _, matches in alone.scan(path, piece_size=2000) for m in matches]
        several = [m.raw for _, matches in pooled.scan(path, workers=2, piece_size=2000) for m in matches]
        assert several == one and len(one) > 100
        assert Scanner(LogQuery(domain=wanted)).count(path, workers=2, piece_size=2000) == len(one)


def test_worker_processes_end_with_the_scan_and_their_errors_reach_the_reader(tmp_path):
    path = tmp_path / "log"
    path.write_bytes(b"".join(b"Nov 24 09:00:01 host httpd[1]: GET /%d\n" % n for n in range(20_000)))
    pieces = searched_pieces(path, Needles, workers=2, piece_size=1000)
    next(pieces)
    assert len(multiprocessing.active_children()) == 2
    pieces.close()   # the reader stopped early: the workers are ended, not left behind
    assert multiprocessing.active_children() == []
    with pytest.raises(IsADirectoryError):   # raised in a worker, raised again here
        list(searched_pieces(tmp_path, Needles, workers=2, piece_size=1000))
    assert multiprocessing.active_children() == []
    pieces = searched_pieces(path, Needles, workers=2, piece_size=1000)
    next(pieces)
    for worker in multiprocessing.active_children():
        os.kill(worker.pid, signal.SIGKILL)   # the OOM killer, or an admin's kill
    with pytest.raises(OSError, match="a search process ended before it had searched its piece"):
        list(pieces)
    assert multiprocessing.active_children() == []


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300), needle=st.binary(min_size=1, max_size=4),
       bounds=st.tuples(st.integers(0, 320), st.integers(0, 320)))
def test_the_memmem_finder_finds_what_bytearray_find_finds(data, needle, bounds):
    assert MEMMEM is not None   # glibc has it: the fast path is the one tested
    buffer = bytearray(data * 3)
    start, end = min(bounds), max(bounds)
    assert finder(buffer)(needle, start, min(end, len(buffer))) == buffer.find(needle, start, min(end, len(buffer)))
