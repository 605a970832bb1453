"""Background downloads of products and images from OBS, resumable and verified.

KooMap has no download operation (SPEC §6.6): product files and images live in OBS and are
fetched over plain HTTP(S). A download is one *job* per resource (a product's files, or one
image); jobs run as asyncio tasks, at most `concurrency` at a time, under one shared byte-rate
cap. Each file is written to `<dest>.part` with a sidecar `<dest>.part.json` holding the URL,
ETag and size seen when it started, so a cancelled or interrupted file resumes with an HTTP
Range request, but only while the server still has the same object (same ETag). The file gets
its final name only after its size (and, for single-part objects, the MD5 the ETag carries) has
been checked. An existing final file is never replaced unless the caller says so.

A download writes only locally, so read-only mode allows it, but the state policy still decides
(`policy.check(kind, state, Op.DOWNLOAD)`): nothing is fetched while an item is importing,
exporting, processing, preparing or being deleted. Rules and the OBS mapping: docs/downloads.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import os
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from koomap_tui.api.models import ImageInfo, Real3DProduct, Real3DRefineProduct
from koomap_tui.domain.policy import Kind, Op, check
from koomap_tui.domain.states import state_key

__all__ = [
    "DEFAULT_BUCKETS",
    "DestinationExists",
    "DownloadError",
    "DownloadManager",
    "DownloadRefused",
    "DownloadRequest",
    "DownloadState",
    "ObsLocator",
    "ObsSigner",
    "Progress",
    "RemoteFile",
    "build_downloads",
    "image_request",
    "product_request",
]

# Bucket of each kind. These are the simulator's names; a real deployment configures its own
# (docs/downloads.md). Kept here, not imported from koomap_tui.sim, which no layer may import.
DEFAULT_BUCKETS: Mapping[Kind, str] = MappingProxyType(
    {
        Kind.PRODUCT: "koomap-real3d-products",
        Kind.REFINE_PRODUCT: "koomap-real3d-refine",
        Kind.SATELLITE_IMAGE: "koomap-sat-images",
        Kind.FOLDER: "koomap-oblique",
    }
)

#: (method, url, headers) -> headers to add (e.g. Authorization and Date for OBS V2 signing).
ObsSigner = Callable[[str, str, Mapping[str, str]], Mapping[str, str]]

_PLAIN_MD5_ETAG = re.compile(r'^(?:W/)?"?([0-9a-fA-F]{32})"?$')
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"\\|?*]')
PROGRESS_INTERVAL = 0.1
RATE_WINDOW = 3.0


class DownloadError(Exception):
    """A download could not be started or did not complete; the text is for the operator."""


class DownloadRefused(DownloadError):
    """The state policy (or a safety rule) does not allow this download."""


class DestinationExists(DownloadError):
    """Some destination files exist; start again with `overwrite=True` after asking."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self.paths = tuple(paths)
        names = ", ".join(str(p) for p in self.paths[:3])
        more = f" and {len(self.paths) - 3} more" if len(self.paths) > 3 else ""
        super().__init__(f"already exists: {names}{more}")


class DownloadState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (DownloadState.DONE, DownloadState.FAILED, DownloadState.CANCELLED)


@dataclass(frozen=True)
class RemoteFile:
    """One OBS object and where it goes, relative to the job's destination directory."""

    url: str
    relpath: str


@dataclass(frozen=True)
class DownloadRequest:
    """What to download for one resource, and the state the operator saw it in."""

    kind: Kind
    item_id: str
    state: str
    label: str
    files: tuple[RemoteFile, ...]
    dest_dir: Path

    def destinations(self) -> list[Path]:
        return [self.dest_dir.joinpath(*PurePosixPath(f.relpath).parts) for f in self.files]


@dataclass(frozen=True)
class Progress:
    """A snapshot of one job, as listeners see it."""

    id: str
    kind: Kind
    item_id: str
    label: str
    state: DownloadState
    done: int = 0
    total: int | None = None
    rate: float = 0.0
    files_done: int = 0
    files_total: int = 0
    current: str = ""
    error: str | None = None
    resumed_bytes: int = 0
    restarts: int = 0
    paths: tuple[Path, ...] = ()

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return 1.0 if self.state is DownloadState.DONE else None
        return min(1.0, self.done / self.total)

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate; None when unknown or not running."""
        if self.state is not DownloadState.RUNNING or self.total is None or self.rate <= 0:
            return None
        return max(0.0, (self.total - self.done) / self.rate)


Listener = Callable[[Progress], object]


# -- OBS mapping --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObsLocator:
    """Turns (kind, owner id, file) into a path-style OBS URL `{base}/{bucket}/{owner}/{file}`."""

    base_url: str
    buckets: Mapping[Kind, str] = field(default_factory=lambda: DEFAULT_BUCKETS)

    def url(self, kind: Kind, owner: str, relpath: str) -> str:
        bucket = self.buckets.get(Kind(kind))
        if bucket is None:
            raise DownloadRefused(f"no OBS bucket is configured for {kind}")
        key = f"{quote(owner, safe='')}/{quote(relpath, safe='/')}"
        return f"{self.base_url.rstrip('/')}/{quote(bucket, safe='')}/{key}"


def _safe_relpath(relpath: str) -> str:
    """A server-supplied file name as a relative path that cannot leave the destination."""
    parts = PurePosixPath(relpath.replace("\\", "/")).parts
    if not parts or relpath.startswith("/") or any(p in ("..", ".") for p in parts):
        raise DownloadRefused(f"unsafe file name from the server: {relpath!r}")
    if any(_UNSAFE_NAME.search(p) for p in parts):
        raise DownloadRefused(f"unsafe file name from the server: {relpath!r}")
    return "/".join(parts)


def _dir_name(name: str | None, item_id: str) -> str:
    cleaned = _UNSAFE_NAME.sub("_", (name or "").replace("/", "_")).strip(" .")
    short = item_id[:8]
    return f"{cleaned}_{short}" if cleaned else item_id


def product_request(
    product: Real3DProduct | Real3DRefineProduct, locator: ObsLocator, download_dir: Path
) -> DownloadRequest:
    """Every file of a product (or refined product) into `<dir>/<products|refined>/<name>_<id>`."""
    kind = Kind.PRODUCT if isinstance(product, Real3DProduct) else Kind.REFINE_PRODUCT
    seen: set[str] = set()
    files: list[RemoteFile] = []
    for detail in product.product_detail:
        for name in detail.files:
            rel = _safe_relpath(name)
            if rel not in seen:
                seen.add(rel)
                files.append(RemoteFile(locator.url(kind, product.id, rel), rel))
    if not files:
        raise DownloadRefused("the product lists no files")
    sub = "products" if kind is Kind.PRODUCT else "refined"
    return DownloadRequest(
        kind=kind,
        item_id=product.id,
        state=state_key(product.status),
        label=product.name or product.id,
        files=tuple(files),
        dest_dir=download_dir / sub / _dir_name(product.name, product.id),
    )


def image_request(image: ImageInfo, locator: ObsLocator, download_dir: Path) -> DownloadRequest:
    """One satellite image file: `{image_id}/{image_name}.tif` -> `<dir>/images/<name>.tif`."""
    cleaned = _UNSAFE_NAME.sub("_", (image.image_name or "").replace("/", "_")).strip(" .")
    rel = f"{cleaned or image.image_id}.tif"
    return DownloadRequest(
        kind=Kind.SATELLITE_IMAGE,
        item_id=image.image_id,
        state=state_key(image.image_status),
        label=image.image_name or image.image_id,
        files=(RemoteFile(locator.url(Kind.SATELLITE_IMAGE, image.image_id, rel), rel),),
        dest_dir=download_dir / "images",
    )


# -- plumbing -------------------------------------------------------------------------------------


class ByteRateLimiter:
    """Caps the bytes per second of all transfers together (virtual-time scheduling).

    Each chunk books `n / rate` seconds after the previous booking; a caller sleeps until its
    booking. `burst` seconds of idle time may be caught up, no more.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._booked = clock()

    async def acquire(self, n: int) -> None:
        now = self._clock()
        self._booked = max(self._booked, now - self.burst) + n / self.rate
        delay = self._booked - now
        if delay > 0:
            await self._sleep(delay)


class _SignerAuth(httpx.Auth):
    def __init__(self, signer: ObsSigner) -> None:
        self._signer = signer

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        extra = self._signer(request.method, str(request.url), dict(request.headers))
        request.headers.update(dict(extra))
        yield request


def _redact_url(url: str) -> str:
    """A URL without its query (a presigned URL carries its signature there)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _http_error(response: httpx.Response, relpath: str) -> DownloadError:
    status = response.status_code
    what = {
        403: "access denied by OBS (check the OBS signer / credentials)",
        404: "not found in OBS",
        416: "range not satisfiable",
    }.get(status, f"OBS answered HTTP {status}")
    code = re.search(rb"<Code>([^<]{1,64})</Code>", response.content or b"")
    detail = f" [{code.group(1).decode('ascii', 'replace')}]" if code else ""
    return DownloadError(f"{relpath}: {what}{detail}")


def _transport_error(exc: httpx.HTTPError, relpath: str) -> DownloadError:
    text = str(exc) or type(exc).__name__
    url = (
        getattr(getattr(exc, "request", None), "url", None)
        if isinstance(exc, httpx.RequestError)
        else None
    )
    if url is not None:
        text = text.replace(str(url), _redact_url(str(url)))
    return DownloadError(f"{relpath}: connection to OBS failed ({type(exc).__name__}: {text})")


def _read_meta(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_meta(path: Path, url: str, etag: str | None, size: int | None) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"url": _redact_url(url), "etag": etag, "size": size}), "utf-8")
    os.replace(tmp, path)


def _remove(*paths: Path) -> None:
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _md5_of(path: Path, chunk: int = 1 << 20) -> Any:
    md5 = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            md5.update(block)
    return md5


# -- the manager ----------------------------------------------------------------------------------


@dataclass
class _Job:
    request: DownloadRequest
    overwrite: bool
    progress: Progress
    task: asyncio.Task[None] | None = None
    samples: deque[tuple[float, int]] = field(default_factory=deque)
    last_emit: float = 0.0
    done_event: asyncio.Event = field(default_factory=asyncio.Event)


class DownloadManager:
    """Runs download jobs in the background; listeners receive `Progress` snapshots.

    `start` is synchronous (it validates and queues; it needs a running loop) so that a UI can
    call it from a key handler and learn at once about a refusal or an existing file.
    """

    def __init__(
        self,
        *,
        concurrency: int = 2,
        max_rate: float | None = None,
        rate_limiter: ByteRateLimiter | None = None,
        signer: ObsSigner | None = None,
        read_only: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        chunk_size: int = 64 * 1024,
        verify: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self.read_only = read_only
        self.chunk_size = chunk_size
        # `rate_limiter` replaces the one `max_rate` builds (tests give it a virtual clock).
        self._limiter = rate_limiter or (
            ByteRateLimiter(max_rate, clock=clock) if max_rate else None
        )
        self._auth = _SignerAuth(signer) if signer is not None else None
        self._transport = transport
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._verify = verify
        self._clock = clock
        self._sem: asyncio.Semaphore | None = None
        self._jobs: dict[str, _Job] = {}
        self._listeners: list[Listener] = []
        self._ids = itertools.count(1)

    # -- queries ----------------------------------------------------------------------------
    @property
    def max_rate(self) -> float | None:
        return self._limiter.rate if self._limiter else None

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def get(self, download_id: str) -> Progress | None:
        job = self._jobs.get(download_id)
        return job.progress if job else None

    def all(self) -> list[Progress]:
        return [job.progress for job in self._jobs.values()]

    def active_for(self, kind: Kind, item_id: str) -> str | None:
        """The id of an unfinished job for this resource, if any."""
        for job_id, job in self._jobs.items():
            p = job.progress
            if p.kind == kind and p.item_id == item_id and not p.state.finished:
                return job_id
        return None

    def existing(self, request: DownloadRequest) -> list[Path]:
        """Destination files that already exist (the UI asks before overwriting them)."""
        return [p for p in request.destinations() if p.exists()]

    def decide(self, request: DownloadRequest) -> str | None:
        """Why this download may not start, or None when it may."""
        decision = check(request.kind, request.state, Op.DOWNLOAD, read_only=self.read_only)
        if not decision.allowed:
            return decision.reason or "download not allowed"
        if not request.files:
            return "nothing to download"
        if self.active_for(request.kind, request.item_id) is not None:
            return f"{request.label} is already being downloaded"
        return None

    # -- control ----------------------------------------------------------------------------
    def start(self, request: DownloadRequest, *, overwrite: bool = False) -> str:
        """Queue a download; returns its id. Raises DownloadRefused / DestinationExists."""
        reason = self.decide(request)
        if reason is not None:
            raise DownloadRefused(reason)
        for f in request.files:
            _safe_relpath(f.relpath)
        if not overwrite:
            existing = self.existing(request)
            if existing:
                raise DestinationExists(existing)
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.concurrency)
        job_id = f"dl{next(self._ids)}"
        progress = Progress(
            id=job_id,
            kind=request.kind,
            item_id=request.item_id,
            label=request.label,
            state=DownloadState.QUEUED,
            files_total=len(request.files),
            paths=tuple(request.destinations()),
        )
        job = _Job(request, overwrite, progress)
        self._jobs[job_id] = job
        job.task = asyncio.get_running_loop().create_task(self._run(job), name=f"download:{job_id}")
        self._emit(job, force=True)
        return job_id

    def cancel(self, download_id: str) -> bool:
        """Stop a job; its partial files stay so that starting it again resumes them."""
        job = self._jobs.get(download_id)
        if job is None or job.progress.state.finished or job.task is None:
            return False
        job.task.cancel()
        return True

    def forget_finished(self) -> None:
        """Drop finished jobs from the list (the panel's "clear")."""
        for job_id in [k for k, j in self._jobs.items() if j.progress.state.finished]:
            del self._jobs[job_id]

    async def wait(self, download_id: str, timeout: float | None = None) -> Progress:
        job = self._jobs[download_id]
        await asyncio.wait_for(job.done_event.wait(), timeout)
        return job.progress

    async def aclose(self) -> None:
        """Cancel every unfinished job and wait for them to stop."""
        tasks = [j.task for j in self._jobs.values() if j.task and not j.task.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- internals --------------------------------------------------------------------------
    def _update(self, job: _Job, *, force: bool = False, **changes: Any) -> None:
        job.progress = replace(job.progress, **changes)
        self._emit(job, force=force)

    def _emit(self, job: _Job, *, force: bool = False) -> None:
        now = self._clock()
        if not force and now - job.last_emit < PROGRESS_INTERVAL:
            return
        job.last_emit = now
        snapshot = job.progress
        for listener in list(self._listeners):
            with contextlib.suppress(Exception):
                listener(snapshot)

    def _rate(self, job: _Job, done: int) -> float:
        now = self._clock()
        samples = job.samples
        samples.append((now, done))
        while len(samples) > 2 and now - samples[0][0] > RATE_WINDOW:
            samples.popleft()
        t0, d0 = samples[0]
        return (done - d0) / (now - t0) if now > t0 else job.progress.rate

    async def _run(self, job: _Job) -> None:
        assert self._sem is not None
        try:
            async with self._sem:
                self._update(job, force=True, state=DownloadState.RUNNING)
                async with httpx.AsyncClient(
                    transport=self._transport,
                    timeout=self._timeout,
                    auth=self._auth,
                    verify=self._verify,
                    follow_redirects=True,
                ) as client:
                    await self._download(job, client)
            self._update(job, force=True, state=DownloadState.DONE, rate=0.0, current="")
        except asyncio.CancelledError:
            self._update(job, force=True, state=DownloadState.CANCELLED, rate=0.0)
        except DownloadError as exc:
            self._update(job, force=True, state=DownloadState.FAILED, error=str(exc), rate=0.0)
        except httpx.HTTPError as exc:
            error = str(_transport_error(exc, job.progress.current or job.request.label))
            self._update(job, force=True, state=DownloadState.FAILED, error=error, rate=0.0)
        except OSError as exc:
            error = f"cannot write {exc.filename or 'the file'}: {exc.strerror or exc}"
            self._update(job, force=True, state=DownloadState.FAILED, error=error, rate=0.0)
        except Exception as exc:  # never a traceback on the operator's screen
            error = f"download failed: {type(exc).__name__}: {exc}"
            self._update(job, force=True, state=DownloadState.FAILED, error=error, rate=0.0)
        finally:
            job.done_event.set()

    async def _probe(self, client: httpx.AsyncClient, files: Iterable[RemoteFile]) -> int | None:
        """Total size from HEAD requests, for a meaningful bar and ETA; None if unknown."""
        total = 0
        for f in files:
            try:
                response = await client.head(f.url)
            except httpx.HTTPError as exc:
                raise _transport_error(exc, f.relpath) from None
            if response.status_code >= 400:
                raise _http_error(response, f.relpath)
            length = response.headers.get("content-length")
            if length is None or not length.isdigit():
                return None
            total += int(length)
        return total

    async def _download(self, job: _Job, client: httpx.AsyncClient) -> None:
        request = job.request
        total = await self._probe(client, request.files)
        self._update(job, force=True, total=total)
        completed = 0
        for f, dest in zip(request.files, request.destinations(), strict=True):
            self._update(job, force=True, current=f.relpath)
            size = await self._fetch_file(job, client, f, dest, completed)
            completed += size
            self._update(job, force=True, done=completed, files_done=job.progress.files_done + 1)

    async def _fetch_file(
        self, job: _Job, client: httpx.AsyncClient, f: RemoteFile, dest: Path, base: int
    ) -> int:
        """Download one file to `dest` (resuming its .part); returns its size."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        meta_path = dest.with_name(dest.name + ".part.json")
        for _attempt in range(3):
            offset = 0
            stored_etag: str | None = None
            meta = _read_meta(meta_path) if part.exists() else None
            if meta is not None and meta.get("url") == _redact_url(f.url):
                offset = part.stat().st_size
                stored_etag = meta.get("etag")
            else:
                _remove(part, meta_path)
            headers: dict[str, str] = {}
            if offset > 0 and stored_etag:
                headers["Range"] = f"bytes={offset}-"
                headers["If-Range"] = stored_etag
            else:
                offset = 0
            try:
                async with client.stream("GET", f.url, headers=headers) as response:
                    result = await self._receive(
                        job, response, f, part, meta_path, offset, stored_etag, base
                    )
            except httpx.HTTPError as exc:
                raise _transport_error(exc, f.relpath) from None
            if result is None:  # the object changed under the partial file: start over
                _remove(part, meta_path)
                self._update(job, force=True, restarts=job.progress.restarts + 1)
                continue
            size, etag, md5 = result
            self._verify_file(f, part, meta_path, size, etag, md5)
            if dest.exists() and not job.overwrite:
                raise DownloadError(f"{dest} appeared meanwhile; not overwriting it")
            os.replace(part, dest)
            _remove(meta_path)
            return size
        raise DownloadError(f"{f.relpath}: the object keeps changing on the server; try later")

    async def _receive(
        self,
        job: _Job,
        response: httpx.Response,
        f: RemoteFile,
        part: Path,
        meta_path: Path,
        offset: int,
        stored_etag: str | None,
        base: int,
    ) -> tuple[int, str | None, Any] | None:
        """Write the body; None means "the object changed, restart from zero"."""
        status = response.status_code
        etag = response.headers.get("etag")
        if status == 416 and offset > 0:
            await response.aread()
            # Nothing left to fetch: the partial file may already hold the whole object.
            whole = response.headers.get("content-range", "") == f"bytes */{offset}"
            if whole and stored_etag and etag in (None, stored_etag):
                self._update(job, force=True, resumed_bytes=job.progress.resumed_bytes + offset)
                return offset, stored_etag, await asyncio.to_thread(_md5_of, part)
            return None
        if status >= 400:
            await response.aread()
            raise _http_error(response, f.relpath)
        if status == 206:
            match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
            if match is None or int(match.group(1)) != offset:
                return None
            if etag != stored_etag:
                return None
            size = int(match.group(3)) if match.group(3) != "*" else None
        elif status == 200:
            if offset > 0 and etag != stored_etag:
                self._update(job, force=True, restarts=job.progress.restarts + 1)
            offset = 0
            length = response.headers.get("content-length")
            size = int(length) if length and length.isdigit() else None
        else:
            raise DownloadError(f"{f.relpath}: unexpected HTTP {status} from OBS")
        _write_meta(meta_path, f.url, etag, size)
        md5 = (
            await asyncio.to_thread(_md5_of, part) if offset else hashlib.md5(usedforsecurity=False)
        )
        if offset:
            self._update(job, force=True, resumed_bytes=job.progress.resumed_bytes + offset)
        written = offset
        with part.open("ab" if offset else "wb") as fh:
            async for chunk in response.aiter_bytes(self.chunk_size):
                if self._limiter is not None:
                    await self._limiter.acquire(len(chunk))
                fh.write(chunk)
                md5.update(chunk)
                written += len(chunk)
                done = base + written
                self._update(job, done=done, rate=self._rate(job, done))
        return (size if size is not None else written), etag, md5

    @staticmethod
    def _verify_file(
        f: RemoteFile, part: Path, meta_path: Path, size: int, etag: str | None, md5: Any
    ) -> None:
        actual = part.stat().st_size
        if actual != size:
            if actual > size:
                _remove(part, meta_path)
            raise DownloadError(
                f"{f.relpath}: incomplete ({actual} of {size} bytes); start it again to resume"
            )
        plain = _PLAIN_MD5_ETAG.match(etag or "")
        if plain and plain.group(1).lower() != md5.hexdigest():
            _remove(part, meta_path)
            raise DownloadError(f"{f.relpath}: content does not match the server's ETag (MD5)")


def build_downloads(
    *,
    read_only: bool,
    tls_off: bool = False,
    concurrency: int = 2,
    max_rate: float | None = None,
    signer: ObsSigner | None = None,
) -> DownloadManager:
    """The session's download manager: verifies TLS unless the session does not, and refuses
    what the session's policy refuses (docs/downloads.md)."""
    return DownloadManager(
        concurrency=concurrency,
        max_rate=max_rate,
        signer=signer,
        read_only=read_only,
        verify=not tls_off,
    )
