//! Bodies of formats 1 and 2, read-only: the header as it was, with the parameter list of its time.
//!
//! Format 1 had no EOS fields. Format 2 added `suppress_eos` and `stop_at_eos`; `eos_last` was later
//! appended to the parameters without a version bump, so a version-2 file comes in two shapes that
//! differ by that one byte. The reader tries the later shape first, then the earlier one (see
//! `super::decode`).

use serde::Deserialize;

use super::shipped::{Canvas, Order, Remasking, Schedule};
use crate::sampler::SamplerParams;
use crate::trace::TraceHeader;

/// The header of formats 1 and 2 (`format_version` is ignored on load: the fixed header's wins).
#[derive(Deserialize)]
pub(super) struct Header<P> {
    _format_version: u32,
    unmask_version: String,
    model_id: String,
    model_family: String,
    prompt: String,
    template: String,
    canvas: Canvas,
    params: P,
    planned_steps: Option<u32>,
    eos_token_ids: Vec<u32>,
    created_unix_s: u64,
}

/// The parameters every legacy shape has, in their order.
#[derive(Deserialize)]
pub(super) struct CoreParams {
    steps: u64,
    block_length: Option<u64>,
    schedule: Schedule,
    remasking: Remasking,
    threshold: Option<f32>,
    factor: Option<f32>,
    temperature: f32,
    top_p: Option<f32>,
    top_k: Option<u64>,
    alg_temp: Option<f32>,
    cfg_scale: f32,
    order: Order,
    seed: u64,
    trace_top_k: u64,
}

/// Format 1's parameters.
#[derive(Deserialize)]
pub(super) struct ParamsV1 {
    core: CoreParams,
}

/// Format 2's parameters before `eos_last` was appended.
#[derive(Deserialize)]
pub(super) struct ParamsV2Early {
    core: CoreParams,
    suppress_eos: bool,
    stop_at_eos: bool,
}

/// Format 2's parameters after `eos_last` was appended.
#[derive(Deserialize)]
pub(super) struct ParamsV2 {
    core: CoreParams,
    suppress_eos: bool,
    stop_at_eos: bool,
    eos_last: bool,
}

/// A count as the platform's `usize` (saturating: an impossible count is then refused by the
/// checks after decoding).
fn count(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

impl CoreParams {
    /// These values over the defaults (the fields a legacy shape lacks stay off).
    fn into_params(self) -> SamplerParams {
        SamplerParams {
            steps: count(self.steps),
            block_length: self.block_length.map(count),
            schedule: self.schedule.into_memory(),
            remasking: self.remasking.into_memory(),
            threshold: self.threshold,
            factor: self.factor,
            temperature: self.temperature,
            top_p: self.top_p,
            top_k: self.top_k.map(count),
            alg_temp: self.alg_temp,
            cfg_scale: self.cfg_scale,
            order: self.order.into_memory(),
            seed: self.seed,
            trace_top_k: count(self.trace_top_k),
            suppress_eos: false,
            stop_at_eos: false,
            eos_last: false,
        }
    }
}

/// The in-memory parameters of a legacy shape.
pub(super) trait LegacyParams {
    fn into_params(self) -> SamplerParams;
}

impl LegacyParams for ParamsV1 {
    fn into_params(self) -> SamplerParams {
        self.core.into_params()
    }
}

impl LegacyParams for ParamsV2Early {
    fn into_params(self) -> SamplerParams {
        SamplerParams {
            suppress_eos: self.suppress_eos,
            stop_at_eos: self.stop_at_eos,
            ..self.core.into_params()
        }
    }
}

impl LegacyParams for ParamsV2 {
    fn into_params(self) -> SamplerParams {
        SamplerParams {
            suppress_eos: self.suppress_eos,
            stop_at_eos: self.stop_at_eos,
            eos_last: self.eos_last,
            ..self.core.into_params()
        }
    }
}

impl<P: LegacyParams> Header<P> {
    /// The in-memory header, marked as format `version`.
    pub(super) fn into_memory(self, version: u32) -> TraceHeader {
        TraceHeader {
            format_version: version,
            unmask_version: self.unmask_version,
            model_id: self.model_id,
            model_family: self.model_family,
            prompt: self.prompt,
            template: self.template,
            canvas: self.canvas.into_memory(),
            params: self.params.into_params(),
            planned_steps: self.planned_steps,
            eos_token_ids: self.eos_token_ids,
            created_unix_s: self.created_unix_s,
        }
    }
}
