"""Theme files: shipped set, validation messages, palette guarantees, live switching."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rich.color import ColorType
from textual.app import App
from textual.color import Color

import koomap_tui
from koomap_tui.ui import themes
from koomap_tui.ui.themes import (
    DEFAULT_THEME,
    REQUIRED_VARIABLES,
    STATE_SLUGS,
    ThemeFileError,
    load_themes,
    register_all,
    state_style,
    theme_variable_defaults,
)

SHIPPED = {"koomap-dark", "koomap-light", "high-contrast", "colour-blind", "terminal-ansi"}
REPO_THEMES = Path(__file__).resolve().parents[2] / "themes"
OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}


def _contrast(a: str, b: str) -> float:
    def lum(c: Color) -> float:
        def lin(v: int) -> float:
            s = v / 255
            return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

        return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b)

    hi, lo = sorted((lum(Color.parse(a)), lum(Color.parse(b))), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _copy_of(tmp_path: Path, source: str, name: str) -> Path:
    text = (REPO_THEMES / f"{source}.toml").read_text(encoding="utf-8")
    text = text.replace(f'name = "{source}"', f'name = "{name}"')
    return _write(tmp_path / f"{name}.toml", text)


def test_every_shipped_theme_loads_and_defines_every_state_variable() -> None:
    loaded = load_themes()
    assert set(loaded) == SHIPPED
    for theme in loaded.values():
        for slug in STATE_SLUGS:
            value = theme.variables[f"state-{slug}"]
            Color.parse(value)  # raises if not a colour
        assert set(REQUIRED_VARIABLES) <= set(theme.variables)
        for base in ("primary", "secondary", "accent", "background", "surface", "panel"):
            assert getattr(theme, base), (theme.name, base)
        for base in ("foreground", "warning", "error", "success"):
            assert getattr(theme, base), (theme.name, base)
    assert loaded["koomap-light"].dark is False
    assert loaded[DEFAULT_THEME].dark is True


def test_slug_list_matches_the_contract() -> None:
    assert len(STATE_SLUGS) == len(set(STATE_SLUGS)) == 29
    assert {"start-failed", "delete-failed-in-use", "migrate-out-failed", "unknown"} <= set(
        STATE_SLUGS
    )


@pytest.mark.parametrize("name", sorted(SHIPPED - {"terminal-ansi"}))
def test_state_colours_are_readable_on_the_background(name: str) -> None:
    theme = load_themes()[name]
    minimum = 7.0 if name == "high-contrast" else 4.5
    assert theme.background is not None
    for var in REQUIRED_VARIABLES:
        if var.startswith("state-") or var.startswith("freshness-") or var == "env-prod":
            ratio = _contrast(theme.variables[var], theme.background)
            assert ratio >= minimum, f"{name}: {var} contrast {ratio:.2f} < {minimum}"


def test_colour_blind_theme_draws_hues_only_from_okabe_ito() -> None:
    theme = load_themes()["colour-blind"]
    for slug in STATE_SLUGS:
        colour = Color.parse(theme.variables[f"state-{slug}"])
        is_grey = colour.r == colour.g == colour.b
        assert is_grey or colour.hex.upper() in OKABE_ITO, (slug, colour.hex)
    failed = theme.variables["state-failed"].upper()
    success = theme.variables["state-success"].upper()
    assert (failed, success) == ("#D55E00", "#009E73")


def test_terminal_ansi_theme_uses_only_the_terminal_palette() -> None:
    theme = load_themes()["terminal-ansi"]
    assert theme.ansi is True
    for var in REQUIRED_VARIABLES:
        assert theme.variables[var].startswith("ansi_"), var
    style = state_style(theme.variables, "failed")
    assert style.color is not None and style.color.type is ColorType.STANDARD
    assert state_style(theme.variables, "init").color.type is ColorType.DEFAULT  # type: ignore[union-attr]


def test_missing_state_variable_names_file_and_variable(tmp_path: Path) -> None:
    path = _copy_of(tmp_path, "koomap-dark", "broken")
    text = path.read_text().replace("state-stop-failed", "# state-stop-failed")
    _write(path, text)
    with pytest.raises(ThemeFileError) as err:
        load_themes([tmp_path])
    message = str(err.value)
    assert "broken.toml" in message and "state-stop-failed" in message
    assert "state-failed" not in message.replace("state-stop-failed", "")


def test_bad_colour_and_wrong_name_are_reported(tmp_path: Path) -> None:
    path = _copy_of(tmp_path, "koomap-dark", "bad")
    _write(
        path,
        path.read_text().replace(
            'state-running               = "#4fb3ff"', 'state-running = "not-a-colour"'
        ),
    )
    with pytest.raises(ThemeFileError, match=r"bad\.toml.*state-running.*not-a-colour"):
        load_themes([tmp_path])
    path.unlink()
    _copy_of(tmp_path, "koomap-dark", "other").rename(tmp_path / "renamed.toml")
    with pytest.raises(ThemeFileError, match="differs from the file name"):
        load_themes([tmp_path])
    (tmp_path / "renamed.toml").unlink()
    _write(tmp_path / "junk.toml", "name = [")
    with pytest.raises(ThemeFileError, match="not valid TOML"):
        load_themes([tmp_path])


def test_user_themes_override_and_broken_ones_are_collected(tmp_path: Path) -> None:
    mine = _copy_of(tmp_path, "koomap-dark", "mine")
    _write(
        mine,
        mine.read_text().replace(
            'state-running               = "#4fb3ff"', 'state-running = "#123456"'
        ),
    )
    _write(tmp_path / "zz-broken.toml", 'name = "zz-broken"\ndark = true\n')
    errors: list[ThemeFileError] = []
    loaded = load_themes([tmp_path], errors=errors)
    assert loaded["mine"].variables["state-running"] == "#123456"
    assert set(loaded) >= SHIPPED
    assert [e.path.name for e in errors] == ["zz-broken.toml"]
    assert "colors" in errors[0].problem and "variables" in errors[0].problem


def test_installed_wheel_layout_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site-packages" / "koomap_tui"
    (package / "themes").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    shutil.copy(REPO_THEMES / "koomap-dark.toml", package / "themes")
    monkeypatch.setattr(koomap_tui, "__file__", str(package / "__init__.py"))
    themes._builtin_files.cache_clear()
    try:
        assert themes.builtin_theme_dirs() == [package / "themes"]
        assert set(load_themes()) == {"koomap-dark"}
    finally:
        monkeypatch.undo()
        themes._builtin_files.cache_clear()
    assert set(load_themes()) == SHIPPED


class ThemedApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.names = register_all(self)
        self.theme = DEFAULT_THEME

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **theme_variable_defaults()}


async def test_switching_theme_live_changes_state_style() -> None:
    app = ThemedApp()
    async with app.run_test() as pilot:
        assert set(app.names) == SHIPPED
        dark = state_style(app, "failed")
        assert dark.color is not None and dark.color.triplet is not None
        assert dark.color.triplet.hex == "#ff5f6d"
        app.theme = "colour-blind"
        await pilot.pause()
        blind = state_style(app, "failed")
        assert blind.color is not None and blind.color.triplet is not None
        assert blind.color.triplet.hex == "#d55e00"
        # A Textual built-in theme knows nothing of states: the defaults keep them coloured.
        app.theme = "nord"
        await pilot.pause()
        assert state_style(app, "failed") == dark
        # A state slug no theme knows is drawn like "unknown", never uncoloured.
        assert state_style(app, "brand-new-state") == state_style(app, "unknown")


async def test_every_theme_activates_and_feeds_its_own_state_colours() -> None:
    app = ThemedApp()
    async with app.run_test() as pilot:
        for name, theme in load_themes().items():
            app.theme = name
            await pilot.pause()
            for slug in ("running", "failed", "delete-failed-in-use"):
                expected = Color.parse(theme.variables[f"state-{slug}"]).rich_color
                assert state_style(app, slug).color == expected, (name, slug)
