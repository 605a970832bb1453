"""Theme files -> Textual themes, and the state colours renderers need.

A theme file is TOML: Textual's base colours under `[colors]` plus one variable per state slug
(`state-<slug>`) and a few console variables under `[variables]` (see docs/themes.md). Files are
validated when loaded so that a theme missing a state colour fails with the file and variable
named, instead of a CSS parse error at startup or a state silently drawn in the wrong colour.

Renderers (tables draw Rich `Text`, not CSS) take their colours from the running app's resolved
theme variables through `state_style` / `theme_style`, so a theme switch only needs a re-render.
"""

from __future__ import annotations

import functools
import logging
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from rich.style import Style
from textual.color import Color, ColorParseError
from textual.theme import Theme

import koomap_tui

log = logging.getLogger(__name__)

DEFAULT_THEME = "koomap-dark"

# The contract's slug list (docs/themes.md); `koomap_tui.domain.states` maps every state to one.
STATE_SLUGS: tuple[str, ...] = (
    "init",
    "pending",
    "starting",
    "start-failed",
    "running",
    "success",
    "failed",
    "stopping",
    "stop-success",
    "stop-failed",
    "archived",
    "bundle-success",
    "uploading",
    "upload-success",
    "upload-failed",
    "start-running",
    "preparing",
    "available",
    "deleting",
    "processing",
    "done",
    "import-failed",
    "migrating-in",
    "migrate-in-failed",
    "migrating-out",
    "migrate-out-failed",
    "delete-failed-in-use",
    "delete-failed-network",
    "unknown",
)
CONSOLE_VARIABLES: tuple[str, ...] = (
    "env-prod",
    "freshness-ok",
    "freshness-warn",
    "freshness-error",
    "pending-mark",
    "flash",
)
REQUIRED_VARIABLES: tuple[str, ...] = (
    *(f"state-{slug}" for slug in STATE_SLUGS),
    *CONSOLE_VARIABLES,
)

# Used only if the app never defined a variable (e.g. a Textual built-in theme is active and the
# app did not merge `theme_variable_defaults()`): still a colour, never a crash.
_LAST_RESORT = Style()


class ThemeFileError(ValueError):
    """A theme file that cannot be used; the message names the file and what is wrong."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"theme file {self.path}: {problem}")


def _check_colour(value: str) -> str:
    try:
        Color.parse(value)
    except ColorParseError as exc:
        raise ValueError(f"{value!r} is not a colour ({exc})") from None
    return value


class ThemeColors(BaseModel):
    """Textual's base colours; every shipped theme sets all of them."""

    model_config = ConfigDict(extra="forbid")

    primary: str
    secondary: str
    accent: str
    background: str
    surface: str
    panel: str
    foreground: str
    warning: str
    error: str
    success: str
    boost: str | None = None

    @field_validator("*")
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        return None if value is None else _check_colour(value)


class ThemeFile(BaseModel):
    """One theme file as written on disk."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    dark: bool
    ansi: bool = False
    luminosity_spread: float = 0.15
    text_alpha: float = 0.95
    colors: ThemeColors
    variables: dict[str, str]

    @field_validator("variables")
    @classmethod
    def _variables(cls, value: dict[str, str]) -> dict[str, str]:
        missing = [name for name in REQUIRED_VARIABLES if name not in value]
        if missing:
            raise ValueError("missing variable(s): " + ", ".join(missing))
        for name in value:
            # Textual's own variables may hold non-colours ("block-cursor-text-style = none").
            if name in REQUIRED_VARIABLES or name.startswith("state-"):
                try:
                    _check_colour(value[name])
                except ValueError as exc:
                    raise ValueError(f"variable {name}: {exc}") from None
        return value

    def to_theme(self) -> Theme:
        return Theme(
            name=self.name,
            dark=self.dark,
            ansi=self.ansi,
            luminosity_spread=self.luminosity_spread,
            text_alpha=self.text_alpha,
            variables=dict(self.variables),
            **self.colors.model_dump(exclude_none=True),
        )


def _format_validation(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "file"
        msg = re.sub(r"^Value error, ", "", err["msg"])
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)


def parse_theme_file(path: Path) -> ThemeFile:
    """Read and validate one theme file, raising `ThemeFileError` naming the file."""
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ThemeFileError(path, f"cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(path, f"not valid TOML ({exc})") from None
    try:
        model = ThemeFile.model_validate(raw)
    except ValidationError as exc:
        raise ThemeFileError(path, _format_validation(exc)) from None
    if model.name != path.stem:
        raise ThemeFileError(path, f"name {model.name!r} differs from the file name {path.stem!r}")
    return model


def load_theme_file(path: Path) -> Theme:
    return parse_theme_file(path).to_theme()


def builtin_theme_dirs() -> list[Path]:
    """Where the shipped theme files live: inside an installed wheel, or at a checkout's top."""
    package = Path(koomap_tui.__file__).resolve().parent
    candidates = [package / "themes", package.parent / "themes"]
    return [d for d in candidates if d.is_dir() and any(d.glob("*.toml"))]


@functools.cache
def _builtin_files() -> tuple[ThemeFile, ...]:
    dirs = builtin_theme_dirs()
    if not dirs:
        raise ThemeFileError(
            Path(koomap_tui.__file__).parent / "themes", "no theme directory found"
        )
    # A wheel's copy and a checkout's never both exist; the first directory found wins.
    return tuple(parse_theme_file(p) for p in sorted(dirs[0].glob("*.toml")))


def load_themes(
    extra_dirs: Iterable[Path] = (),
    *,
    errors: list[ThemeFileError] | None = None,
) -> dict[str, Theme]:
    """All shipped themes plus those in `extra_dirs` (a user's themes override by name).

    A broken shipped theme always raises. A broken user theme raises too, unless `errors` is
    given: then it is appended there and skipped, so the console still starts.
    """
    themes = {f.name: f.to_theme() for f in _builtin_files()}
    for directory in extra_dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                themes[path.stem] = load_theme_file(path)
            except ThemeFileError as exc:
                if errors is None:
                    raise
                log.warning("%s", exc)
                errors.append(exc)
    return themes


class _ThemeHost(Protocol):
    def register_theme(self, theme: Theme) -> None: ...


def register_all(
    app: _ThemeHost,
    extra_dirs: Iterable[Path] = (),
    *,
    errors: list[ThemeFileError] | None = None,
) -> list[str]:
    """Register every theme with `app`; returns their names (for a picker or `--theme`)."""
    themes = load_themes(extra_dirs, errors=errors)
    for theme in themes.values():
        app.register_theme(theme)
    return list(themes)


def state_themes(themes: Mapping[str, Theme]) -> list[str]:
    """Names of the themes that define every state colour, sorted: the only ones offered.

    Textual's own themes (nord, gruvbox, ...) would show every state in koomap-dark's colours
    (the defaults merged in), which is worse than not offering them."""
    needed = [name for name in REQUIRED_VARIABLES if name.startswith("state-")]
    return sorted(
        name for name, theme in themes.items() if all(v in (theme.variables or {}) for v in needed)
    )


def theme_variable_defaults() -> dict[str, str]:
    """The default theme's console variables, for `App.get_theme_variable_defaults`.

    Merging these in keeps `$state-*` CSS and `state_style` working under Textual's own
    themes (nord, gruvbox, ...), which know nothing about task states.
    """
    return dict(_defaults())


@functools.cache
def _defaults() -> Mapping[str, str]:
    default = next(f for f in _builtin_files() if f.name == DEFAULT_THEME)
    return {name: default.variables[name] for name in REQUIRED_VARIABLES}


class _VariableHost(Protocol):
    theme_variables: dict[str, str]

    def get_css_variables(self) -> dict[str, str]: ...


@functools.lru_cache(maxsize=512)
def _style_for(value: str, bold: bool) -> Style:
    try:
        colour = Color.parse(value)
    except ColorParseError:
        return _LAST_RESORT
    return Style(color=colour.rich_color, bold=bold or None)


def _variables_of(source: _VariableHost | Mapping[str, str]) -> Mapping[str, str]:
    if isinstance(source, Mapping):
        return source
    variables = source.theme_variables
    return variables if variables else source.get_css_variables()


def theme_style(
    source: _VariableHost | Mapping[str, str],
    variable: str,
    *,
    fallback: str | None = None,
    bold: bool = False,
) -> Style:
    """Foreground style for a theme variable; `fallback` names another variable to try."""
    variables = _variables_of(source)
    value = variables.get(variable)
    if value is None and fallback is not None:
        value = variables.get(fallback)
    if value is None:
        value = _defaults().get(variable)
    return _LAST_RESORT if value is None else _style_for(value, bold)


def state_style(source: _VariableHost | Mapping[str, str], slug: str) -> Style:
    """Style for a state slug, taken from the app's current theme (or a variables mapping).

    An unknown slug falls back to `state-unknown`: a new server state still gets drawn.
    """
    return theme_style(source, f"state-{slug}", fallback="state-unknown")
