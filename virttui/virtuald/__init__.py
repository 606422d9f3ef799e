"""virtuald: the per-connection mode (connection.py), started by a super-server for each
connection. Standard library only: bin/virtuald imports this package at every connection."""


def entry_point() -> None:
    from virttui.virtuald.connection import entry_point as run

    run()
