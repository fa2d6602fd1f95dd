"""``python -m segments.publish.summary DBT COMMAND [ARGS...]``: a dbt command that prints a few lines.

`make build` runs its dbt steps through it. dbt's console events are read as JSON (`--log-format
json`) instead of printed; what is printed is

- the project's own messages (`log(..., info=true)` in the macros: which optional inputs are off,
  which marts were published) and anything dbt prints that is not an event,
- one line for the command: `dbt build: PASS=311 WARN=0 ERROR=0 SKIP=0 NO-OP=7 TOTAL=318 (15.2 s)`,
- any warning of dbt's that is not about a node (a deprecation, say),
- on a warning or a failure, each node that warned or failed with its message (from
  target/run_results.json of this invocation), or dbt's error messages when it stopped before
  running any node (a compilation error, a lock held by another build).

dbt's full log, every event at debug level, is the log file: logs/dbt.log (--log-path). Nothing
printed is coloured when stdout is not a terminal (nor when NO_COLOR is set). The exit status is
dbt's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

LOG_DIR = Path("logs")
RUN_RESULTS = Path("target") / "run_results.json"
MANIFEST = Path("target") / "manifest.json"
# run_results.json statuses worth a line, each with its label.
FAILED = {"error": "ERROR", "fail": "FAIL", "runtime error": "ERROR"}
WARNED = {"warn": "WARN"}
# Where a node's message is cut: a database error can run to pages; the log has it whole.
MESSAGE_LINES = 6
# Warning events about the nodes: their run results say it (WARN lines); any other warning (a
# deprecation, a config path that applies to nothing) is printed.
NODE_EVENTS = ("RunResult", "Log", "EndOfRunSummary", "Formatting", "StatsLine")
COLOURS = {"ERROR": "31", "FAIL": "31", "WARN": "33", "OK": "32"}


def use_colour(stream: TextIO) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR")


def paint(text: str, label: str, colour: bool) -> str:
    return f"\033[{COLOURS[label]}m{text}\033[0m" if colour and label in COLOURS else text


def dbt_argv(dbt: str, args: Sequence[str], log_dir: Path) -> list[str]:
    """The dbt command line: JSON events on stdout for this module, the full debug log in log_dir,
    no colour codes in either (the events are reprinted here, coloured only on a terminal)."""
    return [
        dbt,
        "--log-format",
        "json",
        "--log-format-file",
        "debug",
        "--log-path",
        str(log_dir),
        "--no-use-colors",
        *args,
    ]


def indent(message: str) -> str:
    lines = message.strip().splitlines() or [""]
    if len(lines) > MESSAGE_LINES:
        lines = [*lines[:MESSAGE_LINES], f"... ({len(lines) - MESSAGE_LINES} more lines in the log)"]
    return "\n".join(f"    {line}".rstrip() for line in lines)


def node_name(result: dict) -> str:
    """`test stg_orders_order_id_is_unique`: unique_id less its package (and a generic test's hash)."""
    unique_id = result.get("unique_id", "")
    parts = unique_id.split(".")
    if len(parts) < 3:
        return unique_id
    name = ".".join(parts[2:]) if parts[0] == "unit_test" else parts[2]
    return f"{parts[0]} {name}"


def node_results(invocation_id: str | None, run_results: Path = RUN_RESULTS) -> list[dict] | None:
    """This invocation's node results, or None when it wrote none (it stopped before running any
    node, so run_results.json is an earlier command's or absent)."""
    try:
        results = json.loads(run_results.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if invocation_id is None or results.get("metadata", {}).get("invocation_id") != invocation_id:
        return None
    return results.get("results", [])


def compiled_paths(manifest: Path = MANIFEST) -> dict[str, str]:
    """unique_id -> its compiled SQL (target/compiled/...), where a failed test's query is."""
    try:
        nodes = json.loads(manifest.read_text(encoding="utf-8")).get("nodes", {})
    except (OSError, ValueError):
        return {}
    return {
        unique_id: node["compiled_path"] for unique_id, node in nodes.items() if node.get("compiled_path")
    }


class Events:
    """What is kept of a dbt command's JSON events while they are read."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.invocation_id: str | None = None
        self.stats = ""  # "PASS=... TOTAL=..." of the StatsLine event
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def read(self, line: str) -> None:
        try:
            event = json.loads(line)
            info = event["info"]
        except (ValueError, KeyError, TypeError):
            if line.strip():
                self.say(line.rstrip("\n"))  # not an event: print() in a macro, say
            return
        self.invocation_id = info.get("invocation_id") or self.invocation_id
        name, level, message = info.get("name"), info.get("level"), info.get("msg", "")
        if name == "JinjaLogInfo":
            self.say(message)
        elif name == "StatsLine":
            self.stats = message.removeprefix("Done.").strip()
        elif level == "error" and message.strip():
            self.errors.append(message.strip())
        elif level == "warn" and message.strip() and not str(name).startswith(NODE_EVENTS):
            self.warnings.append(message.strip())

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def summarise(
    command: str, events: Events, returncode: int, seconds: float, log: Path, colour: bool
) -> list[str]:
    """The lines printed after dbt exits: the command's line, then any node that warned or failed."""
    outcome = "OK" if returncode == 0 else "ERROR"
    head = f"dbt {command}: {events.stats or paint(outcome, outcome, colour)} ({seconds:.1f} s)"
    lines = [head]
    lines.extend(
        f"  {paint('WARN', 'WARN', colour)} {indent(warning).lstrip()}" for warning in events.warnings
    )
    results = node_results(events.invocation_id)
    shown = 0
    compiled: dict[str, str] | None = None
    for result in results or []:
        label = FAILED.get(result.get("status")) or WARNED.get(result.get("status"))
        if not label:
            continue
        lines.append(f"  {paint(label, label, colour)} {node_name(result)}")
        lines.append(indent(result.get("message") or "(no message)"))
        shown += label != "WARN"
        if result.get("unique_id", "").startswith("test."):
            compiled = compiled_paths() if compiled is None else compiled
            if result["unique_id"] in compiled:
                lines.append(f"    its query: {compiled[result['unique_id']]}")
    if returncode != 0 and not shown:
        # No node failed: dbt stopped before or after its nodes; its own error messages say why.
        lines.extend(indent(message) for message in events.errors or [f"dbt exited with status {returncode}"])
    if returncode != 0:
        lines.append(f"  The whole log: {log}")
    return lines


def run(dbt: str, args: Sequence[str], log_dir: Path = LOG_DIR, out: TextIO = sys.stdout) -> int:
    command = " ".join(args[:2]) if args[:1] == ["docs"] else args[0]
    events = Events(out)
    started = time.monotonic()
    # dbt takes Ctrl-C itself (the terminal signals the whole process group): this process waits
    # for it to finish. A SIGTERM or SIGHUP sent to this process alone is passed on to dbt.
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    process = subprocess.Popen(dbt_argv(dbt, args, log_dir), stdout=subprocess.PIPE, text=True, bufsize=1)

    def pass_on(signum: int, _frame: object) -> None:
        if signum != signal.SIGINT:
            process.send_signal(signum)

    for signum in previous:
        signal.signal(signum, pass_on)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            events.read(line)
        returncode = process.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    lines = summarise(
        command, events, returncode, time.monotonic() - started, log_dir / "dbt.log", use_colour(out)
    )
    print("\n".join(lines), file=out, flush=True)
    return returncode


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2 or args[0].startswith("-"):
        print(f"usage: python -m segments.publish.summary DBT COMMAND [ARGS...]\n{__doc__}", file=sys.stderr)
        return 2
    return run(args[0], args[1:])


if __name__ == "__main__":
    raise SystemExit(main())
