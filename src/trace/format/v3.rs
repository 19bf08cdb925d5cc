//! Format 3, written by this build: the header and parameters as the file's own types.
//!
//! The layout equals format 2's later shape minus the header's redundant `format_version` (the
//! fixed header carries it). Both conversions name every field of `TraceHeader` and
//! `SamplerParams`, so adding one fails to compile here: give it a format 4 (new types beside
//! these, which stay as they are) rather than changing what format 3 means.

use serde::{Deserialize, Serialize};

use super::shipped::{Canvas, Order, Remasking, Schedule};
use crate::sampler::SamplerParams;
use crate::trace::TraceHeader;

/// Every decoding parameter of the run (`SamplerParams`).
#[derive(Serialize, Deserialize)]
pub(super) struct Params {
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
    suppress_eos: bool,
    stop_at_eos: bool,
    eos_last: bool,
}

/// Everything fixed before the first step (`TraceHeader` without its `format_version`).
#[derive(Serialize, Deserialize)]
pub(super) struct Header {
    unmask_version: String,
    model_id: String,
    model_family: String,
    prompt: String,
    template: String,
    canvas: Canvas,
    params: Params,
    planned_steps: Option<u32>,
    eos_token_ids: Vec<u32>,
    created_unix_s: u64,
}

/// A count as the platform's `usize` (saturating; impossible counts are refused after decoding).
fn count(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

impl Params {
    fn from_memory(params: &SamplerParams) -> Params {
        let SamplerParams {
            steps,
            block_length,
            schedule,
            remasking,
            threshold,
            factor,
            temperature,
            top_p,
            top_k,
            alg_temp,
            cfg_scale,
            order,
            seed,
            trace_top_k,
            suppress_eos,
            stop_at_eos,
            eos_last,
        } = params;
        Params {
            steps: *steps as u64,
            block_length: block_length.map(|n| n as u64),
            schedule: Schedule::from_memory(schedule),
            remasking: Remasking::from_memory(remasking),
            threshold: *threshold,
            factor: *factor,
            temperature: *temperature,
            top_p: *top_p,
            top_k: top_k.map(|n| n as u64),
            alg_temp: *alg_temp,
            cfg_scale: *cfg_scale,
            order: Order::from_memory(order),
            seed: *seed,
            trace_top_k: *trace_top_k as u64,
            suppress_eos: *suppress_eos,
            stop_at_eos: *stop_at_eos,
            eos_last: *eos_last,
        }
    }

    fn into_memory(self) -> SamplerParams {
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
            suppress_eos: self.suppress_eos,
            stop_at_eos: self.stop_at_eos,
            eos_last: self.eos_last,
        }
    }
}

impl Header {
    pub(super) fn from_memory(header: &TraceHeader) -> Header {
        let TraceHeader {
            format_version: _,
            unmask_version,
            model_id,
            model_family,
            prompt,
            template,
            canvas,
            params,
            planned_steps,
            eos_token_ids,
            created_unix_s,
        } = header;
        Header {
            unmask_version: unmask_version.clone(),
            model_id: model_id.clone(),
            model_family: model_family.clone(),
            prompt: prompt.clone(),
            template: template.clone(),
            canvas: Canvas::from_memory(canvas),
            params: Params::from_memory(params),
            planned_steps: *planned_steps,
            eos_token_ids: eos_token_ids.clone(),
            created_unix_s: *created_unix_s,
        }
    }

    /// The in-memory header, marked as format 3.
    pub(super) fn into_memory(self) -> TraceHeader {
        TraceHeader {
            format_version: 3,
            unmask_version: self.unmask_version,
            model_id: self.model_id,
            model_family: self.model_family,
            prompt: self.prompt,
            template: self.template,
            canvas: self.canvas.into_memory(),
            params: self.params.into_memory(),
            planned_steps: self.planned_steps,
            eos_token_ids: self.eos_token_ids,
            created_unix_s: self.created_unix_s,
        }
    }
}
