"""Finding the lines of a log file that may answer a query, piece after piece, at memory
speed; in several processes at once when the file is big and the machine has the cores.

A piece is a range of a few MiB of the file and holds the lines that start in it; it is
read and searched a chunk at a time (virttui.syslog.piece_reader) for the query's needles
(virttui.syslog.candidates). Only the lines found leave the piece; the Scanner parses them
in file order.
"""

import functools
import os
from collections import deque
from collections.abc import Callable, Iterator
from itertools import islice

from virttui.syslog.candidates import Needles
from virttui.syslog.piece_reader import CHUNK, Piece, PieceReader
from virttui.syslog.search_workers import SearchWorkers

PIECE = 4 << 20             # what one task searches
PARALLEL_FROM = 64 << 20    # below this a pool of processes costs more than it saves


def workers_for(size: int) -> int:
    """How many processes to search `size` bytes with."""
    return 1 if size < PARALLEL_FROM else max(1, len(os.sched_getaffinity(0)))


def searched_pieces(path, needles: Callable[[], Needles], start: int = 0, end: int | None = None,
                    workers: int = 1, piece_size: int = PIECE, chunk_size: int = CHUNK) -> Iterator[Piece]:
    """The pieces from `start` to `end` (default: the size the file has now), in file order.

    `needles()` is asked each time a piece is handed out, so the hosts learned from the
    pieces before are searched in the next ones; a piece handed out before a host was
    learned is searched again for it here before it is yielded."""
    limit = os.stat(path).st_size if end is None else end
    ranges = iter(range(start, limit, piece_size))
    make_reader = functools.partial(PieceReader, chunk_size=chunk_size)
    with make_reader(path) as reader:
        if workers <= 1:
            for first in ranges:
                piece = reader.search(first, first + piece_size, limit, needles())
                yield piece
                if not piece.complete:
                    return
            return
        with SearchWorkers(path, workers, make_reader) as pool:
            def hand_out(first):
                pool.hand_out(first, first + piece_size, limit, needles())
                return first
            pending = deque(hand_out(first) for first in islice(ranges, 2 * workers))
            while pending:
                first = pending.popleft()
                piece = _with_hosts_learned(reader, pool.take_back(), first, first + piece_size, limit, needles())
                yield piece
                if not piece.complete:
                    return
                following = next(ranges, None)
                if following is not None:
                    pending.append(hand_out(following))


def _with_hosts_learned(reader, piece: Piece, first: int, end: int, limit: int, needles: Needles) -> Piece:
    missing = needles.hosts - piece.hosts
    if not missing:
        return piece
    more = reader.search(first, end, limit, Needles(domain=needles.domain, hosts=missing), hosts_only=True)
    merged = dict((offset, (raw, fast)) for offset, raw, fast in more.candidates)
    merged.update((offset, (raw, fast)) for offset, raw, fast in piece.candidates)
    piece.candidates = [(offset, raw, fast) for offset, (raw, fast) in sorted(merged.items())]
    piece.hosts |= missing
    return piece
