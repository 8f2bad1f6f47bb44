"""Reading landing files: discovery, hashing, encoding detection and truncation detection.

Everything here works on bytes and says what it found; deciding what to load is the loader's job.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingestion.contracts import FeedContract, employment



def discover(landing_dir: Path, contract: FeedContract) -> list[Path]:
    """The feed's files in the landing folder, in name order (the order they are loaded in)."""
    folder = Path(landing_dir) / contract.landing_subdir
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(contract.file_suffixes))


def first_stated_month(records: Iterable[list[str]]) -> str | None:
    """The data month (YYYY-MM) of the first data record that states one in a listed form.

    This is the month a monthly NPS file belongs to; the parser then checks that every other record states the
    same one. `records` are the CSV records after the header.
    """
    for record in records:
        if record and (month := employment.stated_month(record[0])) is not None:
            return month
    return None


def data_month_of_file(path: Path) -> str | None:
    """The data month an NPS file states inside it, read from its first records without loading the file.

    Dagster partitions employment files by this month. The month field is ASCII, so decoding as CP949 with
    replacement is safe for a UTF-8 file too; a file with no month (header only, say) gives None.
    """
    with open(path, encoding=employment.ENCODING, errors="replace", newline="") as handle:
        records = csv.reader(handle)
        next(records, None)
        return first_stated_month(records)


# A file changed this recently may still change within the clock tick its time stamps show.
SETTLED_SECONDS = 2.0


def stat_signature(path: Path) -> str | None:
    """The file's size, modification and change times (ns), device and inode, or None while it may still change.

    The loader records the signature taken before it read a file beside the file's sha256, and takes the same
    signature later for the same content, so an unchanged landing file is not read and hashed again. Any write
    after the signature was taken moves the change time (which no program can set back), and a replaced file has
    another inode, so the next signature differs. A file changed in the last SETTLED_SECONDS gets none: a write
    within the same clock tick could leave its times as they were.
    """
    stat = path.stat()
    if time.time_ns() - stat.st_ctime_ns < SETTLED_SECONDS * 1_000_000_000:
        return None
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_dev}:{stat.st_ino}"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Decoded:
    """A file's text, or why there is none."""

    text: str | None
    encoding: str | None
    error: str | None = None


def decode(data: bytes, preferred: str = "utf-8") -> Decoded:
    """Decode with the preferred encoding first, then UTF-8 (BOM or not), then CP949.

    A file that is neither is undecodable: the error names the first byte offset and line that fail.
    """
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    else:
        candidates = list(dict.fromkeys([preferred, "utf-8", "cp949"]))
    failures = []
    for encoding in candidates:
        try:
            return Decoded(data.decode(encoding), encoding)
        except UnicodeDecodeError as exc:
            failures.append((encoding, exc.start))
    encoding, offset = max(failures, key=lambda f: f[1])
    line = data.count(b"\n", 0, offset) + 1
    tried = ", ".join(enc for enc, _ in failures)
    return Decoded(None, None, f"not decodable as {tried}: byte {offset} (line {line}) is invalid in {encoding}")


def physical_lines(text: str) -> list[str]:
    """The file's lines split on line feeds only (U+2028 and friends are legal inside a JSON string)."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    return lines[:-1] if lines and lines[-1] == "" else lines


def iter_lines(text: str) -> Iterator[str]:
    """The text's lines one at a time, each with its line feed, without copying the whole text first."""
    start = 0
    while start < len(text):
        end = text.find("\n", start) + 1 or len(text)
        yield text[start:end]
        start = end


def lenient_lines(data: bytes) -> list[str]:
    """The file's lines as best-effort text, for quarantining a file that cannot be read properly.

    Lines are split on the newline byte alone (a wrong encoding must not invent line breaks); a line holding
    nothing but NUL bytes and spaces (the tail of a UTF-16 newline) counts as empty.
    """
    encoding = "utf-8" if _mostly_utf8(data) else "cp949"
    lines = [line.decode(encoding, errors="backslashreplace") for line in data.split(b"\n")]
    return [line if line.strip("\x00\r ") else "" for line in lines]


def _mostly_utf8(data: bytes) -> bool:
    sample = data[:65536]
    return sample.decode("utf-8", errors="replace").count("\ufffd") <= sample.decode("cp949", errors="replace").count("\ufffd")


def truncation(text: str, suffix: str) -> str | None:
    """Why the text looks cut off in the middle of its last record, or None if it ends cleanly.

    A CSV's last record is incomplete when it has fewer fields than the header; a JSON Lines file's when its
    last line does not parse. Either way the file has no final newline.
    """
    if not text or text.endswith(("\n", "\r")):
        return None
    head, _, last = text.rpartition("\n")
    if suffix == ".jsonl":
        try:
            json.loads(last)
            return None
        except ValueError:
            return f"file ends without a newline inside line {head.count(chr(10)) + 2}, which is not complete JSON"
    header = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    fields = next(csv.reader(io.StringIO(last)), [])
    if len(fields) < len(header):
        row = head.count("\n") + 2
        return f"file ends without a newline inside row {row}, which has {len(fields)} of {len(header)} fields"
    return None


def cut_inside_character(data: bytes, preferred: str) -> str | None:
    """Why an undecodable file is in fact a truncated one: everything decodes but its unfinished last line."""
    if data.endswith(b"\n") or b"\n" not in data:
        return None
    complete = data[:data.rfind(b"\n") + 1]
    if decode(complete, preferred).text is None:
        return None
    row = complete.count(b"\n") + 1
    return f"file ends without a newline inside row {row}, cut in the middle of a character"
