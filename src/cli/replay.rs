//! `unmask replay`: play a saved trace in the terminal.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::Args;

use crate::trace::Trace;

use super::terminal;

/// `unmask replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The trace file.
    pub file: PathBuf,
    /// Delay between frames, milliseconds (default: the app's 1× pace).
    #[arg(long, default_value_t = terminal::PACED_STEP_MS)]
    pub delay_ms: u64,
    /// Print only this frame (0 = the initial canvas).
    #[arg(long)]
    pub frame: Option<usize>,
}

/// Run `unmask replay`.
pub fn replay_cmd(args: ReplayArgs) -> Result<()> {
    let trace = Trace::load(&args.file)?;
    let mut painter = terminal::Painter::new();
    match args.frame {
        Some(frame) => {
            if frame >= trace.frame_count() {
                bail!(
                    "{} has frames 0..={}, not {frame}",
                    args.file.display(),
                    trace.frame_count() - 1
                );
            }
            painter.draw(&trace, frame)?;
        }
        None => {
            for frame in 0..trace.frame_count() {
                painter.draw(&trace, frame)?;
                std::thread::sleep(Duration::from_millis(args.delay_ms));
            }
        }
    }
    Ok(())
}
