"""Gateway behaviour: tokens, IAM, AK/SK signatures, missing credentials, QPS, tenant isolation."""

from __future__ import annotations

import time

import httpx
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import (
    DEMO_AK,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    DEMO_PROJECT_ID,
    DEMO_SK,
    DEMO_USER,
    OTHER_AK,
    OTHER_DOMAIN,
    OTHER_PASSWORD,
    OTHER_SK,
    OTHER_USER,
)
from tests.sim.conftest import HTTP, assert_error


def iam_body(user: str, password: str, domain: str, project: dict[str, str] | None = None) -> dict:
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": user, "password": password, "domain": {"name": domain}}
                },
            },
            "scope": {"project": project or {"name": "cn-north-4"}},
        }
    }


def iam_token(
    sim: SimServer, user: str = DEMO_USER, password: str = DEMO_PASSWORD, domain: str = DEMO_DOMAIN
) -> str:
    response = HTTP.post(sim.base_url + "/v3/auth/tokens", json=iam_body(user, password, domain))
    assert response.status_code == 201, response.text
    return response.headers["X-Subject-Token"]


def signed_headers(
    sim: SimServer,
    method: str,
    path: str,
    query: list[tuple[str, str]],
    body: bytes,
    ak: str = DEMO_AK,
    sk: str = DEMO_SK,
    date: str | None = None,
) -> dict[str, str]:
    req = SdkRequest(
        method=method,
        schema="http",
        host=f"127.0.0.1:{sim.port}",
        resource_path=path,
        query_params=query,
        header_params={
            "Content-Type": "application/json",
            "X-Sdk-Date": date or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
            "X-Project-Id": DEMO_PROJECT_ID if ak == DEMO_AK else "",
        },
        body=body,
    )
    if not req.header_params["X-Project-Id"]:
        del req.header_params["X-Project-Id"]
    Signer(BasicCredentials(ak, sk)).sign(req)
    return dict(req.header_params)


def test_missing_credentials_is_403_gateway_0002(sim: SimServer) -> None:
    response = HTTP.get(sim.base_url + "/v1/workspaces")
    assert_error(response, 403, "GATEWAY.0002")
    assert len(response.headers["X-request-id"]) == 32
    int(response.headers["X-request-id"], 16)


def test_unknown_token_is_401_apigw_0301(sim: SimServer) -> None:
    response = HTTP.get(sim.base_url + "/v1/workspaces", headers={"X-Auth-Token": "nope"})
    assert_error(response, 401, "APIGW.0301")


def test_iam_issues_a_project_scoped_token_the_api_accepts(sim: SimServer) -> None:
    response = HTTP.post(
        sim.base_url + "/v3/auth/tokens", json=iam_body(DEMO_USER, DEMO_PASSWORD, DEMO_DOMAIN)
    )
    assert response.status_code == 201
    token = response.headers["X-Subject-Token"]
    expires = response.json()["token"]["expires_at"]
    assert expires.endswith("Z") and len(expires) == len("2020-01-04T09:05:22.701000Z")
    assert response.json()["token"]["project"]["id"] == DEMO_PROJECT_ID
    ok = HTTP.get(sim.base_url + "/v1/workspaces", headers={"X-Auth-Token": token})
    assert ok.status_code == 200
    by_id = HTTP.post(
        sim.base_url + "/v3/auth/tokens",
        json=iam_body(DEMO_USER, DEMO_PASSWORD, DEMO_DOMAIN, {"id": DEMO_PROJECT_ID}),
    )
    assert by_id.status_code == 201


def test_iam_refuses_wrong_password_domain_and_scope(sim: SimServer) -> None:
    url = sim.base_url + "/v3/auth/tokens"
    assert HTTP.post(url, json=iam_body(DEMO_USER, "wrong", DEMO_DOMAIN)).status_code == 401
    assert HTTP.post(url, json=iam_body(DEMO_USER, DEMO_PASSWORD, "elsewhere")).status_code == 401
    wrong_project = iam_body(DEMO_USER, DEMO_PASSWORD, DEMO_DOMAIN, {"name": "ap-southeast-1"})
    assert HTTP.post(url, json=wrong_project).status_code == 401
    unscoped = iam_body(DEMO_USER, DEMO_PASSWORD, DEMO_DOMAIN)
    del unscoped["auth"]["scope"]
    assert HTTP.post(url, json=unscoped).status_code == 400
    assert HTTP.post(url, content=b"{").status_code == 400


def test_short_lived_tokens_expire_with_apigw_0307() -> None:
    with SimServer(token_lifetime=0.3) as sim:
        token = iam_token(sim)
        headers = {"X-Auth-Token": token}
        assert HTTP.get(sim.base_url + "/v1/workspaces", headers=headers).status_code == 200
        time.sleep(0.4)
        assert_error(HTTP.get(sim.base_url + "/v1/workspaces", headers=headers), 401, "APIGW.0307")
        # A fresh token works again (what a refreshing client does).
        fresh = {"X-Auth-Token": iam_token(sim)}
        assert HTTP.get(sim.base_url + "/v1/workspaces", headers=fresh).status_code == 200


def test_expire_tokens_now_and_reset_restores_the_fixed_token(sim: SimServer) -> None:
    token = iam_token(sim)
    sim.expire_tokens()
    for value in (token, sim.demo_token):
        response = HTTP.get(sim.base_url + "/v1/workspaces", headers={"X-Auth-Token": value})
        assert_error(response, 401, "APIGW.0307")
    sim.reset()
    ok = HTTP.get(sim.base_url + "/v1/workspaces", headers={"X-Auth-Token": sim.demo_token})
    assert ok.status_code == 200


def test_fixed_token_option() -> None:
    with SimServer(token="fixed-demo-token") as sim:
        assert sim.demo_token == "fixed-demo-token"
        response = HTTP.get(
            sim.base_url + "/v1/workspaces", headers={"X-Auth-Token": "fixed-demo-token"}
        )
        assert response.status_code == 200


def test_aksk_signed_get_and_post_are_accepted(sim: SimServer) -> None:
    query = [("limit", "5"), ("workspace_name", "east")]
    headers = signed_headers(sim, "GET", "/v1/workspaces", query, b"")
    response = HTTP.get(
        sim.base_url + "/v1/workspaces?limit=5&workspace_name=east", headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"][0]["workspace_name"] == "survey_east_2024"
    body = b'{"workspace_name":"signed_ws"}'
    headers = signed_headers(sim, "POST", "/v1/workspaces", [], body)
    created = HTTP.post(sim.base_url + "/v1/workspaces", headers=headers, content=body)
    assert created.status_code == 200, created.text
    assert created.json()["creator"] == DEMO_USER


def test_aksk_bad_signature_changed_query_and_skew_are_401(sim: SimServer) -> None:
    headers = signed_headers(sim, "GET", "/v1/workspaces", [("limit", "5")], b"")
    changed = HTTP.get(sim.base_url + "/v1/workspaces?limit=6", headers=headers)
    assert_error(changed, 401, "APIGW.0301")
    wrong_sk = signed_headers(sim, "GET", "/v1/workspaces", [], b"", sk="not-the-key")
    assert_error(HTTP.get(sim.base_url + "/v1/workspaces", headers=wrong_sk), 401, "APIGW.0301")
    old = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 16 * 60))
    skewed = signed_headers(sim, "GET", "/v1/workspaces", [], b"", date=old)
    assert_error(HTTP.get(sim.base_url + "/v1/workspaces", headers=skewed), 401, "APIGW.0301")
    near = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 10 * 60))
    fine = signed_headers(sim, "GET", "/v1/workspaces", [], b"", date=near)
    assert HTTP.get(sim.base_url + "/v1/workspaces", headers=fine).status_code == 200


def test_tenants_are_isolated(sim: SimServer) -> None:
    demo = {"X-Auth-Token": sim.demo_token}
    other = {"X-Auth-Token": iam_token(sim, OTHER_USER, OTHER_PASSWORD, OTHER_DOMAIN)}
    demo_ws = HTTP.get(sim.base_url + "/v1/workspaces", headers=demo, params={"limit": 100}).json()
    other_ws = HTTP.get(
        sim.base_url + "/v1/workspaces", headers=other, params={"limit": 100}
    ).json()
    assert [w["workspace_name"] for w in other_ws["data"]] == ["other_tenant_ws"]
    assert "other_tenant_ws" not in {w["workspace_name"] for w in demo_ws["data"]}
    # The other tenant cannot reach the demo tenant's workspace by id.
    demo_id = demo_ws["data"][0]["workspace_id"]
    assert_error(
        HTTP.get(sim.base_url + f"/v1/real3d/{demo_id}/tasks", headers=other), 400, "KMP.99990001"
    )
    # Images and products are per tenant too; AK/SK of the other tenant sees its own data.
    signed = signed_headers(sim, "GET", "/v1/real3d/products", [], b"", ak=OTHER_AK, sk=OTHER_SK)
    products = HTTP.get(sim.base_url + "/v1/real3d/products", headers=signed).json()["products"]
    assert [p["name"] for p in products] == ["other_private_task"]
    # Same name may exist in both tenants (uniqueness is per tenant).
    created = HTTP.post(
        sim.base_url + "/v1/workspaces", headers=other, json={"workspace_name": "survey_east_2024"}
    )
    assert created.status_code == 200


def test_qps_limit_answers_429_gateway_0006(sim: SimServer) -> None:
    sim.set_qps_limit(5)
    headers = {"X-Auth-Token": sim.demo_token}
    with httpx.Client(base_url=sim.base_url, headers=headers) as client:
        statuses = [client.get("/v1/workspaces").status_code for _ in range(12)]
    assert statuses[:5] == [200] * 5
    assert 429 in statuses
    limited = next(i for i, s in enumerate(statuses) if s == 429)
    assert limited >= 5
    # The other tenant has its own budget.
    other = {"X-Auth-Token": iam_token(sim, OTHER_USER, OTHER_PASSWORD, OTHER_DOMAIN)}
    assert HTTP.get(sim.base_url + "/v1/workspaces", headers=other).status_code == 200


def test_unknown_path_is_404_apigw_0101(sim: SimServer) -> None:
    headers = {"X-Auth-Token": sim.demo_token}
    assert_error(HTTP.get(sim.base_url + "/v1/nothing", headers=headers), 404, "APIGW.0101")
    assert_error(HTTP.patch(sim.base_url + "/v1/workspaces", headers=headers), 404, "APIGW.0101")


def test_bodies_over_12_mb_are_413(sim: SimServer) -> None:
    headers = {"X-Auth-Token": sim.demo_token, "Content-Type": "application/json"}
    big = b'{"workspace_name": "' + b"x" * (12 * 1024 * 1024) + b'"}'
    response = HTTP.post(sim.base_url + "/v1/workspaces", headers=headers, content=big)
    assert_error(response, 413, "APIGW.0201")
