"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, nothing to load offline.

Every piece of text (names, labels, titles) is escaped (fast_tables.esc, as format_html would); the
browser renders Chinese with the page's own fonts. Each bar carries a <title> with its numbers
(shown on hover and read by screen readers), and each chart has a title: an image's, or a group's
when its bars link to pages.
"""

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from xml.etree import ElementTree

from defusedxml import ElementTree as SafeElementTree
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from competitions import punctuation
from competitions.models import MEDAL_TIERS, Tier
from competitions.templatetags.fast_tables import esc

# Bar colours by tier (the text colours in site.css are darker, for contrast on white).
TIER_FILLS = {
    Tier.SPECIAL: "#8250df",
    Tier.GOLD: "#e3b341",
    Tier.SILVER: "#afb8c1",
    Tier.BRONZE: "#c8825b",
    Tier.EXCELLENCE: "#4ac26b",
    Tier.OTHER: "#8c959f",
}
# Every tier, "other" included: the tally pages' charts, whose tables count every award.
ALL_TIERS = list(Tier.values)
FONT_SIZE = 12
MAX_LABEL = 16  # characters of a bar's label; longer ones are cut with … (the full name is in its title)

_ids = itertools.count(1)


@dataclass
class Bar:
    """One bar: its label, the count of each tier, and where clicking its label leads (optional)."""

    label: str
    counts: Mapping[str, int]
    url: str = ""

    def total(self, tiers: Sequence[str]) -> int:
        return sum(self.counts.get(tier, 0) for tier in tiers)


def number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def label_width(text: str) -> float:
    """The width of a label in pixels, roughly: CJK characters are square, Latin ones narrower."""
    return sum(FONT_SIZE if ord(character) > 0x2E80 else FONT_SIZE * 0.6 for character in text)


def shorten(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def nice_step(maximum: int, lines: int = 4) -> int:
    """A round step (1, 2, 5, 10, 20 ...) for about `lines` grid lines up to `maximum`."""
    if maximum <= lines:
        return 1
    raw = maximum / lines
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return int(factor * magnitude)
    return int(10 * magnitude)


def tier_labels(tiers: Sequence[str]) -> dict[str, str]:
    """The tiers' labels in the request's language, translated once for a chart."""
    return {tier: str(Tier(tier).label) for tier in tiers}


def tier_title(bar: Bar, tiers: Sequence[str], labels: Mapping[str, str], labelled: Callable) -> str:
    """A bar's title: its label, then each tier's count ("Gold 2, Silver 1"), with the chart's
    tier_labels and punctuation.labeller."""
    parts = [f"{labels[tier]} {bar.counts[tier]}" for tier in tiers if bar.counts.get(tier, 0)]
    return labelled(bar.label, punctuation.items(parts) or "0")


def legend_width(tiers: Sequence[str]) -> float:
    return sum(14 + label_width(str(Tier(tier).label)) + 16 for tier in tiers)


def legend(tiers: Sequence[str], *, x: float, y: float) -> SafeString:
    items, offset = [], 0.0
    for tier in tiers:
        label = str(Tier(tier).label)
        items.append(
            f'<rect x="{number(x + offset)}" y="{number(y)}" width="10" height="10" fill="{TIER_FILLS[tier]}">'
            f'</rect><text x="{number(x + offset + 14)}" y="{number(y + 9)}" class="chart-legend">{esc(label)}</text>'
        )
        offset += 14 + label_width(label) + 16
    return mark_safe("".join(items))


def svg(
    title: str, width: float, height: float, body: SafeString, css_class: str, *, links: bool = False
) -> SafeString:
    """The chart's frame, named by its title. A chart is one image to assistive technology unless
    it holds links: an image's parts are hidden from them, so a chart with links is a named group
    (WCAG: no focusable element inside role="img")."""
    title_id = f"chart-title-{next(_ids)}"
    return mark_safe(
        f'<svg class="chart {esc(css_class)}" viewBox="0 0 {number(width)} {number(height)}" '
        f'width="{number(width)}" role="{"group" if links else "img"}" aria-labelledby="{title_id}" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{title_id}">{esc(title)}</title>{esc(body)}</svg>'
    )


def empty_chart(title: str) -> SafeString:
    body = mark_safe(f'<text x="8" y="28" class="chart-empty">{esc(_("Nothing to show."))}</text>')
    return svg(title, 320, 44, body, "chart-empty-box")


def stacked_columns(bars: Sequence[Bar], *, title: str, tiers: Sequence[str] = MEDAL_TIERS) -> SafeString:
    """Vertical columns (one per bar, e.g. per year) stacked by tier, with the total on top."""
    totals = [bar.total(tiers) for bar in bars]
    if not bars or not any(totals):
        return empty_chart(title)
    column, gap, left, top, plot_height = 36, 22, 36, 16, 160
    width = max(320, left + len(bars) * (column + gap) + gap, left + legend_width(tiers))
    height = top + plot_height + 22 + 24
    step = nice_step(max(totals))
    scale_top = step * math.ceil(max(totals) / step)
    scale = plot_height / scale_top
    baseline = top + plot_height
    tier_names, labelled = tier_labels(tiers), punctuation.labeller()
    # Written with f-strings and esc, as stacked_bars (the same markup as format_html wrote).
    parts = []
    for value in range(0, scale_top + 1, step):
        y = baseline - value * scale
        parts.append(
            f'<line x1="{left}" x2="{number(width - 4)}" y1="{number(y)}" y2="{number(y)}" class="chart-grid">'
            f'</line><text x="{left - 6}" y="{number(y + 4)}" class="chart-axis" text-anchor="end">{value}</text>'
        )
    for index, (bar, total) in enumerate(zip(bars, totals, strict=True)):
        x = left + gap + index * (column + gap)
        y = baseline
        segments = []
        for tier in tiers:
            count = bar.counts.get(tier, 0)
            if not count:
                continue
            y -= count * scale
            tip = esc(labelled(bar.label, f"{tier_names[tier]} {count}"))
            segments.append(
                f'<rect x="{number(x)}" y="{number(y)}" width="{column}" height="{number(count * scale)}" '
                f'fill="{TIER_FILLS[tier]}"><title>{tip}</title></rect>'
            )
        middle = number(x + column / 2)
        parts.append(
            f'<g class="chart-bar"><title>{esc(tier_title(bar, tiers, tier_names, labelled))}</title>{"".join(segments)}'
            f'<text x="{middle}" y="{number(y - 4)}" class="chart-value" text-anchor="middle">{total}</text>'
            f'<text x="{middle}" y="{baseline + 16}" class="chart-axis" text-anchor="middle">{esc(bar.label)}</text></g>'
        )
    parts.append(legend(tiers, x=left, y=height - 14))
    return svg(title, width, height, mark_safe("".join(parts)), "chart-columns")


def stacked_bars(
    bars: Sequence[Bar], *, title: str, tiers: Sequence[str] = MEDAL_TIERS, limit: int = 15
) -> SafeString:
    """Horizontal bars (one per bar, e.g. per department or skill) stacked by tier, longest first
    as given, at most `limit` of them."""
    bars = [bar for bar in bars if bar.total(tiers)][:limit]
    if not bars:
        return empty_chart(title)
    totals = [bar.total(tiers) for bar in bars]
    labels = [shorten(bar.label) for bar in bars]
    row, top, plot_width = 24, 8, 360
    left = 8 + max(label_width(label) for label in labels) + 8
    width = left + plot_width + 40
    height = top + len(bars) * row + 30
    scale = plot_width / max(totals)
    parts = []
    tier_names, labelled = tier_labels(tiers), punctuation.labeller()
    # Written with f-strings and esc (format_html per element was most of a leaderboard's chart).
    for index, (bar, total, label) in enumerate(zip(bars, totals, labels, strict=True)):
        y = top + index * row
        x = left
        segments = []
        for tier in tiers:
            count = bar.counts.get(tier, 0)
            if not count:
                continue
            tip = esc(labelled(bar.label, f"{tier_names[tier]} {count}"))
            segments.append(
                f'<rect x="{number(x)}" y="{y + 2}" width="{number(count * scale)}" height="16" '
                f'fill="{TIER_FILLS[tier]}"><title>{tip}</title></rect>'
            )
            x += count * scale
        name = f'<text x="{number(left - 8)}" y="{y + 15}" class="chart-label" text-anchor="end">{esc(label)}</text>'
        if bar.url:
            name = f'<a href="{esc(bar.url)}">{name}</a>'
        parts.append(
            mark_safe(
                f'<g class="chart-bar"><title>{esc(tier_title(bar, tiers, tier_names, labelled))}</title>{name}{"".join(segments)}'
                f'<text x="{number(x + 6)}" y="{y + 15}" class="chart-value">{total}</text></g>'
            )
        )
    parts.append(legend(tiers, x=8, y=height - 16))
    return svg(
        title,
        max(width, 320, 16 + legend_width(tiers)),
        height,
        mark_safe("".join(parts)),
        "chart-bars",
        links=any(bar.url for bar in bars),
    )


# The page's chart styles (static/css/site.css, "Charts") for a chart drawn away from the page: a
# chart converted to a picture for a document has no stylesheet, so its SVG carries them as
# presentation attributes. The colours are site.css's --text, --muted and --border.
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
STANDALONE_TEXT = {"fill": "#1f2328", "font-size": str(FONT_SIZE)}
STANDALONE_CLASSES = {
    "chart-axis": {"fill": "#656d76"},
    "chart-legend": {"fill": "#656d76"},
    "chart-empty": {"fill": "#656d76"},
    "chart-value": {"font-weight": "600"},
    "chart-grid": {"stroke": "#d0d7de", "stroke-width": "1"},
}


def standalone(chart: str, *, font_family: str | None) -> str:
    """A chart of this module as an SVG file of its own, looking as on the page: the stylesheet's
    colours, sizes and weights as attributes of its elements, its text in `font_family` (a font
    that draws Chinese, when one is installed: a converter uses one font for all the text, not
    the page's list of fallbacks)."""
    ElementTree.register_namespace("", SVG_NAMESPACE)
    root = SafeElementTree.fromstring(chart)
    for element in root.iter():
        if element.tag == f"{{{SVG_NAMESPACE}}}text":
            element.attrib.update(STANDALONE_TEXT, **{"font-family": font_family or "sans-serif"})
        for name in element.get("class", "").split():
            element.attrib.update(STANDALONE_CLASSES.get(name, {}))
    return ElementTree.tostring(root, encoding="unicode")
