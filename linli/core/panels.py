"""Extension points on shared pages. A feature app registers a panel for a page of a base app
(``register_panel("household", fn)`` in its ``AppConfig.ready``); the base app's view renders
whatever is registered, so dependencies keep pointing one way (DESIGN.md, Layout).

A panel is ``fn(request, obj) -> str``: safe HTML, or "" when the user may not see it."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

Panel = Callable[..., str]
_PANELS: dict[str, list[Panel]] = {}


def register_panel(page: str, panel: Panel) -> None:
    panels = _PANELS.setdefault(page, [])
    if panel not in panels:
        panels.append(panel)


def render_panels(page: str, request, obj) -> list[SafeString]:
    """The HTML of every panel registered for ``page`` that has something to show."""
    rendered = (panel(request, obj) for panel in _PANELS.get(page, []))
    return [mark_safe(html) for html in rendered if html]  # noqa: S308 (panels render templates)
