"""Geometry of the observatory's charts, drawn as SVG by the templates (console/observatoire_charts.html).

No script and no style attribute (the site's CSP): positions are SVG attributes, colours are CSS
classes of console.css. A masked count ("< 5") is drawn in the 0–5 band, hollow, never as a value.
"""
import math
from dataclasses import dataclass
from datetime import date
from typing import Dict, List, Sequence, Tuple

from knowledge.conversations.observatory import MASKED, THRESHOLD, CommuneRow, Count
from knowledge.texts import text


def number(value: Count) -> str:
    """1 234 (French thousands), or "< 5"."""
    if value == MASKED or isinstance(value, str):
        return str(value)
    return f"{value:,}".replace(",", "\u202f")


def _plotted(value: Count) -> float:
    """Where a count sits on a scale: a masked one in the middle of the 0–5 band."""
    return THRESHOLD / 2 if value == MASKED else float(value)


def _nice_max(value: float) -> float:
    """A round top for an axis (5, 10, 20, 50, 100…), at least 5."""
    value = max(value, THRESHOLD)
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


# -- horizontal bars ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    y: float
    length: float
    masked: bool


@dataclass(frozen=True)
class BarChart:
    bars: List[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int
    axis_max: str


def bar_chart(rows: Sequence[Tuple[str, Count]], width: int = 640, label_width: int = 230,
              bar_height: int = 22, gap: int = 8) -> BarChart:
    """One bar per (label, count), in the given order."""
    top = _nice_max(max((_plotted(v) for _, v in rows), default=0))
    room = width - label_width - 70
    bars = [Bar(label, number(value), n * (bar_height + gap), max(_plotted(value) / top * room, 2), value == MASKED)
            for n, (label, value) in enumerate(rows)]
    return BarChart(bars, width, max(len(rows) * (bar_height + gap), bar_height), label_width, bar_height,
                    number(int(top)))


# -- time series ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # "12 mars : 23" for the tooltip
    masked: bool


@dataclass(frozen=True)
class Line:
    key: str  # the CSS class suffix (channel code)
    label: str
    points: List[Point]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class TimeSeries:
    lines: List[Line]
    width: int
    height: int
    left: int
    bottom: float
    right: float
    band_top: float  # the 0–5 band where masked counts are drawn
    x_ticks: List[Tick]
    y_ticks: List[Tick]


def day_label(day: date) -> str:
    return f"{day.day} {text(f'date.month_short.{day.month}')}"


def time_series(buckets: Sequence[date], series: Dict[str, Tuple[str, List[Count]]], width: int = 720,
                height: int = 260, week: bool = False) -> TimeSeries:
    """One line per key of `series` ({key: (label, counts aligned on buckets)})."""
    left, right, top, bottom = 48, width - 12, 12, height - 30
    peak = max((_plotted(v) for _, values in series.values() for v in values), default=0)
    axis = _nice_max(peak)
    step_x = (right - left) / max(len(buckets) - 1, 1)

    def y_of(value: float) -> float:
        return bottom - value / axis * (bottom - top)

    prefix = text("console.chart_week_of") if week else ""
    lines = [Line(key, label, [Point(left + n * step_x, y_of(_plotted(v)),
                                     f"{label}, {prefix}{day_label(d)} : {number(v)}", v == MASKED)
                               for n, (d, v) in enumerate(zip(buckets, values))])
             for key, (label, values) in series.items()]
    every = max(1, math.ceil(len(buckets) / 8))
    x_ticks = [Tick(left + n * step_x, day_label(d)) for n, d in enumerate(buckets) if n % every == 0]
    y_ticks = [Tick(y_of(axis * k / 4), number(int(axis * k / 4)) if (axis * k / 4).is_integer()
                    else f"{axis * k / 4:g}".replace(".", ",")) for k in range(5)]
    return TimeSeries(lines, width, height, left, bottom, right, y_of(THRESHOLD), x_ticks, y_ticks)


# -- the map of the communes ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    name: str
    x: float
    y: float
    radius: float
    value: str
    masked: bool
    unmet: str
    label_x: float
    label_y: float
    anchor: str  # "start", "end" or "middle"


@dataclass(frozen=True)
class CommuneMap:
    places: List[Place]
    width: int
    height: int


LABEL_CHAR_WIDTH, LABEL_HEIGHT = 6.4, 12  # 11 px labels


def _label_box(x: float, y: float, anchor: str, name: str) -> Tuple[float, float, float, float]:
    width = len(name) * LABEL_CHAR_WIDTH
    left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
    return left, y - LABEL_HEIGHT + 3, left + width, y + 3


def _overlaps(box, boxes) -> bool:
    return any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes)


def _place_label(x: float, y: float, radius: float, name: str, east: bool, taken: list,
                 width: int, height: int) -> Tuple[float, float, str]:
    """The first label position (away from the centre, the other side, below, above) that overlaps
    neither another label nor a circle and stays inside the drawing."""
    side = (x + radius + 4, y + 4, "start")
    other = (x - radius - 4, y + 4, "end")
    options = [side, other] if east else [other, side]
    options += [(x, y + radius + LABEL_HEIGHT, "middle"), (x, y - radius - 4, "middle")]
    for lx, ly, anchor in options:
        box = _label_box(lx, ly, anchor, name)
        if box[0] >= 0 and box[2] <= width and box[1] >= 0 and box[3] <= height and not _overlaps(box, taken):
            taken.append(box)
            return lx, ly, anchor
    lx, ly, anchor = options[0]
    taken.append(_label_box(lx, ly, anchor, name))
    return lx, ly, anchor


def commune_map(rows: Sequence[CommuneRow], width: int = 860, max_radius: float = 30) -> CommuneMap:
    """The communes placed by latitude/longitude (equirectangular), circles' areas ∝ people."""
    if not rows:
        return CommuneMap([], width, 200)
    margin_x, margin_y = 150, max_radius + 16  # room for the names on both sides
    lat_min, lat_max = min(r.latitude for r in rows), max(r.latitude for r in rows)
    lon_min, lon_max = min(r.longitude for r in rows), max(r.longitude for r in rows)
    shrink = math.cos(math.radians((lat_min + lat_max) / 2))
    span_x, span_y = max((lon_max - lon_min) * shrink, 1e-6), max(lat_max - lat_min, 1e-6)
    scale = (width - 2 * margin_x) / span_x
    height = int(span_y * scale + 2 * margin_y)
    largest = max((_plotted(r.people) for r in rows), default=0) or 1
    centre = (lon_min + lon_max) / 2
    circles = []
    for row in rows:
        x = margin_x + (row.longitude - lon_min) * shrink * scale
        y = margin_y + (lat_max - row.latitude) * scale
        radius = 3 if row.people == 0 else max(4.0, math.sqrt(_plotted(row.people) / largest) * max_radius)
        circles.append((row, x, y, radius))
    taken = [(x - r, y - r, x + r, y + r) for _, x, y, r in circles]
    places = []
    for row, x, y, radius in sorted(circles, key=lambda c: -c[3]):  # the biggest circles choose first
        label_x, label_y, anchor = _place_label(x, y, radius, row.name, row.longitude >= centre, taken, width, height)
        places.append(Place(row.name, x, y, radius, number(row.people), row.people == MASKED,
                            number(row.unmet_people), label_x, label_y, anchor))
    places.sort(key=lambda p: p.name)
    return CommuneMap(places, width, height)
