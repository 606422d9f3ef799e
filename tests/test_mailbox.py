"""Counting a domain's mailboxes, and the Mail tab of the domain detail."""

from textual.widgets import DataTable

from screens.app import VirtTuiApp
from screens.widgets.mailboxes import MailboxesView
from tests.mail_fixtures import deliver_bytes
from virttui.domains.discovery import load_details, scan_root
from virttui.mail.mailbox import human_size, mailboxes
from virttui.mail.maildir import prepare_maildir
from virttui.settings import load_settings


def deliver_text(home, text: bytes) -> None:
    deliver_bytes(prepare_maildir(str(home)), text)


def loaded(root, name):
    domain = next(d for d in scan_root(root).domains if d.name == name)
    load_details(domain, root / "log")
    return domain


def test_new_and_read_messages_and_their_size_are_counted(demo_root):
    home = demo_root / "example.com" / "home" / "bob"
    deliver_text(home, b"x" * 1000)
    deliver_text(home, b"y" * 24)
    [read] = list((home / "Maildir" / "new").iterdir())[:1]
    read.rename(home / "Maildir" / "cur" / (read.name + ":2,S"))
    (home / "Maildir" / "new" / ".hidden").write_text("not a message")
    boxes = {box.user: box for box in mailboxes(loaded(demo_root, "example.com"))}
    assert (boxes["bob"].new, boxes["bob"].cur, boxes["bob"].size) == (1, 1, 1024)
    assert (boxes["alice"].new, boxes["alice"].cur) == (2, 1) and boxes["alice"].state == "ok"


def test_a_missing_maildir_and_a_home_leading_out_are_said_not_followed(demo_root, tmp_path):
    outside = tmp_path / "outside"
    (outside / "Maildir" / "new").mkdir(parents=True)
    (outside / "Maildir" / "cur").mkdir()
    (outside / "Maildir" / "new" / "secret").write_text("host mail")
    home = demo_root / "example.com" / "home" / "bob"
    home.rmdir()
    home.symlink_to(outside)
    boxes = {box.user: box for box in mailboxes(loaded(demo_root, "example.com"))}
    # /tmp/.../outside as the domain sees it: not there (the host's mail is never counted)
    assert boxes["bob"].problem.startswith("no Maildir yet") and boxes["bob"].new == 0
    carol = mailboxes(loaded(demo_root, "example.net"))
    assert [(b.user, b.new, b.cur) for b in carol] == [("carol", 0, 3)]


async def mail_tab_rows(root, width: int) -> dict[str, list[str]]:
    """The first domain's Mail tab, as rows by user name."""
    app = VirtTuiApp(load_settings(config=str(root / ".virttui.yaml"), environ={}))
    async with app.run_test(size=(width, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("enter", "3")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(MailboxesView).query_one(DataTable)
        return {str(row[0]): [str(cell) for cell in row] for row in map(table.get_row_at, range(table.row_count))}


def test_sizes_read_as_people_say_them():
    assert [human_size(n) for n in (0, 1023, 1024, 1536, 5 * 2**20, 3 * 2**30)] == \
        ["0 B", "1023 B", "1.0 KiB", "1.5 KiB", "5.0 MiB", "3.0 GiB"]


async def test_the_mail_tab_shows_the_mailboxes_after_a_delivery(demo_root):
    deliver_text(demo_root / "example.com" / "home" / "bob", b"hello bob\n")
    rows = await mail_tab_rows(demo_root, width=100)
    assert rows["bob"][1:4] == ["1", "0", "10 B"]
    assert rows["alice"][1:3] == ["2", "1"]


async def test_the_mail_tab_shows_each_users_last_pop3_or_imap_session_in_the_log(demo_root):
    root = demo_root
    with open(root / ".virtual.log", "a") as log:
        log.write("2026-11-24T10:00:00.000000+00:00 example.com dovecot: imap(bob)<3001><YWJj>: "
                  "Disconnected: Logged out in=86 out=932\n"
                  "2026-11-24T10:05:00.000000+00:00 example.net dovecot: pop3(bob)<3002><ZGVm>: "
                  "Disconnected: Logged out top=0/0, retr=1/22\n"   # another domain's bob
                  "Nov 24 10:07:00 host virtuald[3003]: Chroot dir: {root}/example.com\n".format(root=root)
                  + "Nov 24 10:07:01 host dovecot[3003]: pop3(alice)<3003><Z2hp>: Disconnected: Logged out\n"
                  "2026-11-24T10:09:00.000000+00:00 example.com dovecot: pop3(bob)<3004><amts>: "
                  "Disconnected: Connection closed top=0/0\n")
    rows = await mail_tab_rows(root, width=120)
    assert rows["bob"][4] == "2026-11-24 10:09 POP3"
    assert rows["alice"][4] == "Nov 24 10:07 POP3"     # the server's pid, handed by virtuald
    assert rows["bob"][1:4] == ["0", "0", "0 B"]
