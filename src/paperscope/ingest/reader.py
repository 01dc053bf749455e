"""The reading half of ingest: files -> detected formats -> parse results, as a stream of events.

Every file is read as UTF-8 (`sources.reading.Utf8Stream` honours BOMs and UTF-16, and reads
bytes that are not UTF-8 as cp1252, noted in `FileNote`), parsed within `Limits`, and guarded:
whatever a parser raises ends that file only, as a quarantined `Malformed` naming where it
stopped. A file that gave no records and did not say why (`Empty`) is quarantined too.
"""

from __future__ import annotations

import dataclasses
import io
import lzma
import multiprocessing
import operator
import os
import pickle
import queue
import tarfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, BinaryIO

from paperscope.errors import PaperscopeError, UnknownFormatError
from paperscope.ingest.items import Item, prepared_item
from paperscope.sources.base import (
    DEFAULT_LIMITS,
    Empty,
    Format,
    Limits,
    Malformed,
    Parsed,
    ParseResult,
    failure,
)
from paperscope.sources.detect import all_formats, detect_format, format_named
from paperscope.sources.reading import Member, open_members, peek, utf8_stream

# Parse results per event: enough that per-event overhead is negligible, and few enough
# (with `EVENT_CHARS`) that an event of large records stays small.
EVENT_CHUNK = 500
EVENT_CHARS = 16 << 20


@dataclass(frozen=True, slots=True)
class FileSkipped:
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class FileStarted:
    name: str
    format_name: str


@dataclass(frozen=True, slots=True)
class Results:
    name: str
    format_name: str
    results: list[ParseResult]


@dataclass(frozen=True, slots=True)
class Items:
    """`Results` as ingest's writer takes them: each `Parsed` already made an `Item`
    (`read_events(..., prepare=True)`)."""

    name: str
    format_name: str
    results: list[Item | Malformed]


@dataclass(frozen=True, slots=True)
class FileDone:
    """A file was read to its end (or to where its parser stopped)."""

    name: str
    path: Path
    """The path given to ingest that this file came from (itself, a folder, an archive)."""
    records: int
    """Records parsed (quarantined ones not counted)."""
    empty: str | None
    """Why the file holds no records, when its format said so (an empty results page)."""
    note: str | None
    """How the file was decoded, when it was not plain UTF-8."""


@dataclass(frozen=True, slots=True)
class Failed:
    """The reader stopped: the error, carried as text so that any exception crosses processes."""

    message: str
    exit_code: int
    unknown_format: bool


Event = FileSkipped | FileStarted | Results | Items | FileDone | Failed


def _format_for(member: Member, head: bytes, format_name: str | None) -> Format | None:
    if format_name:
        return format_named(format_name)
    return detect_format(head, member.inner_name)


def _size(result: ParseResult) -> int:
    return len(result.raw) if isinstance(result, Parsed | Malformed) else 0


def _member_events(
    path: Path,
    resolved: Path,
    member: Member,
    raw_stream: BinaryIO,
    format_name: str | None,
    limits: Limits,
    prepare: bool,
) -> Iterator[Event]:
    stream, transcoder = utf8_stream(raw_stream)
    head, stream = peek(stream)
    fmt = _format_for(member, head, format_name)
    if fmt is None:
        if member.name == str(resolved):
            known = ", ".join(f.name for f in all_formats())
            raise UnknownFormatError(
                f"{path}: format not recognised; name it with --format (one of {known})"
            )
        yield FileSkipped(member.name, "format not recognised")
        return
    yield FileStarted(member.name, fmt.name)
    chunk: list[ParseResult] = []
    size = records = quarantined = 0
    empty: str | None = None
    try:
        for result in fmt.parse(stream, limits):
            if isinstance(result, Empty):
                empty = result.reason
                continue
            if isinstance(result, Parsed):
                records += 1
            else:
                quarantined += 1
            chunk.append(result)
            size += _size(result)
            if len(chunk) >= EVENT_CHUNK or size >= EVENT_CHARS:
                yield _results(member.name, fmt.name, chunk, prepare)
                chunk, size = [], 0
    except UNREADABLE:
        raise
    except Exception as error:  # the parser broke: this file ends here, the others go on
        where = f"after record {records + quarantined}" if records + quarantined else "file"
        reason = f"the {fmt.name} parser stopped: {failure(error)}"
        chunk.append(Malformed(where, None, reason, ""))
        quarantined += 1
    if not records and not quarantined and empty is None and head.strip():
        reason = (
            f"read as {fmt.name}, {transcoder.consumed:,} bytes gave no records "
            "(is the format right? name it with --format)"
        )
        chunk.append(Malformed("file", None, reason, head[:2000].decode("utf-8", "replace")))
    if chunk:
        yield _results(member.name, fmt.name, chunk, prepare)
    yield FileDone(member.name, path, records, empty, transcoder.note())


def _results(name: str, format_name: str, chunk: list[ParseResult], prepare: bool) -> Event:
    if not prepare:
        return Results(name, format_name, chunk)
    items: list[Item | Malformed] = []
    for result in chunk:
        if isinstance(result, Parsed):
            items.append(prepared_item(name, result))
        elif isinstance(result, Malformed):
            items.append(result)
    return Items(name, format_name, items)


# What a damaged file raises on reading: a truncated or corrupt compressed stream or archive.
UNREADABLE = (OSError, EOFError, zlib.error, lzma.LZMAError, tarfile.TarError)


def _path_events(
    path: Path, format_name: str | None, limits: Limits, prepare: bool
) -> Iterator[Event]:
    """A damaged file named on its own is an error; one inside a folder or archive is skipped."""
    resolved = path.resolve()
    for member, raw_stream in open_members(resolved):
        try:
            args = (format_name, limits, prepare)
            yield from _member_events(path, resolved, member, raw_stream, *args)
        except UNREADABLE as error:
            if member.name == str(resolved):
                raise
            yield FileSkipped(member.name, f"cannot read: {error}")


def read_events(
    paths: Sequence[Path],
    format_name: str | None,
    limits: Limits = DEFAULT_LIMITS,
    *,
    prepare: bool = False,
) -> Iterator[Event]:
    """Every file's parse results in order; an error ends the stream with `Failed`.

    `prepare`: hand over `Items` (what ingest's writer makes of parse results) in place of
    `Results`."""
    for path in paths:
        try:
            yield from _path_events(path, format_name, limits, prepare)
        except PaperscopeError as error:
            yield Failed(str(error), error.exit_code, isinstance(error, UnknownFormatError))
            return
        except UNREADABLE as error:
            yield Failed(f"{path}: cannot read: {error}", PaperscopeError.exit_code, False)
            return


# Events on their way from the reading process: enough to keep the writer busy while the
# reader parses ahead, few enough that memory stays bounded (each event is at most
# `EVENT_CHUNK` results or `EVENT_CHARS` of raw text).
QUEUE_EVENTS = 8
_DONE = b""


class _EventPickler(pickle.Pickler):
    """Pickles frozen dataclasses as `cls(*fields)`: several times faster to load than the
    default `__setstate__` of a slotted dataclass, which dominated the cost of the hand-over.

    The fields are read by one `operator.attrgetter` per class (C code) rather than a
    generator of `getattr`s: this method runs for every record, name and identifier, and
    pickling a 100k-work OpenAlex file took 10.2-13.4 s with the generator against 5.9-7.8 s
    (the same bytes) with the getter."""

    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        fields = _FIELDS_OF[cls] if cls in _FIELDS_OF else _fields_getter(cls)
        if fields is None:
            return NotImplemented
        return cls, fields(obj)


_FIELDS_OF: dict[type, Callable[[Any], tuple[Any, ...]] | None] = {}


def _fields_getter(cls: type) -> Callable[[Any], tuple[Any, ...]] | None:
    """What reads the fields a dataclass is rebuilt from, as a tuple; None when `cls` is no
    dataclass (or a dataclass *class* itself) or cannot be rebuilt from its fields alone."""
    fields = dataclasses.fields(cls) if dataclasses.is_dataclass(cls) else ()
    getter: Callable[[Any], tuple[Any, ...]] | None = None
    if fields and all(field.init for field in fields):
        names = [field.name for field in fields]
        if len(names) == 1:  # attrgetter of one name gives the value, not a tuple
            one = operator.attrgetter(names[0])
            getter = lambda obj: (one(obj),)  # noqa: E731
        else:
            getter = operator.attrgetter(*names)
    _FIELDS_OF[cls] = getter
    return getter


def event_bytes(event: Event) -> bytes:
    """An event as the reading process hands it over (what the writer unpickles)."""
    buffer = io.BytesIO()
    _EventPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(event)
    return buffer.getvalue()


def _produce(
    sender: Connection,
    receiver: Connection,
    paths: Sequence[Path],
    format_name: str | None,
    limits: Limits,
    prepare: bool,
) -> None:
    """The reading process: every event, pickled, then `_DONE`, through the pipe `sender`.

    A sending thread writes to the pipe while this one parses ahead (up to `QUEUE_EVENTS`
    events). This process holds no read end of the pipe, so once the ingest process is gone
    (even by `kill -9`) a write fails and the reader exits: none is left behind."""
    receiver.close()
    outbox: queue.Queue[bytes] = queue.Queue(maxsize=QUEUE_EVENTS)

    def send() -> None:
        while True:
            item = outbox.get()
            try:
                sender.send_bytes(item)
            except OSError:  # the ingest process is gone
                os._exit(0)
            if item == _DONE:
                return

    thread = threading.Thread(target=send, name="paperscope-reader-send", daemon=True)
    thread.start()
    try:
        for event in read_events(paths, format_name, limits, prepare=prepare):
            outbox.put(event_bytes(event))
    except Exception as error:  # a bug in reading: say so, like any reading failure
        failed = Failed(f"reading stopped: {failure(error)}", PaperscopeError.exit_code, False)
        outbox.put(event_bytes(failed))
    outbox.put(_DONE)
    thread.join()
    sender.close()


IDLE_CORES_TO_READ_APART = 1.5
"""How many cores must be idle for ingest to parse in a second process: one for the
writing, most of another for the reading."""
IDLE_SAMPLE_SECONDS = 0.3


def cpu_times(stat: Path = Path("/proc/stat")) -> tuple[float, float]:
    """(idle, total) CPU time of all cores so far, in clock ticks (Linux's /proc/stat)."""
    fields = [float(f) for f in stat.read_text().split("\n", 1)[0].split()[1:9]]
    return fields[3] + fields[4], sum(fields)  # idle + iowait; user..steal


def spare_core(
    sample: Callable[[], tuple[float, float]] = cpu_times,
    window: float = IDLE_SAMPLE_SECONDS,
) -> bool:
    """Whether a core is idle enough to parse beside the writing: over `window` seconds,
    at least `IDLE_CORES_TO_READ_APART` cores' worth of CPU time was idle.

    Handing records from the reading process to the writing one costs CPU (pickling the
    records and building them again: about 0.6 of what parsing them costs), which pays only
    when the parsing then runs beside the writing. Measured on a 20k-work slice of the
    benchmark corpus (56,651 records) on a shared 2-core machine: parsing 4.9 s, handing
    over 3.1 s; with the other core busy, ingest took 40 s with the reading process and 29
    s without it.

    The 1-minute load average, used before, says what ran in the last minutes rather than
    now: the 1M benchmark's ingest started at load 1.03, just after other work had ended on
    an otherwise idle machine, and parsed in the writing process. Where CPU times cannot be
    read (no /proc), the load average decides as before."""
    cores = os.cpu_count() or 1
    if cores < 2:
        return False
    idle = _idle_share(sample, window)
    if idle is None:
        return os.getloadavg()[0] <= cores - 1
    return cores * idle >= IDLE_CORES_TO_READ_APART


def _idle_share(sample: Callable[[], tuple[float, float]], window: float) -> float | None:
    """The share of all cores' time that was idle over `window` seconds, or None when the
    CPU times cannot be read or did not advance."""
    try:
        idle_before, total_before = sample()
        time.sleep(window)
        idle_after, total_after = sample()
    except (OSError, ValueError, IndexError):
        return None
    elapsed = total_after - total_before
    return (idle_after - idle_before) / elapsed if elapsed > 0 else None


def read_events_in_background(
    paths: Sequence[Path],
    format_name: str | None,
    limits: Limits = DEFAULT_LIMITS,
    *,
    prepare: bool = False,
) -> Iterator[Event]:
    """`read_events`, read and parsed in a forked process while the caller writes.

    Parsing is a third of ingest's time and writing most of the rest; in two processes they
    overlap. The events and their order are exactly `read_events`'s. Without `fork` (macOS,
    Windows) it is `read_events` itself.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        yield from read_events(paths, format_name, limits, prepare=prepare)
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    args = (sender, receiver, list(paths), format_name, limits, prepare)
    reader = context.Process(target=_produce, args=args, name="paperscope-reader", daemon=True)
    reader.start()
    sender.close()  # the reader's end: when the reader is gone, reading gives EOFError
    try:
        while (item := _received(receiver)) != _DONE:
            if item is None:
                reader.join(timeout=10)
                message = f"the reading process ended unexpectedly (exit {reader.exitcode})"
                yield Failed(message, PaperscopeError.exit_code, False)
                return
            yield pickle.loads(item)
    finally:
        receiver.close()
        reader.terminate()
        reader.join(timeout=10)
        if reader.is_alive():  # a SIGTERM handler inherited from the parent may ignore it
            reader.kill()
            reader.join()


def _received(receiver: Connection) -> bytes | None:
    """The next message from the reading process, or None when it is gone."""
    try:
        return receiver.recv_bytes()
    except (EOFError, OSError):
        return None
