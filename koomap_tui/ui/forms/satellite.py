"""Satellite task forms: pick raw images, validate them, create a processing task.

The create form validates first and builds its alias rows from the answer; the rules of what
may be sent are in koomap_tui/domain/satellite_task.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, DataTable, Input, Label, Select, SelectionList, Static

from koomap_tui.api.errors import KooMapError
from koomap_tui.api.models import (
    ImageCheckRequest,
    ImageCheckResult,
    ImageInfo,
    ImageInfoQuery,
    SatelliteTaskCreate,
)
from koomap_tui.domain.satellite_task import create_body, product_names, results_summary
from koomap_tui.ui.format import inert
from koomap_tui.ui.forms.base import FormScreen, validation_message

LEVELS = ["L2", "L3", "L4", "L5"]
PICK_LIMIT = 100  # one page of the image list; a name filter narrows larger tenants

# The fields scroll; the buttons sit below them, always in view (at 80x24 too).
_FORM_CSS = """
{cls} { align: center middle; }
{cls} > #form { width: 110; max-width: 100%; height: 100%; max-height: 100%;
    border: thick $primary; background: $surface; padding: 0 1; }
{cls} #fields { height: 1fr; }
{cls} Grid { grid-size: 2; grid-columns: 20 1fr; height: auto; grid-rows: 3; }
{cls} Label { padding: 1 0 0 0; }
{cls} .title { text-style: bold; padding: 0; }
{cls} #errors { color: $error; height: auto; }
{cls} #results { height: auto; max-height: 12; }
{cls} #products { height: auto; }
{cls} .product-row { height: 3; }
{cls} .product-row Label { width: 30; }
{cls} .product-row Input { width: 1fr; }
{cls} Horizontal.buttons { height: 3; align: right middle; }
"""
PICKED = "[x]"  # the selection in words, not colour only (the list's own toggle is coloured)
NOT_PICKED = "[ ]"


def _type_word(image: ImageInfo) -> str:
    kind = str(getattr(image.image_type, "value", image.image_type) or "")
    return {"0": "PAN", "1": "MSS"}.get(kind, kind or "?")


class ImagePicker(Vertical):
    """Usable raw images of the tenant (ListImageBaseInfo, image_status 0, is_product 0).

    The selection is kept across name filters, so an operator can narrow, pick, narrow again.
    """

    DEFAULT_CSS = """
    ImagePicker { height: auto; }
    ImagePicker SelectionList { height: 10; }
    ImagePicker #picker-status { color: $text-muted; height: 1; }
    """

    def __init__(self, selected: Iterable[str] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.selected: list[str] = list(dict.fromkeys(selected))
        self.images: dict[str, ImageInfo] = {}
        self._populating = False
        self.loaded = False
        self.shown_count = 0
        self.total = 0

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter images by name (Enter)", id="image-filter")
        yield SelectionList[str](id="image-list")
        yield Static("loading images…", id="picker-status", markup=False)

    def on_mount(self) -> None:
        self.load("")

    @work(exclusive=True, exit_on_error=False, group="images")
    async def load(self, name: str) -> None:
        client = self.app.ctx.client  # type: ignore[attr-defined]
        query = ImageInfoQuery(image_status="0", is_product="0", image_name=name or None)
        status = self.query_one("#picker-status", Static)
        try:
            page = await client.list_image_base_info(query, offset=0, limit=PICK_LIMIT)
        except (KooMapError, ValidationError) as exc:
            status.update(Text(f"cannot list images: {inert(exc)}", style="red"))
            return
        for image in page.data_info:
            self.images[image.image_id] = image
        self._populate(page.data_info)
        self.shown_count, self.total = len(page.data_info), page.page.total
        self.loaded = True
        self._show_status()

    def _show_status(self) -> None:
        more = ""
        if self.total > self.shown_count:
            more = f" (showing {self.shown_count} of {self.total}; filter by name)"
        self.query_one("#picker-status", Static).update(
            f"{self.total} usable raw image(s){more} · {len(self.selected)} selected"
            " · space toggles"
        )

    def _populate(self, images: list[ImageInfo]) -> None:
        listing = self.query_one("#image-list", SelectionList)
        self._populating = True
        try:
            listing.clear_options()
            chosen = set(self.selected)
            shown = list(images)
            # Keep chosen images on the list even when the filter hides them.
            shown_ids = {i.image_id for i in shown}
            shown += [
                self.images[k] for k in self.selected if k in self.images and k not in shown_ids
            ]
            listing.add_options(
                (self._prompt(i, i.image_id in chosen), i.image_id, i.image_id in chosen)
                for i in shown
            )
        finally:
            self._populating = False

    @staticmethod
    def _prompt(image: ImageInfo, picked: bool) -> Text:
        return Text(
            f"{PICKED if picked else NOT_PICKED} {inert(image.image_name)}"
            f"  [{_type_word(image)} {inert(image.image_level)}]  {image.image_id}"
        )

    def _mark_picked(self) -> None:
        """Rewrite each shown row's [x] / [ ] after the selection changed."""
        listing = self.query_one("#image-list", SelectionList)
        chosen = set(self.selected)
        for index in range(listing.option_count):
            image = self.images.get(listing.get_option_at_index(index).value)
            if image is not None:
                prompt = self._prompt(image, image.image_id in chosen)
                listing.replace_option_prompt_at_index(index, prompt)

    @on(Input.Submitted, "#image-filter")
    def _filter(self, event: Input.Submitted) -> None:
        event.stop()
        self.load(event.value.strip())

    @on(SelectionList.SelectedChanged, "#image-list")
    def _changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        if self._populating:
            return
        listing = event.selection_list
        now = set(listing.selected)
        shown = {listing.get_option_at_index(i).value for i in range(listing.option_count)}
        kept = [k for k in self.selected if k not in shown or k in now]
        kept += [k for k in listing.selected if k not in kept]
        self.selected = kept
        self._mark_picked()
        self._show_status()
        self.post_message(self.Changed())

    def select_ids(self, ids: Iterable[str]) -> None:
        """Select images by id (tests and pre-filled dialogs)."""
        listing = self.query_one("#image-list", SelectionList)
        shown = {listing.get_option_at_index(i).value for i in range(listing.option_count)}
        for image_id in ids:
            if image_id not in self.selected:
                self.selected.append(image_id)
            if image_id in shown:  # one not on the current page stays in `selected` all the same
                listing.select(image_id)
        self._mark_picked()
        self._show_status()

    class Changed(Message):
        """The selection changed."""


class ResultsTable(DataTable[Text]):
    """ValidateImage's per-file verdicts: result, product image name, data id, message."""

    def on_mount(self) -> None:
        self.add_columns("Result", "Product image name", "Data id", "Error message")
        self.cursor_type = "row"

    def show(self, results: list[ImageCheckResult]) -> None:
        self.clear()
        for r in results:
            mark = Text("✓ ok", style="green") if r.ok else Text("✗ error", style="bold red")
            self.add_row(
                mark,
                Text(inert(r.name)),
                Text(inert(r.data_id)),
                Text(inert(r.error_message) if r.error_message else "—"),
            )


class _ValidatingForm(FormScreen[Any], inherit_css=False, inherit_bindings=False):
    """What the two share besides `FormScreen`: the picker, the level and coordinate fields,
    and the results table. Their layout scrolls, so not the plain form's CSS."""

    def __init__(self, selected: Iterable[str] = (), level: str = "L2") -> None:
        super().__init__()
        self.preselected = list(selected)
        self.level = level if level in LEVELS else "L2"
        self.results: list[ImageCheckResult] | None = None
        self.validated_key: tuple[Any, ...] | None = None

    def on_mount(self) -> None:
        # The first field, not the scrolling container Textual would pick: typed text lands.
        self.query_one("#task_name", Input).focus()

    @property
    def picker(self) -> ImagePicker:
        return self.query_one(ImagePicker)

    def validation_key(self) -> tuple[Any, ...]:
        return (
            tuple(self.picker.selected),
            self.value("production_level"),
            self.value("task_name"),
            self.value("coordination"),
        )

    def check_request(self) -> ImageCheckRequest:
        return ImageCheckRequest.model_validate(
            {
                "data_ids": list(self.picker.selected),
                "production_level": self.value("production_level"),
                "task_name": self.value("task_name"),
                "coordination": self.value("coordination"),
            }
        )

    def action_validate(self) -> None:
        try:
            request = self.check_request()
        except ValidationError as exc:
            self.show_errors(validation_message(exc))
            return
        self.show_errors("")
        self.query_one("#verdict", Static).update("validating…")
        self._validate(request, self.validation_key())

    @work(exclusive=True, exit_on_error=False, group="validate")
    async def _validate(self, request: ImageCheckRequest, key: tuple[Any, ...]) -> None:
        client = self.app.ctx.client  # type: ignore[attr-defined]
        try:
            # A 400 with the per-file array is a result: the client returns it.
            results: list[ImageCheckResult] = await client.validate_image(request)
        except KooMapError as exc:
            self.query_one("#verdict", Static).update("")
            self.show_errors(f"ValidateImage failed: {inert(exc)}")
            return
        self.results = results
        self.validated_key = key
        self.query_one(ResultsTable).show(results)
        ok = bool(results) and all(r.ok for r in results)
        self.query_one("#verdict", Static).update(
            Text(results_summary(results), style="green" if ok else "bold red")
        )
        self.validated(results)

    def validated(self, results: list[ImageCheckResult]) -> None:
        """Hook for the create form."""

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "validate":
            event.stop()
            self.action_validate()
        else:
            super().on_button_pressed(event)


class ValidateDialog(_ValidatingForm):
    """`v`: check a selection of raw image files and show the per-file result."""

    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        Binding("f5", "validate", "Validate"),
    ]
    DEFAULT_CSS = _FORM_CSS.replace("{cls}", "ValidateDialog")

    def __init__(self, selected: Iterable[str] = (), level: str = "L2", name: str = "") -> None:
        super().__init__(selected, level)
        self.name_hint = name or "image_check"

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            with VerticalScroll(id="fields"):
                yield Static("Validate raw image files (ValidateImage)", classes="title")
                with Grid():
                    yield Label("Check as task name")
                    yield Input(self.name_hint, id="task_name")
                    yield Label("Production level")
                    yield Select(
                        [(v, v) for v in LEVELS], value=self.level, id="production_level",
                        allow_blank=False,
                    )  # fmt: skip
                    yield Label("Coordinate system")
                    yield Input("WGS84", id="coordination")
                yield ImagePicker(self.preselected)
                yield Static("", id="errors")
                yield Static("", id="verdict")
                yield ResultsTable(id="results")
            with Horizontal(classes="buttons"):
                yield Button("Close (Esc)", id="cancel")
                yield Button("Validate (F5)", id="validate", variant="primary")


class SatelliteCreateForm(_ValidatingForm):
    """`n`: CreateTask. Validates the images first; alias rows come from the validation."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("f5", "validate", "Validate"),
        Binding("ctrl+s", "save", "Create"),
    ]
    DEFAULT_CSS = _FORM_CSS.replace("{cls}", "SatelliteCreateForm")

    def __init__(self, workspace_id: str, selected: Iterable[str] = ()) -> None:
        super().__init__(selected, "L2")
        self.workspace_id = workspace_id
        self.product_names: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            with VerticalScroll(id="fields"):
                yield Static("New satellite processing task (ORSIP)", classes="title")
                with Grid():
                    yield Label("Name (1-50)")
                    yield Input("", id="task_name", placeholder="Chinese, letters, digits, _")
                    yield Label("Description")
                    yield Input("", id="task_description")
                    yield Label("Production level")
                    yield Select(
                        [("L2 colour + coarse correction", "L2"),
                         ("L3 colour + fine correction", "L3"),
                         ("L4 orthorectification", "L4"), ("L5 mosaicking", "L5")],
                        value="L2", id="production_level", allow_blank=False,
                    )  # fmt: skip
                    yield Label("Coordinate system")
                    yield Input("WGS84", id="coordination")
                yield Static("Raw image files (usable only):", classes="title")
                yield ImagePicker(self.preselected)
                yield Static("", id="verdict")
                yield ResultsTable(id="results")
                yield Static("Product images (from the validation): alias and description")
                yield Vertical(id="products")
                with Grid():
                    yield Label("CSV material ids")
                    yield Input(
                        "", id="csv_ids", placeholder="comma-separated 32-char ids (optional)"
                    )
                    yield Label("Clip by vector")
                    yield Checkbox("isClip", id="is_clip")
                    yield Label("Vector file id")
                    yield Input(
                        "", id="shape_id", placeholder="32-char shape id; needed with isClip"
                    )
                    yield Label("Pyramid tiling")
                    yield Checkbox("isTile", id="is_tile")
                yield Static("", id="errors")
            with Horizontal(classes="buttons"):
                yield Button("Cancel (Esc)", id="cancel")
                yield Button("Validate (F5)", id="validate")
                yield Button("Create (ctrl+s)", id="save", variant="primary")

    def validated(self, results: list[ImageCheckResult]) -> None:
        names = self.product_names = product_names(results)
        box = self.query_one("#products", Vertical)
        box.remove_children()
        rows = []
        for i, name in enumerate(names):
            rows.append(
                Horizontal(
                    Label(inert(name), markup=False),
                    Input(name, id=f"alias-{i}", placeholder="alias"),
                    Input("", id=f"desc-{i}", placeholder="description (optional)"),
                    classes="product-row",
                )
            )
        if rows:
            box.mount(*rows)

    def build(self) -> SatelliteTaskCreate:
        fields = ("task_name", "task_description", "production_level", "coordination")
        values = {f: self.value(f) for f in (*fields, "csv_ids", "shape_id", "is_clip", "is_tile")}
        products = {
            name: (self.value(f"alias-{i}"), self.value(f"desc-{i}"))
            for i, name in enumerate(self.product_names)
        }
        return create_body(
            self.workspace_id,
            self.picker.selected,
            values,
            products,
            self.results,
            still_validated=self.validated_key == self.validation_key(),
        )
