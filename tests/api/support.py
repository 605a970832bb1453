"""Shared helpers of the contract tests: clients for each auth scheme, ready-made inputs."""

from __future__ import annotations

import itertools
from typing import Any

from koomap_tui.api import models as m
from koomap_tui.api.auth import AkSkAuth, IamTokenAuth, StaticTokenAuth
from koomap_tui.api.client import KooMapClient
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import (
    DEMO_AK,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    DEMO_PROJECT_ID,
    DEMO_PROJECT_NAME,
    DEMO_SK,
    DEMO_USER,
)

# Deterministic outcomes: runs succeed unless a test switches a rate on for its own items.
NO_FAILURES: dict[str, float] = {
    "real3d_start_fail_rate": 0.0,
    "real3d_fail_rate": 0.0,
    "sub_start_fail_rate": 0.0,
    "sub_fail_rate": 0.0,
    "sat_fail_rate": 0.0,
    "sat_stop_fail_rate": 0.0,
}

# Upper bounds (virtual seconds) of the simulator's default timings, with a margin.
REAL3D_TO_RUNNING = 30 + 20 + 1
REAL3D_FULL_RUN = 30 + 20 + 1800 * 1.2 + 5
REAL3D_AT_RUN = 30 + 20 + 600 * 1.2 + 5
PRODUCT_PREPARE = 120 + 1
SUB_TO_RUNNING = 10 + 10 + 1
SUB_FULL_RUN = 10 + 10 + 300 * 1.2 + 5
SAT_TO_RUNNING = 30 + 1
SAT_FULL_RUN = 30 + 600 * 1.2 + 5
STOPPING = 15 + 1

_names = itertools.count(1)


def unique(prefix: str) -> str:
    """Names are unique per tenant/workspace; the session simulator is shared by all tests."""
    return f"{prefix}_{next(_names)}"


def make_client(sim: SimServer, auth: str = "token", **kw: Any) -> KooMapClient:
    """A client for the demo tenant.  ``verify=False`` only because the loopback simulator
    speaks plain HTTP and building a verifying TLS context costs ~40 ms per client."""
    scheme: Any
    if auth == "token":
        scheme = StaticTokenAuth(sim.demo_token)
    elif auth == "iam":
        scheme = IamTokenAuth(
            sim.base_url,
            DEMO_USER,
            DEMO_PASSWORD,
            DEMO_DOMAIN,
            project_name=DEMO_PROJECT_NAME,
            verify=False,
        )
    elif auth == "aksk":
        scheme = AkSkAuth(DEMO_AK, DEMO_SK, project_id=DEMO_PROJECT_ID)
    elif auth == "none":
        scheme = None
    else:
        raise ValueError(auth)
    # Half the simulator's 20 qps: each test has its own client and a burst may follow the
    # previous test's burst against the same tenant budget (docs/performance.md, limiter).
    kw.setdefault("qps", 10)
    return KooMapClient(sim.base_url, scheme, verify=False, **kw)


async def ready_folder(client: KooMapClient) -> str:
    folders = await client.list_folder(limit=100, condition=m.FolderQueryCondition(status="1"))
    codes = [f.folder_code for f in folders.folders if f.folder_code]
    assert codes, "the demo scenario has no finished oblique image set"
    return codes[0]


async def ready_mss_image(client: KooMapClient) -> m.ImageInfo:
    """A ready multispectral raw image: alone it passes ValidateImage's pairing rule."""
    query = m.ImageInfoQuery(image_status="0", image_type="1", is_product="0")
    result = await client.list_image_base_info(query, limit=100)
    assert result.data_info, "the demo scenario has no ready multispectral image"
    return result.data_info[0]


async def new_workspace(client: KooMapClient, prefix: str = "ws") -> str:
    ws = await client.create_common_workspace(m.WorkspaceCreate(workspace_name=unique(prefix)))
    return ws.workspace_id


def sat_create(ws_id: str, image: m.ImageInfo, product_name: str) -> m.SatelliteTaskCreate:
    return m.SatelliteTaskCreate(
        task_name=unique("sat"),
        task_type="ORSIP",
        workspace_id=ws_id,
        data_ids=[image.image_id],
        production_level="L2",
        data_alias={product_name: "alias"},
        coordination="WGS84",
        data_description={product_name: None},
        csv_ids=[],
        is_clip=False,
        is_tile=False,
    )
