//! Trace file bodies: one frozen set of types per shipped format, and the conversions to memory.
//!
//! `shipped` holds the types every body is made of (canvas, steps, token table, summary),
//! `legacy` the headers of formats 1 and 2 (read only), `v3` the header written today. The golden
//! files under `tests/fixtures/traces/` and `tests/trace_formats.rs` hold each format to its bytes.

mod legacy;
mod shipped;
mod v3;

use shipped::{Body, BodyParts};

use super::{Trace, TraceHeader};

/// The version [`encode`] writes.
pub const WRITTEN_VERSION: u32 = 3;

/// A body decoded into memory (not yet checked against the canvas rules).
pub(super) struct Decoded {
    pub(super) header: TraceHeader,
    pub(super) parts: BodyParts,
}

/// The body of `trace` in the current format.
pub(super) fn encode(trace: &Trace) -> Result<Vec<u8>, postcard::Error> {
    postcard::to_allocvec(&Body::from_trace(
        v3::Header::from_memory(&trace.header),
        trace,
    ))
}

/// Decode a body of format `version` (1 to [`WRITTEN_VERSION`]): the whole body must be used and
/// the header must pass `check` (the canvas rules).
pub(super) fn decode(
    version: u32,
    body: &[u8],
    check: impl Fn(&TraceHeader) -> Result<(), String>,
) -> Result<Decoded, String> {
    let checked = |header: TraceHeader, parts: BodyParts| {
        check(&header)?;
        Ok(Decoded { header, parts })
    };
    match version {
        1 => {
            let (h, parts) = decode_as::<legacy::Header<legacy::ParamsV1>>(body)?;
            checked(h.into_memory(1), parts)
        }
        2 => {
            // Two shapes share the number 2 and differ by one byte of parameters; the later one is
            // tried first, and the earlier one only if the later does not decode into a valid header.
            let later = decode_as::<legacy::Header<legacy::ParamsV2>>(body)
                .and_then(|(h, parts)| checked(h.into_memory(2), parts));
            later.or_else(|error| {
                decode_as::<legacy::Header<legacy::ParamsV2Early>>(body)
                    .and_then(|(h, parts)| checked(h.into_memory(2), parts))
                    .map_err(|_| error)
            })
        }
        3 => {
            let (h, parts) = decode_as::<v3::Header>(body)?;
            checked(h.into_memory(), parts)
        }
        other => Err(format!("format version {other} has no body decoder")),
    }
}

/// Decode a whole body with header type `H`.
fn decode_as<H: serde::de::DeserializeOwned>(body: &[u8]) -> Result<(H, BodyParts), String> {
    let (decoded, rest) = postcard::take_from_bytes::<Body<H>>(body)
        .map_err(|e| format!("cannot decode its contents: {e}"))?;
    if !rest.is_empty() {
        return Err(format!(
            "{} undecoded bytes at the end of its contents",
            rest.len()
        ));
    }
    Ok(decoded.into_parts())
}
