"""CSV text built column by column in numpy: no per-row Python, no per-value str().

Every row is laid out in one byte matrix, each field in its own band of columns: numbers are
right-aligned in their band, texts left-aligned, and the bytes no field fills are NUL (which no
CSV text here contains). Dropping the NULs (one boolean index) leaves the rows back to back in row
order. Texts are codes into a small vocabulary (cities, dates, comments), so each distinct text is
encoded once, however many rows repeat it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ZERO = ord("0")


class Vocabulary:
    """Distinct texts, stored once as a byte matrix padded with NULs; a column is codes into it."""

    def __init__(self, texts: Sequence[str]) -> None:
        encoded = [text.encode("utf-8") for text in texts]
        content = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        if not content.all():
            raise ValueError("a CSV text cannot hold a NUL: it marks the bytes to drop")
        lengths = np.array([len(text) for text in encoded], dtype=np.int64)
        self.width = max(1, int(lengths.max(initial=0)))
        # The content bytes, row by row, are the texts back to back: one assignment (a date
        # column's vocabulary has 70,000 texts).
        self.matrix = np.zeros((len(encoded), self.width), dtype=np.uint8)
        self.matrix[np.arange(self.width) < lengths[:, None]] = content

    def __len__(self) -> int:
        return len(self.matrix)


@dataclass(frozen=True)
class Text:
    """A text field: codes into a vocabulary whose entries are already CSV-safe."""

    vocabulary: Vocabulary
    codes: np.ndarray

    @property
    def width(self) -> int:
        return self.vocabulary.width

    @property
    def rows(self) -> int:
        return len(self.codes)

    def part(self, first: int, last: int) -> Text:
        return Text(self.vocabulary, self.codes[first:last])

    def fill(self, band: np.ndarray) -> None:
        np.take(self.vocabulary.matrix, self.codes, axis=0, out=band)


@dataclass(frozen=True)
class Literal:
    """The same bytes on every row: separators, quotes, JSON keys."""

    text: str

    @property
    def width(self) -> int:
        return len(self.text.encode("utf-8"))

    def fill(self, band: np.ndarray) -> None:
        encoded = np.frombuffer(self.text.encode("utf-8"), dtype=np.uint8)
        if not encoded.all():
            raise ValueError("a CSV text cannot hold a NUL: it marks the bytes to drop")
        band[:] = encoded


@dataclass(frozen=True)
class Integer:
    """Non-negative integers in decimal, zero-padded to ``min_digits``."""

    values: np.ndarray
    min_digits: int = 1

    @property
    def rows(self) -> int:
        return len(self.values)

    @property
    def width(self) -> int:
        if self.values.size and int(self.values.min()) < 0:
            raise ValueError("Integer formats non-negative values only")
        largest = int(self.values.max()) if self.values.size else 0
        return max(len(str(largest)), self.min_digits)

    def part(self, first: int, last: int) -> Integer:
        return Integer(self.values[first:last], self.min_digits)

    def fill(self, band: np.ndarray) -> None:
        # Right-aligned: repeated division by the constant 10, which numpy does without a
        # hardware divide. 32-bit division is several times faster than 64-bit; most ids and
        # cents fit.
        small = not self.values.size or int(self.values.max()) < 2**32
        remaining = self.values.astype(np.uint32 if small else np.uint64)
        width = band.shape[1]
        for position in range(width - 1, -1, -1):
            quotient = remaining // 10
            digit = remaining - quotient * 10 + ZERO
            # Beyond min_digits a position holds a digit only while digits remain, else NUL.
            band[:, position] = digit if width - 1 - position < self.min_digits else digit * (remaining > 0)
            remaining = quotient


def cents_field(cents: np.ndarray) -> list[Integer | Literal]:
    """Exact two-decimal text from non-negative integer cents: 12345 -> 123.45."""
    return [Integer(cents // 100), Literal("."), Integer(cents % 100, min_digits=2)]


# Bytes of layout formatted at a time: the buffers are reused, and the literal bytes are laid into
# them once rather than once per row. Each digit is written down a column, one byte per row, so a
# block of wide rows (the feed's are 260 bytes) must stay small enough for the core's cache: half
# a megabyte made the feed 1.4x faster than 16,384 rows did. Narrow tables keep about that many.
BLOCK_BYTES = 1 << 19
MIN_BLOCK_ROWS = 1 << 8


_LAYOUTS: dict[tuple[str | int, ...], np.ndarray] = {}


def _layout(bands: tuple[str | int, ...]) -> np.ndarray:
    """A byte buffer for rows of these bands (literal texts, or the widths of fields), with the
    literals already in place: kept, since a table's layout rarely changes."""
    if bands not in _LAYOUTS:
        if len(_LAYOUTS) >= 32:
            _LAYOUTS.clear()
        widths = [len(band.encode("utf-8")) if isinstance(band, str) else band for band in bands]
        rows = max(BLOCK_BYTES // sum(widths), MIN_BLOCK_ROWS)
        matrix = np.zeros((rows, sum(widths)), dtype=np.uint8)
        start = 0
        for band, width in zip(bands, widths, strict=True):
            if isinstance(band, str):
                Literal(band).fill(matrix[:, start : start + width])
            start += width
        _LAYOUTS[bands] = matrix
    return _LAYOUTS[bands]


def rows_text(fields: Sequence[Text | Literal | Integer]) -> list[np.ndarray]:
    """Every row's fields back to back, ending in a newline, as byte arrays to write in order.

    Separators are Literal fields.
    """
    fields = [*fields, Literal("\n")]
    rows = next((field.rows for field in fields if not isinstance(field, Literal)), 0)
    if rows == 0:
        return []
    widths = [field.width for field in fields]
    bands = np.cumsum([0, *widths])
    matrix = _layout(
        tuple(
            field.text if isinstance(field, Literal) else width
            for field, width in zip(fields, widths, strict=True)
        )
    )
    block = len(matrix)
    chunks = []
    for first in range(0, rows, block):
        laid_out = matrix[: min(block, rows - first)]
        for field, start, stop in zip(fields, bands[:-1], bands[1:], strict=True):
            if not isinstance(field, Literal):
                field.part(first, first + len(laid_out)).fill(laid_out[:, start:stop])
        chunks.append(laid_out[laid_out != 0])
    return chunks


def csv_fields(fields: Sequence[Text | Literal | Integer | list]) -> list[Text | Literal | Integer]:
    """Fields (a list counts as one field made of parts) with commas between them."""
    laid_out: list[Text | Literal | Integer] = []
    for index, field in enumerate(fields):
        if index:
            laid_out.append(Literal(","))
        laid_out.extend(field if isinstance(field, list) else [field])
    return laid_out


def csv_quote(text: str) -> str:
    """RFC 4180 quoting, only where a field needs it."""
    if any(char in text for char in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text
