"""What every loader checks before it touches the warehouse: which CSVs the data folder holds,
which optional inputs they make up, and how each file's header maps onto its table's columns.

A header's names are matched to the contract's columns whatever their case and surrounding spaces
and in any order; columns the contract does not know are ignored (and named in the summary), a
column the contract marks `required: false` may be left out (it is then NULL). A file may start
with a UTF-8 byte order mark and end its lines with CRLF.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from segments.bulk_load.contract import NEEDS, REQUIRED, Table, column_inputs, inputs_value

# Python's csv module refuses fields over 128 KiB by default; a feedback document may be longer.
csv.field_size_limit(1 << 30)


class LoadError(Exception):
    """A CSV that does not match its table's contract, or a warehouse that refuses it."""


class FolderError(LoadError):
    """The data folder itself is wrong (missing, or the wrong set of files): a usage error."""


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def shown(value: str, limit: int = 80) -> str:
    """A CSV value for a one-line message: quoted, its line breaks escaped, long ones cut."""
    text = value if len(value) <= limit else value[:limit] + "..."
    return repr(text)


def text_stream(path: Path, offset: int = 0) -> io.TextIOWrapper:
    """The file as text for csv.reader: UTF-8, a byte order mark at its start skipped, line ends
    left to the reader (CRLF or LF, and line breaks inside quoted fields kept)."""
    raw = open(path, "rb")  # noqa: SIM115 - closed with the wrapper
    raw.seek(offset)
    return io.TextIOWrapper(raw, encoding="utf-8-sig" if offset == 0 else "utf-8", newline="")


def read_header(path: Path) -> list[str]:
    try:
        with text_stream(path) as stream:
            header = next(csv.reader(stream), None)
    except UnicodeDecodeError as error:
        raise LoadError(f"{path}: not UTF-8 ({error.reason} at byte {error.start})") from None
    except csv.Error as error:
        raise LoadError(f"{path}: line 1: {error}") from None
    except OSError as error:
        raise LoadError(f"{path}: {error.strerror}") from None
    if not header:
        raise LoadError(f"{path}: empty file, not even a header")
    return header


def record_line(path: Path, record: int, offset: int = 0) -> int:
    """The line (from 1, counted from `offset`) where the `record`-th record (from 1) after
    `offset` starts, the header skipped when offset is 0: the file read again, only on a bad value."""
    with text_stream(path, offset) as stream:
        reader = csv.reader(stream)
        if offset == 0:
            next(reader)
        start, seen = reader.line_num + 1, 0
        for row in reader:
            if row:
                seen += 1
                if seen == record:
                    return start
            start = reader.line_num + 1
    return start


@dataclass
class TableFile:
    """One table's CSV and where the table's columns are in it."""

    table: Table
    path: Path
    header: list[str]  # as written
    positions: dict[str, int]  # declared column -> its index in the CSV, for the columns it has
    ignored: list[str] = field(default_factory=list)  # the CSV's columns the contract does not know

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def width(self) -> int:
        return len(self.header)

    @property
    def present(self) -> list[str]:
        """The declared columns the file has, in the file's order."""
        return sorted(self.positions, key=self.positions.__getitem__)


def map_header(table: Table, path: Path, header: list[str]) -> TableFile:
    declared = {column.name for column in table.columns}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, written in enumerate(header):
        name = written.strip().lower()
        if name in positions:
            raise LoadError(
                f"{path}: column {name} appears twice (columns {positions[name] + 1} and {index + 1})"
            )
        if name in declared:
            positions[name] = index
        else:
            ignored.append(written.strip() or f"(unnamed column {index + 1})")
    missing = [column.name for column in table.columns if column.required and column.name not in positions]
    if missing:
        raise LoadError(
            f"{path}: no column {', '.join(missing)} (the header has: {', '.join(header)}; "
            f"expected: {', '.join(declared_list(table))})"
        )
    for name, members in column_inputs({table.name: table}).items():
        columns = [column for _, column in members]
        absent = [column for column in columns if column not in positions]
        if absent and len(absent) < len(columns):
            raise LoadError(
                f"{path}: the {name} columns come all together or not at all: no "
                f"{', '.join(absent)} (has {', '.join(column for column in columns if column in positions)})"
            )
    return TableFile(table, path, header, positions, ignored)


def declared_list(table: Table) -> list[str]:
    return [column.name if column.required else f"{column.name} (optional)" for column in table.columns]


@dataclass
class Plan:
    """What a load does: the files to load (in the contract's order), the optional inputs they make
    up (None when only some tables are loaded, --tables), and the tables of the inputs left out,
    which a full load drops so that no old table of them pairs with the new ones."""

    files: list[TableFile]
    inputs: set[str] | None
    drop: list[str]

    @property
    def inputs_value(self) -> str | None:
        return None if self.inputs is None else inputs_value(self.inputs)

    def ignored_summary(self) -> str | None:
        parts = [f"{file.path.name} ({', '.join(file.ignored)})" for file in self.files if file.ignored]
        return f"Ignored columns not in the contract: {'; '.join(parts)}" if parts else None


def plan_load(contract: dict[str, Table], data_dir: Path, only: list[str] | None = None) -> Plan:
    """The files of `data_dir` to load and the inputs they make up; `only` names the tables to load
    (their files must be there) instead of every file the folder has."""
    if not data_dir.is_dir():
        raise FolderError(f"{data_dir}: no such folder (--data-dir: the folder of CSVs)")

    def path(name: str) -> Path:
        return data_dir / f"{name}.csv"

    if only:
        missing = [name for name in only if not path(name).is_file()]
        if missing:
            raise FolderError(f"no {', '.join(f'{name}.csv' for name in missing)} in {data_dir}")
        names, inputs = [name for name in contract if name in only], None
    else:
        names, inputs = folder_tables(contract, data_dir)
    files = [map_header(contract[name], path(name), read_header(path(name))) for name in names]
    if inputs is not None:
        for name, members in column_inputs(contract).items():
            by_table = {file.name: file for file in files}
            if all(table in by_table and column in by_table[table].positions for table, column in members):
                inputs.add(name)
    drop = [] if inputs is None else [name for name in contract if name not in names]
    return Plan(files, inputs, drop)


def folder_tables(contract: dict[str, Table], data_dir: Path) -> tuple[list[str], set[str]]:
    """The tables a full load of `data_dir` loads and the optional inputs of tables they make up:
    every required table, and every optional input whose tables are all there."""
    present = {name for name in contract if (data_dir / f"{name}.csv").is_file()}
    by_input: dict[str, list[str]] = {}
    for name, table in contract.items():
        by_input.setdefault(table.input, []).append(name)
    required = by_input.pop(REQUIRED, [])
    missing = [name for name in required if name not in present]
    if missing:
        raise FolderError(
            f"no {', '.join(f'{name}.csv' for name in missing)} in {data_dir} "
            f"({' and '.join(f'{name}.csv' for name in required)} are required)"
        )
    inputs = set()
    for name, tables in by_input.items():
        have = [table for table in tables if table in present]
        if have and len(have) < len(tables):
            lacking = [table for table in tables if table not in present]
            raise FolderError(
                f"{', '.join(f'{table}.csv' for table in have)} without "
                f"{', '.join(f'{table}.csv' for table in lacking)} in {data_dir}: "
                f"the {name} input needs {' and '.join(f'{table}.csv' for table in tables)}"
            )
        if have:
            inputs.add(name)
    for name in sorted(inputs):
        lacking = [need for need in NEEDS.get(name, ()) if need not in inputs]
        if lacking:
            files = [f"{table}.csv" for need in lacking for table in by_input[need]]
            raise FolderError(
                f"{', '.join(f'{table}.csv' for table in by_input[name])} without "
                f"{' and '.join(files)} in {data_dir}: the {name} input needs the "
                f"{', '.join(lacking)} input"
            )
    return [
        name for name in contract if name in present and contract[name].input in inputs | {REQUIRED}
    ], inputs
