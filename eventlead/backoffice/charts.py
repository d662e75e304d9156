"""Bar charts for the dashboard, as SVG written on the server: no JavaScript, no files to fetch.

The SVG names no colour. Bars carry a class per tone (``tone-ok``, ``tone-warn``, ``tone-bad``,
``tone-quiet``) and text uses ``currentColor``; ``admin/index.html`` maps each tone to one of
the admin's CSS variables (``var(--link-fg)``, ``var(--error-fg)``, ...), so a chart follows
the light and dark themes as the rest of the page does. Every text goes through
``format_html``, so a label is escaped wherever it came from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from .dashboard import Chart

# About the size a dashboard card shows it at, so 10px text stays 10px or a little more.
WIDTH, HEIGHT = 360, 140
# Room for the counts on the left and the times or dates underneath.
LEFT, RIGHT, TOP, BOTTOM = 36, 16, 10, 22
MAX_TIME_LABELS = 6
BAR_SHARE = 0.8  # of each bucket's width; the rest is the gap between bars


def stacked_bars(chart: Chart) -> SafeString:
    """One bar per bucket, its series stacked in order from the bottom, on a 0-to-round-number scale.

    Each bucket's column has a tooltip (SVG ``<title>``) with its time and every series' count.
    """
    count = len(chart.buckets)
    totals = [sum(series.values[index] for series in chart.series) for index in range(count)]
    top = nice_ceiling(max(totals, default=0))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(count, 1)
    baseline = TOP + plot_height

    parts = [_scale(top, plot_height)]
    for index, bucket in enumerate(chart.buckets):
        x = LEFT + index * slot
        bars, height_so_far = [], 0.0
        for series in chart.series:
            value = series.values[index]
            if not value:
                continue
            height = value / top * plot_height
            height_so_far += height
            bars.append(
                format_html(
                    '<rect class="tone-{}" x="{}" y="{}" width="{}" height="{}"></rect>',
                    series.tone,
                    _number(x + slot * (1 - BAR_SHARE) / 2),
                    _number(baseline - height_so_far),
                    _number(slot * BAR_SHARE),
                    _number(height),
                )
            )
        tooltip = f"{bucket_label(bucket)}: " + ", ".join(
            f"{series.label} {series.values[index]:,}" for series in chart.series
        )
        parts.append(
            format_html(
                '<g><title>{}</title><rect class="chart-slot" x="{}" y="{}" width="{}" height="{}"></rect>{}</g>',
                tooltip,
                _number(x),
                TOP,
                _number(slot),
                plot_height,
                _joined(bars),
            )
        )
    parts.extend(_time_labels(chart.buckets, slot, baseline))
    summary = ", ".join(f"{series.label} {sum(series.values):,}" for series in chart.series)
    return format_html(
        '<svg class="ops-chart" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>',
        WIDTH,
        HEIGHT,
        f"{chart.title}: {summary}",
        _joined(parts),
    )


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is at least ``value`` (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop's last step always fits


def bucket_label(bucket: date | datetime) -> str:
    """``3 Mar 09:00`` for an hour, ``Tue 3 Mar`` for a day."""
    if isinstance(bucket, datetime):
        return f"{bucket.day} {bucket:%b %H:%M}"
    return f"{bucket:%a} {bucket.day} {bucket:%b}"


def _scale(top: int, plot_height: float) -> SafeString:
    """The baseline, a line at the top of the scale and one half-way; each count that is whole."""
    lines = []
    for fraction in (0, 0.5, 1):
        y = TOP + plot_height * (1 - fraction)
        value = top * fraction
        lines.append(
            format_html(
                '<line class="chart-rule" x1="{}" y1="{}" x2="{}" y2="{}"></line>',
                LEFT,
                _number(y),
                WIDTH - RIGHT,
                _number(y),
            )
        )
        if value == int(value):  # no "2.5 sign-ups"
            lines.append(
                format_html(
                    '<text class="chart-text" x="{}" y="{}" text-anchor="end">{}</text>',
                    LEFT - 4,
                    _number(y + 3.5),
                    f"{int(value):,}",
                )
            )
    return _joined(lines)


def _time_labels(buckets: Sequence[date | datetime], slot: float, baseline: float) -> list[SafeString]:
    """At most ``MAX_TIME_LABELS`` labels under the bars, evenly spaced, the newest bucket always named."""
    step = max(1, math.ceil(len(buckets) / MAX_TIME_LABELS))
    last = len(buckets) - 1
    shown = [index for index in range(last, -1, -step)]
    return [
        format_html(
            '<text class="chart-text" x="{}" y="{}" text-anchor="middle">{}</text>',
            _number(LEFT + (index + 0.5) * slot),
            _number(baseline + 14),
            _short_label(buckets[index]),
        )
        for index in sorted(shown)
    ]


def _short_label(bucket: date | datetime) -> str:
    if isinstance(bucket, datetime):
        return f"{bucket:%H:%M}"
    return f"{bucket.day} {bucket:%b}"


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _joined(parts: Sequence[SafeString]) -> SafeString:
    # Each part was built by format_html, so it is escaped already.
    return mark_safe("".join(parts))  # noqa: S308
