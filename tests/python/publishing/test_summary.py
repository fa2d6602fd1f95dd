"""segments.publish.summary on made-up dbt events and run results (make build runs it on real ones:
test_make_build.py): what it prints of the events, and the failing nodes of this invocation only."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from segments.publish.cli import written_lines
from segments.publish.summary import Events, node_name, summarise


def event(name: str, message: str, level: str = "info", invocation: str = "this") -> str:
    return json.dumps({"info": {"name": name, "level": level, "msg": message, "invocation_id": invocation}})


def read(*lines: str) -> tuple[Events, str]:
    out = io.StringIO()
    events = Events(out)
    for line in lines:
        events.read(line + "\n")
    return events, out.getvalue()


def test_prints_the_projects_messages_and_whatever_is_not_an_event():
    events, printed = read(
        event("MainReportVersion", "Running with dbt=1.11"),
        event("JinjaLogInfo", "Published 2 mart(s) in one transaction: a, b"),
        event("LogModelResult", "1 of 2 OK created sql table model main.a"),
        "printed by a macro",
        event("StatsLine", "Done. PASS=2 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=2"),
    )
    assert printed == "Published 2 mart(s) in one transaction: a, b\nprinted by a macro\n"
    assert events.stats == "PASS=2 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=2"
    assert events.invocation_id == "this"


def write_results(folder: Path, invocation: str, results: list[dict]) -> None:
    (folder / "target").mkdir(exist_ok=True)
    document = {"metadata": {"invocation_id": invocation}, "results": results}
    (folder / "target" / "run_results.json").write_text(json.dumps(document), encoding="utf-8")


FAILED = {
    "unique_id": "test.segments.not_null_orders_amount.1a2b3c",
    "status": "fail",
    "message": "Got 2 results",
}
WARNED = {"unique_id": "model.segments.customer_rfm", "status": "warn", "message": "a warning"}


def test_a_failure_names_each_node_of_this_invocation_with_its_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_results(tmp_path, "this", [FAILED, WARNED, {"unique_id": "model.segments.a", "status": "success"}])
    events, _ = read(
        event("StatsLine", "Done. PASS=1 WARN=1 ERROR=1"), event("E", "Failure in test", "error")
    )
    lines = summarise("build", events, 1, 2.0, Path("logs/dbt.log"), colour=False)
    assert lines == [
        "dbt build: PASS=1 WARN=1 ERROR=1 (2.0 s)",
        "  FAIL test not_null_orders_amount",
        "    Got 2 results",
        "  WARN model customer_rfm",
        "    a warning",
        "  The whole log: logs/dbt.log",
    ]


@pytest.mark.parametrize("results", ["none", "an earlier command's"])
def test_a_failure_before_any_node_ran_prints_dbts_error_messages(tmp_path, monkeypatch, results):
    monkeypatch.chdir(tmp_path)
    if results != "none":
        write_results(tmp_path, "earlier", [FAILED])
    events, _ = read(event("MainEncounteredError", "Compilation Error\n  var 'x' is bad", "error"))
    lines = summarise("build", events, 2, 1.0, Path("logs/dbt.log"), colour=False)
    assert lines == [
        "dbt build: ERROR (1.0 s)",
        "    Compilation Error\n      var 'x' is bad",
        "  The whole log: logs/dbt.log",
    ]


def test_node_names_drop_the_package_and_a_generic_tests_hash():
    assert node_name(FAILED) == "test not_null_orders_amount"
    assert node_name({"unique_id": "unit_test.segments.customer_segments.in_cents"}) == (
        "unit_test customer_segments.in_cents"
    )


def test_publish_prints_a_line_a_folder():
    paths = [
        Path("exports/a.csv"),
        Path("exports/a.xlsx"),
        Path("reports/charts/c.png"),
        Path("reports/a.html"),
    ]
    assert written_lines(paths) == [
        "wrote exports/a.csv, a.xlsx",
        "wrote reports/charts/c.png",
        "wrote reports/a.html",
    ]


def test_a_warning_not_about_a_node_is_printed_under_the_commands_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    events, _ = read(
        event("UnusedResourceConfigPath", "[WARNING]: Configuration paths exist\n- models.x", "warn"),
        event("RunResultWarning", "Warning in test a (models/a.yml)", "warn"),  # run_results has it
        event("StatsLine", "Done. PASS=1 WARN=0 ERROR=0"),
    )
    assert summarise("seed", events, 0, 1.0, Path("logs/dbt.log"), colour=False) == [
        "dbt seed: PASS=1 WARN=0 ERROR=0 (1.0 s)",
        "  WARN [WARNING]: Configuration paths exist\n    - models.x",
    ]
