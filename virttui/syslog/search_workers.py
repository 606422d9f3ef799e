"""Worker processes that search pieces of one log file, for the command line on big files.

Piece n goes to worker n mod W, with the needles known when it is handed out, and the
results are read back in the same order: they come out in file order with nothing between
the processes but a pipe each way (a multiprocessing.Pool's threads and queues cost the
reading process ~0.2 s of CPU per GiB searched, on the cores the workers need).
"""

import errno
import multiprocessing
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

JOIN_TIMEOUT = 5.0   # seconds a worker gets to leave after its last task


class WorkerLost(OSError):
    """A worker process ended without sending its result back."""


@dataclass
class _Worker:
    process: BaseProcess
    tasks: Connection      # the parent's sending end
    results: Connection    # the parent's receiving end


class SearchWorkers:
    """`count` processes, each with its own reader of `path` made by `make_reader(path)`;
    a task is the arguments of the reader's `search`."""

    def __init__(self, path, count: int, make_reader):
        context = multiprocessing.get_context("fork")   # the command line: one thread, fork is safe
        self._workers: list[_Worker] = []
        self._handed_out = self._taken_back = 0
        try:
            for _ in range(count):
                task_reader, task_writer = context.Pipe(duplex=False)
                result_reader, result_writer = context.Pipe(duplex=False)
                process = context.Process(target=_serve, args=(path, make_reader, task_reader, result_writer),
                                          daemon=True)
                process.start()
                task_reader.close()
                result_writer.close()
                self._workers.append(_Worker(process, task_writer, result_reader))
        except BaseException:
            self.stop()
            raise

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is None and self._handed_out == self._taken_back:
            self._dismiss()
        else:
            self.stop()

    def hand_out(self, *task) -> None:
        try:
            self._workers[self._handed_out % len(self._workers)].tasks.send(task)
        except BrokenPipeError:   # the worker is gone: its end of the pipe closed with it
            raise _lost() from None
        self._handed_out += 1

    def take_back(self):
        """The result of the oldest task handed out; a worker's exception is raised here, and
        a worker gone (killed) is an OSError that says so."""
        try:
            result = self._workers[self._taken_back % len(self._workers)].results.recv()
        except EOFError:
            raise _lost() from None
        self._taken_back += 1
        if isinstance(result, BaseException):
            raise result
        return result

    def stop(self) -> None:
        """Ends the workers at once (the reader stopped early, or something failed)."""
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.terminate()
        self._close()

    def _dismiss(self) -> None:
        for worker in self._workers:
            try:
                worker.tasks.send(None)
            except OSError:
                pass
        self._close()

    def _close(self) -> None:
        for worker in self._workers:
            worker.process.join(JOIN_TIMEOUT)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.tasks.close()
            worker.results.close()
        self._workers = []


def _lost() -> WorkerLost:
    return WorkerLost(errno.EPIPE, "a search process ended before it had searched its piece")


def _serve(path, make_reader, tasks: Connection, results: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # ^C is the parent's to handle, once
    with make_reader(path) as reader:
        while True:
            try:
                task = tasks.recv()
            except EOFError:   # the parent is gone
                return
            if task is None:
                return
            try:
                result = reader.search(*task)
            except Exception as error:   # noqa: BLE001 - handed to the parent, raised there
                result = error
            results.send(result)
