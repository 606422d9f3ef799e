"""How a delivery program ends: qmail's exit statuses, and sysexits for Postfix's pipe.

The reason goes to stdout as one line: qmail puts it in the bounce or the log,
Postfix's pipe(8) in the delivery status notice.
"""

import sys

from virttui.exit_status import ExitStatus

DELIVERED = 0
PERMANENT = 100   # qmail: hard failure, the message bounces
TEMPORARY = 111   # qmail: soft failure, the message stays queued and is tried again

# pipe(8) reads <sysexits.h>: EX_NOUSER bounces, EX_TEMPFAIL defers.
EX_NOUSER = 67
EX_TEMPFAIL = 75
SYSEXITS = {DELIVERED: 0, PERMANENT: EX_NOUSER, TEMPORARY: EX_TEMPFAIL}


class DeliveryFailure(ExitStatus):
    """A message that cannot be delivered now (temporary) or ever (permanent); `message`
    says why."""


def permanent(reason: str) -> DeliveryFailure:
    return DeliveryFailure(PERMANENT, reason)


def temporary(reason: str) -> DeliveryFailure:
    return DeliveryFailure(TEMPORARY, reason)


def finish(program: str, failure: DeliveryFailure | None, sysexits: bool = False) -> int:
    """Print the reason of a failure and return the exit status to use."""
    status = DELIVERED if failure is None else failure.status
    if failure is not None:
        try:
            sys.stdout.write(f"{program}: {failure.message}\n")
            sys.stdout.flush()
        except OSError:
            pass  # no one to tell: the status still says it
    return SYSEXITS[status] if sysexits else status
