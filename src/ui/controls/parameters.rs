//! The two parameter grids of the controls: decoding (how many tokens per step, which first,
//! where) and sampling (token choice, guidance, seed, end of sequence, what the trace keeps).

use crate::sampler::{CountRule, Order, OrderKind, Remasking, ScheduleKind};

use super::{ControlsState, tips};

/// A grid row: a label with a tooltip.
pub(super) fn row_label(ui: &mut egui::Ui, text: &str, tip: &str) {
    ui.label(text).on_hover_text(tip);
}

/// A `DragValue` formatter that shows `off_text` for zero.
fn off_at_zero(
    off_text: &'static str,
    decimals: usize,
) -> impl Fn(f64, std::ops::RangeInclusive<usize>) -> String {
    move |v, _| {
        if v == 0.0 {
            off_text.to_string()
        } else {
            format!("{v:.decimals$}")
        }
    }
}

/// How many tokens per step, which first, and where.
pub(super) fn decoding_ui(ui: &mut egui::Ui, state: &mut ControlsState) {
    egui::Grid::new("unmask.controls.decoding.grid")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            row_label(ui, "Tokens per step", tips::COUNT_RULE);
            egui::ComboBox::from_id_salt("unmask.controls.count_rule")
                .selected_text(state.count_rule.label())
                .show_ui(ui, |ui| {
                    for c in CountRule::ALL {
                        ui.selectable_value(&mut state.count_rule, c, c.label());
                    }
                })
                .response
                .on_hover_text(tips::COUNT_RULE);
            ui.end_row();

            match state.count_rule {
                CountRule::Threshold => {
                    row_label(ui, "Threshold τ", tips::THRESHOLD);
                    ui.add(egui::Slider::new(&mut state.threshold, 0.05..=1.0).fixed_decimals(2))
                        .on_hover_text(tips::THRESHOLD);
                    ui.end_row();
                }
                CountRule::Factor => {
                    row_label(ui, "Factor f", tips::FACTOR);
                    ui.add(
                        egui::DragValue::new(&mut state.factor)
                            .range(0.01..=16.0)
                            .speed(0.01)
                            .fixed_decimals(2),
                    )
                    .on_hover_text(tips::FACTOR);
                    ui.end_row();
                }
                CountRule::Steps => {
                    row_label(ui, "Steps", tips::STEPS);
                    ui.horizontal(|ui| {
                        ui.checkbox(&mut state.steps_one_per_mask, "one per mask")
                            .on_hover_text(tips::ONE_PER_MASK);
                        if state.steps_one_per_mask {
                            let masks = state
                                .template_regions()
                                .map(|r| r.iter().map(|r| r.masks).sum::<usize>().to_string())
                                .unwrap_or_else(|_| "?".into());
                            ui.label(format!("= {masks}")).on_hover_text(tips::STEPS);
                        } else {
                            ui.add(egui::DragValue::new(&mut state.steps).range(1..=8192))
                                .on_hover_text(tips::STEPS);
                        }
                    });
                    ui.end_row();

                    row_label(ui, "Schedule", tips::SCHEDULE);
                    ui.horizontal(|ui| {
                        for kind in ScheduleKind::ALL {
                            ui.radio_value(&mut state.schedule, kind, kind.label())
                                .on_hover_text(tips::SCHEDULE);
                        }
                    });
                    ui.end_row();
                    if state.schedule == ScheduleKind::Timestep {
                        row_label(ui, "eps", tips::EPS);
                        ui.add(
                            egui::DragValue::new(&mut state.eps)
                                .range(0.0..=0.5)
                                .speed(0.0005)
                                .fixed_decimals(4),
                        )
                        .on_hover_text(tips::EPS);
                        ui.end_row();
                    }
                }
            }

            row_label(ui, "Write first", tips::REMASKING);
            egui::ComboBox::from_id_salt("unmask.controls.remasking")
                .selected_text(state.remasking.label())
                .show_ui(ui, |ui| {
                    for r in Remasking::ALL {
                        ui.selectable_value(&mut state.remasking, r, r.label());
                    }
                })
                .response
                .on_hover_text(tips::REMASKING);
            ui.end_row();

            order_rows(ui, state);

            row_label(ui, "Block length", tips::BLOCK);
            ui.add(
                egui::DragValue::new(&mut state.block_length)
                    .range(0..=4096)
                    .custom_formatter(off_at_zero("one block", 0)),
            )
            .on_hover_text(tips::BLOCK);
            ui.end_row();
        });
}

/// The order combo box and, for region orders, the region list with the template's regions.
fn order_rows(ui: &mut egui::Ui, state: &mut ControlsState) {
    let kind = OrderKind::of_text(&state.order);
    row_label(ui, "Order", tips::ORDER);
    let mut chosen = kind;
    egui::ComboBox::from_id_salt("unmask.controls.order")
        .selected_text(kind.label())
        .show_ui(ui, |ui| {
            for k in OrderKind::ALL {
                ui.selectable_value(&mut chosen, k, k.label());
            }
        })
        .response
        .on_hover_text(tips::ORDER);
    ui.end_row();
    if chosen != kind {
        let order = match chosen {
            OrderKind::Free => Order::Free,
            OrderKind::LeftToRight => Order::LeftToRight,
            OrderKind::Regions => Order::Regions(
                state
                    .template_regions()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|r| !r.name.is_empty())
                    .map(|r| r.name)
                    .collect(),
            ),
        };
        state.order = order.to_string();
    }
    if chosen == OrderKind::Regions {
        row_label(ui, "Regions", tips::REGIONS);
        let mut list = state
            .order
            .trim()
            .strip_prefix("regions:")
            .unwrap_or_default()
            .to_string();
        if ui
            .add(
                egui::TextEdit::singleline(&mut list)
                    .desired_width(180.0)
                    .hint_text("answer,reasoning"),
            )
            .on_hover_text(tips::REGIONS)
            .changed()
        {
            state.order = format!("regions:{list}");
        }
        ui.end_row();
    }
}

/// Token sampling, guidance, seed and what the trace keeps.
pub(super) fn sampling_ui(ui: &mut egui::Ui, state: &mut ControlsState) {
    egui::Grid::new("unmask.controls.sampling.grid")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            row_label(ui, "Temperature", tips::TEMPERATURE);
            ui.add(
                egui::DragValue::new(&mut state.temperature)
                    .range(0.0..=5.0)
                    .speed(0.01)
                    .custom_formatter(off_at_zero("0 (greedy)", 2)),
            )
            .on_hover_text(tips::TEMPERATURE);
            ui.end_row();

            row_label(ui, "Top-p", tips::TOP_P);
            ui.add(
                egui::Slider::new(&mut state.top_p, 0.01..=1.0)
                    .fixed_decimals(2)
                    .custom_formatter(|v, _| {
                        if v >= 1.0 {
                            "off".to_string()
                        } else {
                            format!("{v:.2}")
                        }
                    }),
            )
            .on_hover_text(tips::TOP_P);
            ui.end_row();

            row_label(ui, "Top-k", tips::TOP_K);
            ui.add(
                egui::DragValue::new(&mut state.top_k)
                    .range(0..=1000)
                    .custom_formatter(off_at_zero("off", 0)),
            )
            .on_hover_text(tips::TOP_K);
            ui.end_row();

            row_label(ui, "Position temperature", tips::ALG_TEMP);
            ui.add(
                egui::DragValue::new(&mut state.alg_temp)
                    .range(0.0..=5.0)
                    .speed(0.01)
                    .custom_formatter(off_at_zero("off", 2)),
            )
            .on_hover_text(tips::ALG_TEMP);
            ui.end_row();

            row_label(ui, "Guidance (CFG)", tips::CFG);
            ui.add(
                egui::DragValue::new(&mut state.cfg_scale)
                    .range(0.0..=10.0)
                    .speed(0.05)
                    .custom_formatter(off_at_zero("off", 2)),
            )
            .on_hover_text(tips::CFG);
            ui.end_row();

            row_label(ui, "Seed", tips::SEED);
            ui.horizontal(|ui| {
                ui.add(egui::DragValue::new(&mut state.seed))
                    .on_hover_text(tips::SEED);
                if ui
                    .button("new seed")
                    .on_hover_text("Pick another seed.")
                    .clicked()
                {
                    state.seed = next_seed(state.seed);
                }
            });
            ui.end_row();

            row_label(ui, "Raw prompt", tips::RAW_PROMPT);
            ui.checkbox(&mut state.raw_prompt, "no chat format")
                .on_hover_text(tips::RAW_PROMPT);
            ui.end_row();

            row_label(ui, "End of sequence", tips::SUPPRESS_EOS);
            ui.vertical(|ui| {
                ui.checkbox(&mut state.suppress_eos, "suppress EOS")
                    .on_hover_text(tips::SUPPRESS_EOS);
                ui.checkbox(&mut state.stop_at_eos, "stop text at EOS")
                    .on_hover_text(tips::STOP_AT_EOS);
                ui.checkbox(&mut state.eos_last, "EOS last")
                    .on_hover_text(tips::EOS_LAST);
            });
            ui.end_row();

            row_label(ui, "Candidates kept", tips::TRACE_TOP_K);
            ui.add(egui::DragValue::new(&mut state.trace_top_k).range(1..=32))
                .on_hover_text(tips::TRACE_TOP_K);
            ui.end_row();
        });
}

/// A different, deterministic-looking seed (SplitMix64 step), kept small enough to read aloud.
fn next_seed(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % 100_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_seed_changes_the_seed() {
        assert_ne!(next_seed(0), 0);
        assert_ne!(next_seed(next_seed(0)), next_seed(0));
    }
}
