//! Charts, drawn on the server as SVG by `charts-rs` (ECharts-like options): the one way canyu
//! draws a chart. No script runs, so the strict Content-Security-Policy holds; the SVG is the
//! same in a page, on a projector or in an email, and needs no network.
//! The one shape charts-rs lacks, a gauge ([`margin_gauge`]), is computed here and drawn by
//! the page's template as an inline SVG, for the same reasons.

use canyu_core::Millis;
use canyu_core::time::Zone;
use charts_rs::{BarChart, Box as Margin, Color, Series, THEME_DARK};

/// Minutes on the live screen's chart: the last hour.
pub const LIVE_MINUTES: i64 = 60;

/// The fonts the SVG asks the viewer for (charts-rs measures text with its own Roboto, which
/// is close enough for digits and `HH:MM`).
const FONTS: &str = "-apple-system, \"PingFang SC\", \"Noto Sans CJK SC\", \"Microsoft YaHei\", sans-serif";

/// Grid lines on a count axis.
const AXIS_STEPS: i64 = 5;

/// The top of a count axis of `steps` equal steps that reaches `peak`, each step a whole 1, 2
/// or 5 × 10ⁿ (so every label is a whole number people read at a glance).
fn whole_axis_max(peak: i64, steps: i64) -> i64 {
    let mut magnitude = 1i64;
    loop {
        for unit in [1, 2, 5] {
            let step = unit * magnitude;
            if step * steps >= peak {
                return step * steps;
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

/// Orders per minute over the `LIVE_MINUTES` minutes up to `now`, as bars on a dark ground with
/// both axes: minutes labelled `HH:MM` in `zone`, counts on the left. `points` are
/// `(minute start, orders)`, in any order; minutes without orders are drawn as zero.
pub fn orders_per_minute(points: &[(Millis, i64)], now: Millis, zone: &Zone, series_name: &str) -> String {
    let last = now.div_euclid(60_000) * 60_000;
    let first = last - (LIVE_MINUTES - 1) * 60_000;
    let mut counts = vec![0i64; LIVE_MINUTES as usize];
    for &(minute, n) in points {
        if (first..=last).contains(&minute) {
            let slot = ((minute - first) / 60_000) as usize;
            counts[slot] = counts[slot].saturating_add(n);
        }
    }
    let labels: Vec<String> = (0..LIVE_MINUTES)
        .map(|i| {
            let z = zone.zoned(first + i * 60_000);
            format!("{:02}:{:02}", z.hour(), z.minute())
        })
        .collect();
    // f32 holds every count a campaign reaches in a minute exactly (below 2^24).
    let data: Vec<f32> = counts.iter().map(|&n| n as f32).collect();
    let mut chart =
        BarChart::new_with_theme(vec![Series::new(series_name.to_string(), data)], labels, THEME_DARK);
    chart.base.width = 960.0;
    chart.base.height = 360.0;
    chart.base.font_family = FONTS.to_string();
    chart.base.background_color = Color::transparent();
    chart.base.margin = Margin { left: 8.0, top: 16.0, right: 16.0, bottom: 8.0 };
    chart.base.legend.show = Some(false);
    chart.base.x_axis.font.size = 14.0;
    chart.base.series.colors = vec![Color::from("#ff6900")];
    if let Some(y) = chart.y_axis_configs.first_mut() {
        y.font.size = 14.0;
        y.min = Some(0.0);
        // Whole orders: five steps of 1, 2 or 5 × 10ⁿ, never the library's 0.2 of an order.
        y.max = Some(whole_axis_max(counts.iter().copied().max().unwrap_or(0), AXIS_STEPS) as f32);
        y.split_number = AXIS_STEPS as usize;
    }
    chart.svg().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "orders-per-minute chart failed to render");
        String::new()
    })
}

/// The colours of an insights chart's series, in order (the site's orange first); the page's
/// legend swatches use the same classes (`.swatch-0` …) in `app.css`.
const PALETTE: [&str; 6] = ["#ff6900", "#2f6fdf", "#1a9e5c", "#9b51e0", "#d9a400", "#e0447a"];

/// An insights table's chart as an inline SVG: lines or bars of the plotted columns over the
/// first column, with a hover value on every point or bar (charts-rs's tooltips). The SVG is
/// sized by its view box, so it shrinks to a phone's width; charts-rs's own `<style>` block is
/// dropped because the page's CSP forbids inline styles, and its two tooltip rules live in
/// `app.css` instead. The legend is left to the page (charts-rs measures Chinese labels with a
/// Latin font and overlaps them): [`InsightChart::legend`]. `None` for a table without a chart
/// or without rows.
pub fn insight_chart(table: &canyu_app::insights::Table) -> Option<InsightChart> {
    use canyu_app::insights::Chart;
    use charts_rs::{LineChart, THEME_LIGHT};
    if table.chart == Chart::None || table.rows.is_empty() {
        return None;
    }
    let columns = table.plotted_columns();
    if columns.is_empty() {
        return None;
    }
    let labels: Vec<String> = table.rows.iter().map(|r| short_label(&r[0].display())).collect();
    let series: Vec<Series> = columns
        .iter()
        .map(|&c| {
            let data =
                table.rows.iter().map(|r| r.get(c).and_then(|v| v.plotted()).map(|x| x as f32)).collect();
            Series::new_nullable(table.columns[c].label.clone(), data)
        })
        .collect();
    let peak = series.iter().flat_map(|s| s.data.iter().flatten()).fold(0f32, |a, &b| a.max(b));
    let colors: Vec<Color> = PALETTE.iter().map(|c| Color::from(*c)).collect();
    let legend: Vec<(&'static str, String)> = if columns.len() > 1 {
        columns
            .iter()
            .enumerate()
            .map(|(i, &c)| (PALETTE[i % PALETTE.len()], table.columns[c].label.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let svg = match table.chart {
        Chart::Line => {
            let mut chart = LineChart::new_with_theme(series, labels, THEME_LIGHT);
            style_base(&mut chart.base, colors);
            count_axis(&mut chart.y_axis_configs, peak);
            chart.svg()
        }
        _ => {
            // Category names are mostly Chinese, which charts-rs measures with a Latin font and
            // so cannot thin or rotate on its own: five or more are turned 45° with room below.
            let rotate = labels.len() >= 5 && labels.iter().any(|l| l.chars().count() > 3);
            let mut chart = BarChart::new_with_theme(series, labels, THEME_LIGHT);
            style_base(&mut chart.base, colors);
            if rotate {
                chart.base.x_axis.name_rotate = std::f32::consts::FRAC_PI_4;
                chart.base.x_axis.height = 64.0;
                chart.base.height += 40.0;
            }
            count_axis(&mut chart.y_axis_configs, peak);
            chart.svg()
        }
    };
    match svg {
        Ok(svg) => Some(InsightChart { svg: inline_svg(&svg, &table.title), legend }),
        Err(e) => {
            tracing::warn!(error = %e, table = table.key, "insight chart failed to render");
            None
        }
    }
}

/// A count axis from 0 in whole steps up past `peak`.
fn count_axis(axes: &mut [charts_rs::YAxisConfig], peak: f32) {
    if let Some(y) = axes.first_mut() {
        y.font.size = 13.0;
        y.min = Some(0.0);
        y.max = Some(whole_axis_max(peak.ceil() as i64, AXIS_STEPS) as f32);
        y.split_number = AXIS_STEPS as usize;
    }
}

/// A chart for the page: the SVG, and each series' colour and name when there are several.
pub struct InsightChart {
    pub svg: String,
    pub legend: Vec<(&'static str, String)>,
}

fn style_base(base: &mut charts_rs::ChartBase, colors: Vec<Color>) {
    base.width = 480.0;
    base.height = 280.0;
    base.font_family = FONTS.to_string();
    base.background_color = Color::transparent();
    base.margin = Margin { left: 4.0, top: 8.0, right: 12.0, bottom: 4.0 };
    base.legend.show = Some(false);
    base.x_axis.font.size = 12.0;
    base.series.colors = colors;
    base.tooltip.show = true;
}

/// `2026-12-07` → `12-07` on a chart's axis (the table keeps the full date).
fn short_label(label: &str) -> String {
    let b = label.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' { label[5..].to_string() } else { label.to_string() }
}

/// charts-rs's SVG made fit for inlining under the page's CSP: its `<style>` element removed,
/// a view box instead of a fixed size, and a role and label for screen readers.
fn inline_svg(svg: &str, title: &str) -> String {
    let mut out = svg.to_string();
    if let (Some(start), Some(end)) = (out.find("<style>"), out.find("</style>"))
        && start < end
    {
        out.replace_range(start..end + "</style>".len(), "");
    }
    let label = title.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    if let Some(rest) = out.strip_prefix("<svg") {
        let dims = |name: &str| {
            let key = format!("{name}=\"");
            rest.find(&key).and_then(|i| {
                let from = i + key.len();
                rest[from..].find('"').map(|len| rest[from..from + len].to_string())
            })
        };
        if let (Some(w), Some(h)) = (dims("width"), dims("height")) {
            out = format!(
                "<svg class=\"insight-chart\" role=\"img\" aria-label=\"{label}\" viewBox=\"0 0 {w} {h}\" preserveAspectRatio=\"xMidYMid meet\"{}",
                rest.replacen(&format!(" width=\"{w}\""), "", 1).replacen(&format!(" height=\"{h}\""), "", 1)
            );
        }
    }
    out
}

/// A half-circle gauge of a net margin against the pledge, as shapes the page's template
/// draws inside an inline `<svg>` (so it takes the page's fonts and colours, and the page
/// gives it its text alternative). charts-rs has no gauge; a gauge is two arcs and a tick.
/// The view box is `0 0 200 132`; the scale runs from 0 to [`MarginGauge::max_bps`].
#[derive(Clone, Debug, PartialEq)]
pub struct MarginGauge {
    /// The whole scale's arc, as an SVG path.
    pub track: String,
    /// The arc from 0 to the margin (empty at or below 0).
    pub value: String,
    /// The pledge's tick across the arc: `x1 y1 x2 y2`.
    pub cap_tick: [String; 4],
    /// Where the tick's label sits, `x y` (above the arc).
    pub cap_label_at: [String; 2],
    /// The scale's top: twice the pledge, at least 10 %.
    pub max_bps: i64,
    /// The margin is above the pledge.
    pub over: bool,
}

const GAUGE_CX: f64 = 100.0;
const GAUGE_CY: f64 = 112.0;
const GAUGE_R: f64 = 76.0;

/// A point of the gauge's arc `fraction` of the way from its left end (0) to its right (1).
fn gauge_point(fraction: f64, radius: f64) -> (f64, f64) {
    let angle = std::f64::consts::PI * (1.0 - fraction.clamp(0.0, 1.0));
    (GAUGE_CX + radius * angle.cos(), GAUGE_CY - radius * angle.sin())
}

/// One decimal: enough for a 200-unit view box, and the same text on every platform.
fn coord(v: f64) -> String {
    format!("{v:.1}")
}

/// The gauge of `margin_bps` (a period's net margin) against `cap_bps` (the pledge).
pub fn margin_gauge(margin_bps: i64, cap_bps: i64) -> MarginGauge {
    let max_bps = (cap_bps.saturating_mul(2)).max(1_000);
    let fraction = |bps: i64| bps as f64 / max_bps as f64;
    let arc_to = |f: f64| {
        let (x0, y0) = gauge_point(0.0, GAUGE_R);
        let (x, y) = gauge_point(f, GAUGE_R);
        // Never more than half a circle, so the small arc is always the one meant.
        format!("M {} {} A {GAUGE_R} {GAUGE_R} 0 0 1 {} {}", coord(x0), coord(y0), coord(x), coord(y))
    };
    let (ix, iy) = gauge_point(fraction(cap_bps), GAUGE_R - 12.0);
    let (ox, oy) = gauge_point(fraction(cap_bps), GAUGE_R + 12.0);
    let (lx, ly) = gauge_point(fraction(cap_bps), GAUGE_R + 20.0);
    MarginGauge {
        track: arc_to(1.0),
        value: if margin_bps > 0 { arc_to(fraction(margin_bps)) } else { String::new() },
        cap_tick: [coord(ix), coord(iy), coord(ox), coord(oy)],
        // Kept inside the view box when the pledge sits near an end of the scale.
        cap_label_at: [coord(lx.clamp(24.0, 176.0)), coord(ly)],
        max_bps,
        over: !canyu_core::pricing::within_cap(margin_bps, cap_bps),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_axes_step_in_whole_nice_numbers() {
        assert_eq!(whole_axis_max(0, 5), 5);
        assert_eq!(whole_axis_max(5, 5), 5);
        assert_eq!(whole_axis_max(6, 5), 10);
        assert_eq!(whole_axis_max(1200, 5), 2500);
        assert_eq!(whole_axis_max(999_999, 5), 1_000_000);
    }

    #[test]
    fn an_hour_of_minutes_with_axes_in_the_site_zone() {
        let zone = Zone::china();
        // 2026-12-07T12:00:00Z is 20:00 in China.
        let now: Millis = 1_796_644_800_000 + 30_000;
        let minute = |m: i64| now.div_euclid(60_000) * 60_000 - m * 60_000;
        let svg =
            orders_per_minute(&[(minute(0), 1200), (minute(1), 800), (minute(90), 5)], now, &zone, "订单");
        assert!(svg.starts_with("<svg"), "{svg}");
        // The x axis: the first and last minute of the hour, in China time.
        assert!(svg.contains("19:01") && svg.contains("20:00"), "{svg}");
        assert!(!svg.contains("12:00"), "UTC leaked: {svg}");
        // The y axis reaches past the busiest minute (1,200) in whole steps of 500.
        assert!(svg.contains("\n2.5k\n") && svg.contains("\n500\n"), "{svg}");
    }

    #[test]
    fn insight_charts_inline_under_the_csp_with_hover_values_and_a_legend() {
        use canyu_app::insights::{Chart, Table, Value};
        let mut t = Table::new("activity", "发帖与投票", Chart::Line)
            .column("day", "日期")
            .column("posts", "发帖")
            .column("votes", "投票")
            .column("share", "占比");
        t.push(vec![Value::Text("2026-12-06".into()), Value::Int(3), Value::Int(12), Value::Share(0.5)]);
        t.push(vec![Value::Text("2026-12-07".into()), Value::Int(5), Value::Few, Value::Share(0.25)]);
        let chart = insight_chart(&t).expect("a chart");
        assert!(chart.svg.starts_with(
            "<svg class=\"insight-chart\" role=\"img\" aria-label=\"发帖与投票\" viewBox=\"0 0 "
        ));
        assert!(!chart.svg.contains("<style"), "the CSP forbids inline style elements");
        assert!(chart.svg.contains("<title>"), "points carry hover values");
        assert!(chart.svg.contains("12-07") && !chart.svg.contains("2026-12-07"), "short day labels");
        // Counts are plotted; the share column is not.
        let names: Vec<&str> = chart.legend.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(names, ["发帖", "投票"]);
        assert!(insight_chart(&Table::new("empty", "空", Chart::Bar).column("a", "A")).is_none());
    }

    #[test]
    fn the_margin_gauge_puts_the_pledge_at_the_top_and_clamps_the_margin() {
        let g = margin_gauge(412, 500);
        assert_eq!(g.max_bps, 1_000);
        assert_eq!(g.track, "M 24.0 112.0 A 76 76 0 0 1 176.0 112.0");
        // A 5 % pledge on a 0–10 % scale: the tick stands straight up at the middle.
        assert_eq!(g.cap_tick, ["100.0", "48.0", "100.0", "24.0"].map(String::from));
        assert_eq!(g.cap_label_at, ["100.0", "16.0"].map(String::from));
        assert!(g.value.starts_with("M 24.0 112.0 A 76 76 0 0 1 ") && !g.over);
        // Above the scale: a full arc, flagged; a loss draws no arc.
        let over = margin_gauge(2_500, 500);
        assert!(over.over && over.value.ends_with("176.0 112.0"), "{over:?}");
        assert_eq!(margin_gauge(-300, 500).value, "");
        assert!(!margin_gauge(500, 500).over, "exactly at the pledge keeps it");
        assert_eq!(margin_gauge(0, 0).max_bps, 1_000);
    }
}
