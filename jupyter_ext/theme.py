"""The look of every s3flow panel: one stylesheet, loaded once per page by :mod:`.assist`.

Colours are chosen for WCAG 2.1 AA: text at least 4.5:1 against its background (the figures are
given beside each colour), the focus indicator at least 3:1 against what surrounds it. Widgets
carry classes (``s3-header``, ``s3-chip-current``, ...) instead of inline styles, so that the rules
live here in one place. JupyterLab's own button colours are too light for white text (green
4.11:1, orange 2.9:1, cyan 3.6:1): inside s3flow panels they are darkened.
"""

from __future__ import annotations

#: The s3flow green (white text on it: 6.0:1).
ACCENT = "#2f6f4f"
#: Every top-level s3flow panel.
PANELS = ":is(.s3-session, .s3-stepper, .s3-pattern-browser, .s3-journal-view)"

STYLESHEET = f"""
.s3-header {{ border-inline-start: 6px solid {ACCENT}; padding-inline-start: 8px; }}
.s3-title {{ font-size: 1.3em; font-weight: bold; margin: 0; }}
.s3-guidance {{ background: #f3f8f5; padding: 8px; border-radius: 6px; }}
.s3-current-step {{ font-size: 1em; font-weight: bold; margin: 0; }}
.s3-chip {{ background: #e8ece9; color: #333; padding: 2px 8px; border-radius: 10px;
  margin: 2px; display: inline-block; }}
.s3-chip-current {{ background: {ACCENT}; color: white; }}
.s3-others {{ color: #555; }}
.s3-error {{ color: #b00020; font-weight: bold; }}

/* White text on buttons: green 5.1:1, orange 5.0:1, cyan 5.7:1, blue 5.8:1. */
{PANELS} .jupyter-button.mod-success {{ background-color: #2e7d32; color: #fff; }}
{PANELS} .jupyter-button.mod-warning {{ background-color: #b45309; color: #fff; }}
{PANELS} .jupyter-button.mod-info {{ background-color: #00727d; color: #fff; }}
{PANELS} .jupyter-button.mod-primary {{ background-color: #1565c0; color: #fff; }}

/* Folded-panel titles: 12.6:1 on their grey (JupyterLab's grey text there: 4.45:1). */
{PANELS} .jupyter-widget-Collapse-header {{ color: #222; }}

/* A focus ring of 8.4:1 against white, kept clear of the element so that it shows on any colour.
   ipywidgets removes the outline of text fields (`outline: none !important`, 0-2-1): the
   selector here is more specific (0-3-0). */
{PANELS} :is(input, textarea, select, button, [tabindex]):focus-visible,
{PANELS} :focus-visible, {PANELS} .jupyter-widget-Collapse-header:focus {{
  outline: 3px solid #1a4d8f !important; outline-offset: 2px; }}
{PANELS} .s3-current-step:focus {{ outline: 3px solid #1a4d8f; outline-offset: 2px; }}

/* Form fields: the input's own label (its ipywidgets description) in bold above the input. */
.s3-form .widget-inline-hbox:not(.widget-checkbox) {{ flex-direction: column;
  align-items: stretch; height: auto; }}
.s3-form .widget-inline-hbox > .widget-label {{ width: auto; max-width: none; text-align: start;
  font-weight: bold; white-space: normal; overflow: visible; line-height: 1.4;
  margin-bottom: 2px; }}
.s3-form .widget-checkbox .widget-label-basic span {{ font-weight: bold; }}
.s3-help {{ color: #555; }}

/* The assistant (focus keeper and live region) takes no room but stays readable by screen
   readers (no display:none). */
.s3-assist {{ position: absolute !important; width: 1px; height: 1px; overflow: hidden;
  clip-path: inset(50%); white-space: nowrap; }}
"""
