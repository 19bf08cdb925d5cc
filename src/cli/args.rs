//! Flags shared by several subcommands: which model to load ([`ModelArgs`]) and how to decode
//! ([`SamplerArgs`]).

use anyhow::Result;
use clap::Args;

use crate::hub::ModelRef;
use crate::model::config::RecommendedDecoding;
use crate::model::{
    DeviceChoice, LoadOptions, LoadedModel, OpenProgress, WeightDtype, default_model_dir,
    open_model,
};
use crate::sampler::{
    DEFAULT_THRESHOLD, DREAM_EPS, Remasking, SamplerParams, SamplerSettings, ScheduleKind,
};

use super::download;

/// Model selection shared by subcommands.
#[derive(Debug, Args, Clone)]
pub struct ModelArgs {
    /// Model: a folder (config.json + safetensors + tokenizer), a .gguf file made by `unmask
    /// quantize`, or a hub id ORG/NAME[@REVISION]
    /// downloaded into the hub cache (HF_HOME) on first use and reused offline after that
    /// (HF_HUB_OFFLINE=1 forbids the network); an existing folder always wins. Default: the
    /// embedded model.
    #[arg(long, value_name = "DIR|ORG/NAME")]
    pub model: Option<String>,
    /// Weight dtype: f32 (fastest on CPU), bf16, f16.
    #[arg(long, default_value = "f32")]
    pub dtype: WeightDtype,
    /// Where the model runs: cpu, or cuda[:N] / metal[:N] in a build with that feature.
    #[arg(long, default_value = "cpu")]
    pub device: DeviceChoice,
}

/// A finite number in `lo..=hi`, for flags whose value sizes a picture or a run.
fn finite_in(text: &str, lo: f32, hi: f32) -> Result<f32, String> {
    let v: f32 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("must be between {lo} and {hi}"))
    }
}

/// `--text-size`: 6 to 200 points.
pub fn text_size_points(text: &str) -> Result<f32, String> {
    finite_in(text, 6.0, 200.0)
}

/// `--scale`: 0.25 to 8 pixels per point.
pub fn pixels_per_point(text: &str) -> Result<f32, String> {
    finite_in(text, 0.25, 8.0)
}

/// `--fps`: 0.5 to 60 frames per second.
pub fn frames_per_second(text: &str) -> Result<f32, String> {
    finite_in(text, 0.5, 60.0)
}

/// A count of at least one (`--gen-length`, `--n`).
pub fn at_least_one(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

impl ModelArgs {
    /// The model to load: `--model` read by [`ModelRef::parse`], else the embedded model.
    pub fn source(&self) -> Result<ModelRef> {
        match &self.model {
            Some(arg) => Ok(ModelRef::parse(arg)?),
            None => Ok(ModelRef::Folder(default_model_dir()?)),
        }
    }

    /// Load options from the flags.
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            dtype: self.dtype,
            device: self.device,
        }
    }

    /// Load the model in this thread (downloading a hub model first, with a progress bar).
    pub fn load(&self) -> Result<(String, LoadedModel)> {
        let source = self.source()?;
        let mut bar = download::DownloadBar::new();
        let model = open_model(&source, &self.options(), None, &mut |p| {
            if let OpenProgress::Download(p) = p {
                bar.progress(p)
            }
        })?;
        Ok((source.to_string(), model))
    }
}

/// Sampler flags (shared by generate, bench and eval).
#[derive(Debug, Args, Clone)]
pub struct SamplerArgs {
    /// Total denoising steps (quota/timestep schedules); default: one per generated token.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Masks per semi-autoregressive block (default: one block).
    #[arg(long)]
    pub block_length: Option<usize>,
    /// How many tokens to commit per step: quota (LLaDA) or timestep (Dream).
    #[arg(long, value_enum, default_value_t = ScheduleKind::Quota)]
    pub schedule: ScheduleKind,
    /// Which masks to commit first.
    #[arg(long, value_enum, default_value_t = Remasking::LowConfidence)]
    pub remasking: Remasking,
    /// Confidence threshold τ: commit every mask at least this sure (Fast-dLLM); at least one per step.
    /// This is the default (τ = 0.9) unless --steps or --factor is given.
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Fast-dLLM factor f: commit the longest run with c_r ≥ 1 − f/(r+1).
    #[arg(long)]
    pub factor: Option<f32>,
    /// Sampling temperature (0 = most likely token).
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f32,
    /// Nucleus filtering.
    #[arg(long)]
    pub top_p: Option<f32>,
    /// Keep only the k most likely tokens.
    #[arg(long)]
    pub top_k: Option<usize>,
    /// Sample positions from softmax(score / alg_temp) instead of taking the surest.
    #[arg(long)]
    pub alg_temp: Option<f32>,
    /// Classifier-free guidance scale (0 = off).
    #[arg(long, default_value_t = 0.0)]
    pub cfg: f32,
    /// free, left-to-right, or regions:A,B (finish region A before B).
    #[arg(long, default_value = "free")]
    pub order: String,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Never write end-of-sequence: the model's EOS/EOT logits are set to −∞ at every masked
    /// position, so every response cell gets content instead of EOS padding.
    #[arg(long)]
    pub suppress_eos: bool,
    /// Print the response only up to EOS: each masked span ends at its first EOS/EOT, and the rest
    /// is summarised as "⟨eos: N cells cut⟩" (decoding is unchanged; the trace keeps every cell).
    #[arg(long)]
    pub stop_at_eos: bool,
    /// Decide where each span ends last: a cell whose guess is EOS/EOT is committed only once
    /// every cell before it in its span is written (the padding cannot fix a length early).
    #[arg(long)]
    pub eos_last: bool,
}

impl SamplerArgs {
    /// Whether a count rule was given (--threshold, --steps or --factor).
    pub fn has_count_rule(&self) -> bool {
        self.steps.is_some() || self.threshold.is_some() || self.factor.is_some()
    }

    /// The flags as settings: with no count rule given (no --threshold, --steps or --factor), the
    /// model's recommended decoding when it has one, else the default threshold; --schedule
    /// timestep is Dream's grid with its eps.
    pub fn settings(&self, recommended: Option<&RecommendedDecoding>) -> SamplerSettings {
        let default_threshold =
            (self.steps.is_none() && self.factor.is_none()).then_some(DEFAULT_THRESHOLD);
        let mut settings = SamplerSettings {
            steps: self.steps,
            block_length: self.block_length,
            schedule: self.schedule.with_eps(DREAM_EPS),
            remasking: self.remasking,
            threshold: self.threshold.or(default_threshold),
            factor: self.factor,
            temperature: self.temperature,
            top_p: self.top_p,
            top_k: self.top_k,
            alg_temp: self.alg_temp,
            cfg_scale: self.cfg,
            order: self.order.clone(),
            seed: self.seed,
            suppress_eos: self.suppress_eos,
            stop_at_eos: self.stop_at_eos,
            eos_last: self.eos_last,
            ..SamplerSettings::default()
        };
        if let Some(r) = recommended.filter(|_| !self.has_count_rule()) {
            r.apply(&mut settings);
        }
        settings
    }

    /// Turn flags into params; `gen_masks` is the number of masks in the canvas (default steps),
    /// `recommended` the loaded model's recommended decoding (used when no count rule is given).
    pub fn params(
        &self,
        gen_masks: usize,
        recommended: Option<&RecommendedDecoding>,
    ) -> Result<SamplerParams> {
        Ok(self.settings(recommended).params(gen_masks)?)
    }
}
