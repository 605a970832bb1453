"""The one list view: a live table of one resource kind, described by a `ResourceSpec`.

It owns what every table of the console does alike: the layout (header, summary line, table,
filter box, freshness bar, footer), poll handling, the `/` filter, the `1`-`5` quick filters,
sorting (`o` next column, `O` reverse), marks (space) and what a filter hides of them, pending
marks in the state column, refresh (`r`) and back (Esc), and the catalogue actions of the kind
(judged on the cursor row or the marked rows as they are when the key is handled).

A view subclass gives its spec, its columns and its poll source, and keeps only what is
particular to it; see "Adding a view" in docs/architecture.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input

from koomap_tui.api.models import BadRow
from koomap_tui.domain.catalog import Scope
from koomap_tui.domain.policy import Decision, Kind
from koomap_tui.domain.states import state_info, state_key
from koomap_tui.services.actions import Target
from koomap_tui.services.poller import PollSource, PollUpdate
from koomap_tui.ui.format import inert
from koomap_tui.ui.polling import PollUpdated
from koomap_tui.ui.screens.base import ConsoleScreen, Gate
from koomap_tui.ui.screens.unreadable import UnreadableRow, tolerant_columns
from koomap_tui.ui.tablekit import all_rows, refresh_rows, row_or_none
from koomap_tui.ui.themes import state_style, theme_style
from koomap_tui.ui.widgets.console_footer import ConsoleFooter
from koomap_tui.ui.widgets.freshness import FreshnessBar
from koomap_tui.ui.widgets.header_bar import HeaderBar
from koomap_tui.ui.widgets.state_text import pending_cell
from koomap_tui.ui.widgets.summary_line import SummaryLine
from koomap_tui.ui.widgets.virtual_table import Column, VirtualTable

QuickFilters = Mapping[str, tuple[str, frozenset[str] | None]]


@dataclass(frozen=True)
class ResourceSpec:
    """What the list view needs to know about one kind of row."""

    kind: Kind | None  # None: rows that are not acted on (usage)
    table_id: str
    key: Callable[[Any], str]
    label: Callable[[Any], str]
    search: Callable[[Any], str]  # the text `/` matches (lower-cased here)
    state: Callable[[Any], object] | None = None
    attrs: Callable[[Any], Mapping[str, str]] = lambda row: {}
    quick: QuickFilters = field(default_factory=dict)
    empty_text: str = "(none)"
    filter_hint: str = "filter by name or id (Enter keeps, Esc clears)"

    @classmethod
    def of(cls, kind: Kind, table_id: str, fields: str, **kw: Any) -> ResourceSpec:
        """A spec from the model's field names, "id name status": keyed by id, labelled by
        name (else id), searched by both, stateful by status."""
        id_, name, status = fields.split()

        def label(row: Any) -> str:
            return str(getattr(row, name) or getattr(row, id_))

        kw.setdefault("state", lambda row: getattr(row, status))
        kw.setdefault("search", lambda row: f"{getattr(row, name) or ''} {getattr(row, id_)}")
        return cls(
            kind=kind, table_id=table_id, key=lambda row: str(getattr(row, id_)), label=label, **kw
        )

    def target(self, row: Any) -> Target:
        assert self.kind is not None
        state = state_key(self.state(row)) if self.state is not None else ""
        return Target(self.kind, self.key(row), state, self.label(row), self.attrs(row))


def quick_bindings(quick: QuickFilters) -> list[Binding]:
    return [
        Binding(
            key,
            f"quick('{key}')",
            f"Show {label} only" if states else "Show all states",
            show=False,
        )
        for key, (label, states) in quick.items()
    ]


class TableControls(ConsoleScreen):
    """`/` filter and `o`/`O` sort over the screen's `table`.

    The screen composes an `Input(id="filter")` and may override `search_text` and
    `quick_states`.
    """

    CONTROL_KEYS: ClassVar[list[Binding]] = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("o", "sort_next", "Sort by next column", show=False),
        Binding("O", "sort_reverse", "Reverse sort", show=False),
    ]
    _text_filter: str = ""
    _sort_reverse: bool = False

    @property
    def table(self) -> VirtualTable:
        raise NotImplementedError

    def update_summary(self) -> None:
        """Say on the summary line what the filters show."""

    def search_text(self, row: Any) -> str:
        return ""

    def quick_states(self) -> frozenset[str] | None:
        return None

    def row_state(self, row: Any) -> str:
        return ""

    def state_text(self, kind: Kind, item_id: str, state: object, words: str | None = None) -> Text:
        """Glyph and state words (the API's own by default) in the state's theme colour; while
        an action is in flight, its pending mark."""
        runner = self.kapp.ctx.runner
        variables = self.app.theme_variables
        pending = runner.pending_for(kind, item_id)
        if pending is not None:
            return pending_cell(pending.verb, variables, expired=pending.expired(runner.now()))
        info = state_info(kind, state)
        shown = inert(info.state) if words is None else words
        cell = Text(f"{info.glyph} {shown}", style=state_style(variables, info.slug))
        doubt = runner.doubt_for(kind, item_id)
        if doubt is not None:  # an action whose outcome is unknown, and the state has not moved
            warn = theme_style(variables, "warning", fallback="freshness-warn", bold=True)
            cell.append(f" ⚠ {doubt.warning}", style=warn)
        return cell

    def action_back(self) -> None:
        if self.close_filter(clear=True):
            return
        self.kapp.go_back()

    def action_sort_next(self) -> None:
        # Cycles through the columns on screen: a sort arrow is never on a hidden column.
        keys = [column.key for column in self.table.shown_columns]
        current = self.table.sort_column
        index = keys.index(current) if current in keys else -1
        self.table.sort_by(keys[(index + 1) % len(keys)], self._sort_reverse)

    def action_sort_reverse(self) -> None:
        self._sort_reverse = not self._sort_reverse
        if self.table.sort_column is not None:
            self.table.sort_by(self.table.sort_column, self._sort_reverse)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.value = self._text_filter
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self._text_filter = event.value.strip()
            self.apply_filter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.close_filter(clear=False)

    def close_filter(self, clear: bool) -> bool:
        """Hide the filter box (Esc also clears it); False when it was not open."""
        box = self.query_one("#filter", Input)
        if not box.display:
            return False
        if clear:
            self._text_filter = ""
            self.apply_filter()
        box.display = False
        self.table.focus()
        return True

    def apply_filter(self) -> None:
        needle = self._text_filter.lower()
        states = self.quick_states()

        def predicate(row: Any) -> bool:
            if states is not None and self.row_state(row) not in states:
                return False
            return not needle or needle in self.search_text(row).lower()

        self.table.set_filter(None if states is None and not needle else predicate)
        self.update_summary()
        self.refresh_gates()


LIST_KEYS = [
    Binding("escape", "back", "Back", show=False),
    Binding("r", "refresh", "Refresh"),
    *TableControls.CONTROL_KEYS,
]


class ListScreen(TableControls):
    SPEC: ClassVar[ResourceSpec]
    SHOW_FRESHNESS: ClassVar[bool] = True
    QUICK_NAME: ClassVar[str] = "filter"  # what the quick filters choose, on the summary line

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Every list's own keys first (the footer reads left to right), then the common ones,
        # then the quick filters.
        own = [
            b
            for b in cls.__dict__.get("BINDINGS", [])
            if not getattr(b, "action", "").startswith("quick(")
        ]
        quick = quick_bindings(cls.SPEC.quick) if hasattr(cls, "SPEC") else []
        cls.BINDINGS = [*own, *LIST_KEYS, *quick]
        super().__init_subclass__(**kwargs)

    @property
    def accepts_cached_rows(self) -> bool:
        """A source read before opens with its last rows at once (ui/polling.py); only where
        the freshness bar is there to say they are cached."""
        return self.SHOW_FRESHNESS

    def __init__(self) -> None:
        super().__init__()
        self.source: Any = None
        self.poller: Any = None
        self.loaded = False
        self._quick = next(iter(self.SPEC.quick), "")
        #: Rows of the last answer that could not be parsed, by id: shown marked, never acted on.
        self.unreadable: dict[str, BadRow] = {}

    # -- what a view provides --------------------------------------------------------------
    def columns(self) -> list[Column]:
        raise NotImplementedError

    def make_source(self) -> PollSource[Any] | None:
        return None

    def compose_extra(self) -> Iterable[Widget]:
        """Widgets under the table (a detail line, a chart)."""
        return ()

    def summary_items(self) -> list[Text]:
        return []

    def polled(self, update: PollUpdate[Any]) -> None:
        """After an update of the view's own source was applied."""

    def other_update(self, update: PollUpdate[Any]) -> None:
        """An update of another source this view attached (the parent task…)."""

    def open_row(self, row: Any) -> None:
        """Enter on a row."""

    def mounted(self) -> None:
        """After the list view has mounted (a view's own `on_mount` would run before it)."""

    # -- layout and lifecycle --------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with Vertical(id="body"):
            yield SummaryLine(id="summary")
            yield VirtualTable(
                tolerant_columns(self.columns(), self._unreadable_style),
                id=self.SPEC.table_id,
                empty_text=self.SPEC.empty_text,
            )
            yield from self.compose_extra()
            yield Input(placeholder=self.SPEC.filter_hint, id="filter")
        if self.SHOW_FRESHNESS:
            yield FreshnessBar(id="freshness")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.table.focus()
        self.query_one("#filter", Input).display = False
        self.source = self.make_source()
        if self.source is not None:
            self.poller = self.attach_source(self.source)
        ws = self.kapp.current_workspace
        if hasattr(self, "workspace_id"):  # views of one workspace name it in the header
            self.query_one(HeaderBar).workspace = ws[1] if ws else self.workspace_id
        self.set_interval(5.0, self._check_pending_timeouts)
        self.mounted()
        self._restore_table()
        self.update_summary()

    # -- remembered sort and filters (issue 13 §5) --------------------------------------------
    def remembered_as(self) -> str | None:
        """The view's name in the remembered state ("tasks" for every workspace's table)."""
        key = getattr(self, "view_key", None)
        return key.split(":", 1)[0] if isinstance(key, str) and key else None

    def _restore_table(self) -> None:
        store, view = self.kapp.ctx.remember, self.remembered_as()
        if store is None or view is None or view in store.restored:
            return
        store.restored.add(view)
        state = store.table(view)
        if state.get("quick") in self.SPEC.quick:
            self._quick = str(state["quick"])
        self._text_filter = str(state.get("filter", ""))
        self._sort_reverse = state.get("reverse") is True
        column = state.get("sort")
        if column in {c.key for c in self.table.columns}:
            self.table.sort_by(str(column), self._sort_reverse)
        if self._text_filter or state.get("quick"):
            self.apply_filter()

    def remember_table(self) -> None:
        store, view = self.kapp.ctx.remember, self.remembered_as()
        if store is None or view is None:
            return
        store.update_table(
            view,
            sort=self.table.sort_column,
            reverse=self._sort_reverse,
            quick=self._quick or None,
            filter=self._text_filter,
        )

    @property
    def table(self) -> VirtualTable:
        table: VirtualTable = self.query_one(f"#{self.SPEC.table_id}", VirtualTable)
        return table

    def rows(self) -> list[Any]:
        """The rows read well (an unreadable row has no fields to count or act on)."""
        rows = all_rows(self.table)
        if not self.unreadable:
            return rows
        return [r for r in rows if not isinstance(r, UnreadableRow)]

    # -- polling ---------------------------------------------------------------------------
    def on_poll_updated(self, message: PollUpdated) -> None:
        message.stop()
        update = message.update
        if self.source is None or update.source != self.source.key:
            self.other_update(update)
            return
        spec = self.SPEC
        state = spec.state if spec.state is not None else (lambda row: "")
        replace = len(update.added) == len(update.items)  # the first answer, or a reload
        if spec.kind is None:
            ok = self.apply_poll(update, self.table, Kind.WORKSPACE, state, replace=True)
        else:
            ok = self.apply_poll(update, self.table, spec.kind, state, replace=replace)
        if not ok:
            if not self.loaded and update.error is not None:
                # Nothing was ever read: say why instead of "(loading…)" for good.
                self.table.empty_text = f"(could not load: {inert(str(update.error))} — r retries)"
                self.table.refresh()
            return
        self.table.empty_text = spec.empty_text
        self._show_unreadable(update, replaced=replace or spec.kind is None)
        self.loaded = True
        self.polled(update)
        self.update_summary()
        self.refresh_gates()

    def _unreadable_style(self) -> str:
        return str(theme_style(self.app.theme_variables, "warning", fallback="freshness-warn"))

    def _show_unreadable(self, update: PollUpdate[Any], *, replaced: bool) -> None:
        """Rows that failed to parse stay in the table, marked; a row read well replaces its."""
        bad = {
            b.key: b
            for b in update.meta.get("bad_rows") or ()
            if isinstance(b, BadRow) and b.key and b.key not in update.items
        }
        if not bad and not self.unreadable:
            return
        gone = set() if replaced else set(self.unreadable) - set(bad) - set(update.items)
        added = {k: UnreadableRow(b) for k, b in bad.items()}
        known = {k for k in self.unreadable if k in bad}
        changed = {k: added.pop(k) for k in known if not replaced}
        self.unreadable = bad
        self.table.apply_changes(added, changed, gone)

    def unreadable_reason(self) -> str | None:
        """Why the selection cannot be acted on: one of its rows could not be read."""
        for target in self.selection():
            bad = self.unreadable.get(target.id)
            if bad is not None:
                return f"{inert(bad.key)} is unreadable ({inert(bad.describe())}): nothing is sent"
        return None

    def gate(self, name: str) -> Gate:
        gate = super().gate(name)
        if gate.action is None or gate.action.scope is Scope.PARENT or not self.unreadable:
            return gate
        reason = self.unreadable_reason()
        if reason is None:
            return gate
        return Gate(gate.action, Decision(False, reason), [])

    def _check_pending_timeouts(self) -> None:
        expired = {k for kind, k in self.kapp.ctx.runner.expired() if kind is self.SPEC.kind}
        if expired:
            refresh_rows(self.table, expired)

    def state_cell(self, row: Any) -> Text:
        spec = self.SPEC
        assert spec.kind is not None and spec.state is not None
        return self.state_text(spec.kind, spec.key(row), spec.state(row))

    def state_counts(self) -> dict[str, int]:
        state = self.SPEC.state
        assert state is not None
        return dict(Counter(state_key(state(row)) for row in self.rows()))

    # -- summary ---------------------------------------------------------------------------
    def update_summary(self) -> None:
        items = self.summary_items()
        flags = []
        if self.SPEC.quick:
            flags.append(f"{self.QUICK_NAME}: {self.SPEC.quick[self._quick][0]}")
        if self._text_filter:
            flags.append(f"/{self._text_filter}")
        flags.extend(self.summary_flags())
        flags.extend(self.doubt_flags())
        marked = self.table.marked_keys
        if marked:
            flags.append(f"{len(marked)} marked")
            hidden = len(self.hidden_ids())
            if hidden:
                flags.append(f"{hidden} marked row{'s' if hidden > 1 else ''} hidden by the filter")
        if flags:
            items.append(Text("[" + " · ".join(flags) + "]", style="dim"))
        self.query_one("#summary", SummaryLine).show_items(items)

    def summary_flags(self) -> list[str]:
        return []

    def doubt_flags(self) -> list[str]:
        """Unknown outcomes a fresh poll showed had no effect, on rows of this view."""
        kind = self.SPEC.kind
        if kind is None:
            return []
        runner = self.kapp.ctx.runner
        shown = {self.SPEC.key(row) for row in self.rows()}
        return [
            f"⚠ {d.warning}"
            for (k, item_id), d in runner.doubts.items()
            if k is kind and item_id in shown
        ]

    # -- selection -------------------------------------------------------------------------
    def selection(self) -> list[Target]:
        if self.SPEC.kind is None:
            return []
        table = self.table
        keys = list(table.marked_keys) or ([table.cursor_key] if table.cursor_key else [])
        rows = [row_or_none(table, k) for k in keys]
        return [self.SPEC.target(r) for r in rows if r is not None]

    def cursor_id(self) -> str | None:
        row = self.current()
        return None if row is None else self.SPEC.key(row)

    def current(self) -> Any:
        return row_or_none(self.table, self.table.cursor_key)

    def hidden_ids(self) -> set[str]:
        table = self.table
        shown = set(table.keys_in_order())
        return {k for k in table.marked_keys if k not in shown}

    def targets_changed(self, targets: Iterable[Target]) -> None:
        refresh_rows(self.table, {t.id for t in targets})

    def call_args(self) -> dict[str, Any]:
        return {}

    @on(VirtualTable.CursorMoved)
    def _cursor_moved(self) -> None:
        self.refresh_gates()

    @on(VirtualTable.MarksChanged)
    def _marks_changed(self) -> None:
        self.update_summary()
        self.refresh_gates()

    @on(VirtualTable.Selected)
    def _selected(self, message: VirtualTable.Selected) -> None:
        row = row_or_none(self.table, message.key)
        if row is not None:
            self.open_row(row)

    # -- view actions ----------------------------------------------------------------------
    def action_refresh(self) -> None:
        if self.source is not None and hasattr(self.source, "force_full"):
            self.source.force_full = True
        self.refresh_data()
        self.notify("refreshing…", timeout=1.5)

    def action_quick(self, key: str) -> None:
        self._quick = key
        self.apply_filter()
        self.remember_table()

    def action_sort_next(self) -> None:
        super().action_sort_next()
        self.remember_table()

    def action_sort_reverse(self) -> None:
        super().action_sort_reverse()
        self.remember_table()

    def close_filter(self, clear: bool) -> bool:
        closed = super().close_filter(clear)
        if closed:
            self.remember_table()
        return closed

    def search_text(self, row: Any) -> str:
        return self.SPEC.search(row)

    def quick_states(self) -> frozenset[str] | None:
        return self.SPEC.quick[self._quick][1] if self.SPEC.quick else None

    def row_state(self, row: Any) -> str:
        return state_key(self.SPEC.state(row)) if self.SPEC.state is not None else ""
