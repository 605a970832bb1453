"""Spur (control-point) editing of one Real3D task (SPEC §5).

The API cannot list a task's images or its control points: ListSpurPoints needs an image code,
and there is no GCP list operation (§5.7). So the screen works from what the operator knows:
the image codes it has seen (typed in with `o`, used when adding a spur, or remembered from an
earlier session) and the control points imported from the survey file (`i`). For those it shows
the spurs per image (ListSpurPoints, paged) and, per control point, on how many images of the
whole task it has been spurred (ShowSpurCount, which the server answers for all images, known
here or not). Both lists are kept per task in a small JSON file, see docs/spurs-and-subtasks.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Label

from koomap_tui.api.models import Real3DTask, SpurInfo, SpurInfoDetail
from koomap_tui.domain.catalog import Action
from koomap_tui.domain.policy import Op
from koomap_tui.services.actions import Outcome, Target
from koomap_tui.services.poller import PollUpdate
from koomap_tui.services.sources.spurs import SpurSource
from koomap_tui.services.spur_points import ImageRow, PointRow, SpurReading
from koomap_tui.services.spur_workbench import Workbench, workbench_path
from koomap_tui.ui.format import inert
from koomap_tui.ui.forms.base import PromptDialog
from koomap_tui.ui.forms.real3d import SpurForm
from koomap_tui.ui.screens.listview import ListScreen, Panel
from koomap_tui.ui.screens.task_detail import OfTask
from koomap_tui.ui.specs import SPUR_IMAGES, SPUR_POINTS, SPURS, TASKS
from koomap_tui.ui.tablekit import all_rows, cursor_row, refresh_rows
from koomap_tui.ui.themes import theme_style
from koomap_tui.ui.widgets.state_text import pending_cell
from koomap_tui.ui.widgets.virtual_table import Column, VirtualTable


def _text(value: Any) -> str:
    return "—" if value is None else inert(value)


class SpursScreen(OfTask, ListScreen):
    BREADCRUMB = "spurs"
    HEADING = "Spurs"
    DEFAULT_CSS = """
    SpursScreen #top { height: 1fr; }
    SpursScreen #images-pane { width: 34; }
    SpursScreen #points-pane { height: 1fr; }
    SpursScreen .pane-title { text-style: bold; padding: 0 1; }
    """
    CSS = "SpursScreen #summary { max-height: 14; }"  # DEFAULT_CSS yields to the app's 2
    SPECS = (SPURS, SPUR_IMAGES, SPUR_POINTS)
    KEYS: ClassVar[list[Binding]] = []
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("o", "open_image", "Image"),
        Binding("f", "forget_image", "Forget image", show=False),
        Binding("i", "import_points", "Import GCPs"),
        Binding("r", "refresh", "Refresh"),
    ]

    def __init__(self, workspace_id: str, task: Real3DTask) -> None:
        super().__init__(workspace_id, task)
        self.reading = SpurReading()
        self.deleting: set[str] = set()
        self.import_errors: list[str] = []

    # -- layout ----------------------------------------------------------------------------
    def compose_tables(self) -> ComposeResult:
        with Horizontal(id="top"):
            with Vertical(id="images-pane"):
                yield Label("Images", classes="pane-title")
                yield self.make_table(self.panels["images"])
            with Vertical(id="spurs-pane"):
                yield Label("Spurs on the selected image", id="spurs-title", classes="pane-title")
                yield self.make_table(self.panels["spurs"])
        with Vertical(id="points-pane"):
            yield Label("Control points", classes="pane-title")
            yield self.make_table(self.panels["points"])

    def columns_of(self, panel: Panel) -> list[Column]:
        columns = {"images": self._image_columns, "spurs": self._spur_columns}
        return columns.get(panel.spec.table_id, self._point_columns)()

    def _image_columns(self) -> list[Column]:
        return [
            Column("code", "Image code", 20, render=lambda r: Text(inert(r.code))),
            Column("spurs", "Spurs", 6, align="right", render=self._render_image_count),
        ]  # fmt: skip

    def _spur_columns(self) -> list[Column]:
        return [
            Column("id", "Spur id", 20, min_width=14, render=self._render_spur_id),
            Column("px", "Pixel x", 11, align="right", min_width=9, render=lambda s: Text(_text(s.point_width))),
            Column("py", "Pixel y", 11, align="right", min_width=9, render=lambda s: Text(_text(s.point_height))),
            Column("lon", "Longitude", 13, align="right", priority=1, render=lambda s: Text(_text(s.longitude))),
            Column("lat", "Latitude", 12, align="right", priority=2, render=lambda s: Text(_text(s.latitude))),
            Column("h", "Height", 9, align="right", priority=3, render=lambda s: Text(_text(s.height))),
            Column("acc", "Accuracy", 8, align="right", priority=4, render=lambda s: Text(_text(s.accuracy))),
        ]  # fmt: skip

    def _point_columns(self) -> list[Column]:
        return [
            Column("name", "Point", 16, min_width=10, max_width=30, render=lambda p: Text(inert(p.name) if p.name else "—")),
            Column("lon", "Longitude", 13, align="right", render=lambda p: Text(inert(p.longitude))),
            Column("lat", "Latitude", 12, align="right", render=lambda p: Text(inert(p.latitude))),
            Column("h", "Height", 9, align="right", render=lambda p: Text(inert(p.height))),
            Column("acc", "Accuracy", 8, align="right", priority=2, render=lambda p: Text(inert(p.accuracy))),
            Column("count", "Spurred on", 10, align="right", render=self._render_count),
            Column("known", "Here", 5, align="right", priority=3, render=lambda p: Text(str(p.known))),
            Column("source", "Source", 16, priority=4, render=self._render_source),
        ]  # fmt: skip

    def _render_image_count(self, row: ImageRow) -> Text:
        if row.error is not None:
            return Text("✗ err", style=theme_style(self.app.theme_variables, "error"))
        return Text("…" if row.spurs is None else str(row.spurs))

    def _render_spur_id(self, spur: SpurInfoDetail) -> Text:
        if spur.id in self.deleting:
            return pending_cell("deleting", self.app.theme_variables)
        return Text(inert(spur.id))

    def _render_count(self, point: PointRow) -> Text:
        if point.count is None:
            return Text("…", style="dim")
        noun = "image" if point.count == 1 else "images"
        style = "" if point.count else theme_style(self.app.theme_variables, "warning")
        return Text(f"{point.count} {noun}", style=style)

    def _render_source(self, point: PointRow) -> Text:
        if point.imported and point.known:
            return Text("imported, spurred")
        return Text("imported" if point.imported else "spurred")

    def make_source(self) -> SpurSource:
        ctx = self.kapp.ctx
        workbench = Workbench(workbench_path(self.task_obj.task_id, ctx.gcp_dir, ctx.demo))
        warning = workbench.load()
        if warning is not None:
            self.notify(warning, title="Saved control points ignored", severity="warning")
        return SpurSource(ctx.client, self.task_obj.task_id, workbench)

    def mounted(self) -> None:
        self._show_images()
        self._show_points()
        self.table_for("images").focus()

    # -- the task's image codes and control points ----------------------------------------
    @property
    def workbench(self) -> Workbench:
        """The source's: the poll hub may give this view the source another view of the task
        made, and the lists it polls are the ones to change."""
        return self.source.workbench  # type: ignore[no-any-return]

    def _warn_unsaved(self, warning: str | None) -> None:
        if warning is not None:
            self.notify(warning, title="Could not save control points", severity="warning")

    # -- targets and gating ------------------------------------------------------------------
    def task_target(self, item_id: str | None = None, label: str | None = None) -> Target:
        """The task, or one of its spurs judged by the task's state (spurs have none)."""
        task = TASKS.target(self.task_obj)
        return replace(task, id=item_id or task.id, label=label or task.label)

    def selected_spur(self) -> SpurInfoDetail | None:
        spur: SpurInfoDetail | None = cursor_row(self.table_for("spurs"))
        # The cursor may rest on a row the image filter now hides.
        if spur is None or spur.image_code != self.selected_image():
            return None
        return spur

    def selected_image(self) -> str | None:
        row = cursor_row(self.table_for("images"))
        return None if row is None else str(row.code)

    def selection(self) -> list[Target]:
        spur = self.selected_spur()
        if spur is None:
            return []
        return [self.task_target(spur.id, f"spur {spur.id} on image {spur.image_code}")]

    def cursor_id(self) -> str | None:
        spur = self.selected_spur()
        return None if spur is None else spur.id

    def parent_targets(self) -> list[Target]:
        return [self.task_target()]

    def no_target_reason(self, action: Action) -> str:
        return "select a spur on an image first (o opens an image by its code)"

    def extra_denial(self, action: Action, targets: list[Target]) -> str | None:
        if action.name == "delete" and targets[0].id in self.deleting:
            return "this spur is already being deleted"
        if action.name == "marker":
            if not self.loaded:
                return "wait until the spurs have loaded"
            if not all_rows(self.table_for("spurs")) and not any(self.reading.counts.values()):
                return (
                    "cannot generate the marker file: the task has no spurs on the known "
                    "images and no control point is spurred; add spurs first"
                )
        return None

    def question_note(self, action: Action, targets: list[Target]) -> str:
        spur = self.selected_spur()
        if spur is None:
            return ""
        return f" (pixel {_text(spur.point_width)}, {_text(spur.point_height)})"

    # -- polling ---------------------------------------------------------------------------
    def apply_update(self, panel: Panel, update: PollUpdate[Any], replace: bool) -> None:
        self.reading = update.meta.get("reading") or SpurReading()
        self.deleting &= set(update.items)
        super().apply_update(panel, update, replace)

    def polled(self, update: PollUpdate[Any]) -> None:
        self._show_images()
        self._show_points()
        self._filter_spurs()

    def _show_images(self) -> None:
        if self.source is None:
            return
        rows = self.reading.image_rows(self.workbench.images)
        self.table_for("images").set_rows((row.code, row) for row in rows)

    def _show_points(self) -> None:
        if self.source is None:
            return
        rows = self.reading.point_rows(self.workbench.points, all_rows(self.table_for("spurs")))
        self.table_for("points").set_rows((row.row_id, row) for row in rows)

    def _filter_spurs(self) -> None:
        code = self.selected_image()
        self.table_for("spurs").say_filtered = False  # "no spurs" on this image, not "hidden"
        self.table_for("spurs").set_filter(lambda s: s.image_code == code)
        title = f"Spurs on image {inert(code)}" if code else "Spurs (open an image with o)"
        self.query_one("#spurs-title", Label).update(Text(title))

    @on(VirtualTable.CursorMoved, "#images")
    def _image_moved(self) -> None:
        self._filter_spurs()

    def summary_items(self) -> list[Text]:
        variables = self.app.theme_variables
        error = theme_style(variables, "error")
        items = [
            self.task_line(self.task_obj.task_type),
            Text(f"has spurs: {'yes' if self.task_obj.has_marker else 'no'}"),
        ]
        decision = self.kapp.ctx.runner.decide(self.task_target(), Op.EDIT_SPURS)
        if decision.allowed:
            items.append(Text("editing allowed", style="dim"))
        else:
            items.append(Text(decision.reason or "", style=theme_style(variables, "warning")))
        # An item of several lines stays whole, on lines of its own (each fits 80 columns).
        if self.source is not None and not self.workbench.images:
            items.append(
                Text(
                    "No image known yet (the API cannot list a task's images):\n"
                    "press o and type an image code, or add a spur with a."
                )
            )
        for code, message in list(self.reading.image_errors.items())[:3]:
            items.append(Text(f"image {inert(code)} (f forgets it): {inert(message)}", error))
        if self.import_errors:
            lines = Text("Last import refused, nothing imported:", style="bold")
            lines.append("".join(f"\n{line}" for line in self.import_errors), style=error)
            items.append(lines)
        return items

    # -- actions ---------------------------------------------------------------------------
    def remember_image(self, code: str) -> bool:
        if self.source is None:
            return False
        change = self.workbench.remember(code)
        if change.changed:
            self._warn_unsaved(change.unsaved)
            self._show_images()
        return change.changed

    def action_open_image(self) -> None:
        self.ask(
            PromptDialog(
                "Open an image",
                "Image code (the API cannot list a task's images; codes come from the image "
                "set or from spurs already placed):",
                placeholder="1790000000000000001",
            ),
            self.open_image,
        )

    def open_image(self, code: str) -> None:
        added = self.remember_image(code)
        self.table_for("images").move_cursor_to_key(code)
        self._filter_spurs()
        if added:
            self.poller.refresh_now()
        self.update_summary()

    def action_forget_image(self) -> None:
        """Drop a (mistyped) image code from the known list; nothing changes in the cloud."""
        code = self.selected_image()
        if code is None or self.source is None:
            self.notify("no image selected", severity="warning")
            return
        self._warn_unsaved(self.workbench.forget(code).unsaved)
        self._show_images()
        self._filter_spurs()
        self.poller.refresh_now()
        self.notify(f"image {inert(code)} forgotten (its spurs stay on the server)")

    def open_form(
        self, action: Action, targets: list[Target], proceed: Callable[[dict[str, Any]], None]
    ) -> None:
        prefill: dict[str, str] = {}
        image = self.selected_image()
        if image:
            prefill["image_code"] = image
        point: PointRow | None = cursor_row(self.table_for("points"))
        if point is not None:
            prefill.update(
                longitude=point.longitude,
                latitude=point.latitude,
                height=point.height,
                accuracy=point.accuracy,
            )
        t = self.task_obj

        def submitted(body: SpurInfo) -> None:
            proceed({"body": body, "done": f"spur added on image {inert(body.image_code)}"})

        self.ask(SpurForm(t.task_id, t.task_name or t.task_id, prefill), submitted)

    def action_import_points(self) -> None:
        self.ask(
            PromptDialog(
                "Import control points",
                "CSV/TXT file with columns name, x (longitude), y (latitude), height, accuracy; "
                "comma, tab or space separated; header optional. A file with any bad row is "
                "refused as a whole. The import replaces the current list.",
                placeholder="~/survey/gcp.csv",
            ),
            self.import_points,
        )

    def import_points(self, path_text: str) -> None:
        path = Path(path_text).expanduser()
        result = self.workbench.import_file(path)
        if result.unreadable is not None:
            self.notify(f"{inert(path)}: {inert(result.unreadable)}", title="Import failed",
                        severity="error")  # fmt: skip
            return
        self.import_errors = [inert(line) for line in result.refused]
        if result.refused:
            self.notify(
                "\n".join(self.import_errors),
                title=f"Import refused: nothing imported ({result.problems} problems)",
                severity="error",
                timeout=15,
            )
            self.update_summary()
            return
        self._warn_unsaved(result.unsaved)
        self._show_points()
        self.update_summary()
        replaced = f" (replacing {result.replaced})" if result.replaced else ""
        self.notify(f"imported {result.imported} control points{replaced}", timeout=5)
        self.poller.refresh_now()

    # -- outcomes ------------------------------------------------------------------------
    async def perform(
        self, action: Action, targets: list[Target], params: dict[str, Any]
    ) -> list[Outcome]:
        ids = {t.id for t in targets} if action.name == "delete" else set()
        self.deleting |= ids
        refresh_rows(self.table_for("spurs"), ids)
        outcomes = await super().perform(action, targets, params)
        failed = {o.target.id for o in outcomes if not o.ok and o.status != "unknown"}
        self.deleting -= ids & failed
        refresh_rows(self.table_for("spurs"), ids)
        return outcomes

    def after_action(self, action: Action, outcomes: list[Outcome], params: Any) -> None:
        body = params.get("body")
        if action.name == "add" and body is not None and any(o.ok for o in outcomes):
            self.remember_image(body.image_code)
            self.table_for("images").move_cursor_to_key(body.image_code)
