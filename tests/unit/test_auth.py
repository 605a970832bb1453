"""httpx auth classes: AK/SK signing on the wire, static tokens, IAM token fetch and refresh."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from pydantic import SecretStr

from koomap_tui.api.auth import AkSkAuth, IamTokenAuth, StaticTokenAuth, mask
from koomap_tui.api.errors import AuthenticationError, KooMapError

AK = "EXAMPLEAK0123456789"
SK = "exampleSecretKey0123456789abcdefABCDEFGH"
T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def capture() -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    return seen, httpx.MockTransport(handler)


# --- AK/SK -------------------------------------------------------------------------------------


def sdk_verify(request: httpx.Request, ak: str, sk: str) -> str:
    """Recompute the signature the way a gateway would, with the SDK as an independent oracle."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    auth = request.headers["Authorization"]
    signed_names = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
    headers = {name: request.headers[name] for name in signed_names}
    sdk_req = SdkRequest(
        method=request.method,
        schema=request.url.scheme,
        host=request.headers["Host"],
        resource_path=request.url.raw_path.split(b"?")[0].decode(),
        query_params=parse_qsl(request.url.query.decode(), keep_blank_values=True),
        header_params=headers,
        body=request.content,
    )
    Signer(BasicCredentials(ak, sk)).sign(sdk_req)
    return str(sdk_req.header_params["Authorization"])


def test_aksk_signs_on_the_wire_and_rewrites_query_to_canonical() -> None:
    seen, transport = capture()
    auth = AkSkAuth(AK, SecretStr(SK), clock=Clock())
    with httpx.Client(transport=transport, auth=auth) as client:
        client.get(
            "https://koomap.cn-north-4.myhuaweicloud.com/v1/real3d/ws/tasks",
            params={"task_status": ["RUNNING", "FAILED"], "b": "x y", "A": "é/~", "flag": True},
        )
    (request,) = seen
    assert (
        request.url.query
        == b"A=%C3%A9%2F~&b=x%20y&flag=true&task_status=FAILED&task_status=RUNNING"
    )
    assert request.headers["X-Sdk-Date"] == "20260101T120000Z"
    assert request.headers["Host"] == "koomap.cn-north-4.myhuaweicloud.com"
    assert "SignedHeaders=host;x-sdk-date," in request.headers["Authorization"]
    assert request.headers["Authorization"] == sdk_verify(request, AK, SK)


def test_aksk_signs_port_content_type_project_and_security_token() -> None:
    seen, transport = capture()
    auth = AkSkAuth(AK, SK, project_id="0123456789abcdef0123456789abcdef", security_token="tmp")
    with httpx.Client(transport=transport, auth=auth) as client:
        client.post("http://127.0.0.1:8443/v1/workspaces", json={"name": "ws 1"})
    (request,) = seen
    assert request.headers["Host"] == "127.0.0.1:8443"
    assert request.headers["X-Project-Id"] == "0123456789abcdef0123456789abcdef"
    assert request.headers["X-Security-Token"] == "tmp"
    assert (
        "SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token,"
        in request.headers["Authorization"]
    )
    assert "X-Sdk-Content-Sha256" not in request.headers
    assert request.headers["Authorization"] == sdk_verify(request, AK, SK)


def test_aksk_multipart_body_is_unsigned_payload() -> None:
    seen, transport = capture()
    with httpx.Client(transport=transport, auth=AkSkAuth(AK, SK)) as client:
        client.post("https://h/v1/images/list", data={"offset": "0"}, files={"f": b"abc"})
    (request,) = seen
    assert request.headers["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert "x-sdk-content-sha256" in request.headers["Authorization"]
    assert request.headers["Authorization"] == sdk_verify(request, AK, SK)


def test_aksk_changing_a_signed_byte_breaks_the_signature() -> None:
    seen, transport = capture()
    with httpx.Client(transport=transport, auth=AkSkAuth(AK, SK)) as client:
        client.put("https://h/v1/workspaces/abc", json={"name": "a"})
    (request,) = seen
    tampered = httpx.Request("PUT", request.url, headers=request.headers, content=b'{"name":"b"}')
    assert sdk_verify(tampered, AK, SK) != request.headers["Authorization"]


async def test_aksk_async_and_resigning_is_stable() -> None:
    seen, transport = capture()
    auth = AkSkAuth(AK, SK, clock=Clock())
    async with httpx.AsyncClient(transport=transport, auth=auth) as client:
        await client.get("https://h/v1/x?b=2&a=1")
        await client.get("https://h/v1/x?b=2&a=1")
    first, second = seen
    assert first.headers["Authorization"] == second.headers["Authorization"]
    assert first.url.query == b"a=1&b=2"
    request = httpx.Request("GET", "https://h/v1/x?b=2&a=1", headers={"Authorization": "x"})
    auth.sign_request(request)
    auth.sign_request(request)
    assert request.headers.get_list("Authorization") == [first.headers["Authorization"]]
    assert request.headers.get_list("X-Sdk-Date") == ["20260101T120000Z"]


def test_aksk_repr_hides_secrets() -> None:
    auth = AkSkAuth(AK, SK, security_token="tmpSecretToken")
    text = repr(auth) + str(auth)
    assert SK not in text and "tmpSecretToken" not in text and AK not in text
    assert mask(AK) in text
    assert mask("short") == "***"


def test_aksk_rejects_missing_key() -> None:
    with pytest.raises(ValueError, match="access key and a secret key"):
        AkSkAuth("", SK)
    with pytest.raises(ValueError):
        AkSkAuth(AK, SecretStr(""))


# --- static token ------------------------------------------------------------------------------


async def test_static_token_sets_header_and_hides_it() -> None:
    seen, transport = capture()
    auth = StaticTokenAuth(SecretStr("MIIPretokenVALUE"))
    async with httpx.AsyncClient(transport=transport, auth=auth) as client:
        await client.get("https://h/v1/workspaces")
    assert seen[0].headers["X-Auth-Token"] == "MIIPretokenVALUE"
    assert "MIIPretokenVALUE" not in repr(auth)
    with pytest.raises(ValueError):
        StaticTokenAuth("")


# --- IAM token ---------------------------------------------------------------------------------

IAM = "https://iam.cn-north-4.myhuaweicloud.com"
PASSWORD = "Pa55-w0rd!secret"


class FakeCloud:
    """IAM plus a KooMap endpoint behind one MockTransport, counting calls."""

    def __init__(self, clock: Clock, lifetime: timedelta = timedelta(hours=24)) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.iam_calls = 0
        self.api_calls = 0
        self.iam_bodies: list[Any] = []
        self.iam_headers: list[httpx.Headers] = []
        self.valid: set[str] = set()
        self.api_refusal: Callable[[str], httpx.Response | None] = lambda token: None
        self.iam_answer: Callable[[], httpx.Response] | None = None
        self.iam_delay = 0.0
        self.transport = httpx.MockTransport(self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v3/auth/tokens":
            self.iam_calls += 1
            self.iam_bodies.append(json.loads(request.content))
            self.iam_headers.append(request.headers)
            if self.iam_delay:
                await asyncio.sleep(self.iam_delay)
            if self.iam_answer is not None:
                return self.iam_answer()
            token = f"tok-{self.iam_calls}"
            self.valid.add(token)
            issued = self.clock()
            return httpx.Response(
                201,
                headers={"X-Subject-Token": token},
                json={
                    "token": {
                        "issued_at": issued.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                        "expires_at": (issued + self.lifetime).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    }
                },
            )
        self.api_calls += 1
        token = request.headers.get("X-Auth-Token", "")
        refusal = self.api_refusal(token)
        if refusal is not None:
            return refusal
        if token not in self.valid:
            return httpx.Response(401, json={"error_code": "APIGW.0307", "error_msg": "expired"})
        return httpx.Response(200, json={"token_seen": token})


def make_auth(cloud: FakeCloud, **kwargs: Any) -> IamTokenAuth:
    kwargs.setdefault("project_name", "cn-north-4")
    kwargs.setdefault("clock", cloud.clock)
    return IamTokenAuth(
        IAM + "/",
        "ops-user",
        SecretStr(PASSWORD),
        "my-account",
        transport=cloud.transport,
        **kwargs,
    )


def api_client(cloud: FakeCloud, auth: IamTokenAuth) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=cloud.transport, auth=auth, base_url="https://koomap.cn-north-4.myhuaweicloud.com"
    )


async def test_token_request_matches_auth_md_and_token_is_cached() -> None:
    cloud = FakeCloud(Clock())
    auth = make_auth(cloud)
    async with api_client(cloud, auth) as client:
        first = await client.get("/v1/workspaces")
        second = await client.get("/v1/workspaces")
    assert first.json() == second.json() == {"token_seen": "tok-1"}
    assert cloud.iam_calls == 1
    assert cloud.iam_bodies[0] == {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": "ops-user",
                        "password": PASSWORD,
                        "domain": {"name": "my-account"},
                    }
                },
            },
            "scope": {"project": {"name": "cn-north-4"}},
        }
    }
    assert cloud.iam_headers[0]["Content-Type"] == "application/json;charset=utf8"
    assert auth.fetch_count == 1
    assert auth.expires_at == T0 + timedelta(hours=24)


async def test_project_id_scope() -> None:
    cloud = FakeCloud(Clock())
    auth = make_auth(cloud, project_name=None, project_id="0123456789abcdef0123456789abcdef")
    await auth.get_token()
    assert cloud.iam_bodies[0]["auth"]["scope"] == {
        "project": {"id": "0123456789abcdef0123456789abcdef"}
    }
    with pytest.raises(ValueError, match="project"):
        IamTokenAuth(IAM, "u", SecretStr("p"), "d")


async def test_refreshes_five_minutes_before_expiry() -> None:
    clock = Clock()
    cloud = FakeCloud(clock)
    auth = make_auth(cloud)
    async with api_client(cloud, auth) as client:
        await client.get("/v1/workspaces")
        clock.advance(24 * 3600 - 301)
        assert (await client.get("/v1/workspaces")).json() == {"token_seen": "tok-1"}
        assert cloud.iam_calls == 1
        clock.advance(2)
        assert (await client.get("/v1/workspaces")).json() == {"token_seen": "tok-2"}
        assert cloud.iam_calls == 2
    assert cloud.api_calls == 3


async def test_expiry_uses_lifetime_not_server_clock() -> None:
    cloud = FakeCloud(Clock(T0 - timedelta(days=400)))  # IAM's clock is a year behind ours
    auth = make_auth(cloud, clock=Clock(T0))
    await auth.get_token()
    assert auth.expires_at == T0 + timedelta(hours=24)


async def test_missing_expiry_means_24_hours() -> None:
    clock = Clock()
    cloud = FakeCloud(clock)
    cloud.iam_answer = lambda: httpx.Response(201, headers={"X-Subject-Token": "t"}, text="{}")
    auth = make_auth(cloud)
    await auth.get_token()
    assert auth.expires_at == T0 + timedelta(hours=24)


async def test_401_refreshes_once_and_retries_once() -> None:
    cloud = FakeCloud(Clock())
    auth = make_auth(cloud)
    async with api_client(cloud, auth) as client:
        await client.get("/v1/workspaces")
        cloud.valid.clear()  # server-side revocation
        response = await client.get("/v1/workspaces")
    assert response.json() == {"token_seen": "tok-2"}
    assert cloud.iam_calls == 2
    assert cloud.api_calls == 3


async def test_second_401_is_returned_without_a_loop() -> None:
    cloud = FakeCloud(Clock())
    cloud.api_refusal = lambda token: httpx.Response(
        401, json={"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication"}
    )
    auth = make_auth(cloud)
    async with api_client(cloud, auth) as client:
        response = await client.get("/v1/workspaces")
    assert response.status_code == 401
    assert cloud.iam_calls == 2
    assert cloud.api_calls == 2


@pytest.mark.parametrize(
    ("code", "retried"),
    [("APIGW.0307", True), ("GATEWAY.0002", True), ("GATEWAY.0005", False), ("APIGW.0302", False)],
)
async def test_403_retried_only_for_stale_token_codes(code: str, retried: bool) -> None:
    cloud = FakeCloud(Clock())
    refused: list[str] = []

    def refusal(token: str) -> httpx.Response | None:
        if token == "tok-1":
            refused.append(token)
            return httpx.Response(403, json={"error_code": code, "error_msg": "refused"})
        return None

    cloud.api_refusal = refusal
    auth = make_auth(cloud)
    async with api_client(cloud, auth) as client:
        response = await client.post("/v1/workspaces", json={"name": "x"})
    assert response.status_code == (200 if retried else 403)
    assert cloud.iam_calls == (2 if retried else 1)
    assert cloud.api_calls == (2 if retried else 1)


async def test_403_with_non_json_body_is_not_retried() -> None:
    cloud = FakeCloud(Clock())
    cloud.api_refusal = lambda token: httpx.Response(403, text="<html>denied</html>")
    auth = make_auth(cloud)
    async with api_client(cloud, auth) as client:
        assert (await client.get("/v1/workspaces")).status_code == 403
    assert cloud.api_calls == 1


async def test_concurrent_first_use_fetches_once() -> None:
    cloud = FakeCloud(Clock())
    cloud.iam_delay = 0.02
    auth = make_auth(cloud)
    async with api_client(cloud, auth) as client:
        responses = await asyncio.gather(*(client.get("/v1/workspaces") for _ in range(15)))
    assert {r.json()["token_seen"] for r in responses} == {"tok-1"}
    assert cloud.iam_calls == 1


async def test_concurrent_401s_share_one_refresh() -> None:
    cloud = FakeCloud(Clock())
    cloud.iam_delay = 0.01
    auth = make_auth(cloud)
    async with api_client(cloud, auth) as client:
        await client.get("/v1/workspaces")
        cloud.valid.clear()
        responses = await asyncio.gather(*(client.get("/v1/workspaces") for _ in range(10)))
    assert {r.status_code for r in responses} == {200}
    assert cloud.iam_calls == 2
    assert cloud.api_calls == 1 + 10 + 10


def _iam_refusal() -> httpx.Response:
    return httpx.Response(
        401,
        json={
            "error": {
                "code": 401,
                "title": "Unauthorized",
                "message": f"The username or password is wrong: {PASSWORD}\x1b[31m",
            }
        },
    )


async def test_iam_refusal_raises_authentication_error_without_secrets() -> None:
    cloud = FakeCloud(Clock())
    cloud.iam_answer = _iam_refusal
    auth = make_auth(cloud)
    async with api_client(cloud, auth) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.get("/v1/workspaces")
    text = str(info.value) + repr(info.value) + info.value.message
    assert PASSWORD not in text
    assert "\x1b" not in text
    assert "username or password is wrong" in text
    assert "'ops-user'" in text and "'my-account'" in text
    assert info.value.http_status == 401
    assert cloud.api_calls == 0


async def test_iam_unreachable_raises_authentication_error() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    auth = IamTokenAuth(
        IAM, "u", SecretStr(PASSWORD), "d", "cn-north-4", transport=httpx.MockTransport(boom)
    )
    with pytest.raises(AuthenticationError, match="cannot reach IAM at https://iam") as info:
        await auth.get_token()
    assert isinstance(info.value, KooMapError)
    assert PASSWORD not in str(info.value)


async def test_iam_without_subject_token_raises() -> None:
    cloud = FakeCloud(Clock())
    cloud.iam_answer = lambda: httpx.Response(201, json={"token": {}})
    with pytest.raises(AuthenticationError, match="X-Subject-Token"):
        await make_auth(cloud).get_token()


async def test_failed_refresh_after_401_raises_and_is_retried_later() -> None:
    cloud = FakeCloud(Clock())
    auth = make_auth(cloud)
    async with api_client(cloud, auth) as client:
        await client.get("/v1/workspaces")
        cloud.valid.clear()
        cloud.iam_answer = _iam_refusal
        with pytest.raises(AuthenticationError):
            await client.get("/v1/workspaces")
        cloud.iam_answer = None
        assert (await client.get("/v1/workspaces")).status_code == 200


async def test_invalidate_forces_a_new_fetch() -> None:
    cloud = FakeCloud(Clock())
    auth = make_auth(cloud)
    first = await auth.get_token()
    auth.invalidate()
    second = await auth.get_token()
    assert first.get_secret_value() != second.get_secret_value()
    assert cloud.iam_calls == 2


async def test_iam_auth_repr_hides_password_and_token() -> None:
    cloud = FakeCloud(Clock())
    auth = make_auth(cloud)
    token = await auth.get_token()
    text = repr(auth) + str(auth) + repr(token)
    assert PASSWORD not in text and token.get_secret_value() not in text
    assert "ops-user" in text


def test_iam_auth_refuses_sync_clients() -> None:
    cloud = FakeCloud(Clock())
    with (
        httpx.Client(transport=cloud.transport, auth=make_auth(cloud)) as client,
        pytest.raises(RuntimeError, match="AsyncClient"),
    ):
        client.get("https://h/v1/workspaces")


# --- against the simulator over real HTTP (127.0.0.1) -------------------------------------------


async def test_simulator_accepts_our_signatures_and_tokens() -> None:
    server = pytest.importorskip("koomap_tui.sim.server")
    tenants = pytest.importorskip("koomap_tui.sim.tenants")
    with server.SimServer(seed=7, scenario="demo", speed=0.0) as sim:
        good = AkSkAuth(tenants.DEMO_AK, tenants.DEMO_SK, project_id=tenants.DEMO_PROJECT_ID)
        async with httpx.AsyncClient(base_url=sim.base_url, auth=good, timeout=10) as client:
            listed = await client.get(
                "/v1/workspaces", params={"offset": 0, "limit": 2, "name": "é x/~"}
            )
            created = await client.post(
                "/v1/workspaces", json={"workspace_name": "签名_test", "description": "a b ü"}
            )
        assert listed.status_code == 200, listed.text
        assert listed.request.url.query == b"limit=2&name=%C3%A9%20x%2F~&offset=0"
        assert created.status_code == 200, created.text
        wrong = AkSkAuth(tenants.DEMO_AK, "not-the-secret-key")
        async with httpx.AsyncClient(base_url=sim.base_url, auth=wrong, timeout=10) as client:
            refused = await client.get("/v1/workspaces")
        assert refused.status_code in (401, 403)
        iam = IamTokenAuth(
            sim.base_url,
            tenants.DEMO_USER,
            SecretStr(tenants.DEMO_PASSWORD),
            tenants.DEMO_DOMAIN,
            project_name=tenants.DEMO_PROJECT_NAME,
        )
        async with httpx.AsyncClient(base_url=sim.base_url, auth=iam, timeout=10) as client:
            first = await client.get("/v1/workspaces", params={"limit": 1})
            second = await client.get("/v1/workspaces", params={"limit": 1})
        assert (first.status_code, second.status_code) == (200, 200)
        assert iam.fetch_count == 1
        bad = IamTokenAuth(
            sim.base_url,
            tenants.DEMO_USER,
            SecretStr("Wr0ng-Secret!"),
            tenants.DEMO_DOMAIN,
            "cn-north-4",
        )
        with pytest.raises(AuthenticationError) as info:
            await bad.get_token()
        assert "Wr0ng-Secret!" not in str(info.value) + repr(info.value)
        assert info.value.http_status == 401


def test_token_cache_survives_a_new_event_loop() -> None:
    cloud = FakeCloud(Clock())
    cloud.iam_delay = 0.01
    auth = make_auth(cloud)

    async def burst() -> set[str]:
        tokens = await asyncio.gather(*(auth.refresh() for _ in range(3)))
        return {t.get_secret_value() for t in tokens}

    assert len(asyncio.run(burst())) == 3  # refresh() without a stale token always fetches
    assert len(asyncio.run(burst())) == 3  # a second loop must not trip over the first's lock
    assert cloud.iam_calls == 6
