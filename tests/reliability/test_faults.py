"""The console under injected faults, end to end over loopback HTTP.

For every fault: no crash, the last good rows stay on screen and the freshness bar marks them
stale with the error's code, the console recovers by itself once the fault ends, and no
mutating request is ever sent twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from koomap_tui.sim.server import SimServer
from koomap_tui.ui.app import KooMapApp
from tests.reliability.conftest import audit_records, freshness, make_app
from tests.ui.helpers import (
    notices,
    open_workspace,
    screen_text,
    select,
    table,
    task_state,
    wait_for,
)

WS = "survey_east_2024"
SIZE = (160, 40)


def alive(app: KooMapApp) -> bool:
    return app._exception is None and app.return_code is None and app.is_running


async def opened(pilot: Pilot[Any]) -> int:
    await open_workspace(pilot, WS)
    await wait_for(pilot, lambda: freshness(pilot.app).status == "ok")
    return table(pilot).total_row_count


async def expect_stale_with(pilot: Pilot[Any], code: str, rows: int, timeout: float = 8) -> None:
    """The poll failed: the error code is shown, the data is marked stale and still there."""
    app = pilot.app
    await wait_for(pilot, lambda: code in freshness(app).view.text, timeout)
    text = freshness(app).view.text
    assert freshness(app).status == "error"
    assert "(stale)" in text and text.startswith("✗ updated")
    assert table(pilot).total_row_count == rows
    assert alive(app)


async def expect_recovery(pilot: Pilot[Any], rows: int, timeout: float = 10) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: freshness(app).status == "ok", timeout)
    assert "stale" not in freshness(app).view.text.lower()
    assert table(pilot).total_row_count == rows
    assert alive(app)


async def test_30_percent_5xx(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim.base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        rows = await opened(pilot)
        sim.faults.set(error_rates={500: 0.15, 503: 0.15})
        await expect_stale_with(pilot, "GATEWAY.0001", rows, timeout=15)
        sim.faults.clear()
        await expect_recovery(pilot, rows)


async def test_30_percent_5xx_absorbed_by_read_retries(sim: SimServer, tmp_path: Path) -> None:
    """With the production retry budget, 30 % 5xx on reads rarely reaches the operator."""
    app = make_app(sim.base_url, tmp_path, max_retries=3)
    async with app.run_test(size=SIZE) as pilot:
        rows = await opened(pilot)
        sim.faults.set(error_rates={500: 0.15, 503: 0.15}, retry_after=0)
        before = app.screen.poller.cycles
        await wait_for(pilot, lambda: app.screen.poller.cycles >= before + 6, timeout=20)
        assert table(pilot).total_row_count == rows
        assert alive(app)
        assert sim.request_log.count() > 8  # faults were really hit and retried


async def test_2_second_latency_keeps_the_ui_responsive(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim.base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        rows = await opened(pilot)
        sim.faults.set(latency_ms=2000)
        app.screen.poller.refresh_now()
        await pilot.pause(0.3)  # a poll is now waiting on the slow server
        start_cursor = table(pilot).cursor_row
        cycles = app.screen.poller.cycles
        await pilot.press("down")
        await pilot.pause()
        # Keys are not queued behind the poll: the cursor moved while that poll is unanswered.
        assert table(pilot).cursor_row == start_cursor + 1
        assert app.screen.poller.cycles == cycles
        await wait_for(pilot, lambda: app.screen.poller.cycles > cycles, timeout=10)
        assert freshness(app).status in ("ok", "stale")  # slow is not an error
        assert table(pilot).total_row_count == rows
        sim.faults.clear()
        await expect_recovery(pilot, rows)


async def test_429_with_retry_after_is_honoured(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim.base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        rows = await opened(pilot)
        sim.faults.set(throttle_rate=1.0, retry_after=3)
        await expect_stale_with(pilot, "GATEWAY.0006", rows)
        assert "retry in" in freshness(app).view.text
        # Polls every 0.5 s normally; while throttled they wait at least Retry-After.
        counted = sim.request_log.count()
        await pilot.pause(2.4)
        assert sim.request_log.count() - counted <= 2
        sim.faults.clear()
        await expect_recovery(pilot, rows, timeout=12)


async def test_truncated_json_body(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim.base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        rows = await opened(pilot)
        sim.faults.set(truncated_rate=1.0)
        await expect_stale_with(pilot, "truncated", rows)
        sim.faults.clear()
        await expect_recovery(pilot, rows)


async def test_html_error_page(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim.base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        rows = await opened(pilot)
        sim.faults.set(html_rate=1.0)
        await expect_stale_with(pilot, "502", rows)
        assert "<html" not in freshness(app).view.text.lower()
        sim.faults.clear()
        await expect_recovery(pilot, rows)


async def test_dropped_connections(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim.base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        rows = await opened(pilot)
        sim.faults.set(drop_rate=1.0)
        await expect_stale_with(pilot, "CLIENT.TRANSPORT", rows)
        sim.faults.clear()
        await expect_recovery(pilot, rows)


# -- actions under faults ----------------------------------------------------------------------
TASK = "east_block_fine"  # RUNNING in the demo scenario


async def press_stop(pilot: Pilot[Any]) -> str:
    from koomap_tui.ui.widgets.dialogs import ConfirmDialog

    key = await select(pilot, TASK)
    await pilot.press("x")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))
    await pilot.press("y")
    return key


def stop_path(app: KooMapApp, key: str) -> str:
    return f"/v1/real3d/{app.screen.workspace_id}/tasks/{key}/stop"


async def test_connection_lost_after_sending_is_unknown_and_never_resent(
    sim: SimServer, tmp_path: Path
) -> None:
    app = make_app(sim.base_url, tmp_path, max_retries=3)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        key = await select(pilot, TASK)
        path = stop_path(app, key)
        sim.faults.set(drop_rate=1.0, drop_after_processing=True, path_prefix=path)
        await press_stop(pilot)
        await wait_for(pilot, lambda: any("outcome unknown" in n for n in notices(pilot)))
        assert any("may have been applied" in n for n in notices(pilot))
        sim.faults.clear()
        # The server did process it; the poll shows the truth and clears the pending mark.
        await wait_for(pilot, lambda: task_state(pilot, TASK) == "STOPPING")
        await pilot.press("x")  # a second stop is refused by policy (STOPPING), not sent
        await pilot.pause(0.3)
        assert sim.request_log.count(path, method="POST") == 1
        assert alive(app)
    record = audit_records(tmp_path)[-1]
    assert record["operation"] == "StopReal3DTask"
    assert record["outcome"] == "unknown"
    assert record["detail"] == "unknown: connection lost after sending"
    assert record["targets"] == [key]


async def test_connection_dropped_before_the_server_acted_is_unknown_too(
    sim: SimServer, tmp_path: Path
) -> None:
    app = make_app(sim.base_url, tmp_path, max_retries=3)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        key = await select(pilot, TASK)
        path = stop_path(app, key)
        sim.faults.set(drop_rate=1.0, path_prefix=path)  # dropped before the server acts
        await press_stop(pilot)
        await wait_for(pilot, lambda: any("outcome unknown" in n for n in notices(pilot)))
        sim.faults.clear()
        await pilot.pause(1.2)
        assert task_state(pilot, TASK) == "RUNNING"  # nothing happened, and the screen says so
        assert sim.request_log.count(path, method="POST") == 1
    # Whether the request left is unknowable from the client side: the audit says so.
    assert audit_records(tmp_path)[-1]["outcome"] == "unknown"


async def test_5xx_on_a_mutation_is_reported_once_and_not_retried(
    sim: SimServer, tmp_path: Path
) -> None:
    app = make_app(sim.base_url, tmp_path, max_retries=3)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        key = await select(pilot, TASK)
        path = stop_path(app, key)
        sim.faults.set(error_rates={503: 1.0}, path_prefix=path)
        await press_stop(pilot)
        await wait_for(pilot, lambda: any("StopReal3DTask failed" in n for n in notices(pilot)))
        assert any("APIGW.0201" in n and "503" in n for n in notices(pilot))
        assert sim.request_log.count(path, method="POST") == 1
        assert app.ctx.runner.pending_for("real3d_task", key) is None  # type: ignore[arg-type]
        assert task_state(pilot, TASK) == "RUNNING"
    record = audit_records(tmp_path)[-1]
    assert (record["outcome"], record["error_code"]) == ("error", "APIGW.0201")


async def test_slow_mutation_is_sent_once_even_when_pressed_again(
    sim: SimServer, tmp_path: Path
) -> None:
    app = make_app(sim.base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        key = await select(pilot, TASK)
        path = stop_path(app, key)
        sim.faults.set(latency_ms=2000, path_prefix=path)
        await press_stop(pilot)
        await wait_for(pilot, lambda: "⏳ stopping…" in screen_text(pilot))
        for _ in range(3):
            await pilot.press("x")  # impatient operator
            await pilot.pause(0.1)
        assert any("in flight" in n for n in notices(pilot))
        await wait_for(pilot, lambda: task_state(pilot, TASK) == "STOPPING", timeout=10)
        assert sim.request_log.count(path, method="POST") == 1
    assert [
        r["outcome"] for r in audit_records(tmp_path) if r["operation"] == "StopReal3DTask"
    ] == ["ok"]


async def test_token_expiring_mid_session_is_renewed_without_losing_an_action(
    sim: SimServer, tmp_path: Path
) -> None:
    app = make_app(sim.base_url, tmp_path, auth="iam")
    async with app.run_test(size=SIZE) as pilot:
        rows = await opened(pilot)
        tokens = sim.request_log.count(operation="IamCreateToken")
        assert tokens == 1
        sim.expire_tokens()
        key = await press_stop(pilot)
        await wait_for(pilot, lambda: task_state(pilot, TASK) == "STOPPING")
        assert sim.request_log.count(operation="IamCreateToken") == 2  # renewed once
        assert sim.request_log.count(operation="StopReal3DTask") == 1  # applied once
        sim.expire_tokens()
        cycles = app.screen.poller.cycles
        await wait_for(pilot, lambda: app.screen.poller.cycles >= cycles + 2)
        assert freshness(app).status == "ok"  # polling never showed the expiry
        assert table(pilot).total_row_count == rows
    record = audit_records(tmp_path)[-1]
    assert (record["outcome"], record["targets"]) == ("ok", [key])


async def test_simulator_data_reset_shows_the_servers_truth(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim.base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        rows = await opened(pilot)
        await press_stop(pilot)
        await wait_for(pilot, lambda: task_state(pilot, TASK) == "STOPPING")
        sim.reset()  # data back to the seeded scenario while the console watches
        app.screen.source.force_full = True
        app.screen.poller.refresh_now()
        await wait_for(pilot, lambda: task_state(pilot, TASK) == "RUNNING", timeout=10)
        assert table(pilot).total_row_count == rows
        assert alive(app)


async def test_simulator_restart_connection_refused_then_recovery(tmp_path: Path) -> None:
    first = SimServer(seed=7, scenario="demo", speed=0.0).start()
    port = first.port
    app = make_app(first.base_url, tmp_path, auth="iam")
    second: SimServer | None = None
    try:
        async with app.run_test(size=SIZE) as pilot:
            rows = await opened(pilot)
            first.stop()  # the server goes away; its tokens and data with it
            await expect_stale_with(pilot, "CLIENT.TRANSPORT", rows)
            await pilot.pause(1.0)
            assert table(pilot).total_row_count == rows
            second = SimServer(seed=7, scenario="demo", speed=0.0, port=port).start()
            await expect_recovery(pilot, rows, timeout=20)
            # A fresh server knows no old token: the console logged in again by itself.
            assert second.request_log.count(operation="IamCreateToken") == 1
    finally:
        first.stop()
        if second is not None:
            second.stop()
