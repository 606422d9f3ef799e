"""The one base of the exceptions that end a program with a documented exit status:
virtuald's Failure, virtexec's Refusal, the mail programs' DeliveryFailure, `virttui enable`'s
ServiceRefused, `virttui domain`'s LifeRefused. Each program keeps its own statuses and says them in its docstring; this is
only their common shape: `status` (the exit status) and `message` (the one line to show or log,
which is also str() of the exception).

Standard library only, and nothing imported: the per-connection programs raise these.
"""


class ExitStatus(Exception):
    """Stop with `status`; `message` is the one line that says why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message
