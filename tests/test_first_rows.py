"""The first rows of a root, read before the app's first frame, are what the full reading
finds for those rows: names in order, aliases, addresses (first line wins, aliases' lines,
disabled lines), users, dev/log and problems."""

import os

import pytest

from tests.test_discovery import bind, make_domain, odd_root  # noqa: F401 - a fixture
from virttui.demo import build_demo, build_many
from virttui.domains.discovery import discover
from virttui.domains.first_rows import FirstRowsReader, first_rows


def shown(domain):
    return (domain.name, domain.alias_of, domain.addresses, domain.disabled, [u.name for u in domain.users],
            domain.devlog, domain.problems, domain.loaded)


def assert_first_rows_match(root, rows, socket_path=None):
    full = discover(root, socket_path)
    first = first_rows(root, socket_path, full.socket_path, rows)
    assert first.partial
    assert [shown(d) for d in first.domains] == [shown(d) for d in full.domains[:rows]]
    return first


@pytest.mark.parametrize("rows", [1, 3, 6, 40])
def test_odd_root_first_rows_are_the_full_reading(odd_root, rows):  # noqa: F811
    assert_first_rows_match(odd_root, rows)


@pytest.mark.parametrize("rows", [2, 5, 40])
def test_demo_root_first_rows_are_the_full_reading(tmp_path, rows):
    config = build_demo(tmp_path / "demo")
    assert_first_rows_match(config.parent, rows)


def test_lines_through_aliases_duplicates_and_other_spellings(tmp_path):
    root = tmp_path / "virtual"
    root.mkdir()
    bind(root / "log")
    for name in ("a.example", "b.example", "c.example", "z.example"):
        make_domain(root, name)
    os.symlink("z.example", root / "www.a.example")         # an alias, listed after the rows
    os.symlink("www.a.example", root / "y.example")         # a link to a link: an alias of z
    os.symlink(str(root / "a.example") + "/.", root / "x.example")   # its text is not the name
    os.symlink("b.example", root / "mail.b.example")
    os.symlink("mail.b.example", root / "w.example")       # a link to a link: an alias of b
    (root / "conf.www").write_text(
        f"10.0.0.1 {root}/z.example\n"
        f"10.0.0.1 {root}/a.example\n"                       # first line wins: not a's
        f"::ffff:10.0.0.2 {root}/z.example\n"
        f"10.0.0.2 {root}/b.example\n"                       # the same address spelled in IPv4
        f"10.0.0.30 {root}/c.example\n"
        f"10.0.0.3 {root}/c.example/ # its own: 10.0.0.30 only holds its text\n"
        f"10.0.0.4 {root}/www.a.example\n"
        f"10.0.0.5 {root}/y.example\n"
        f"10.0.0.6 {root}/x.example\n"
        f"10.0.0.10 {root}/w.example\n"
        f"10.0.0.7 {root}/a.example.org\n"                   # another name that starts alike
        f"#virttui-disabled: 10.0.0.8 {root}/b.example\n"
        f"10.0.0.9 b.example\n"                              # relative: refused, not a's line
        f"default {root}/c.example\n")
    (root / "conf.ftp").write_text(f"2001:db8::1 {root}/z.example\n2001:db8:0::1 {root}/a.example\n"
                                   f"2001:db8::2 {root}/b.example\n")
    (tmp_path / "mail.conf").write_text(f"10.0.1.1 {root}/a.example\n")
    os.symlink(tmp_path / "mail.conf", root / "conf.mail")   # a conf file through a link is read too
    first = assert_first_rows_match(root, 3)
    a, b, c = first.domains
    assert a.addresses == {"mail": ["10.0.1.1"], "www": ["10.0.0.6"]} and a.disabled == {}
    assert b.addresses == {"ftp": ["2001:db8::2"], "www": ["10.0.0.10"]} and b.disabled == {"www": ["10.0.0.8"]}
    assert c.addresses == {"www": ["10.0.0.30", "10.0.0.3", "default"]}


def test_many_domains_first_rows(tmp_path):
    root = build_many(tmp_path / "many", 300)
    first = assert_first_rows_match(root, 24)
    assert [d.name for d in first.domains[:2]] == ["d00000.example", "d00001.example"]
    assert first.domains[0].addresses == {"www": ["127.0.0.1"]}
    assert first.domains[1].addresses == {}   # 127.0.0.1 again: the first line wins


def test_a_missing_root_has_no_rows_and_says_so(tmp_path):
    model = FirstRowsReader(tmp_path / "nowhere", None, None, 24).model()
    assert model.domains == [] and not model.exists


def test_the_forked_reader_hands_over_the_rows(tmp_path):
    config = build_demo(tmp_path / "demo")
    root = config.parent
    model = FirstRowsReader(root, None, root / "log", 4).model()
    assert [shown(d) for d in model.domains] == [shown(d) for d in first_rows(root, None, root / "log", 4).domains]


async def test_the_first_frame_shows_the_first_rows_before_the_worker_reads_the_root(tmp_path, monkeypatch):
    from screens.app import VirtTuiApp
    from screens.domains import DomainsScreen
    from screens.widgets.domain_table import DomainTable
    from virttui.settings import load_settings

    root = build_many(tmp_path / "many", 300)
    monkeypatch.setattr(DomainsScreen, "read_the_rest", lambda screen: None)   # no worker: first rows alone
    app = VirtTuiApp(load_settings(root=str(root), environ={}))
    async with app.run_test(size=(80, 24)):
        table = app.screen.query_one(DomainTable)
        assert [d.name for d in table.index.domains] == [f"d{n:05d}.example" for n in range(24)]
        assert table.render_line(1).text.split() == ["d00000.example", "127.0.0.1", "www", "1", "MISSING"]
        assert str(app.screen.query_one("#counts").render()) == "loading…"
