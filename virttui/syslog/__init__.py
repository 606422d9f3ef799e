"""The shared log: rsyslog's configuration and dev/log links (wiring), and reading the log
file (lines, the last page, following across rotation, which domain a line belongs to)."""
