"""Data: oblique image sets, Real3D (refined) products and satellite images, with downloads.

Three tabs, each a VirtualTable fed by its own poll source (koomap_tui/services/sources/data.py;
the satellite list is read viewport first).

Downloads run in the session's `DownloadManager` (`ctx.downloads`, built with the session), so they
go on when the operator leaves this screen; the panel at the bottom shows them.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding

from koomap_tui.domain.catalog import ASK_BEFORE_DOWNLOAD_BYTES, Action
from koomap_tui.domain.policy import Kind, Op
from koomap_tui.domain.states import state_info, state_key
from koomap_tui.services.actions import Target
from koomap_tui.services.data_items import (
    download_dir,
    download_request,
    image_row_changes,
    image_rows,
    obs_locator,
    target_of,
)
from koomap_tui.services.downloads import (
    DestinationExists,
    DownloadError,
    DownloadManager,
    DownloadRequest,
    ObsLocator,
)
from koomap_tui.services.poller import PollSource, PollUpdate
from koomap_tui.services.sources.data import (
    FolderSource,
    ImageRow,
    ProductRow,
    ProductSource,
    SatelliteImageSource,
)
from koomap_tui.ui.format import fmt_bytes, fmt_time, inert
from koomap_tui.ui.screens.listview import ListScreen, Panel
from koomap_tui.ui.specs import FOLDERS, PRODUCTS, SATELLITE_IMAGES
from koomap_tui.ui.widgets.dialogs import ConfirmDialog
from koomap_tui.ui.widgets.downloads_panel import DownloadsPanel
from koomap_tui.ui.widgets.virtual_table import Column, VirtualTable


class ImagesScreen(ListScreen):
    BREADCRUMB = "data"
    view_key = "images"
    SPECS = (FOLDERS, PRODUCTS, SATELLITE_IMAGES)
    TABS = {"folders": "Image sets 倾斜影像", "products": "Products 成果",
            "images": "Satellite images 卫星影像"}  # fmt: skip
    BINDINGS = [
        Binding("c", "cancel_download", "Cancel dl"),
        Binding("C", "clear_downloads", "Clear done", show=False),
    ]

    # -- layout ----------------------------------------------------------------------------
    def make_table(self, panel: Panel, **kw: Any) -> VirtualTable:
        if panel.spec is SATELLITE_IMAGES:  # rows fill in page by page: no flash for each
            kw["flash_seconds"] = 0
        return super().make_table(panel, **kw)

    def compose_extra(self) -> ComposeResult:
        yield DownloadsPanel(self.downloads, id="downloads")

    def columns_of(self, panel: Panel) -> list[Column]:
        tab = panel.spec.table_id
        if tab == "folders":
            return self._folder_columns()
        return self._product_columns() if tab == "products" else self._image_columns()

    def _folder_columns(self) -> list[Column]:
        return [
            Column("name", "Name", 24, min_width=16, max_width=40, render=lambda f: Text(inert(f.folder_name)), sort_key=lambda f: (f.folder_name or "").lower()),
            Column("state", "State", 24, max_width=30, render=lambda f: self.state_words(Kind.FOLDER, f.folder_code, f.status, codes=True), sort_key=lambda f: state_key(f.status)),
            Column("alias", "Alias", 16, priority=2, render=lambda f: Text(inert(f.folder_alias))),
            Column("obs", "OBS path", 30, min_width=16, max_width=60, priority=3, render=lambda f: Text(inert(f.obs_path))),
            Column("created", "Created", 16, priority=4, render=lambda f: Text(fmt_time(f.create_time)), sort_key=lambda f: f.create_time.timestamp() if f.create_time else 0),
            Column("code", "Code", 20, priority=1, render=lambda f: Text(f.folder_code)),
        ]  # fmt: skip

    def _product_columns(self) -> list[Column]:
        return [
            Column("type", "Type", 8, priority=2, render=lambda r: Text("product" if r.kind is Kind.PRODUCT else "refined"), sort_key=lambda r: r.kind.value),
            Column("name", "Name", 22, min_width=14, max_width=40, render=lambda r: Text(inert(r.name)), sort_key=lambda r: r.name.lower()),
            Column("state", "State", 18, render=lambda r: self.state_words(r.kind, r.id, r.state), sort_key=lambda r: r.state),
            Column("size", "Size", 10, align="right", render=lambda r: Text(fmt_bytes(r.size)), sort_key=lambda r: r.size or 0),
            Column("files", "Files", 5, align="right", priority=4, render=lambda r: Text(str(r.file_count))),
            Column("task", "Task", 20, min_width=12, priority=3, render=lambda r: Text(inert(r.task_name))),
            Column("updated", "Updated", 16, priority=1, render=lambda r: Text(fmt_time(r.product.update_time)), sort_key=lambda r: r.product.update_time.timestamp() if r.product.update_time else 0),
            Column("id", "Id", 32, priority=5, render=lambda r: Text(r.id)),
        ]  # fmt: skip

    def _image_columns(self) -> list[Column]:
        return [
            Column("pos", "#", 6, align="right", render=lambda r: Text(str(r.position + 1), style="dim")),
            Column("name", "Name", 30, min_width=18, max_width=44, render=lambda i: self._image_cell(i, lambda x: Text(inert(x.image_name)))),
            Column("state", "State", 34, min_width=22, render=lambda i: self._image_cell(i, lambda x: self.state_words(Kind.SATELLITE_IMAGE, x.image_id, x.image_status, chinese=True))),
            Column("level", "Level", 5, priority=3, render=lambda i: self._image_cell(i, lambda x: Text(inert(x.image_level)))),
            Column("kind", "Type", 4, priority=4, render=lambda i: self._image_cell(i, lambda x: Text({"0": "PAN", "1": "MSS"}.get(state_key(x.image_type), inert(state_key(x.image_type)))))),
            Column("date", "Image date", 16, priority=2, render=lambda i: self._image_cell(i, lambda x: Text(fmt_time(x.image_date)))),
            Column("res", "Res", 5, priority=5, render=lambda i: self._image_cell(i, lambda x: Text(inert(x.image_resolution)))),
            Column("alias", "Alias", 18, min_width=12, priority=1, render=lambda i: self._image_cell(i, lambda x: Text(inert(x.image_alias)))),
            Column("id", "Id", 32, priority=6, render=lambda i: self._image_cell(i, lambda x: Text(x.image_id))),
        ]  # fmt: skip

    @staticmethod
    def _image_cell(row: ImageRow, render: Any) -> Text:
        if row.image is None:
            return Text("…", style="dim")
        result: Text = render(row.image)
        return result

    def state_words(
        self, kind: Kind, item_id: str, state: object, *, chinese: bool = False, codes: bool = False
    ) -> Text:
        """The state in words of both languages (and its code where the code is what people
        quote) rather than the API's word alone."""
        info = state_info(kind, state)
        if chinese or codes:
            words = f"{info.label_en} {info.label_zh}" + (f" ({info.state})" if codes else "")
        else:
            words = f"{inert(info.state)} {info.label_zh}"
        return self.state_text(kind, item_id, state, words)

    # -- lifecycle -------------------------------------------------------------------------
    def make_sources(self) -> dict[str, PollSource[Any] | None]:
        client = self.kapp.ctx.client
        return {
            "folders": FolderSource(client),
            "products": ProductSource(client),
            "images": SatelliteImageSource(client),
        }

    def mounted(self) -> None:
        self.set_interval(0.5, self._check_viewport)

    @property
    def downloads(self) -> DownloadManager:
        return self.kapp.ctx.downloads

    @property
    def active_tab(self) -> str:
        return self.panel.spec.table_id

    def remembered_as(self) -> None:
        return None  # the tabs' sort and filters are not kept across restarts

    # -- polling ---------------------------------------------------------------------------
    def apply_update(self, panel: Panel, update: PollUpdate[Any], replace: bool) -> None:
        if panel.spec is SATELLITE_IMAGES:
            self._apply_images(update)
        else:
            super().apply_update(panel, update, replace)

    def _apply_images(self, update: Any) -> None:
        table = self.table_for("images")
        total = int(update.meta.get("total", 0))
        if table.total_row_count == 0 and total:
            table.set_rows(image_rows(update.items, total).items())
        else:
            table.apply_changes(*image_row_changes(update, table.total_row_count))
        if not update.meta.get("complete", True):
            # Keep filling in the background; each cycle is bounded by the source's budget.
            self.set_timer(0.5, self.panels["images"].poller.refresh_now)

    def _check_viewport(self) -> None:
        """Ask for the satellite pages on screen as soon as the operator scrolls to them."""
        panel = self.panels["images"]
        if self.panel is not panel or panel.source is None:
            return
        keys = self.table_of(panel).visible_keys()
        if keys and panel.source.set_view(int(keys[0]), int(keys[-1])):
            panel.poller.refresh_now()

    def summary_items(self) -> list[Text]:
        tab = self.active_tab
        text = Text()
        source = self.panel.source
        if tab == "images":
            if source is not None and source.total is not None:
                text.append(f"{source.total} satellite images · {len(source.items)} loaded")
                if not source.complete:
                    text.append(" (loading the rest in the background)", style="dim")
        else:
            noun = "image sets" if tab == "folders" else "products and refined products"
            text.append(f"{self.table.total_row_count} {noun}")
        if self.table.row_count < self.table.total_row_count:  # a filter hides some
            text.append(f" · {self.table.row_count} shown")
        # Its own item: where the line breaks, it breaks between the two, not inside a path.
        return [text, Text(f"download to {download_dir(self.kapp.ctx.download_dir)}", style="dim")]

    # -- selection and gating --------------------------------------------------------------
    def current(self) -> Any:
        row = super().current()
        return row.image if isinstance(row, ImageRow) else row

    def no_target_reason(self, action: Action) -> str:
        loading = isinstance(super().current(), ImageRow)
        return "this row is still loading" if loading else "nothing selected"

    def extra_denial(self, action: Action, targets: list[Target]) -> str | None:
        if action.op is not Op.DOWNLOAD:
            return None
        if self.locator() is None:
            return "cannot download: no OBS endpoint is configured (obs_base_url)"
        if self.downloads.active_for(targets[0].kind, targets[0].id):
            return f"{inert(targets[0].label)} is already being downloaded"
        return None

    @on(VirtualTable.CursorMoved)
    def _viewport_moved(self) -> None:
        self._check_viewport()

    def open_row(self, row: Any) -> None:
        """Enter on a product or an image downloads it (through the same gate as `D`)."""
        if self.active_tab != "folders":
            self.press("download", "Download")

    def unoffered(self, node: Any) -> frozenset[str]:
        # An image set cannot be downloaded: on that tab Enter opens nothing, `c` cancels nothing.
        if self.active_tab == "folders":
            return frozenset({"select" if isinstance(node, VirtualTable) else "cancel_download"})
        return super().unoffered(node)

    # -- downloads -------------------------------------------------------------------------
    def locator(self) -> ObsLocator | None:
        ctx = self.kapp.ctx
        return obs_locator(ctx.obs_locator, ctx.demo, str(ctx.client.base_url))

    def begin(
        self, action: Action, targets: list[Target], params: dict[str, Any] | None = None
    ) -> None:
        if action.op is Op.DOWNLOAD:
            self.download(self.current(), confirmed=bool(params))
        else:
            super().begin(action, targets, params)

    def download(self, row: Any, *, confirmed: bool = False) -> None:
        """Asks first when the download is large or would overwrite files, then starts it."""
        try:
            request = download_request(
                row, self.locator(), download_dir(self.kapp.ctx.download_dir)
            )
        except DownloadError as exc:
            self.notify(str(exc), title="Download", severity="warning")
            return
        size = row.size if isinstance(row, ProductRow) else None
        if not confirmed and size is not None and size > ASK_BEFORE_DOWNLOAD_BYTES:
            question = f"Download {inert(request.label)} ({fmt_bytes(size)}) to {request.dest_dir}?"
            self.ask(
                ConfirmDialog(question, "Large download"),
                lambda _: self.download(row, confirmed=True),
            )
            return
        existing = self.downloads.existing(request)
        if not existing:
            self._start_download(request, overwrite=False)
            return
        where = existing[0] if len(existing) == 1 else request.dest_dir
        question = (
            f"{len(existing)} file(s) of {inert(request.label)} already exist in {where}. "
            "Overwrite them?"
        )
        self.ask(
            ConfirmDialog(question, "Overwrite?", danger=True),
            lambda _: self._start_download(request, overwrite=True),
        )

    def _start_download(self, request: DownloadRequest, *, overwrite: bool) -> None:
        try:
            self.downloads.start(request, overwrite=overwrite)
        except DestinationExists as exc:
            self.notify(str(exc), title="Download", severity="warning")
            return
        except DownloadError as exc:
            self.notify(str(exc), title="Download refused", severity="warning")
            return
        self.notify(f"downloading {inert(request.label)} to {request.dest_dir}")
        self.refresh_gates()

    def action_cancel_download(self) -> None:
        target = target_of(self.current())
        manager = self.downloads
        job = manager.active_for(target.kind, target.id) if target is not None else None
        if job is None:
            self.notify("no download of the selected item is running", severity="warning")
            return
        manager.cancel(job)

    def action_clear_downloads(self) -> None:
        manager = self.downloads
        before = len(manager.all())
        manager.forget_finished()
        self.query_one(DownloadsPanel).replace_all(manager.all())
        cleared = before - len(manager.all())
        if cleared:
            self.notify(f"cleared {cleared} finished download(s)", timeout=3)
        else:
            self.notify("no finished download to clear", timeout=3)
