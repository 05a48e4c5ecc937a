//! The core plot when the samples carry a split (`CpuSample::split`): who kept the machine
//! busy, stacked in cores (0..N): the run's own cores filled in its backend's colour, the
//! lab's (the window, the sampler) over them in grey, other programs' palest on top. Those
//! are totals over all cores (the kernel says how long each thread ran, not on which core),
//! so each core's busy percent (the whole machine's, as `/proc/stat` says) is a thin line
//! against the right-hand axis, where N cores are 100%. A caption under the plot says so.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{AxisHints, FilledArea, HPlacement, Plot, Points};

use crate::engine::CpuSample;

use super::super::key::{Mark, key_row};
use super::super::{axis, palette};
use super::CoresView;

/// Said under the plot: what is a total and what is per core.
pub const CAPTION: &str = "Filled: cores busy, summed over all cores (the kernel does not say which core a \
thread ran on): the run's, the lab's own (window, sampler), other programs'. Lines: each core's busy %, \
whole machine (right axis).";

/// The stack at each sampled instant: x, and the tops of the run's, the lab's and the other
/// programs' layers (each layer's top is the next one's bottom), in cores.
#[derive(Debug, Default, PartialEq)]
pub struct Stack {
    pub t_secs: Vec<f64>,
    pub run_top: Vec<f64>,
    pub lab_top: Vec<f64>,
    pub other_top: Vec<f64>,
}

impl Stack {
    /// The samples that carry a split, averaged into at most `buckets` columns (a stack keeps
    /// its area when averaged, where a line keeps its peaks).
    pub fn of(samples: &[CpuSample], buckets: usize) -> Self {
        let split: Vec<(f64, [f64; 3])> = (samples.iter())
            .filter_map(|s| {
                let c = s.split?;
                Some((s.t_secs, [c.run_cores, c.lab_cores, c.other_cores].map(|v| f64::from(v.max(0.0)))))
            })
            .collect();
        let per_bucket = split.len().div_ceil(buckets.max(1)).max(1);
        let mut stack = Self::default();
        for chunk in split.chunks(per_bucket) {
            let n = chunk.len() as f64;
            let t = chunk.iter().map(|(t, _)| t).sum::<f64>() / n;
            let mean = |i: usize| chunk.iter().map(|(_, v)| v[i]).sum::<f64>() / n;
            let (run, lab, other) = (mean(0), mean(1), mean(2));
            stack.t_secs.push(t);
            stack.run_top.push(run);
            stack.lab_top.push(run + lab);
            stack.other_top.push(run + lab + other);
        }
        stack
    }
}

pub fn split_plot(ui: &mut egui::Ui, view: &CoresView<'_>, cores: usize, width: f32, height: f32) {
    let n = cores.max(1) as f64;
    let buckets = width.max(1.0) as usize;
    let dark = ui.visuals().dark_mode;
    let text = ui.visuals().text_color();
    let run_colour = view.backend.map_or_else(|| palette::task_ok(dark), palette::backend);
    let caption = ui.ctx().fonts_mut(|f| {
        let font = egui::TextStyle::Small.resolve(ui.style());
        f.layout(CAPTION.to_owned(), font, Color32::WHITE, width).size().y
    });
    let mut keys = vec![
        (run_colour, Mark::Swatch, "the run".to_owned()),
        (palette::lab_cores(dark), Mark::Swatch, "the lab".to_owned()),
        (palette::other_cores(dark), Mark::Swatch, "other programs".to_owned()),
    ];
    keys.extend((0..cores).map(|c| (palette::core(c), Mark::Line, format!("core {c} %"))));
    if view.setup_secs.is_some_and(|s| s > 0.0) {
        keys.push((super::ui_weak(dark), Mark::Dotted, "setup ends".to_owned()));
    }
    let key_height = key_row(ui, &keys);
    let stack = Stack::of(view.samples, buckets);
    let zero = vec![0.0; stack.t_secs.len()];
    let step = axis::nice_step(n / 4.0).max(0.25);
    let cores_axis = AxisHints::new_y().label("cores busy").formatter(move |mark, _| {
        if (-1e-9..=n + 1e-9).contains(&mark.value) {
            format!("{}", (mark.value.abs() * 100.0).round() / 100.0)
        } else {
            String::new()
        }
    });
    let percent_axis =
        AxisHints::new_y().label("each core's busy %").placement(HPlacement::Right).formatter(move |mark, _| {
            if (-1e-9..=n + 1e-9).contains(&mark.value) {
                format!("{:.0}%", mark.value.abs() / n * 100.0)
            } else {
                String::new()
            }
        });
    Plot::new("cores")
        .width(width)
        .height((height - key_height - caption - ui.spacing().item_spacing.y).max(60.0))
        .include_y(0.0)
        .include_y(n)
        .custom_y_axes(vec![cores_axis, percent_axis])
        .y_grid_spacer(move |input| axis::marks(input.bounds, step))
        .x_grid_spacer(|input| axis::marks(input.bounds, axis::nice_step((input.bounds.1 - input.bounds.0) / 5.0)))
        .include_x(0.0)
        .include_x(view.t_end_secs.max(view.samples.last().map_or(0.001, |s| s.t_secs)))
        .x_axis_label("time since the run started")
        .x_axis_formatter(|mark, _| axis::secs(mark.value))
        .allow_drag(view.interactive)
        .allow_zoom(view.interactive)
        .allow_scroll(false)
        .show_x(view.interactive)
        .show_y(view.interactive)
        .show(ui, |plot_ui| {
            let layers = [
                ("the run", &zero, &stack.run_top, run_colour),
                ("the lab", &stack.run_top, &stack.lab_top, palette::lab_cores(dark)),
                ("other programs", &stack.lab_top, &stack.other_top, palette::other_cores(dark)),
            ];
            for (name, bottom, top, colour) in layers {
                plot_ui.add(
                    FilledArea::new(name, &stack.t_secs, bottom, top)
                        .fill_color(colour.gamma_multiply(0.75))
                        .stroke(egui::Stroke::new(1.0, colour))
                        .allow_hover(false),
                );
            }
            // A few samples (a short run) are dots as well, so one sample still shows: an area
            // or a line needs two.
            if stack.t_secs.len() < 20 {
                for (top, colour) in [(&stack.run_top, run_colour), (&stack.other_top, palette::other_cores(dark))] {
                    let dots: Vec<[f64; 2]> = stack.t_secs.iter().zip(top.iter()).map(|(t, y)| [*t, *y]).collect();
                    plot_ui.points(Points::new("", dots).color(colour).radius(3.0).allow_hover(false));
                }
            }
            for core in 0..cores {
                let line = super::CoreLine { core, per_percent: n / 100.0, name: format!("core {core} %"), width: 1.0 };
                super::core_line(plot_ui, view.samples, &line, buckets);
            }
            super::marks(plot_ui, view, n / 2.0, text, dark);
        });
    ui.label(RichText::new(CAPTION).small().weak());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::CoreSplit;

    fn sample(t_secs: f64, split: Option<(f32, f32, f32)>) -> CpuSample {
        let split = split.map(|(run_cores, lab_cores, other_cores)| CoreSplit { run_cores, lab_cores, other_cores });
        CpuSample { t_secs, per_core: vec![50.0, 50.0], split }
    }

    #[test]
    fn layers_stack_run_then_lab_then_other() {
        let samples = [sample(0.1, Some((1.0, 0.25, 0.5))), sample(0.2, None), sample(0.3, Some((0.5, 0.0, 0.0)))];
        let stack = Stack::of(&samples, 100);
        assert_eq!(stack.t_secs, [0.1, 0.3], "a sample without a split is left out of the stack");
        assert_eq!(stack.run_top, [1.0, 0.5]);
        assert_eq!(stack.lab_top, [1.25, 0.5]);
        assert_eq!(stack.other_top, [1.75, 0.5]);
    }

    #[test]
    fn many_samples_average_into_the_buckets_and_keep_their_area() {
        let samples: Vec<CpuSample> = (0..1000)
            .map(|i| sample(f64::from(i) * 0.01, Some((if i % 2 == 0 { 2.0 } else { 0.0 }, 0.0, 0.0))))
            .collect();
        let stack = Stack::of(&samples, 100);
        assert_eq!(stack.t_secs.len(), 100);
        assert!(stack.run_top.iter().all(|v| (v - 1.0).abs() < 1e-9), "{:?}", &stack.run_top[..3]);
    }
}
