"""The one list view: live tables of resources, each described by a `ResourceSpec`
(ui/specs.py, the registry of kinds).

It owns what every table of the console does alike: the layout (header, summary line, tables,
filter box, freshness bar, footer), poll handling, the `/` filter, the `1`-`5` quick filters,
sorting (`o` next column, `O` reverse), marks (space) and what a filter hides of them, pending
marks in the state column, refresh (`r`) and back (Esc), and the catalogue actions of the kind
(judged on the cursor row or the marked rows as they are when the key is handled).

A view shows one table (`SPEC`) or several (`SPECS`: tabs, panes); each table is a `Panel` with
its own source, filter, sort and unreadable rows, and the keys act on the active one. `TABS`
shows them one at a time under a strip of their titles (`1`…, or a click, chooses one). A view
subclass gives its specs, its columns and its poll sources, and keeps only what is particular
to it; see "Adding a view" in docs/architecture.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Static

from koomap_tui.api.models import BadRow
from koomap_tui.domain.catalog import Scope
from koomap_tui.domain.policy import Decision, Kind
from koomap_tui.domain.states import state_info, state_key
from koomap_tui.services.actions import Target
from koomap_tui.services.poller import PollSource, PollUpdate
from koomap_tui.ui.format import inert
from koomap_tui.ui.polling import PollUpdated
from koomap_tui.ui.render.unreadable import UnreadableRow, tolerant_columns
from koomap_tui.ui.screens.base import ConsoleScreen, Gate, action_bindings
from koomap_tui.ui.specs import QuickFilters, ResourceSpec
from koomap_tui.ui.tablekit import all_rows, cursor_row, refresh_rows, row_or_none
from koomap_tui.ui.themes import state_style, theme_style
from koomap_tui.ui.widgets.console_footer import ConsoleFooter
from koomap_tui.ui.widgets.freshness import FreshnessBar
from koomap_tui.ui.widgets.header_bar import HeaderBar
from koomap_tui.ui.widgets.state_text import pending_cell
from koomap_tui.ui.widgets.summary_line import SummaryLine
from koomap_tui.ui.widgets.virtual_table import Column, VirtualTable


@dataclass(eq=False)
class Panel:
    """One table of a list view: its spec, its poll source and what the operator chose on it."""

    spec: ResourceSpec
    source: Any = None
    poller: Any = None
    loaded: bool = False
    failing: bool = False  # the last poll failed (reported once)
    quick: str = ""
    text_filter: str = ""
    sort_reverse: bool = False
    #: Rows of the last answer that could not be parsed, by id: shown marked, never acted on.
    unreadable: dict[str, BadRow] = field(default_factory=dict)


def _main_field(name: str) -> Any:
    """A screen attribute kept in its main panel."""
    return property(
        lambda self: getattr(self.main, name),
        lambda self, value: setattr(self.main, name, value),
    )


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


LIST_KEYS = [
    Binding("escape", "back", "Back", show=False),
    Binding("r", "refresh", "Refresh"),
    Binding("slash", "filter", "Filter", key_display="/"),
    Binding("o", "sort_next", "Sort by next column", show=False),
    Binding("O", "sort_reverse", "Reverse sort", show=False),
]


class ListScreen(ConsoleScreen):
    DEFAULT_CSS = """
    ListScreen #tab-strip {
        link-style: none;
    }
    """
    SPEC: ClassVar[ResourceSpec]
    SPECS: ClassVar[tuple[ResourceSpec, ...]] = ()  # several tables; the first is the main one
    KEYS: ClassVar[list[Binding]] = LIST_KEYS  # the keys every list of this view has
    SHOW_FRESHNESS: ClassVar[bool] = True
    QUICK_NAME: ClassVar[str] = "filter"  # what the quick filters choose, on the summary line
    #: The flags ("[filter: … · /text]") lead the summary line: a view whose counts can fill its
    #: two lines on 80 columns would otherwise push what hides rows off the screen.
    FLAGS_FIRST: ClassVar[bool] = False
    #: Tables shown one at a time, by table id: their titles, numbered on the strip above them.
    TABS: ClassVar[Mapping[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if "SPEC" in cls.__dict__:
            cls.SPECS = (cls.SPEC,)
        acts = []
        if "SPECS" in cls.__dict__:
            cls.ACTIONS = tuple(dict.fromkeys(a for spec in cls.SPECS for a in spec.actions))
            acts = action_bindings(cls.ACTIONS)
        # The catalogue keys of its specs first (the footer reads left to right), then the
        # list's own keys, then the common ones, then the quick filters.
        own = [
            b
            for b in cls.__dict__.get("BINDINGS", [])
            if not getattr(b, "action", "").startswith("quick(")
        ]
        quick = quick_bindings(cls.SPECS[0].quick) if cls.SPECS else []
        tabs = [
            Binding(str(n), f"tab('{table_id}')", title, show=False)
            for n, (table_id, title) in enumerate(cls.TABS.items(), 1)
        ]
        cls.BINDINGS = [*acts, *own, *cls.KEYS, *quick, *tabs]
        super().__init_subclass__(**kwargs)

    @property
    def accepts_cached_rows(self) -> bool:
        """A source read before opens with its last rows at once (ui/polling.py); only where
        the freshness bar is there to say they are cached."""
        return self.SHOW_FRESHNESS

    def __init__(self) -> None:
        super().__init__()
        self.panels = {s.table_id: Panel(s, quick=next(iter(s.quick), "")) for s in self.SPECS}
        self.main = self.panels[self.SPECS[0].table_id]
        self.panel = self.main  # the table the keys act on
        self._wanted: tuple[str, str] | None = None  # (table id, row key) to put the cursor on

    # The main table's source under the names the single-table views use.
    source = _main_field("source")
    poller = _main_field("poller")
    loaded = _main_field("loaded")

    # -- what a view provides --------------------------------------------------------------
    def columns(self) -> list[Column]:
        raise NotImplementedError

    def columns_of(self, panel: Panel) -> list[Column]:
        return self.columns()

    def make_source(self) -> PollSource[Any] | None:
        return None

    def make_sources(self) -> Mapping[str, PollSource[Any] | None]:
        """Each table's source, by table id."""
        return {self.main.spec.table_id: self.make_source()}

    def compose_tables(self) -> ComposeResult:
        if not self.TABS:
            yield self.make_table(self.main)
            return
        yield Static(id="tab-strip")
        for panel in self.panels.values():
            yield self.make_table(panel)

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

    def shown_kinds(self) -> set[Kind]:
        # The active table's (a tab of image sets offers no product action).
        spec = self.panel.spec
        return {a.kind for a in spec.actions} | ({spec.kind} if spec.kind is not None else set())

    def unoffered(self, node: Any) -> frozenset[str]:
        # A view that opens nothing does not list the table's Enter ("Open") in help.
        if isinstance(node, VirtualTable) and type(self).open_row is ListScreen.open_row:
            return frozenset({"select"})
        return frozenset()

    def mounted(self) -> None:
        """After the list view has mounted (a view's own `on_mount` would run before it)."""

    # -- layout and lifecycle --------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with Vertical(id="body"):
            yield SummaryLine(id="summary")
            yield from self.compose_tables()
            yield from self.compose_extra()
            box = Input(placeholder=self.main.spec.filter_hint, id="filter")
            box.display = False
            yield box
        if self.SHOW_FRESHNESS:
            yield FreshnessBar(id="freshness")
        yield ConsoleFooter()

    def make_table(self, panel: Panel, **kw: Any) -> VirtualTable:
        columns = tolerant_columns(self.columns_of(panel), self._unreadable_style)
        return VirtualTable(columns, id=panel.spec.table_id, empty_text=panel.spec.empty_text, **kw)

    def on_mount(self) -> None:
        if self.TABS:
            self.show_tab()
        else:
            self.table.focus()
        self.attach_panels()
        self.set_interval(5.0, self._check_pending_timeouts)
        self.mounted()
        self._restore_table()
        self.update_summary()

    def attach_panels(self) -> None:
        for table_id, source in self.make_sources().items():
            if source is not None:
                panel = self.panels[table_id]
                panel.poller = self.attach_source(source)
                # The hub keeps one poller per key while a screen shows it: use its source.
                panel.source = panel.poller.source

    # -- tabs ------------------------------------------------------------------------------
    def action_tab(self, table_id: str) -> None:
        """Show the tab `table_id`: the keys act on its table from now on."""
        self.close_filter(clear=False)
        self.panel = self.panels[table_id]
        if self.query("#tab-strip"):  # else the screen is not composed yet: on_mount shows it
            self.show_tab()
            self.apply_filter()

    def show_tab(self) -> None:
        """Only the active panel's table on screen, its title marked on the strip."""
        for panel in self.panels.values():
            self.table_of(panel).display = panel is self.panel
        titles = []
        for n, (table_id, title) in enumerate(self.TABS.items(), 1):
            shown = table_id == self.panel.spec.table_id
            mark, style = ("▸", "bold reverse") if shown else (" ", "dim")
            titles.append(f"[{style} @click=screen.tab('{table_id}')]{mark}{n} {title} [/]")
        self.query_one("#tab-strip", Static).update(" ".join(titles))
        self.table.focus()
        self.refresh_bindings()  # a tab may offer other keys (the footer follows at once)

    def focus_row(self, key: str, table_id: str | None = None) -> None:
        """Put the cursor on the row `key` (of the tab `table_id`) as soon as it is listed: a
        link from another view, an item just created."""
        if table_id is not None and self.TABS:
            self.action_tab(table_id)
        self._wanted = (table_id or self.panel.spec.table_id, key)
        if self.is_mounted:  # else the first answer's rows are looked at
            self._focus_wanted()

    def _focus_wanted(self) -> None:
        wanted = self._wanted
        if wanted is not None and self.table_of(self.panels[wanted[0]]).move_cursor_to_key(
            wanted[1]
        ):
            self._wanted = None
            self.refresh_gates()

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
        if state.get("quick") in self.panel.spec.quick:
            self.panel.quick = str(state["quick"])
        self.panel.text_filter = str(state.get("filter", ""))
        self.panel.sort_reverse = state.get("reverse") is True
        column = state.get("sort")
        if column in {c.key for c in self.table.columns}:
            self.table.sort_by(str(column), self.panel.sort_reverse)
        if self.panel.text_filter or state.get("quick"):
            self.apply_filter()

    def remember_table(self) -> None:
        store, view = self.kapp.ctx.remember, self.remembered_as()
        if store is None or view is None:
            return
        store.update_table(
            view,
            sort=self.table.sort_column,
            reverse=self.panel.sort_reverse,
            quick=self.panel.quick or None,
            filter=self.panel.text_filter,
        )

    @property
    def table(self) -> VirtualTable:
        return self.table_of(self.panel)

    def table_of(self, panel: Panel) -> VirtualTable:
        table: VirtualTable = self.query_one(f"#{panel.spec.table_id}", VirtualTable)
        return table

    def table_for(self, table_id: str) -> VirtualTable:
        return self.table_of(self.panels[table_id])

    def rows(self) -> list[Any]:
        """The rows read well (an unreadable row has no fields to count or act on)."""
        rows = all_rows(self.table)
        if not self.panel.unreadable:
            return rows
        return [r for r in rows if not isinstance(r, UnreadableRow)]

    # -- polling ---------------------------------------------------------------------------
    def on_poll_updated(self, message: PollUpdated) -> None:
        message.stop()
        update = message.update
        panel = next(
            (p for p in self.panels.values() if p.source and p.source.key == update.source), None
        )
        if panel is None:
            self.other_update(update)
            return
        if panel is self.panel or self.panel.source is None:
            for bar in self.query(FreshnessBar):
                bar.freshness = update.freshness
        table = self.table_of(panel)
        if update.error is not None:
            if not panel.failing:
                self.notify(str(update.error), title=self.POLL_ERROR_TITLE, severity="error")
            panel.failing = True
            if not panel.loaded:
                # Nothing was ever read: say why instead of "(loading…)" for good.
                table.empty_text = f"(could not load: {inert(str(update.error))} — r retries)"
                table.refresh()
            return
        panel.failing = False
        # The first answer, or a reload, or rows that are not acted on: the rows whole.
        replace = len(update.added) == len(update.items) or panel.spec.kind is None
        self.apply_update(panel, update, replace)
        table.empty_text = panel.spec.empty_text
        self._show_unreadable(panel, update, replaced=replace)
        panel.loaded = True
        self._focus_wanted()
        self.polled(update)
        if panel is self.panel:
            self.update_summary()
            self.refresh_gates()

    def apply_update(self, panel: Panel, update: PollUpdate[Any], replace: bool) -> None:
        """Clear pending marks whose item moved (repainting those rows), then apply the diff
        to the panel's table (`replace` loads the rows whole)."""
        spec, table, runner = panel.spec, self.table_of(panel), self.kapp.ctx.runner
        changed = {k: update.items[k] for k in update.changed}
        # Cached rows (a view opened again) are no evidence that anything moved or did not.
        seen = {} if update.cached else update.items
        for key, item in seen.items():
            kind, item_id = spec.identify(key)
            if kind is not None and runner.watching(kind, item_id):
                # A pending mark or an unknown outcome's warning: repaint, it may have gone.
                self.observe(kind, item_id, state_key(spec.state(item) if spec.state else ""))
                changed[key] = item
        for key in update.removed:
            kind, item_id = spec.identify(key)
            if kind is not None:
                self.observe(kind, item_id, None)
        if replace:
            table.set_rows(update.items.items())
        else:
            table.apply_changes({k: update.items[k] for k in update.added}, changed, update.removed)

    def _unreadable_style(self) -> str:
        return str(theme_style(self.app.theme_variables, "warning", fallback="freshness-warn"))

    def _show_unreadable(self, panel: Panel, update: PollUpdate[Any], *, replaced: bool) -> None:
        """Rows that failed to parse stay in the table, marked; a row read well replaces its."""
        bad = {
            b.key: b
            for b in update.meta.get("bad_rows") or ()
            if isinstance(b, BadRow) and b.key and b.key not in update.items
        }
        if not bad and not panel.unreadable:
            return
        gone = set() if replaced else set(panel.unreadable) - set(bad) - set(update.items)
        added = {k: UnreadableRow(b) for k, b in bad.items()}
        known = {k for k in panel.unreadable if k in bad}
        changed = {k: added.pop(k) for k in known if not replaced}
        panel.unreadable = bad
        self.table_of(panel).apply_changes(added, changed, gone)

    def unreadable_reason(self) -> str | None:
        """Why the selection cannot be acted on: one of its rows could not be read."""
        for target in self.selection():
            bad = self.panel.unreadable.get(target.id)
            if bad is not None:
                return f"{inert(bad.key)} is unreadable ({inert(bad.describe())}): nothing is sent"
        return None

    def gate(self, name: str) -> Gate:
        gate = super().gate(name)
        if gate.action is None or gate.action.scope is Scope.PARENT or not self.panel.unreadable:
            return gate
        reason = self.unreadable_reason()
        if reason is None:
            return gate
        return Gate(gate.action, Decision(False, reason), [])

    def _check_pending_timeouts(self) -> None:
        expired = self.kapp.ctx.runner.expired()
        for panel in self.panels.values() if expired else ():
            keys = {panel.spec.row_key(kind, k) for kind, k in expired}
            refresh_rows(self.table_of(panel), keys)

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

    def state_cell(self, row: Any) -> Text:
        spec = self.main.spec
        assert spec.kind is not None and spec.state is not None
        return self.state_text(spec.kind, spec.key(row), spec.state(row))

    def state_counts(self) -> dict[str, int]:
        state = self.panel.spec.state
        assert state is not None
        return dict(Counter(state_key(state(row)) for row in self.rows()))

    # -- summary ---------------------------------------------------------------------------
    def update_summary(self) -> None:
        items = self.summary_items()
        flags = []
        quick = self.panel.spec.quick
        if quick:
            flags.append(f"{self.QUICK_NAME}: {quick[self.panel.quick][0]}")
        if self.panel.text_filter:
            flags.append(f"/{self.panel.text_filter}")
        flags.extend(self.summary_flags())
        flags.extend(self.doubt_flags())
        marked = self.table.marked_keys
        if marked:
            flags.append(f"{len(marked)} marked")
            hidden = len(self.hidden_ids())
            if hidden:
                flags.append(f"{hidden} marked row{'s' if hidden > 1 else ''} hidden by the filter")
        if flags:
            flag = Text("[" + " · ".join(flags) + "]", style="dim")
            items.insert(0 if self.FLAGS_FIRST else len(items), flag)
        self.query_one("#summary", SummaryLine).show_items(items)

    def summary_flags(self) -> list[str]:
        return []

    def doubt_flags(self) -> list[str]:
        """Unknown outcomes a fresh poll showed had no effect, on rows of this view."""
        spec, table = self.panel.spec, self.table
        return [
            f"⚠ {d.warning}"
            for (kind, item_id), d in self.kapp.ctx.runner.doubts.items()
            if spec.kind is not None
            and spec.row_key(kind, item_id) in table
            and spec.identify(spec.row_key(kind, item_id))[0] is kind
        ]

    # -- selection -------------------------------------------------------------------------
    def selection(self) -> list[Target]:
        table, spec = self.table, self.panel.spec
        keys = list(table.marked_keys) or ([table.cursor_key] if table.cursor_key else [])
        rows = [row_or_none(table, k) for k in keys]
        targets = [spec.target_of(r) for r in rows if r is not None]
        return [t for t in targets if t is not None]

    def cursor_id(self) -> str | None:
        row, spec = self.current(), self.panel.spec
        target = None if row is None else spec.target_of(row)
        return target.id if target is not None else None if row is None else spec.key(row)

    def current(self) -> Any:
        return cursor_row(self.table)

    def hidden_ids(self) -> set[str]:
        table = self.table
        shown = set(table.keys_in_order())
        return {k for k in table.marked_keys if k not in shown}

    def targets_changed(self, targets: Iterable[Target]) -> None:
        for panel in self.panels.values():
            row_key = panel.spec.row_key
            refresh_rows(self.table_of(panel), {row_key(t.kind, t.id) for t in targets})

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
    def action_back(self) -> None:
        if self.close_filter(clear=True):
            return
        self.kapp.go_back()

    def action_refresh(self) -> None:
        if self.source is not None and hasattr(self.source, "force_full"):
            self.source.force_full = True
        self.refresh_data()
        self.notify("refreshing…", timeout=1.5)

    def action_quick(self, key: str) -> None:
        self.panel.quick = key
        self.apply_filter()
        self.remember_table()

    def action_sort_next(self) -> None:
        # Cycles through the columns on screen: a sort arrow is never on a hidden column.
        keys = [column.key for column in self.table.shown_columns]
        current = self.table.sort_column
        index = keys.index(current) if current in keys else -1
        self.table.sort_by(keys[(index + 1) % len(keys)], self.panel.sort_reverse)
        self.remember_table()

    def action_sort_reverse(self) -> None:
        self.panel.sort_reverse = not self.panel.sort_reverse
        if self.table.sort_column is not None:
            self.table.sort_by(self.table.sort_column, self.panel.sort_reverse)
        self.remember_table()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.value = self.panel.text_filter
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.panel.text_filter = event.value.strip()
            self.apply_filter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.close_filter(clear=False)

    def close_filter(self, clear: bool) -> bool:
        """Hide the filter box (Esc also clears it); False when it was not open."""
        box = next(iter(self.query("#filter").results(Input)), None)
        if box is None or not box.display:  # closed, or a view without one
            return False
        if clear:
            self.panel.text_filter = ""
            self.apply_filter()
        box.display = False
        self.table.focus()
        self.remember_table()
        return True

    def clear_filters(self) -> None:
        """Every row of the active table shown: the first quick filter ("all"), no `/` text."""
        self.panel.quick = next(iter(self.panel.spec.quick), "")
        self.panel.text_filter = ""
        self.apply_filter()
        self.remember_table()

    def apply_filter(self) -> None:
        needle = self.panel.text_filter.lower()
        states = self.quick_states()

        def predicate(row: Any) -> bool:
            if states is not None and self.row_state(row) not in states:
                return False
            return not needle or needle in self.search_text(row).lower()

        self.table.set_filter(None if states is None and not needle else predicate)
        self.update_summary()
        self.refresh_gates()

    def search_text(self, row: Any) -> str:
        return self.panel.spec.search(row)

    def quick_states(self) -> frozenset[str] | None:
        quick = self.panel.spec.quick
        return quick[self.panel.quick][1] if quick else None

    def row_state(self, row: Any) -> str:
        state = self.panel.spec.state
        return state_key(state(row)) if state is not None else ""


if TYPE_CHECKING:
    ListMixin = ListScreen
else:
    ListMixin = object  # a mixin of list views, typed as one: it adds no bindings of its own
