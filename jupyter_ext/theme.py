"""The look of every s3flow panel: one stylesheet, shown once per panel.

Colours are chosen for WCAG 2.1 AA: text at least 4.5:1 against its background, the focus
indicator at least 3:1 against what surrounds it. Widgets carry classes (``s3-header``,
``s3-chip-current``, ...) instead of inline styles, so that the rules live here in one place.

Allowed imports: ipywidgets.
"""

from __future__ import annotations

import ipywidgets as w

#: The s3flow green (white text on it: 6.3:1).
ACCENT = "#2f6f4f"

STYLESHEET = f"""
.s3-header {{ border-left: 6px solid {ACCENT}; padding-left: 8px; }}
.s3-title {{ font-size: 1.3em; font-weight: bold; margin: 0; }}
.s3-guidance {{ background: #f3f8f5; padding: 8px; border-radius: 6px; }}
.s3-current-step {{ font-weight: bold; }}
.s3-chip {{ background: #e8ece9; color: #333; padding: 2px 8px; border-radius: 10px;
  margin: 2px; display: inline-block; }}
.s3-chip-current {{ background: {ACCENT}; color: white; }}
.s3-others {{ color: #555; }}
.s3-error {{ color: #b00020; font-weight: bold; }}
"""


def stylesheet() -> w.HTML:
    """A widget carrying the s3flow stylesheet (put it first in a panel)."""
    sheet = w.HTML(f"<style>{STYLESHEET}</style>")
    sheet.add_class("s3-theme")
    return sheet
