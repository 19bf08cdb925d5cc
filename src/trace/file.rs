//! The `.trace` file format (see `docs/trace-format.md`): a fixed 24-byte header, then a postcard body.
//!
//! ```text
//! offset  size  field
//!      0     8  magic  b"UNMASKTR"
//!      8     4  format version, u32 little-endian (TRACE_FORMAT_VERSION)
//!     12     8  body length in bytes, u64 little-endian
//!     20     4  CRC-32 (IEEE) of the body, u32 little-endian
//!     24     …  body: postcard of { header, tokens, steps, summary } (module `format`)
//! ```

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::{TRACE_FORMAT_VERSION, Trace, TraceError, TraceHeader, format};
use crate::canvas::CellKind;

/// The first eight bytes of every trace file.
pub const MAGIC: [u8; 8] = *b"UNMASKTR";

/// Bytes before the body: magic, version, body length, checksum.
pub const HEADER_LEN: usize = 24;

/// The largest body a reader accepts, 4 GiB: a header that claims more is refused before anything
/// is read (the body buffer grows only with the bytes actually there, so a smaller false claim
/// costs no more than the input holds either).
pub const MAX_BODY_LEN: u64 = 1 << 32;

impl Trace {
    /// Write the trace to `path` atomically: the bytes go to `<path>.tmp` in the same folder, are
    /// flushed to disk, and the temporary file is then renamed over `path`. On error the temporary
    /// file is removed and `path` is untouched.
    pub fn save(&self, path: &Path) -> Result<(), TraceError> {
        let tmp = temp_path(path);
        let result = self.save_via(path, &tmp);
        if result.is_err() {
            // Best effort: the temporary file may not exist, and the first error is the one to report.
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    fn save_via(&self, path: &Path, tmp: &Path) -> Result<(), TraceError> {
        let write_error = |error: io::Error| TraceError::Write {
            path: Some(path.to_path_buf()),
            error,
        };
        let file = File::create(tmp).map_err(write_error)?;
        let mut writer = BufWriter::new(file);
        self.write_to(&mut writer).map_err(|e| e.with_path(path))?;
        let file = writer
            .into_inner()
            .map_err(|e| write_error(e.into_error()))?;
        file.sync_all().map_err(write_error)?;
        drop(file);
        fs::rename(tmp, path).map_err(write_error)
    }

    /// Read a trace file written by [`Trace::save`] or [`Trace::write_to`]; errors name `path`.
    pub fn load(path: &Path) -> Result<Trace, TraceError> {
        let file = File::open(path).map_err(|error| TraceError::Read {
            path: Some(path.to_path_buf()),
            error,
        })?;
        Trace::read_from(BufReader::new(file)).map_err(|e| e.with_path(path))
    }

    /// Write the file format (header and body) to `w`.
    pub fn write_to(&self, mut w: impl Write) -> Result<(), TraceError> {
        let body = format::encode(self).map_err(|e| TraceError::Encode {
            reason: e.to_string(),
        })?;
        let mut head = [0u8; HEADER_LEN];
        head[..8].copy_from_slice(&MAGIC);
        head[8..12].copy_from_slice(&TRACE_FORMAT_VERSION.to_le_bytes());
        head[12..20].copy_from_slice(&(body.len() as u64).to_le_bytes());
        head[20..24].copy_from_slice(&crc32fast::hash(&body).to_le_bytes());
        let write_error = |error| TraceError::Write { path: None, error };
        w.write_all(&head).map_err(write_error)?;
        w.write_all(&body).map_err(write_error)?;
        w.flush().map_err(write_error)
    }

    /// Read the file format from `r` (to its end) and validate every step as `push_step` would.
    /// Never panics: damaged input of any kind is an error.
    pub fn read_from(mut r: impl Read) -> Result<Trace, TraceError> {
        let read_error = |error| TraceError::Read { path: None, error };
        let mut head = [0u8; HEADER_LEN];
        let got = read_up_to(&mut r, &mut head).map_err(read_error)?;
        let magic_len = got.min(MAGIC.len());
        if head[..magic_len] != MAGIC[..magic_len] {
            return Err(TraceError::NotATrace { path: None });
        }
        if got < HEADER_LEN {
            return Err(TraceError::TruncatedHeader {
                path: None,
                found: got,
            });
        }
        let version = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
        if version > TRACE_FORMAT_VERSION {
            return Err(TraceError::TooNew {
                path: None,
                found: version,
                supported: TRACE_FORMAT_VERSION,
            });
        }
        if version == 0 {
            return Err(corrupt("format version 0 does not exist".to_string()));
        }
        let mut len_bytes = [0u8; 8];
        len_bytes.copy_from_slice(&head[12..20]);
        let body_len = u64::from_le_bytes(len_bytes);
        let crc = u32::from_le_bytes([head[20], head[21], head[22], head[23]]);
        if body_len > MAX_BODY_LEN {
            return Err(corrupt(format!(
                "its header announces {body_len} bytes of data, more than the {MAX_BODY_LEN} a trace may hold"
            )));
        }

        // `take` + `read_to_end` grows the buffer with the data actually there, so a damaged
        // length cannot make us allocate more than the file holds.
        let mut body = Vec::new();
        (&mut r)
            .take(body_len)
            .read_to_end(&mut body)
            .map_err(read_error)?;
        if (body.len() as u64) < body_len {
            return Err(TraceError::Truncated {
                path: None,
                expected: body_len,
                found: body.len() as u64,
            });
        }
        let mut extra = [0u8; 1];
        if read_up_to(&mut r, &mut extra).map_err(read_error)? > 0 {
            return Err(corrupt(
                "there is data after the end its header announces".to_string(),
            ));
        }
        if crc32fast::hash(&body) != crc {
            return Err(corrupt("checksum mismatch".to_string()));
        }
        let decoded = format::decode(version, &body, validate_header).map_err(corrupt)?;
        let parts = decoded.parts;
        let mut trace = Trace::new(decoded.header, parts.tokens);
        trace.steps.reserve_exact(parts.steps.len());
        for step in parts.steps {
            trace.push_step(step).map_err(|e| match e {
                TraceError::InvalidStep { step, error } => TraceError::CorruptStep {
                    path: None,
                    step,
                    error,
                },
                other => other,
            })?;
        }
        trace.summary = parts.summary;
        Ok(trace)
    }
}

/// A `Corrupt` error without a path yet.
fn corrupt(reason: String) -> TraceError {
    TraceError::Corrupt { path: None, reason }
}

/// Read until `buf` is full or the input ends; returns the bytes read.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// `<path>.tmp`, beside `path` (so the final rename stays on one file system).
fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

/// The canvas facts the rest of the program relies on (indexing by position and region).
fn validate_header(header: &TraceHeader) -> Result<(), String> {
    let canvas = &header.canvas;
    let len = canvas.tokens.len();
    if canvas.kinds.len() != len {
        return Err(format!(
            "the canvas has {len} tokens but {} cell kinds",
            canvas.kinds.len()
        ));
    }
    if canvas.prompt_len > len {
        return Err(format!(
            "the prompt length {} is longer than the canvas of {len} cells",
            canvas.prompt_len
        ));
    }
    for (name_index, region) in canvas.regions.iter().enumerate() {
        for &pos in &region.positions {
            let kind = canvas.kinds.get(pos as usize);
            if kind
                != Some(&CellKind::Masked {
                    region: name_index as u16,
                })
            {
                return Err(format!(
                    "region {:?} lists position {pos}, which is not one of its masked cells",
                    region.name
                ));
            }
        }
    }
    for (pos, kind) in canvas.kinds.iter().enumerate() {
        if let CellKind::Masked { region } = kind
            && usize::from(*region) >= canvas.regions.len()
        {
            return Err(format!(
                "cell {pos} belongs to region {region}, but the canvas has {} regions",
                canvas.regions.len()
            ));
        }
    }
    Ok(())
}
