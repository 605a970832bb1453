"""DownloadManager against the simulator's OBS over loopback: bytes, resume, ETag, overwrite."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from pydantic import SecretStr

from koomap_tui.api.auth import AkSkAuth
from koomap_tui.api.client import KooMapClient
from koomap_tui.api.models import ImageInfo, Real3DProduct
from koomap_tui.domain.policy import Kind
from koomap_tui.services.downloads import (
    ByteRateLimiter,
    DestinationExists,
    DownloadManager,
    DownloadRefused,
    DownloadRequest,
    DownloadState,
    ObsLocator,
    Progress,
    RemoteFile,
    image_request,
    product_request,
)
from koomap_tui.sim import obs
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK

pytestmark = pytest.mark.timeout(30)

SMALL = 96 * 1024
LARGE = 640 * 1024


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(seed=7, scenario="demo", speed=0.0, obs_min_size=SMALL, obs_max_size=LARGE) as s:
        yield s


@pytest.fixture
async def client(sim: SimServer) -> AsyncIterator[KooMapClient]:
    auth = AkSkAuth(DEMO_AK, SecretStr(DEMO_SK), project_id=DEMO_PROJECT_ID)
    async with KooMapClient(sim.base_url, auth, qps=20.0, max_retries=0) as c:
        yield c


async def _products(client: KooMapClient) -> list[Real3DProduct]:
    page = await client.list_real3d_products(limit=100)
    return page.products


async def _available(client: KooMapClient) -> Real3DProduct:
    return next(p for p in await _products(client) if str(p.status) == "available")


def expected_bytes(sim: SimServer, url: str) -> bytes:
    path = unquote(url[len(sim.base_url) :])
    size = obs.object_size(sim.core, path)
    return obs.read_range(path, 0, size - 1)


def single(sim: SimServer, product: Real3DProduct, tmp_path: Path) -> DownloadRequest:
    """A one-file request (metadata.xml) of an available product."""
    req = product_request(product, ObsLocator(sim.base_url), tmp_path)
    f = next(x for x in req.files if x.relpath == "metadata.xml")
    return DownloadRequest(req.kind, req.item_id, req.state, req.label, (f,), req.dest_dir)


async def test_product_download_writes_every_file_byte_exact(
    sim: SimServer, client: KooMapClient, tmp_path: Path
) -> None:
    product = await _available(client)
    request = product_request(product, ObsLocator(sim.base_url), tmp_path)
    manager = DownloadManager()
    seen: list[Progress] = []
    manager.subscribe(seen.append)
    result = await manager.wait(manager.start(request), timeout=20)
    assert result.state is DownloadState.DONE, result.error
    assert result.files_done == len(request.files) >= 3
    total = 0
    for f, dest in zip(request.files, request.destinations(), strict=True):
        data = expected_bytes(sim, f.url)
        assert dest.read_bytes() == data
        assert not dest.with_name(dest.name + ".part").exists()
        assert not dest.with_name(dest.name + ".part.json").exists()
        total += len(data)
    assert result.total == result.done == total
    assert seen[0].state is DownloadState.QUEUED and seen[-1].state is DownloadState.DONE
    assert any(p.state is DownloadState.RUNNING and 0 < p.done < total for p in seen)


async def test_image_download_for_a_ready_image(
    sim: SimServer, client: KooMapClient, tmp_path: Path
) -> None:
    page = await client.list_image_base_info(limit=100)
    image = next(i for i in page.data_info if str(i.image_status) == "0")
    request = image_request(image, ObsLocator(sim.base_url), tmp_path)
    manager = DownloadManager()
    result = await manager.wait(manager.start(request), timeout=20)
    assert result.state is DownloadState.DONE, result.error
    assert request.destinations()[0].read_bytes() == expected_bytes(sim, request.files[0].url)


async def test_resume_from_a_partial_file_requests_only_the_rest(
    sim: SimServer, client: KooMapClient, tmp_path: Path
) -> None:
    request = single(sim, await _available(client), tmp_path)
    f, dest = request.files[0], request.destinations()[0]
    data = expected_bytes(sim, f.url)
    head = len(data) // 3
    path = unquote(f.url[len(sim.base_url) :])
    dest.parent.mkdir(parents=True)
    dest.with_name(dest.name + ".part").write_bytes(data[:head])
    etag = obs.etag(path, len(data))
    meta = {"url": f.url, "etag": etag, "size": len(data)}
    dest.with_name(dest.name + ".part.json").write_text(json.dumps(meta))

    manager = DownloadManager()
    result = await manager.wait(manager.start(request), timeout=20)
    assert result.state is DownloadState.DONE, result.error
    assert result.resumed_bytes == head
    assert result.restarts == 0
    assert dest.read_bytes() == data


async def test_changed_etag_restarts_from_zero(
    sim: SimServer, client: KooMapClient, tmp_path: Path
) -> None:
    request = single(sim, await _available(client), tmp_path)
    f, dest = request.files[0], request.destinations()[0]
    data = expected_bytes(sim, f.url)
    dest.parent.mkdir(parents=True)
    # A partial file of an older version of the object: other bytes and another ETag.
    dest.with_name(dest.name + ".part").write_bytes(b"\x00" * (len(data) // 2))
    meta = {"url": f.url, "etag": '"0123456789abcdef0123456789abcdef"', "size": len(data)}
    dest.with_name(dest.name + ".part.json").write_text(json.dumps(meta))

    manager = DownloadManager()
    result = await manager.wait(manager.start(request), timeout=20)
    assert result.state is DownloadState.DONE, result.error
    assert result.restarts == 1
    assert result.resumed_bytes == 0
    assert dest.read_bytes() == data


async def test_cancel_mid_way_keeps_the_part_and_a_new_start_resumes(
    sim: SimServer, client: KooMapClient, tmp_path: Path
) -> None:
    product = await _available(client)
    request = product_request(product, ObsLocator(sim.base_url), tmp_path)
    big = max(request.files, key=lambda f: len(expected_bytes(sim, f.url)))
    request = DownloadRequest(
        request.kind, request.item_id, request.state, request.label, (big,), request.dest_dir
    )
    dest = request.destinations()[0]
    data = expected_bytes(sim, big.url)
    slow = DownloadManager(max_rate=400 * 1024, chunk_size=16 * 1024)
    job = slow.start(request)
    deadline = time.monotonic() + 10
    while (slow.get(job) or Progress("", Kind.PRODUCT, "", "", DownloadState.QUEUED)).done < 40_000:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    assert slow.cancel(job)
    cancelled = await slow.wait(job, timeout=5)
    assert cancelled.state is DownloadState.CANCELLED
    part = dest.with_name(dest.name + ".part")
    kept = part.stat().st_size
    assert 0 < kept < len(data)
    assert not dest.exists()

    fast = DownloadManager()
    resumed = await fast.wait(fast.start(request), timeout=20)
    assert resumed.state is DownloadState.DONE, resumed.error
    assert resumed.resumed_bytes == kept
    assert dest.read_bytes() == data


async def test_existing_file_is_not_overwritten_without_consent(
    sim: SimServer, client: KooMapClient, tmp_path: Path
) -> None:
    request = single(sim, await _available(client), tmp_path)
    dest = request.destinations()[0]
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"mine")
    manager = DownloadManager()
    with pytest.raises(DestinationExists) as info:
        manager.start(request)
    assert info.value.paths == (dest,)
    assert dest.read_bytes() == b"mine"
    assert manager.all() == []

    result = await manager.wait(manager.start(request, overwrite=True), timeout=20)
    assert result.state is DownloadState.DONE
    assert dest.read_bytes() == expected_bytes(sim, request.files[0].url)


async def test_policy_refuses_products_and_images_that_are_not_ready(
    sim: SimServer, client: KooMapClient, tmp_path: Path
) -> None:
    locator = ObsLocator(sim.base_url)
    manager = DownloadManager(read_only=True)
    preparing = next(p for p in await _products(client) if str(p.status) == "preparing")
    with pytest.raises(DownloadRefused, match="wait until it is available"):
        manager.start(product_request(preparing, locator, tmp_path))
    page = await client.list_image_base_info(limit=100)
    importing = next(i for i in page.data_info if str(i.image_status) == "1")
    with pytest.raises(DownloadRefused, match="迁入中"):
        manager.start(image_request(importing, locator, tmp_path))
    # Read-only mode still allows a download of an available product (a local write).
    ok = await manager.wait(manager.start(single(sim, await _available(client), tmp_path)), 20)
    assert ok.state is DownloadState.DONE


async def test_missing_object_fails_with_a_readable_error(sim: SimServer, tmp_path: Path) -> None:
    request = DownloadRequest(
        Kind.PRODUCT, "p1", "available", "ghost",
        (RemoteFile(f"{sim.base_url}/koomap-real3d-products/nope/metadata.xml", "metadata.xml"),),
        tmp_path,
    )  # fmt: skip
    manager = DownloadManager()
    result = await manager.wait(manager.start(request), timeout=10)
    assert result.state is DownloadState.FAILED
    assert result.error is not None
    assert result.error.startswith("metadata.xml: not found in OBS")
    assert "Traceback" not in result.error


async def test_connection_refused_is_readable(tmp_path: Path) -> None:
    request = DownloadRequest(
        Kind.PRODUCT, "p1", "available", "x",
        (RemoteFile("http://127.0.0.1:9/b/k/f.bin?X-Obs-Signature=secret", "f.bin"),), tmp_path,
    )  # fmt: skip
    manager = DownloadManager()
    result = await manager.wait(manager.start(request), timeout=10)
    assert result.state is DownloadState.FAILED
    assert result.error is not None and "connection to OBS failed" in result.error
    assert "secret" not in result.error


def test_unsafe_server_file_names_are_refused(tmp_path: Path) -> None:
    product = Real3DProduct.model_validate(
        {
            "id": "p" * 32,
            "name": "evil",
            "status": "available",
            "product_detail": [{"type": "mesh_obj", "files": ["../../.bashrc"]}],
        }
    )
    with pytest.raises(DownloadRefused, match="unsafe file name"):
        product_request(product, ObsLocator("http://127.0.0.1:1"), tmp_path)


async def test_concurrency_is_bounded(sim: SimServer, client: KooMapClient, tmp_path: Path) -> None:
    products = [p for p in await _products(client) if str(p.status) == "available"]
    assert len(products) >= 3
    manager = DownloadManager(concurrency=2, max_rate=2 * 1024 * 1024)
    running: list[int] = []

    def listener(_: Progress) -> None:
        running.append(sum(1 for p in manager.all() if p.state is DownloadState.RUNNING))

    manager.subscribe(listener)
    ids = [manager.start(single(sim, p, tmp_path / str(i))) for i, p in enumerate(products[:3])]
    results = [await manager.wait(i, timeout=20) for i in ids]
    assert all(r.state is DownloadState.DONE for r in results)
    assert max(running) == 2


async def test_byte_rate_limiter_caps_throughput() -> None:
    now = [0.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = ByteRateLimiter(1000.0, burst=0.0, clock=lambda: now[0], sleep=fake_sleep)
    for _ in range(10):
        await limiter.acquire(500)
    # 5000 bytes at 1000 B/s take 5 s of (virtual) time, never less.
    assert now[0] == pytest.approx(5.0)


async def test_download_respects_the_rate_cap(
    sim: SimServer, client: KooMapClient, tmp_path: Path
) -> None:
    """Every byte passes the limiter: on its virtual clock the transfer takes size / rate."""
    request = single(sim, await _available(client), tmp_path)
    size = len(expected_bytes(sim, request.files[0].url))
    now = [0.0]

    async def virtual_sleep(seconds: float) -> None:
        now[0] += seconds

    rate = size / 0.5  # half a second's worth at the cap
    limiter = ByteRateLimiter(rate, burst=0.0, clock=lambda: now[0], sleep=virtual_sleep)
    manager = DownloadManager(rate_limiter=limiter, chunk_size=8 * 1024)
    result = await manager.wait(manager.start(request), timeout=20)
    assert result.state is DownloadState.DONE
    assert now[0] == pytest.approx(0.5)


def test_image_request_maps_to_the_image_bucket(tmp_path: Path) -> None:
    image = ImageInfo.model_validate(
        {"image_id": "c0ffee", "image_name": "GF2_scene07_PAN", "image_status": "0"}
    )
    request = image_request(image, ObsLocator("http://127.0.0.1:8000/"), tmp_path)
    assert request.files[0].url == (
        "http://127.0.0.1:8000/koomap-sat-images/c0ffee/GF2_scene07_PAN.tif"
    )
    assert request.destinations() == [tmp_path / "images" / "GF2_scene07_PAN.tif"]


async def test_a_complete_part_file_is_verified_and_renamed_without_refetching(
    sim: SimServer, client: KooMapClient, tmp_path: Path
) -> None:
    request = single(sim, await _available(client), tmp_path)
    f, dest = request.files[0], request.destinations()[0]
    data = expected_bytes(sim, f.url)
    dest.parent.mkdir(parents=True)
    dest.with_name(dest.name + ".part").write_bytes(data)
    etag = obs.etag(unquote(f.url[len(sim.base_url) :]), len(data))
    meta = {"url": f.url, "etag": etag, "size": len(data)}
    dest.with_name(dest.name + ".part.json").write_text(json.dumps(meta))
    manager = DownloadManager()
    result = await manager.wait(manager.start(request), timeout=20)
    assert result.state is DownloadState.DONE, result.error
    assert result.resumed_bytes == len(data) and result.restarts == 0
    assert dest.read_bytes() == data


# -- behaviour against a scripted OBS (httpx.MockTransport, no network) -------------------------

BODY = bytes(range(256)) * 400  # 102,400 bytes
BODY_MD5 = '"' + hashlib.md5(BODY).hexdigest() + '"'


def scripted(
    *, etag: str = BODY_MD5, honour_range: bool = True, seen: list[httpx.Request] | None = None
) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        headers = {"etag": etag, "accept-ranges": "bytes"}
        if request.method == "HEAD":
            return httpx.Response(200, headers={**headers, "content-length": str(len(BODY))})
        rng = request.headers.get("range")
        if rng and honour_range:
            start = int(rng.removeprefix("bytes=").rstrip("-"))
            headers["content-range"] = f"bytes {start}-{len(BODY) - 1}/{len(BODY)}"
            return httpx.Response(206, headers=headers, content=BODY[start:])
        return httpx.Response(200, headers=headers, content=BODY)

    return httpx.MockTransport(handler)


def one_file(tmp_path: Path) -> DownloadRequest:
    f = RemoteFile("https://obs.example.com/bucket/p1/data.bin?X-Obs-Signature=s3cr3t", "data.bin")
    return DownloadRequest(Kind.PRODUCT, "p1", "available", "p1", (f,), tmp_path)


def write_part(tmp_path: Path, data: bytes, etag: str) -> Path:
    request = one_file(tmp_path)
    dest = request.destinations()[0]
    dest.with_name(dest.name + ".part").write_bytes(data)
    meta = {"url": request.files[0].url.split("?")[0], "etag": etag, "size": len(BODY)}
    dest.with_name(dest.name + ".part.json").write_text(json.dumps(meta))
    return dest


async def test_signer_signs_every_request_and_sees_the_range(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    signed: list[tuple[str, str | None]] = []

    def signer(method: str, url: str, headers: Mapping[str, str]) -> Mapping[str, str]:
        signed.append((method, headers.get("range")))
        return {"Authorization": "OBS AK:signature", "Date": "Wed, 25 Nov 2026 21:00:00 GMT"}

    write_part(tmp_path, BODY[:1000], BODY_MD5)
    manager = DownloadManager(signer=signer, transport=scripted(seen=seen))
    result = await manager.wait(manager.start(one_file(tmp_path)), timeout=10)
    assert result.state is DownloadState.DONE, result.error
    assert [r.method for r in seen] == ["HEAD", "GET"]
    assert all(r.headers["authorization"] == "OBS AK:signature" for r in seen)
    assert signed == [("HEAD", None), ("GET", "bytes=1000-")]
    assert seen[1].headers["if-range"] == BODY_MD5
    assert result.resumed_bytes == 1000
    assert (tmp_path / "data.bin").read_bytes() == BODY
    sidecars = list(tmp_path.glob("*.json"))
    assert sidecars == []


async def test_server_ignoring_range_restarts_from_zero(tmp_path: Path) -> None:
    write_part(tmp_path, BODY[:5000], BODY_MD5)
    manager = DownloadManager(transport=scripted(honour_range=False))
    result = await manager.wait(manager.start(one_file(tmp_path)), timeout=10)
    assert result.state is DownloadState.DONE, result.error
    assert (tmp_path / "data.bin").read_bytes() == BODY


async def test_md5_mismatch_fails_and_leaves_no_file(tmp_path: Path) -> None:
    wrong = '"' + "0" * 32 + '"'
    manager = DownloadManager(transport=scripted(etag=wrong))
    result = await manager.wait(manager.start(one_file(tmp_path)), timeout=10)
    assert result.state is DownloadState.FAILED
    assert result.error == "data.bin: content does not match the server's ETag (MD5)"
    assert list(tmp_path.iterdir()) == []


async def test_multipart_etag_is_checked_by_size_only(tmp_path: Path) -> None:
    manager = DownloadManager(transport=scripted(etag='"3858f62230ac3c915f300c664312c11f-2"'))
    result = await manager.wait(manager.start(one_file(tmp_path)), timeout=10)
    assert result.state is DownloadState.DONE, result.error
    assert (tmp_path / "data.bin").read_bytes() == BODY


def test_the_session_builds_one_download_manager_that_the_console_uses(
    sim: SimServer, tmp_path: Path
) -> None:
    """Built once with the session (never lazily by a screen): read-only and TLS come from it."""
    from koomap_tui.cli import build_context, build_parser
    from koomap_tui.session import build_downloads, demo_session

    args = build_parser().parse_args(["--demo", "--read-only", "--audit-file", str(tmp_path / "a")])
    session = demo_session(sim, args)
    assert session.downloads.read_only
    ctx = build_context(args, sim)
    assert isinstance(ctx.downloads, DownloadManager) and ctx.downloads.read_only
    assert build_downloads(read_only=False, tls_off=True)._verify is False
    assert build_downloads(read_only=False)._verify is True
