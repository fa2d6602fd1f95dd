"""Where a CSV's rows beyond the first N start, found without parsing the first N.

`--append` adds the rows of a file beyond those a table already has. Parsing millions of rows only
to skip them took most of an append's time, so this counts record ends in the bytes instead: a
newline ends a record unless it lies inside a quoted field, that is after an odd number of quote
characters (an escaped quote is two, so it keeps the count even). That is the quoting csv.reader
reads by default and the generator writes. Blocks without a quote are counted with bytes.count;
the others with numpy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

BLOCK_BYTES = 1 << 24
NEWLINE, QUOTE = ord("\n"), ord('"')


def record_ends(block: bytes, in_quotes: bool) -> tuple[np.ndarray, np.ndarray, bool]:
    """Offsets of the block's newlines, which of them end a record, and whether the block ends
    inside a quoted field."""
    data = np.frombuffer(block, dtype=np.uint8)
    newlines = np.flatnonzero(data == NEWLINE)
    if not in_quotes and QUOTE not in block:
        return newlines, np.ones(len(newlines), dtype=bool), False
    quotes = np.flatnonzero(data == QUOTE)
    quotes_before = np.searchsorted(quotes, newlines) + in_quotes
    return newlines, quotes_before % 2 == 0, bool((len(quotes) + in_quotes) % 2)


def offset_after_records(path: Path, records: int, block_bytes: int = BLOCK_BYTES) -> tuple[int, int] | None:
    """The byte offset just after the first `records` records of `path` and the number of newlines
    before it (so line numbers after it can be told); None when the file has fewer records."""
    if records == 0:
        return 0, 0
    found = lines = position = 0
    in_quotes, last_byte = False, b"\n"
    with open(path, "rb") as stream:
        while block := stream.read(block_bytes):
            if not in_quotes and QUOTE not in block and found + (count := block.count(b"\n")) < records:
                found += count  # the common case: skip the block whole
                lines += count
            else:
                newlines, ends_record, in_quotes = record_ends(block, in_quotes)
                ends = newlines[ends_record]
                if found + len(ends) >= records:
                    end = int(ends[records - found - 1])
                    return position + end + 1, lines + int(np.searchsorted(newlines, end)) + 1
                found += len(ends)
                lines += len(newlines)
            position += len(block)
            last_byte = block[-1:]
    # The last record may lack its newline.
    if found == records - 1 and last_byte != b"\n" and not in_quotes:
        return position, lines
    return None
