"""SIGTERM and SIGHUP stop a command as Ctrl-C does: cleaned up, one line, no traceback.

By default those two signals end a Python process at once: no ``finally`` runs, so temporary
files stay (the generator's hidden outputs, gigabytes at a large size; the ``.bulk_load-*`` scratch
folder beside the warehouse) and so does a second process blocked on its pipe. Raised as
``Stopped`` instead, they unwind the stack like KeyboardInterrupt: transactions are rolled back,
temporary files removed and the second process ended. SIGINT takes the same path, so all three end
with one line and exit status 128 + the signal's number.

Shared by the generator (seeds_gen) and bulk_load.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.process import BaseProcess
from types import FrameType

STOPPING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(BaseException):
    """A stopping signal arrived. A BaseException, as KeyboardInterrupt is, so that ``except
    Exception`` handlers do not swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        return 128 + self.signum


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    # Ignored from here on: a second signal must not cut short the cleanup the first one started.
    for each in STOPPING:
        signal.signal(each, signal.SIG_IGN)
    raise Stopped(signum)


@contextmanager
def raise_on_stopping_signals() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise Stopped in this (the main) thread; the
    handlers before it are put back after it. A signal ignored from the start stays ignored:
    `nohup` ignores SIGHUP, and a shell script's background job SIGINT."""
    before = {signum: signal.getsignal(signum) for signum in STOPPING}
    for signum, handler in before.items():
        if handler is not signal.SIG_IGN:
            signal.signal(signum, _raise_stopped)
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def start_forked(process: BaseProcess) -> None:
    """Start a forked process with the stopping signals held until its target has called
    in_forked_process(): a SIGTERM from the first process (ending it early, as a failed load does)
    would otherwise reach it while it still has the first process's handler, and print a
    traceback. The first process's own signals are held only while it forks, then delivered."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def in_forked_process() -> None:
    """In a forked second process (started by start_forked): it leaves stopping to the first, which
    ends it. SIGTERM and SIGHUP kill it at once again (unless ignored from the start), and the
    Ctrl-C a terminal sends the whole process group is ignored. Then the signals held since the
    fork are let through."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is _raise_stopped:
            signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING)
