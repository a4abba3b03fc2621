"""Free objects kept for reuse by key, a bounded number in all.

What a fit builds at a cost and can hand to the next fit of its kind -- a
compiled trainer (:mod:`skrnn._trainers`), a ``tf.data`` pipeline
(:mod:`skrnn._tensorflow`) -- waits here between fits. An object serves one
fit at a time: taken, it is out of the pool until given back. The pool keeps
the most recently given back; the caller releases what it drops.
"""

import collections
import threading


class FreeLists:
    """Free objects by key, at most ``size`` in all, least recently used dropped."""

    def __init__(self, size):
        self.size = size
        self._lock = threading.Lock()
        self._free = collections.OrderedDict()  # key -> list of free objects

    def __len__(self):
        with self._lock:
            return sum(len(kept) for kept in self._free.values())

    def take(self, key):
        """A free object of ``key`` (out of the pool until given back), or None."""
        with self._lock:
            kept = self._free.get(key)
            if not kept:
                return None
            item = kept.pop()
            if not kept:
                del self._free[key]
            return item

    def give_back(self, key, item):
        """Keep ``item``; return the objects dropped to stay within ``size``."""
        dropped = []
        with self._lock:
            self._free.setdefault(key, []).append(item)
            self._free.move_to_end(key)
            while sum(len(kept) for kept in self._free.values()) > self.size:
                oldest = next(iter(self._free))
                dropped.append(self._free[oldest].pop(0))
                if not self._free[oldest]:
                    del self._free[oldest]
        return dropped

    def clear(self):
        """Drop every object; return them."""
        with self._lock:
            dropped = [item for kept in self._free.values() for item in kept]
            self._free.clear()
        return dropped
