"""Read-only mode is enforced at the service boundary for every operation, over real HTTP:
the simulator must not see a single mutating request, whatever path the call takes."""

from __future__ import annotations

import argparse
import inspect
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from koomap_tui.api.client import OPERATIONS, KooMapClient
from koomap_tui.domain.policy import Kind, Op, check, is_mutating
from koomap_tui.services.guard import MUTATING_METHODS, ReadOnlyClient, ReadOnlyError, guard
from koomap_tui.session import demo_session
from koomap_tui.sim.server import SimServer
from tests.reliability.conftest import make_client


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(seed=7, scenario="demo", speed=0.0) as server:
        yield server


def dummy_args(method: Any) -> list[Any]:
    """Plausible positional arguments: ids as strings, bodies as dicts, flags as bools."""
    args: list[Any] = []
    for p in inspect.signature(method).parameters.values():
        if p.default is not inspect.Parameter.empty or p.kind is not p.POSITIONAL_OR_KEYWORD:
            continue
        annotation = str(p.annotation)
        if "bool" in annotation:
            args.append(True)
        elif (
            "Body" in annotation
            or "Mapping" in annotation
            or "Create" in annotation
            or "Update" in annotation
            or "SpurInfo" in annotation
        ):
            args.append({"name": "x"})
        elif "Sequence" in annotation or "list" in annotation:
            args.append(["id-1"])
        else:
            args.append("0123456789abcdef0123456789abcdef")
    return args


def public_operations() -> list[str]:
    return sorted(
        name
        for name, fn in vars(KooMapClient).items()
        if not name.startswith("_") and name != "aclose" and inspect.iscoroutinefunction(fn)
    )


def test_every_client_operation_is_classified() -> None:
    """A new mutating method cannot slip past the guard: every coroutine method of the client
    is either a read in OPERATIONS or refused."""
    for name in public_operations():
        assert name in OPERATIONS, f"{name} is not in OPERATIONS: classify it"
        assert (name in MUTATING_METHODS) == (not OPERATIONS[name].read_only)
    assert len(MUTATING_METHODS) >= 23


@pytest.mark.parametrize("name", sorted(MUTATING_METHODS))
async def test_mutating_operation_is_refused_before_sending(sim: SimServer, name: str) -> None:
    inner = make_client(sim.base_url)
    client = ReadOnlyClient(inner)
    before = sim.request_log.count()
    async with client:
        method = getattr(client, name)
        with pytest.raises(ReadOnlyError) as caught:
            await method(*dummy_args(getattr(inner, name)))
    assert sim.request_log.count() == before, "a mutating request reached the server"
    err = caught.value
    assert err.code == "CLIENT.READ_ONLY"
    assert err.operation == OPERATIONS[name].operation_id
    assert "read-only" in str(err) and "nothing was sent" in str(err)


async def test_reads_still_work_and_private_back_doors_are_closed(sim: SimServer) -> None:
    client = ReadOnlyClient(make_client(sim.base_url))
    async with client:
        page = await client.list_common_workspace(limit=2)
        assert page.page.total >= 2
        # read-only POSTs (ListSpurPoints, ValidateImage, ...) reach the real client
        assert client.list_spur_points.__func__ is KooMapClient.list_spur_points
        with client.capture_request_ids() as ids:
            await client.list_common_workspace(limit=1)
        assert ids
        with pytest.raises(AttributeError):
            client._send  # noqa: B018
        with pytest.raises(AttributeError):
            client._http  # noqa: B018


def test_session_installs_the_guard_only_when_read_only(sim: SimServer) -> None:
    ro = demo_session(sim, argparse.Namespace(read_only=True))
    rw = demo_session(sim, argparse.Namespace(read_only=False))
    assert isinstance(ro.client, ReadOnlyClient) and ro.read_only
    assert isinstance(rw.client, KooMapClient)
    assert isinstance(guard(rw.client, True), ReadOnlyClient)


def test_policy_denies_every_mutating_op_in_read_only_mode() -> None:
    """The second line of defence (dimmed keys, reasons) agrees with the boundary."""
    for kind in Kind:
        for op in Op:
            if not is_mutating(op):
                continue
            decision = check(kind, "RUNNING", op, read_only=True)
            assert not decision.allowed, (kind, op)
            reason = decision.reason or ""
            assert "read-only" in reason or "not an operation on" in reason, (kind, op, reason)


async def test_read_only_console_sends_no_mutation(sim: SimServer, tmp_path: Any) -> None:
    """End to end: the key is refused with a reason and the server sees no stop."""
    from tests.reliability.conftest import make_app
    from tests.ui.helpers import notices, open_workspace, select, wait_for

    sim.reset()
    sim.request_log.clear()
    app = make_app(sim.base_url, tmp_path, read_only=True)
    app.ctx.client = guard(app.ctx.client, True)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await select(pilot, "east_block_fine")
        for key in ("x", "d", "s", "z", "e"):
            await pilot.press(key)
            await pilot.pause()
        await wait_for(pilot, lambda: any("read-only" in n for n in notices(pilot)))
        assert "READ-ONLY" in "".join(
            seg.text for strip in app.screen._compositor.render_strips() for seg in strip
        )
    mutating = {OPERATIONS[n].operation_id for n in MUTATING_METHODS}
    assert not any(sim.request_log.count(operation=op) for op in mutating)


# --- issue 12 item 16: mutating-ness checked against an independent list -------------------------

ENDPOINTS = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "endpoints.json").read_text("utf-8")
)
#: The mutating operations of endpoints.json (current + simulator-only), written out by hand
#: so that a change to OPERATIONS cannot move it: everything that creates, updates, starts,
#: stops, archives, deletes or builds something.
MUTATING_OPERATION_IDS = frozenset(
    {
        "CreateCommonWorkspace",
        "UpdateCommonWorkspace",
        "DeleteCommonWorkspace",
        "CreateReal3DTask",
        "UpdateReal3DTask",
        "StartReal3DTask",
        "StopReal3DTask",
        "DeleteReal3DTask",
        "UpdateReal3DTaskArchivedStatus",
        "CreateReal3DSubTask",
        "StartReal3DSubTask",
        "StopReal3DSubTask",
        "DeleteReal3DSubTask",
        "AddSpurPoint",
        "DeleteSpurPoint",
        "CreateMarkerInfo",
        "DeleteReal3DProduct",
        "DeleteReal3DRefineProduct",
        "CreateTask",
        "StartTask",
        "StopTask",
        "UpdateTaskArchivedStatus",
        "DeleteTask",
        "SimUpdateReal3DSubTaskUploadStatus",
    }
)
_READ_VERBS = ("List", "Show", "Validate")


def served_operations() -> list[dict[str, Any]]:
    return [o for o in ENDPOINTS["operations"] if o["status"] in ("current", "simulator_only")]


def test_the_hand_list_agrees_with_endpoints_json() -> None:
    """Every served operation of the reference is a read (List/Show/Validate) or in the list."""
    for op in served_operations():
        reads = op["operation_id"].startswith(_READ_VERBS)
        assert reads == (op["operation_id"] not in MUTATING_OPERATION_IDS), op["operation_id"]
        if op["method"] == "GET":
            assert reads, op["operation_id"]
    assert {o["operation_id"] for o in served_operations()} >= MUTATING_OPERATION_IDS


def test_client_marks_exactly_the_mutating_operations_as_not_repeatable() -> None:
    """Marking delete_real3d_task read-only would let it be retried and pass the guard."""
    by_id = {op.operation_id: (name, op) for name, op in OPERATIONS.items()}
    assert set(by_id) == {o["operation_id"] for o in served_operations()}
    for operation_id, (name, op) in by_id.items():
        mutating = operation_id in MUTATING_OPERATION_IDS
        assert op.read_only is not mutating, operation_id
        assert (name in MUTATING_METHODS) is mutating, name


async def test_read_only_console_reaches_the_guard_when_the_policy_lets_a_stop_through(
    sim: SimServer, tmp_path: Any
) -> None:
    """The boundary, end to end: a runner that (wrongly) allows the stop still cannot send it;
    the guard refuses, the operator is told nothing was sent, the audit says why."""
    from koomap_tui.ui.widgets.dialogs import ConfirmDialog
    from tests.reliability.conftest import audit_records, make_app
    from tests.ui.helpers import notices, open_workspace, select, wait_for

    sim.reset()
    sim.request_log.clear()
    app = make_app(sim.base_url, tmp_path, read_only=False)  # the policy layer is off
    app.ctx.client = guard(app.ctx.client, True)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await select(pilot, "east_block_fine")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: any("nothing was sent" in n for n in notices(pilot)))
    assert sim.request_log.count(operation="StopReal3DTask") == 0
    [record] = audit_records(tmp_path)
    assert record["operation"] == "StopReal3DTask" and record["error_code"] == "CLIENT.READ_ONLY"
