"""Every exception that ends a program with a documented status has the one shape."""

import pytest

from virttui.exit_status import ExitStatus
from virttui.mail.outcome import DeliveryFailure, permanent
from virttui.services.enabling import ServiceRefused
from virttui.virtexec import Refusal
from virttui.virtuald.core import Failure


@pytest.mark.parametrize("kind", [Failure, Refusal, DeliveryFailure, ServiceRefused])
def test_each_is_an_exit_status_with_its_status_and_one_line(kind):
    stop = kind(67, "the line that says why")
    assert isinstance(stop, ExitStatus)
    assert (stop.status, stop.message, str(stop)) == (67, "the line that says why", "the line that says why")


def test_a_caller_can_end_any_program_the_same_way():
    def run(raising) -> tuple[int, str]:
        try:
            raise raising
        except ExitStatus as stop:
            return stop.status, stop.message
    assert run(permanent("no such user")) == (100, "no such user")
    assert run(Refusal(3, "no domain")) == (3, "no domain")
