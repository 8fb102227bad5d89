//! overhead.svg: ns per closed-state call for every library, one thread
//! and two, on a log scale. SVG only; text is left for the viewer to
//! render, so no font files are needed to draw it.

use std::path::Path;

use plotters::prelude::*;

use crate::error::Error;
use crate::scenarios::hot_path::CallRow;
use crate::subjects::Role;

use super::Report;
use super::format::num;

const ONE: RGBColor = RGBColor(31, 119, 180);
const TWO: RGBColor = RGBColor(255, 127, 14);
const LABEL_AREA: u32 = 360;

fn chart_error(e: impl std::fmt::Display) -> Error {
    Error::Chart(e.to_string())
}

/// The log axis range: powers of ten around the values.
fn axis(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return (1.0, 10.0);
    }
    (
        10f64.powf(lo.log10().floor()),
        10f64.powf(hi.log10().ceil()).max(lo * 10.0),
    )
}

pub(crate) fn draw(report: &Report, path: &Path) -> Result<(), Error> {
    let rows: &[CallRow] = &report.breakers.hot_path;
    let n = rows.len().max(1);
    let root = SVGBackend::new(path, (1000, 110 + 44 * n as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(chart_error)?;
    let (lo, hi) = axis(
        rows.iter()
            .flat_map(|r| [r.one_thread.median, r.two_threads.per_call.median]),
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Closed-state successful call: ns per call (log scale, lower is better)",
            ("sans-serif", 18),
        )
        .margin(12)
        .margin_right(48)
        .x_label_area_size(40)
        .y_label_area_size(LABEL_AREA)
        .build_cartesian_2d((lo..hi).log_scale(), 0f64..n as f64)
        .map_err(chart_error)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_label_formatter(&|x| num(*x))
        .x_desc("ns per call")
        .draw()
        .map_err(chart_error)?;
    // Row 0 (ours) at the top.
    let y = |i: usize| (n - 1 - i) as f64;
    let bars = |color: RGBColor, top: f64, bottom: f64, value: fn(&CallRow) -> f64| {
        rows.iter().enumerate().map(move |(i, r)| {
            Rectangle::new(
                [(lo, y(i) + bottom), (value(r).max(lo), y(i) + top)],
                color.filled(),
            )
        })
    };
    chart
        .draw_series(bars(ONE, 0.85, 0.52, |r| r.one_thread.median))
        .map_err(chart_error)?
        .label("1 thread")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], ONE.filled()));
    chart
        .draw_series(bars(TWO, 0.48, 0.15, |r| r.two_threads.per_call.median))
        .map_err(chart_error)?
        .label("2 threads, one breaker")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], TWO.filled()));
    let values = rows.iter().enumerate().flat_map(|(i, r)| {
        // Text hangs down from its anchor: anchor it near each bar's top.
        [
            (r.one_thread.median, y(i) + 0.84),
            (r.two_threads.per_call.median, y(i) + 0.47),
        ]
        .map(|(v, at)| {
            Text::new(
                format!(" {}", num(v)),
                (v.max(lo), at),
                ("sans-serif", 11).into_font().color(&BLACK),
            )
        })
    });
    chart.draw_series(values).map_err(chart_error)?;
    for (i, r) in rows.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(lo, y(i) + 0.5));
        let color = if r.id.role == Role::Ours {
            RGBColor(0, 80, 160)
        } else {
            RGBColor(40, 40, 40)
        };
        let style = ("sans-serif", 13).into_font().color(&color);
        root.draw(&Text::new(
            r.id.label(),
            (px - LABEL_AREA as i32 + 8, py - 7),
            style,
        ))
        .map_err(chart_error)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(chart_error)?;
    root.present().map_err(chart_error)
}

#[cfg(test)]
mod tests {
    use super::axis;

    #[test]
    fn the_axis_spans_whole_decades() {
        assert_eq!(axis([3.0, 250.0].into_iter()), (1.0, 1000.0));
        assert_eq!(axis([f64::NAN].into_iter()), (1.0, 10.0));
        assert_eq!(axis([10.0].into_iter()), (10.0, 100.0));
    }
}
