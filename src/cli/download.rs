//! A terminal progress bar (indicatif, on stderr; hidden when stderr is not a terminal) for hub
//! downloads, fed either by the worker's `LoadProgress` stages or by [`DownloadProgress`] directly.

use indicatif::{ProgressBar, ProgressStyle};

use crate::hub::DownloadProgress;

/// Resolution of the bar when it is driven by fractions.
const BAR_STEPS: u64 = 1000;

/// Shows a bar while a stage says "downloading…"; silent for the quick local loading stages.
#[derive(Default)]
pub struct DownloadBar {
    bar: Option<ProgressBar>,
}

impl DownloadBar {
    /// No bar until something is downloaded.
    pub fn new() -> Self {
        Self::default()
    }

    fn bar(&mut self) -> &ProgressBar {
        self.bar.get_or_insert_with(|| {
            let bar = ProgressBar::new(BAR_STEPS);
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] [{wide_bar}] {percent:>3}% {msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        })
    }

    /// A worker `LoadProgress` event: drawn while its stage is a download.
    pub fn stage(&mut self, stage: &str, fraction: f32) {
        if stage.starts_with("downloading") {
            let bar = self.bar();
            bar.set_message(stage.trim_start_matches("downloading ").to_string());
            bar.set_position((f64::from(fraction.clamp(0.0, 1.0)) * BAR_STEPS as f64) as u64);
        } else {
            self.finish();
        }
    }

    /// A download step reported by [`crate::hub`] directly.
    pub fn progress(&mut self, p: &DownloadProgress) {
        self.stage(&p.describe(), p.fraction());
    }

    /// Remove the bar (the download is over).
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for DownloadBar {
    fn drop(&mut self) {
        self.finish();
    }
}
