"""Path-style OBS objects (`GET`/`HEAD /{bucket}/{key}`) with deterministic content.

Object bytes are derived from the key in 64 KiB chunks (each chunk from a generator seeded by
key and chunk number), so any range can be produced without materialising the object.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections import OrderedDict

from koomap_tui.sim.core import Simulator

CHUNK = 64 * 1024
PRODUCT_BUCKET = "koomap-real3d-products"
REFINE_BUCKET = "koomap-real3d-refine"
IMAGE_BUCKET = "koomap-sat-images"
SAT_PRODUCT_BUCKET = "koomap-sat-products"
OBLIQUE_BUCKET = "koomap-oblique"
UPLOAD_BUCKET = "koomap-refine-upload"
BUCKETS = frozenset(
    {PRODUCT_BUCKET, REFINE_BUCKET, IMAGE_BUCKET, SAT_PRODUCT_BUCKET, OBLIQUE_BUCKET, UPLOAD_BUCKET}
)

_etags: OrderedDict[tuple[str, int], str] = OrderedDict()
_etag_lock = threading.Lock()


def object_size(sim: Simulator, key: str) -> int:
    lo, hi = sim.config.obs_min_size, sim.config.obs_max_size
    h = int(hashlib.sha256(key.encode()).hexdigest()[:12], 16)
    return lo + h % (max(hi - lo, 0) + 1)


def chunk_bytes(key: str, index: int) -> bytes:
    return random.Random(f"{key}:{index}").randbytes(CHUNK)


def read_range(key: str, start: int, end: int) -> bytes:
    """Bytes [start, end] (inclusive) of the object named `key`."""
    out = bytearray()
    pos = start
    while pos <= end:
        index, inner = divmod(pos, CHUNK)
        piece = chunk_bytes(key, index)[inner : inner + (end - pos + 1)]
        out += piece
        pos += len(piece)
    return bytes(out)


def etag(key: str, size: int) -> str:
    with _etag_lock:
        cached = _etags.get((key, size))
    if cached:
        return cached
    md5 = hashlib.md5()
    for index in range((size + CHUNK - 1) // CHUNK):
        md5.update(chunk_bytes(key, index)[: min(CHUNK, size - index * CHUNK)])
    value = f'"{md5.hexdigest()}"'
    with _etag_lock:
        _etags[(key, size)] = value
        while len(_etags) > 512:
            _etags.popitem(last=False)
    return value


def exists(sim: Simulator, bucket: str, key: str) -> bool:
    """Only objects the scenario references exist (first key segment is the owner's id)."""
    owner, _, rest = key.partition("/")
    if not rest:
        return False
    with sim.lock:
        sim.now()
        for store in sim.stores.values():
            if bucket == PRODUCT_BUCKET:
                product = store.products.get(owner)
                if product and any(rest in d["files"] for d in product.details):
                    return True
            elif bucket == REFINE_BUCKET:
                product = store.refine_products.get(owner)
                if product and any(rest in d["files"] for d in product.details):
                    return True
            elif bucket == IMAGE_BUCKET:
                if owner in store.images:
                    return True
            elif bucket == SAT_PRODUCT_BUCKET:
                task = store.sat_tasks.get(owner)
                if task is not None and task.image_url and task.image_url.endswith(key):
                    return True
            elif bucket == OBLIQUE_BUCKET and any(f.name == owner for f in store.folders.values()):
                return True
    return False


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """First range of a `bytes=` header as (start, end); None when unsatisfiable/malformed."""
    if not header.startswith("bytes="):
        return None
    spec = header[6:].split(",")[0].strip()
    first, sep, last = spec.partition("-")
    if not sep:
        return None
    try:
        if first == "":
            length = int(last)
            if length <= 0:
                return None
            return max(size - length, 0), size - 1
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)
