"""Top line of every screen: where the operator is connected and what is at stake.

Profile, endpoint host, environment label (PROD in red unless the profile names a colour),
workspace, and badges for READ-ONLY, DEMO and TLS verification off. Badges are reversed words, so
they stay visible in monochrome too.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from rich.style import Style
from rich.text import Text
from textual.color import Color, ColorParseError
from textual.reactive import reactive
from textual.theme import Theme
from textual.widget import Widget

from koomap_tui.ui.format import inert
from koomap_tui.ui.themes import theme_style

PRODUCTION_LABELS = frozenset({"PROD", "PRODUCTION", "PRD", "LIVE"})
_CONTEXT_FIELDS = (
    "profile",
    "endpoint",
    "env_label",
    "env_colour",
    "read_only",
    "demo",
    "tls_off",
)


def endpoint_host(endpoint: str) -> str:
    """The host[:port] of an endpoint URL (a bare host is returned as it is)."""
    if not endpoint:
        return ""
    parts = urlsplit(endpoint if "://" in endpoint else f"//{endpoint}")
    return parts.netloc or endpoint


class HeaderBar(Widget):
    """Reactive fields; unset ones are taken from `app.ctx` (a ConsoleContext) when mounted."""

    DEFAULT_CSS = """
    HeaderBar {
        height: auto;
        width: 1fr;
        background: $panel;
        color: $foreground;
    }
    """

    profile: reactive[str] = reactive("")
    endpoint: reactive[str] = reactive("")
    env_label: reactive[str | None] = reactive[str | None](None)
    env_colour: reactive[str | None] = reactive[str | None](None)
    workspace: reactive[str | None] = reactive[str | None](None)
    read_only: reactive[bool] = reactive(False)
    demo: reactive[bool] = reactive(False)
    tls_off: reactive[bool] = reactive(False)
    crumb: reactive[str] = reactive("")
    #: While the audit log cannot be written: a second line, the banner, says so and how to
    #: retry (the runner refuses every mutation meanwhile).
    audit_error: reactive[str | None] = reactive[str | None](None, layout=True)

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        **fields: Any,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        unknown = set(fields) - {*_CONTEXT_FIELDS, "workspace", "crumb"}
        if unknown:
            raise TypeError(f"HeaderBar got unknown field(s): {', '.join(sorted(unknown))}")
        self._given = fields
        for key, value in fields.items():
            self.set_reactive(getattr(HeaderBar, key), value)

    def on_mount(self) -> None:
        ctx = getattr(self.app, "ctx", None)
        if ctx is not None:
            for key in _CONTEXT_FIELDS:
                if key not in self._given and hasattr(ctx, key):
                    setattr(self, key, getattr(ctx, key))
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        runner = getattr(ctx, "runner", None)
        if runner is not None:
            self.audit_error = runner.audit_error
            self.set_interval(0.5, self._watch_audit)

    def _watch_audit(self) -> None:
        runner = getattr(getattr(self.app, "ctx", None), "runner", None)
        self.audit_error = getattr(runner, "audit_error", None)

    def on_unmount(self) -> None:
        # The signal keeps each callback strongly, and the bound method keeps its weak key (this
        # widget) alive: without this, every closed screen stays in memory for good.
        self.app.theme_changed_signal.unsubscribe(self)

    def _theme_changed(self, _theme: Theme) -> None:
        self.refresh()

    @property
    def is_production(self) -> bool:
        return (self.env_label or "").strip().upper() in PRODUCTION_LABELS

    def badges(self) -> list[str]:
        """The badge words currently shown, in order (for tests and the help screen)."""
        words = []
        if self.env_label:
            words.append(self.env_label)
        if self.read_only:
            words.append("READ-ONLY")
        if self.demo:
            words.append("DEMO")
        if self.tls_off:
            words.append("⚠ TLS-OFF")
        return words

    def _badge(self, word: str, colour: str) -> Text:
        try:
            bg = Color.parse(colour)
        except ColorParseError:
            bg = Color.parse("red")
        fg = bg.get_contrast_text(1.0)
        style = Style(color=fg.rich_color, bgcolor=bg.rich_color, bold=True)
        return Text(f" {word} ", style=style, end="")

    def _variable(self, name: str) -> str:
        return self.app.theme_variables.get(name) or "red"

    def _left(self, compact: bool) -> Text:
        """Where the operator is connected and looking; `compact` drops the label words so
        the workspace and breadcrumb survive at 80 columns."""
        left = Text(no_wrap=True, overflow="ellipsis", end="")
        left.append(" koomap", style=theme_style(self.app, "primary", bold=True))
        host = endpoint_host(self.endpoint)
        if compact:
            who = "@".join(part for part in (self.profile, host) if part)
            if who:
                left.append(f" {who}")
        else:
            if self.profile:
                left.append(f"  profile {self.profile}")
            if host:
                left.append(f"  @ {host}")
        if self.env_label:
            left.append(" " if compact else "  ")
            colour = self.env_colour or (
                self._variable("env-prod") if self.is_production else self._variable("secondary")
            )
            left.append_text(self._badge(self.env_label, colour))
        if self.workspace:
            # Names come from the server: shown inert (no escapes or bidi overrides).
            name = inert(self.workspace)
            left.append(f" {name}" if compact else f"  workspace {name}")
        if self.crumb:
            left.append(f" › {inert(self.crumb)}", style=theme_style(self.app, "accent", bold=True))
        return left

    def render(self) -> Text:
        left = self._left(compact=False)

        right = Text(no_wrap=True, end="")
        if self.read_only:
            right.append_text(self._badge("READ-ONLY", self._variable("primary")))
            right.append(" ")
        if self.demo:
            right.append_text(self._badge("DEMO", self._variable("accent")))
            right.append(" ")
        if self.tls_off:
            right.append_text(self._badge("⚠ TLS-OFF", self._variable("error")))
            right.append(" ")

        width = self.size.width
        gap = width - left.cell_len - right.cell_len
        if gap < 1:
            left = self._left(compact=True)
            gap = width - left.cell_len - right.cell_len
        if gap < 1:
            # Too narrow: badges matter more than the host name, so the left part gives way.
            left.truncate(max(0, width - right.cell_len - 1), overflow="ellipsis")
            gap = 1
        line = Text.assemble(left, " " * gap, right, no_wrap=True, end="")
        if self.audit_error is None:
            return line
        banner = Text(
            f" ⚠ AUDIT LOG FAILING · every change is refused · press r to retry"
            f" · {inert(self.audit_error)} ",
            style=theme_style(self.app, "error", bold=True) + Style(reverse=True),
            no_wrap=True,
            overflow="ellipsis",
            end="",
        )
        banner.truncate(max(1, width), overflow="ellipsis", pad=True)
        return Text.assemble(line, "\n", banner, no_wrap=True, end="")
