"""Virtual mail: a domain's users get their mail in Maildirs inside the domain.

`virtmailfilter` (filter.py) finds the domain and the user and drops to that
user; `virtmaildelivery` (delivery.py) writes one message into a Maildir
(maildir.py). Both run once per message: standard library only.
"""
