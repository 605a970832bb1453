"""OBS objects: existence, deterministic bytes, HEAD, Range/206/416, ETag."""

from __future__ import annotations

import hashlib

import httpx

from koomap_tui.sim.server import SimServer
from tests.sim.conftest import HTTP


def product_file_url(api: httpx.Client) -> str:
    product = next(
        p
        for p in api.get("/v1/real3d/products", params={"limit": 100}).json()["products"]
        if p["status"] == "available"
    )
    return f"/koomap-real3d-products/{product['id']}/{product['product_detail'][0]['files'][0]}"


def test_get_head_and_determinism(api: httpx.Client, sim: SimServer) -> None:
    url = product_file_url(api)
    head = HTTP.head(sim.base_url + url)
    assert head.status_code == 200
    size = int(head.headers["content-length"])
    assert 64 * 1024 <= size <= 2 * 1024 * 1024
    assert head.headers["accept-ranges"] == "bytes" and head.content == b""
    full = HTTP.get(sim.base_url + url)
    assert full.status_code == 200 and len(full.content) == size
    assert full.headers["etag"] == f'"{hashlib.md5(full.content).hexdigest()}"'
    assert HTTP.get(sim.base_url + url).content == full.content
    other = HTTP.get(
        sim.base_url
        + url.replace("Tile_+000_+000.osgb", "Tile_+000_+001.osgb").replace(
            "Tile_+000_+000/", "Tile_+000_+001/"
        )
    )
    assert other.status_code == 200 and other.content != full.content


def test_ranges(api: httpx.Client, sim: SimServer) -> None:
    url = sim.base_url + product_file_url(api)
    full = HTTP.get(url).content
    size = len(full)
    part = HTTP.get(url, headers={"Range": "bytes=100-65700"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-65700/{size}"
    assert part.content == full[100:65701]
    tail = HTTP.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == full[-10:]
    open_end = HTTP.get(url, headers={"Range": f"bytes={size - 5}-"})
    assert open_end.content == full[-5:]
    bad = HTTP.get(url, headers={"Range": f"bytes={size}-"})
    assert bad.status_code == 416 and bad.headers["content-range"] == f"bytes */{size}"


def test_unknown_objects_and_other_buckets(api: httpx.Client, sim: SimServer) -> None:
    assert HTTP.get(sim.base_url + "/koomap-real3d-products/nope/file.osgb").status_code == 404
    image = api.post("/v1/kmp-data/imageinfo", data={"offset": "0", "limit": "1"}).json()[
        "data_info"
    ][0]
    url = f"{sim.base_url}/koomap-sat-images/{image['image_id']}/{image['image_name']}.tif"
    assert HTTP.head(url).status_code == 200
    refine = api.get("/v1/real3d/refineproducts").json()["refine_products"][0]
    files = refine["product_details"][0]["files"]
    assert (
        HTTP.head(f"{sim.base_url}/koomap-real3d-refine/{refine['id']}/{files[0]}").status_code
        == 200
    )
    upload = HTTP.put(f"{sim.base_url}/koomap-refine-upload/abc/model.zip", content=b"model")
    assert (
        upload.status_code == 200
        and upload.headers["etag"] == f'"{hashlib.md5(b"model").hexdigest()}"'
    )


def test_object_sizes_are_configurable() -> None:
    with (
        SimServer(obs_min_size=1000, obs_max_size=1000) as sim,
        httpx.Client(base_url=sim.base_url) as c,
    ):
        products = c.get("/v1/real3d/products", headers={"X-Auth-Token": sim.demo_token}).json()[
            "products"
        ]
        p = next(p for p in products if p["status"] == "available")
        response = c.get(f"/koomap-real3d-products/{p['id']}/{p['product_detail'][0]['files'][0]}")
        assert len(response.content) == 1000
