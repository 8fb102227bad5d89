//! `timeline.svg`: the run at a glance.
//!
//! Four panels over the same time axis: the backend's phases and each
//! breaker's state as coloured bands, the breakers' window failure rate,
//! the latency the planners saw (p50 and p99) and the share of answers
//! that came from fallbacks. SVG only, text as `<text>`: no font files are
//! read, so nothing beyond the Rust toolchain is needed.

use circuit_core::State;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::{Band, Report};
use crate::scenario::Phase;

const WIDTH: u32 = 1100;
const HEIGHT: u32 = 1000;
const FONT: &str = "sans-serif";
/// Narrowest state band drawn, as a share of the run.
const MIN_BAND_SHARE: f64 = 0.003;

const SERIES_COLOURS: [RGBColor; 2] = [RGBColor(31, 119, 180), RGBColor(148, 103, 189)];
const GRID: RGBColor = RGBColor(120, 120, 120);

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Failed = DrawingAreaErrorKind<std::io::Error>;

/// Draws the chart of `report` as an SVG document.
///
/// # Errors
/// A message if plotters fails to lay something out.
pub(crate) fn render(report: &Report) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, report).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

fn draw(root: &Area<'_>, report: &Report) -> Result<(), Failed> {
    root.fill(&WHITE)?;
    let title = format!(
        "KOL demo timeline: seed {}, {:.0} s, {} backend, time scale {}",
        report.seed, report.duration_s, report.backend.kind, report.config.time_scale
    );
    let (header, body) = root.split_vertically(40);
    header.draw_text(&title, &(FONT, 20).into_text_style(&header), (20, 12))?;
    let panels = body.split_by_breakpoints::<i32, i32, _, _>([], [230, 470, 710]);
    let end_s = report.duration_s.max(report.elapsed_s);
    states(&panels[0], report, end_s)?;
    failure_rate(&panels[1], report, end_s)?;
    latency(&panels[2], report, end_s)?;
    fallback_share(&panels[3], report, end_s)?;
    Ok(())
}

fn state_colour(state: State) -> RGBColor {
    match state {
        State::Closed => RGBColor(46, 160, 67),
        State::Open => RGBColor(215, 58, 73),
        State::HalfOpen => RGBColor(230, 160, 30),
        State::ForcedOpen | State::ForcedClosed => RGBColor(140, 140, 140),
    }
}

fn phase_colour(phase: Phase) -> RGBColor {
    match phase {
        Phase::Healthy | Phase::Recovered => RGBColor(205, 235, 205),
        Phase::Degraded => RGBColor(250, 225, 150),
        Phase::OutageRefused => RGBColor(240, 150, 150),
        Phase::OutageUnavailable => RGBColor(245, 185, 165),
        Phase::Recovering => RGBColor(190, 215, 245),
    }
}

/// Phase bands and one state band per breaker.
fn states(area: &Area<'_>, report: &Report, end_s: f64) -> Result<(), Failed> {
    let rows = report.series.breakers.len() + 1;
    #[allow(clippy::cast_precision_loss)]
    let top = rows as f64;
    let mut chart = ChartBuilder::on(area)
        .caption("Backend phase and breaker state", (FONT, 16))
        .margin(10)
        .margin_right(20)
        .x_label_area_size(34)
        .y_label_area_size(110)
        .build_cartesian_2d(0f64..end_s, 0f64..top)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .y_labels(0)
        .x_desc("seconds")
        .draw()?;
    let band = |from: f64, to: f64, row: f64, colour: RGBColor| {
        Rectangle::new([(from, row + 0.12), (to, row + 0.88)], colour.filled())
    };
    chart.draw_series(
        report
            .phases
            .iter()
            .map(|p| band(p.start_s, p.end_s, top - 1.0, phase_colour(p.phase))),
    )?;
    // A failed probe keeps a breaker half-open for a millisecond: short
    // bands are widened to stay visible, and drawn last, on top.
    let min_width = end_s * MIN_BAND_SHARE;
    for (i, series) in report.series.breakers.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let row = top - 2.0 - i as f64;
        let (long, short): (Vec<&Band>, Vec<&Band>) = series
            .bands
            .iter()
            .partition(|b| b.to_s - b.from_s >= min_width || b.state == State::Closed);
        chart.draw_series(
            long.iter()
                .map(|b| band(b.from_s, b.to_s, row, state_colour(b.state))),
        )?;
        chart.draw_series(short.iter().map(|b| {
            band(
                b.from_s,
                (b.from_s + min_width).min(end_s),
                row,
                state_colour(b.state),
            )
        }))?;
    }
    // Labels are placed in pixels: from backend coordinates to the area's.
    let (base_x, base_y) = area.get_base_pixel();
    let at = |x: f64, y: f64| {
        let (px, py) = chart.backend_coord(&(x, y));
        (px - base_x, py - base_y)
    };
    for p in &report.phases {
        let (x, y) = at(p.start_s, top - 0.5);
        area.draw(&Text::new(
            p.phase.label().to_owned(),
            (x + 4, y - 6),
            (FONT, 12).into_font(),
        ))?;
    }
    let names =
        std::iter::once("backend").chain(report.series.breakers.iter().map(|b| b.name.as_str()));
    for (i, name) in names.enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let (_, y) = at(0.0, top - 0.5 - i as f64);
        area.draw(&Text::new(
            name.to_owned(),
            (14, y - 7),
            (FONT, 13).into_font(),
        ))?;
    }
    // A legend for the state colours, above the bands on the right.
    let (x, y) = at(end_s, top);
    let mut lx = x - 290;
    for state in [State::Closed, State::Open, State::HalfOpen] {
        area.draw(&Rectangle::new(
            [(lx, y - 20), (lx + 12, y - 8)],
            state_colour(state).filled(),
        ))?;
        area.draw(&Text::new(
            state.as_str().to_owned(),
            (lx + 16, y - 21),
            (FONT, 12).into_font(),
        ))?;
        lx += 95;
    }
    Ok(())
}

fn failure_rate(area: &Area<'_>, report: &Report, end_s: f64) -> Result<(), Failed> {
    let mut chart = panel(
        area,
        "Window failure rate (%) per breaker",
        end_s,
        0.0..100.0,
    )?;
    shade_phases(&mut chart, report, 100.0)?;
    let threshold = report
        .config
        .rows
        .iter()
        .find(|r| r.name == "failure_threshold")
        .and_then(|r| r.demo.trim_end_matches('%').parse::<f64>().ok());
    // With the adaptive policy the config's threshold is only its fallback:
    // each breaker's learned one is drawn too.
    let adaptive = report.breakers.iter().any(|b| b.learned.is_some());
    if let Some(t) = threshold {
        let label = if adaptive {
            format!("config threshold {t:.0}%")
        } else {
            format!("trip threshold {t:.0}%")
        };
        reference_line(&mut chart, end_s, t, label)?;
    }
    for b in report.breakers.iter().filter(|b| b.learned.is_some()) {
        let t = &b.client.circuit_breaker.thresholds;
        if t.learned {
            let rate = t.failure_rate * 100.0;
            reference_line(
                &mut chart,
                end_s,
                rate,
                format!("{} learned {rate:.1}%", b.name),
            )?;
        }
    }
    for (i, b) in report.series.breakers.iter().enumerate() {
        let values: Vec<Option<f64>> = b
            .failure_rate
            .iter()
            .map(|v| v.map(|r| r * 100.0))
            .collect();
        line(
            &mut chart,
            &report.series.t_s,
            &values,
            SERIES_COLOURS[i % 2].stroke_width(2),
            format!("{} failure rate", b.name),
        )?;
    }
    // The run starts healthy: the upper left is empty.
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

fn latency(area: &Area<'_>, report: &Report, end_s: f64) -> Result<(), Failed> {
    let timeout = report.config.request_timeout_ms;
    let peak = report
        .series
        .breakers
        .iter()
        .flat_map(|b| b.latency_p99_ms.iter().flatten())
        .fold(timeout, |a, b| a.max(*b));
    let mut chart = panel(
        area,
        "Latency the planners saw (ms): p50 thin, p99 thick",
        end_s,
        0.0..peak * 1.1,
    )?;
    shade_phases(&mut chart, report, peak * 1.1)?;
    reference_line(
        &mut chart,
        end_s,
        timeout,
        format!("request timeout {timeout:.0} ms"),
    )?;
    for (i, b) in report.series.breakers.iter().enumerate() {
        let colour = SERIES_COLOURS[i % 2];
        line(
            &mut chart,
            &report.series.t_s,
            &b.latency_p50_ms,
            colour.stroke_width(1),
            format!("{} p50", b.name),
        )?;
        line(
            &mut chart,
            &report.series.t_s,
            &b.latency_p99_ms,
            colour.stroke_width(3),
            format!("{} p99", b.name),
        )?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

fn fallback_share(area: &Area<'_>, report: &Report, end_s: f64) -> Result<(), Failed> {
    let mut chart = panel(area, "Answers served by a fallback (%)", end_s, 0.0..100.0)?;
    shade_phases(&mut chart, report, 100.0)?;
    for (i, b) in report.series.breakers.iter().enumerate() {
        let values: Vec<Option<f64>> = b
            .fallback_share
            .iter()
            .map(|v| v.map(|s| s * 100.0))
            .collect();
        line(
            &mut chart,
            &report.series.t_s,
            &values,
            SERIES_COLOURS[i % 2].stroke_width(2),
            format!("{} fallback share", b.name),
        )?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

type Panel<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

fn panel<'a, 'b>(
    area: &'a Area<'b>,
    caption: &str,
    end_s: f64,
    y: std::ops::Range<f64>,
) -> Result<Panel<'a, 'b>, Failed> {
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 16))
        .margin(10)
        .margin_right(20)
        .x_label_area_size(34)
        .y_label_area_size(110)
        .build_cartesian_2d(0f64..end_s, y)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(GRID.mix(0.15))
        .x_desc("seconds")
        .draw()?;
    Ok(chart)
}

/// Faint phase colours behind a panel, so causes and effects line up.
fn shade_phases(chart: &mut Panel<'_, '_>, report: &Report, top: f64) -> Result<(), Failed> {
    chart.draw_series(
        report
            .phases
            .iter()
            .filter(|p| !matches!(p.phase, Phase::Healthy | Phase::Recovered))
            .map(|p| {
                Rectangle::new(
                    [(p.start_s, 0.0), (p.end_s, top)],
                    phase_colour(p.phase).mix(0.35).filled(),
                )
            }),
    )?;
    Ok(())
}

/// Draws `values` over `t`, leaving gaps where a bucket had no value.
fn line(
    chart: &mut Panel<'_, '_>,
    t: &[f64],
    values: &[Option<f64>],
    style: ShapeStyle,
    label: String,
) -> Result<(), Failed> {
    let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (x, v) in t.iter().zip(values) {
        match v {
            Some(v) => segments.last_mut().map_or((), |s| s.push((*x, *v))),
            None if segments.last().is_some_and(|s| !s.is_empty()) => segments.push(Vec::new()),
            None => {}
        }
    }
    for segment in segments.into_iter().filter(|s| !s.is_empty()) {
        chart.draw_series(LineSeries::new(segment, style))?;
    }
    // The legend entry is an empty series, drawn once whatever the gaps.
    chart
        .draw_series(LineSeries::new(std::iter::empty::<(f64, f64)>(), style))?
        .label(label)
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], style));
    Ok(())
}

/// A thin horizontal line across the panel at `y` (a threshold, a timeout).
fn reference_line(
    chart: &mut Panel<'_, '_>,
    end_s: f64,
    y: f64,
    label: String,
) -> Result<(), Failed> {
    chart
        .draw_series(LineSeries::new(
            [(0.0, y), (end_s, y)],
            GRID.stroke_width(1),
        ))?
        .label(label)
        .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], GRID.stroke_width(1)));
    Ok(())
}

fn legend<'a, 'b: 'a>(
    chart: &mut Panel<'a, 'b>,
    position: SeriesLabelPosition,
) -> Result<(), Failed> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(GRID.mix(0.5))
        .label_font((FONT, 12))
        .draw()
}
