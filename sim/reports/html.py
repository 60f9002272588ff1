"""A report as one self-contained HTML page: plotly.js embedded once, no external reference.

The page opens offline, reads on a projector (large type, one figure per row) and prints (one
figure per page region, no menus). Every figure offers its data as a CSV download embedded in the
page (a ``data:`` link), and the page records whether its figures rendered: ``<body
data-render='{"figures": n, "rendered": m, "errors": [...]}'>``, shown as a warning if not all did.
"""

from __future__ import annotations

import base64
import html
import json

import plotly.offline

from sim.plots.style import esc
from sim.reports.document import Chart, Report

PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "toImageButtonOptions": {"format": "png", "scale": 2},
}

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; font-size: 18px; line-height: 1.45; color: #222;
       max-width: 1280px; margin: 0 auto; padding: 1em 1.5em 3em; }
h1 { font-size: 1.8em; margin-bottom: 0.2em; }
h2 { font-size: 1.45em; border-bottom: 2px solid #0072B2; padding-bottom: 0.15em; margin-top: 2em; }
.caption { color: #555; font-size: 0.85em; }
nav ol { columns: 2; }
figure { margin: 1.5em 0 2.5em; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 0.85em; color: #444; margin-top: 0.3em; }
figcaption a { color: #0072B2; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; white-space: nowrap; }
.warning { background: #fde8d8; border-left: 6px solid #D55E00; padding: 0.6em 1em; }
.hidden { display: none; }
@page { size: A4 portrait; margin: 12mm; }
@media print {
  body { font-size: 12pt; max-width: none; padding: 0; }
  nav, .no-print, .modebar, .updatemenu-container { display: none !important; }
  h2 { page-break-before: always; }
}
"""

ERROR_TRAP = """
window.reportErrors = [];
window.addEventListener('error', function (e) { window.reportErrors.push(String(e.message)); });
"""

PRINT_LAYOUT = """
// Printing: plotly draws at the screen's width, wider than a page; lay every figure out at the
// page's width while printing, and back afterwards.
(function () {
  var PRINT_WIDTH = 690;
  function each(update) {
    document.querySelectorAll('div.plotly-graph-div').forEach(function (d) { update(d); });
  }
  function toPrint() {
    each(function (d) { Plotly.relayout(d, {width: PRINT_WIDTH, 'title.font.size': 14}); });
  }
  function toScreen() {
    each(function (d) { Plotly.relayout(d, {width: null, autosize: true, 'title.font.size': 20}); });
  }
  window.addEventListener('beforeprint', toPrint);
  window.addEventListener('afterprint', toScreen);
  if (window.matchMedia) {
    window.matchMedia('print').addEventListener('change', function (m) {
      if (m.matches) { toPrint(); } else { toScreen(); }
    });
  }
})();
"""

RENDER_CHECK = """
window.addEventListener('load', function () {
  setTimeout(function () {
    var divs = document.querySelectorAll('div.plotly-graph-div');
    var rendered = 0;
    divs.forEach(function (d) { if (d.querySelector('.main-svg')) { rendered += 1; } });
    var status = {figures: divs.length, rendered: rendered, errors: window.reportErrors};
    document.body.setAttribute('data-render', JSON.stringify(status));
    if (rendered < divs.length || window.reportErrors.length) {
      var w = document.getElementById('render-warning');
      w.textContent = 'Only ' + rendered + ' of ' + divs.length + ' figures rendered. ' +
        window.reportErrors.join(' ');
      w.classList.remove('hidden');
    }
  }, 0);
});
"""


def attr(text: str) -> str:
    """A value for an HTML attribute: quotes escaped too."""
    return html.escape(text, quote=True)


def _csv_link(chart: Chart) -> str:
    data = base64.b64encode(chart.data.to_csv(index=False).encode("utf-8")).decode("ascii")
    return (
        f'<a class="no-print" download="{attr(chart.name)}.csv" href="data:text/csv;base64,{data}">'
        f"data behind this figure (CSV, {len(chart.data)} rows)</a>"
    )


def figure_html(chart: Chart) -> str:
    div = chart.figure.to_html(
        full_html=False, include_plotlyjs=False, div_id=f"fig-{chart.name}", config=PLOTLY_CONFIG
    )
    note = f"{esc(chart.note)} " if chart.note else ""
    return f'<figure id="{attr(chart.name)}">{div}<figcaption>{note}{_csv_link(chart)}</figcaption></figure>'


def table_html(rows: list[tuple[str, ...]], header: tuple[str, ...], numeric: tuple[int, ...] = ()) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header) if any(header) else ""
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    thead = f"<thead><tr>{head}</tr></thead>" if head else ""
    return f"<table>{thead}<tbody>{body}</tbody></table>"


def _provenance(report: Report) -> str:
    rows = [tuple(esc(c) for c in row) for row in report.provenance]
    n_ev = sum(1 for r in report.provenance if r[2] != "assumption")
    manifest = esc(json.dumps(report.manifest, indent=2, default=str))
    return (
        '<h2 id="provenance">Provenance: where every number comes from</h2>'
        f"<p>{len(rows)} seeded values: {n_ev} with evidence from the seed article (paragraph and quote, "
        f"see docs/seed-article.md), {len(rows) - n_ev} marked as assumptions.</p>"
        + table_html(rows, ("parameter", "value", "source", "quote or assumption"), numeric=(1,))
        + "<h3>Manifest (how this data was made)</h3>"
        f"<pre style='white-space: pre-wrap; font-size: 0.75em'>{manifest}</pre>"
    )


def render(report: Report) -> str:
    """The whole page as a string; the same report always gives the same bytes.

    Report and section titles, intros, captions and glance tables are HTML already (``sim.reports.build``
    escapes what comes from files); chart notes, provenance and the manifest are text and escaped here.
    """
    nav = "".join(f'<li><a href="#section-{i}">{s.title}</a></li>' for i, s in enumerate(report.sections))
    parts = []
    for i, section in enumerate(report.sections):
        parts.append(f'<h2 id="section-{i}">{section.title}</h2>')
        if section.intro:
            parts.append(f"<p>{section.intro}</p>")
        if section.table:
            parts.append(table_html(section.table, ("", ""), numeric=(1,)))
        parts += [figure_html(c) for c in section.charts]
    body = f"""<h1>{report.title}</h1>
<p class="caption">{report.caption}</p>
<div id="render-warning" class="warning hidden"></div>
<nav><ol>{nav}<li><a href="#provenance">Provenance</a></li></ol></nav>
{"".join(parts)}
{_provenance(report)}"""
    return page(report.title, body, report.kind)


def page(title: str, body: str, kind: str, *, with_plotly: bool = True, style: str = "") -> str:
    """A whole self-contained page around ``body`` (HTML); ``with_plotly`` embeds plotly.js and the
    render check. ``title`` is HTML (escaped by the caller); ``style`` adds CSS."""
    head = ""
    if with_plotly:
        js = plotly.offline.get_plotlyjs()
        if "</script" in js.lower():  # cannot happen with plotly's bundle; guards the page structure
            raise ValueError("plotly.js contains a closing script tag")
        head = f'<script>{ERROR_TRAP}</script>\n<script type="text/javascript">{js}</script>'
    tail = f"<script>{PRINT_LAYOUT}{RENDER_CHECK}</script>" if with_plotly else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{STYLE}{style}</style>
{head}
</head>
<body data-report-kind="{attr(kind)}">
{body}
{tail}
</body>
</html>
"""
