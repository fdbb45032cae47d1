"""Work ahead of the pusher: the next studies are read, converted and hashed in a background thread while the
server is busy with the current batch (the pusher mostly waits on the socket then, without the GIL)."""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def ahead(make: Callable[[], Iterator[T]], depth: int) -> Iterator[T]:
    """The items of ``make()``, in order, produced in a background thread at most ``depth`` ahead of the
    consumer (so memory stays bounded); an exception it raises comes out where that item would have."""
    if depth < 1:
        yield from make()
        return
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for item in make():
                if not put((item, None)):
                    return
        except BaseException as e:  # handed to the consumer, raised there
            put((_DONE, e))
            return
        put((_DONE, None))

    worker = threading.Thread(target=produce, name="push-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item, error = items.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
