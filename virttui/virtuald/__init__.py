"""virtuald, in two modes over one core (core.py: lookup, enter, exec, syslog, statuses):

- per connection (connection.py), started by a super-server for each connection;
- the dispatcher (daemon.py, `virtuald --listen ADDR:PORT ... CONF PROGRAM`), which listens
  itself and forks, enters the domain and execs the server for each connection.

Standard library only: bin/virtuald imports this package at every connection.
"""


def daemon_mode(args: list) -> bool:
    """The per-connection mode's options are single letters; any long option before CONF
    (--listen, --systemd, the limits) asks for the dispatcher."""
    for arg in args:
        if arg == "--" or not arg.startswith("-"):
            return False
        if arg.startswith("--"):
            return True
    return False


def entry_point() -> None:
    import sys

    if daemon_mode(sys.argv[1:]):
        from virttui.virtuald.daemon import entry_point as run
    else:
        from virttui.virtuald.connection import entry_point as run
    run()
