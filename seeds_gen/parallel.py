"""A function run in a second process on messages this one streams to it.

The messages go through a bounded queue, so the sender runs at most MAX_QUEUED messages ahead
(which bounds the memory). The function's result, or the exception it raised, comes back at the
end; if the second process fails early, the next message sent raises its exception. Stopping is
the first process's (segments.atomic_files.signals): a stop there leaves the ``with`` block, which ends the
second process.
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.queues import Queue
from types import TracebackType
from typing import Any, Generic, TypeVar

from segments.atomic_files.signals import in_forked_process, start_forked

Result = TypeVar("Result")
MAX_QUEUED = 4
POLL_SECONDS = 0.1  # how often a blocked sender checks that the second process is still there


def _messages(inbox: Queue[Any]) -> Iterator[Any]:
    while (message := inbox.get()) is not None:
        yield message


def _run(target: Callable[..., Any], inbox: Queue[Any], outbox: Queue[Any], args: tuple[Any, ...]) -> None:
    """The second process: the target's result or exception goes back through ``outbox``."""
    in_forked_process()
    try:
        outbox.put((True, target(_messages(inbox), *args)))
    except BaseException as error:  # re-raised in the sending process
        error.add_note("In the second process:\n" + "".join(traceback.format_exception(error)))
        outbox.put((False, error))


class Consumer(Generic[Result]):
    """``target(messages, *args)`` running in a second process; ``send`` streams it the messages."""

    def __init__(self, target: Callable[..., Result], *args: Any) -> None:
        context = multiprocessing.get_context()
        self.inbox: Queue[Any] = context.Queue(MAX_QUEUED)
        self.outbox: Queue[tuple[bool, Any]] = context.Queue(1)
        self.process = context.Process(target=_run, args=(target, self.inbox, self.outbox, args), daemon=True)
        start_forked(self.process)

    def send(self, message: Any) -> None:
        while True:
            self._raise_if_stopped()
            try:
                self.inbox.put(message, timeout=POLL_SECONDS)
                return
            except queue.Full:
                continue

    def result(self) -> Result:
        """End the stream and wait for the target's return value (raising what it raised)."""
        self.send(None)
        while True:
            try:
                succeeded, value = self.outbox.get(timeout=POLL_SECONDS)
                break
            except queue.Empty:
                if not self.process.is_alive() and self.outbox.empty():
                    raise self._died() from None
        self.process.join()
        if not succeeded:
            raise value
        return value

    def _raise_if_stopped(self) -> None:
        """The target only returns once the stream ends: anything in ``outbox`` before is a failure."""
        if not self.outbox.empty():
            succeeded, value = self.outbox.get()
            raise RuntimeError("the second process stopped before its input ended") if succeeded else value
        if not self.process.is_alive():
            raise self._died()

    def _died(self) -> RuntimeError:
        return RuntimeError(f"the second process died (exit code {self.process.exitcode})")

    def __enter__(self) -> Consumer[Result]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.process.is_alive():  # this process failed: the other's work is wasted
            self.inbox.cancel_join_thread()  # messages nobody will read must not hold up the exit
            self.process.terminate()
        self.process.join()
