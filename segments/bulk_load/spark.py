"""Load seed CSVs into Spark with Spark's own CSV reader, in a local session configured as the
`spark` target in profiles.yml is (same master, warehouse directory, Derby metastore and schema),
so `dbt build --target spark` finds the tables where `dbt seed` puts them. Runs in the spark
extra's venv: `.venv-spark/bin/python -m segments.bulk_load --target spark`.

Each CSV is read by spark.read.csv (header, multi-line quoted fields, `"` doubled inside quotes,
FAILFAST: a row with too few or too many fields is an error), every field as text, then cast to
its declared type (the sources' data_type) with the same `cast(... as <type>)` dbt seed uses, into a
parquet table `<table>__bulk_loading` created with dbt seed's column types (DESCRIBE shows the
same `int`, `decimal(12,2)`, `varchar(10000)`). Then the old table is dropped and the new one
renamed to its name.

Not all or nothing across the tables of one load, as the other loaders are: Spark has no
multi-statement transactions. Tables are replaced one after another, so a bad products.csv stops
the load with customers and orders already replaced and the other tables as they were; load the
folder again once the file is fixed. A failed table drops its half-built `__bulk_loading` table and
leaves its old table as it was, but between the drop and the rename a reader (and the staging
views over the table) briefly sees no table at all; do not load while something reads the
warehouse. The Derby metastore admits one Spark process at a time, so a running `dbt ...
--target spark` on the same warehouse makes the load fail ("Another instance of Derby may have
already booted the database", after about 30 s of retries).

Values, compared with `dbt seed --target spark` (dbt-spark 1.11, method session):
- an empty field, quoted or not, is NULL. dbt seed gives NULL in a numeric column, but in a text
  column it writes the four characters `None` (its session cursor quotes Python's None as a
  string literal); the loader writes NULL there, as dbt seed does on the other engines;
- other text is kept as it is, spaces, backslashes and line breaks included; a field of spaces
  only, or the word null, stays text, as in the other loaders (dbt seed's CSV reader takes those
  for empty too, so it writes `None` there on Spark and NULL elsewhere);
- a value its column's type cannot hold (text in an integer column, a number too large for
  decimal(12, 2)) is an error; dbt seed's cast silently makes it NULL.

Spark's own logging (launcher, log4j at ERROR, the Derby and Hive warnings) goes to
`$SEGMENTS_WAREHOUSE_DIR/spark-bulk-load.log`, not to the terminal; an error is one line naming
the CSV (or that log, when Spark or its metastore does not start).
"""

from __future__ import annotations

import codecs
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from segments.bulk_load.files import LoadError, Plan, TableFile
from segments.warehouse import WarehouseError, spark_settings

LOG_NAME = "spark-bulk-load.log"


def session_settings(warehouse_dir: str) -> dict[str, str]:
    """The `spark` target's server_side_parameters, read from profiles.yml (segments.warehouse)."""
    try:
        return spark_settings(warehouse_dir)
    except WarehouseError as error:  # no profiles.yml, or no spark target in it
        raise LoadError(str(error)) from None


def backquoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


@contextlib.contextmanager
def output_to(log: Path) -> Iterator[None]:
    """Point file descriptors 1 and 2 at `log` while the JVM starts: it inherits them for its
    whole life, so Spark's launcher and log4j write there while Python's output, restored on exit,
    stays on the terminal."""
    log.parent.mkdir(parents=True, exist_ok=True)
    saved = [os.dup(1), os.dup(2)]
    try:
        with open(log, "wb") as target:
            os.dup2(target.fileno(), 1)
            os.dup2(target.fileno(), 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for descriptor in saved:
            os.close(descriptor)


def start_session(warehouse_dir: str, log: Path) -> Any:
    from pyspark.sql import SparkSession  # only in the spark venv

    builder = SparkSession.builder.appName("bulk_load").enableHiveSupport()
    for key, value in session_settings(warehouse_dir).items():
        builder = builder.config(key, value)
    # Not a setting of the target: only keeps the stage progress bar out of the log.
    builder = builder.config("spark.ui.showConsoleProgress", "false")
    with output_to(log):
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
    # Derby's own log (derby.log in the working directory otherwise) joins the rest; the metastore
    # starts Derby at its first use, after this.
    session.sparkContext._jvm.System.setProperty("derby.stream.error.field", "java.lang.System.err")
    return session


def cause(error: BaseException) -> str:
    """One line from a Spark error: the innermost Java cause that says something, without the
    class name, else the Python exception's first line."""
    message = ""
    # py4j's Py4JJavaError, or pyspark's wrapping of one (AnalysisException and the like).
    java = getattr(error, "java_exception", None) or getattr(error, "_origin", None)
    while java is not None:
        text = java.getMessage()
        if text:
            message = str(text)
        java = java.getCause()
    if not message:
        message = str(error)
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    line = lines[0] if lines else type(error).__name__
    return line.removeprefix("org.apache.spark.SparkException: ")


def check_utf8(path: Path) -> None:
    """Spark would read invalid UTF-8 as U+FFFD without a word; the other loaders refuse it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open(path, "rb") as stream:
        try:
            while chunk := stream.read(1 << 20):
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            where = offset + error.start
            raise LoadError(f"{path}: not UTF-8 ({error.reason} at byte {where})") from None


def casts(file: TableFile) -> list[Any]:
    """Per declared column: its CSV field (by position, the header mapped by segments.bulk_load.files), empty
    as NULL, cast to the declared type as dbt seed casts it (SQL's cast, so varchar(n) is cast as
    Spark casts it for dbt), or NULL when the file leaves the column out; a value the cast turns
    into NULL stops the load, naming the column and the value."""
    from pyspark.sql import functions

    columns = []
    for name, kind in file.table.column_types.items():
        if name not in file.positions:
            columns.append(functions.expr(f"cast(null as {kind})").alias(name))
            continue
        field = backquoted(f"_c{file.positions[name]}")
        text = functions.expr(f"nullif({field}, '')")
        value = functions.expr(f"cast(nullif({field}, '') as {kind})")
        complaint = functions.concat(
            functions.lit(f"column {name}: '"),
            functions.substring(text, 1, 100),
            functions.lit(f"' is not a valid {kind}"),
        )
        bad = text.isNotNull() & value.isNull()
        columns.append(functions.when(bad, functions.raise_error(complaint)).otherwise(value).alias(name))
    return columns


def load_table(session: Any, schema: str, file: TableFile) -> int:
    from pyspark.sql.types import StringType, StructField, StructType

    check_utf8(file.path)
    target = f"{backquoted(schema)}.{backquoted(file.name)}"
    loading = f"{backquoted(schema)}.{backquoted(file.name + '__bulk_loading')}"
    columns = ", ".join(f"{backquoted(name)} {kind}" for name, kind in file.table.column_types.items())
    # Every field of the file by position (_c0, _c1, ...): the header, skipped, was mapped already.
    text = session.read.csv(
        str(file.path.resolve()),
        schema=StructType([StructField(f"_c{index}", StringType()) for index in range(file.width)]),
        header=True,
        multiLine=True,
        quote='"',
        escape='"',
        mode="FAILFAST",
        encoding="UTF-8",
        ignoreLeadingWhiteSpace=False,
        ignoreTrailingWhiteSpace=False,
    )
    session.sql(f"drop table if exists {loading}")
    session.sql(f"create table {loading} ({columns}) using parquet")
    try:
        text.select(*casts(file)).write.insertInto(loading)
        loaded = session.table(loading).count()
    except BaseException:
        session.sql(f"drop table if exists {loading}")
        raise
    session.sql(f"drop table if exists {target}")
    session.sql(f"alter table {loading} rename to {target}")
    return loaded


def load(warehouse_dir: Path, schema: str, plan: Plan) -> dict[str, int]:
    log = warehouse_dir / LOG_NAME
    try:
        session = start_session(str(warehouse_dir), log)
    except ImportError:
        raise
    except Exception as error:
        raise LoadError(f"cannot start Spark: {cause(error)} (Spark's log: {log})") from None
    loaded: dict[str, int] = {}
    try:
        try:
            session.sql(f"create schema if not exists {backquoted(schema)}")
        except Exception as error:
            raise LoadError(f"Spark schema {schema}: {cause(error)} (Spark's log: {log})") from None
        for file in plan.files:
            try:
                loaded[file.name] = load_table(session, schema, file)
            except LoadError:
                raise
            except Exception as error:
                raise LoadError(f"{file.path}: {cause(error)}") from None
        for name in plan.drop:  # the tables of the inputs this load leaves out
            session.sql(f"drop table if exists {backquoted(schema)}.{backquoted(name)}")
    finally:
        with contextlib.suppress(Exception):  # a JVM that died has told its error already
            session.stop()
    return loaded
