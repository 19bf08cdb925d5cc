//! A GGUF file's structure checked before candle reads it: every count (metadata entries, tensor
//! infos, string and array lengths, dimensions) is bounded by the bytes left in the file, and the
//! alignment must be a power of two. candle's reader trusts these numbers — it sizes vectors by
//! them and divides by the alignment — so a hostile or damaged header could make it allocate
//! without bound or panic; after this check it cannot.

use std::io::{self, Read};

/// GGUF value type codes (the specification's `gguf_metadata_value_type`).
const TYPE_U8: u32 = 0;
const TYPE_I8: u32 = 1;
const TYPE_U16: u32 = 2;
const TYPE_I16: u32 = 3;
const TYPE_U32: u32 = 4;
const TYPE_I32: u32 = 5;
const TYPE_F32: u32 = 6;
const TYPE_BOOL: u32 = 7;
const TYPE_STRING: u32 = 8;
const TYPE_ARRAY: u32 = 9;
const TYPE_U64: u32 = 10;
const TYPE_I64: u32 = 11;
const TYPE_F64: u32 = 12;

/// The deepest array nesting accepted (the format allows arrays of arrays; real files use one).
const MAX_ARRAY_DEPTH: u32 = 4;
/// The most dimensions a tensor may have (GGML's own limit).
const MAX_DIMS: u32 = 4;

/// Read the file's header and check it; the error says what is wrong, in a few words.
pub fn check_gguf(reader: &mut impl Read, file_len: u64) -> Result<(), String> {
    let mut r = Bounded {
        inner: reader,
        left: file_len,
    };
    let magic = r.bytes(4)?;
    if magic != b"GGUF" {
        return Err("does not start with the GGUF magic".into());
    }
    let version = r.u32()?;
    if !(2..=3).contains(&version) {
        return Err(format!(
            "GGUF version {version} is not one this build reads (2 or 3)"
        ));
    }
    let n_tensors = r.u64()?;
    let n_kv = r.u64()?;
    // Every entry takes at least 12 bytes (an empty key's length and a type), every tensor info at
    // least 24: more entries than the file can hold are a lie, refused before anything is sized.
    r.fits(n_kv, 12, "metadata entries")?;
    r.fits(n_tensors, 24, "tensors")?;
    for _ in 0..n_kv {
        let key = r.string()?;
        let ty = r.u32()?;
        if key == "general.alignment" {
            let alignment = match ty {
                TYPE_U32 => u64::from(r.u32()?),
                TYPE_U64 => r.u64()?,
                other => return Err(format!("general.alignment has value type {other}")),
            };
            if alignment == 0 || !alignment.is_power_of_two() || alignment > 1 << 20 {
                return Err(format!(
                    "general.alignment is {alignment}, not a power of two up to 1 MiB"
                ));
            }
        } else {
            r.skip_value(ty, 0)?;
        }
    }
    for _ in 0..n_tensors {
        r.string()?;
        let n_dims = r.u32()?;
        if n_dims > MAX_DIMS {
            return Err(format!(
                "a tensor has {n_dims} dimensions (at most {MAX_DIMS})"
            ));
        }
        let mut elements: u64 = 1;
        for _ in 0..n_dims {
            let dim = r.u64()?;
            elements = elements
                .checked_mul(dim)
                .filter(|&n| n <= file_len.saturating_mul(8))
                .ok_or("a tensor has more elements than the file can hold")?;
        }
        r.u32()?; // ggml type: candle names an unknown one itself
        r.u64()?; // offset: candle checks it against the data it reads
    }
    Ok(())
}

/// A reader that knows how many bytes the file has left.
struct Bounded<'a, R: Read> {
    inner: &'a mut R,
    left: u64,
}

impl<R: Read> Bounded<'_, R> {
    fn take(&mut self, n: u64) -> Result<(), String> {
        if n > self.left {
            return Err("is truncated: a length runs past the end of the file".into());
        }
        self.left -= n;
        Ok(())
    }

    fn bytes(&mut self, n: u64) -> Result<Vec<u8>, String> {
        self.take(n)?;
        let mut buf = Vec::with_capacity(n as usize);
        self.inner
            .by_ref()
            .take(n)
            .read_to_end(&mut buf)
            .map_err(read_error)?;
        if buf.len() as u64 != n {
            return Err("is truncated".into());
        }
        Ok(buf)
    }

    fn skip(&mut self, n: u64) -> Result<(), String> {
        self.take(n)?;
        let copied =
            io::copy(&mut self.inner.by_ref().take(n), &mut io::sink()).map_err(read_error)?;
        if copied != n {
            return Err("is truncated".into());
        }
        Ok(())
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, String> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(&b);
        Ok(u64::from_le_bytes(a))
    }

    fn fits(&self, count: u64, min_size: u64, what: &str) -> Result<(), String> {
        if count.saturating_mul(min_size) > self.left {
            return Err(format!(
                "claims {count} {what}, more than its {} bytes can hold",
                self.left
            ));
        }
        Ok(())
    }

    fn string(&mut self) -> Result<String, String> {
        let len = self.u64()?;
        let bytes = self.bytes(len)?;
        String::from_utf8(bytes).map_err(|_| "holds a string that is not UTF-8".to_string())
    }

    fn skip_value(&mut self, ty: u32, depth: u32) -> Result<(), String> {
        let size = match ty {
            TYPE_U8 | TYPE_I8 | TYPE_BOOL => 1,
            TYPE_U16 | TYPE_I16 => 2,
            TYPE_U32 | TYPE_I32 | TYPE_F32 => 4,
            TYPE_U64 | TYPE_I64 | TYPE_F64 => 8,
            TYPE_STRING => {
                let len = self.u64()?;
                return self.skip(len);
            }
            TYPE_ARRAY => {
                if depth >= MAX_ARRAY_DEPTH {
                    return Err("nests arrays too deeply".into());
                }
                let item = self.u32()?;
                let n = self.u64()?;
                // A string item takes at least its 8-byte length, an array its 12-byte header.
                let min = match item {
                    TYPE_STRING => 8,
                    TYPE_ARRAY => 12,
                    _ => 1,
                };
                self.fits(n, min, "array items")?;
                for _ in 0..n {
                    self.skip_value(item, depth + 1)?;
                }
                return Ok(());
            }
            other => return Err(format!("has a metadata value of unknown type {other}")),
        };
        self.skip(size)
    }
}

fn read_error(e: io::Error) -> String {
    format!("cannot be read: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header with the given metadata entries (already encoded) and no tensors.
    fn header(entries: &[Vec<u8>]) -> Vec<u8> {
        let mut out = b"GGUF".to_vec();
        out.extend(3u32.to_le_bytes());
        out.extend(0u64.to_le_bytes());
        out.extend((entries.len() as u64).to_le_bytes());
        for e in entries {
            out.extend(e);
        }
        out
    }

    fn entry(key: &str, ty: u32, value: &[u8]) -> Vec<u8> {
        let mut out = (key.len() as u64).to_le_bytes().to_vec();
        out.extend(key.as_bytes());
        out.extend(ty.to_le_bytes());
        out.extend(value);
        out
    }

    fn check(bytes: &[u8]) -> Result<(), String> {
        check_gguf(&mut &bytes[..], bytes.len() as u64)
    }

    #[test]
    fn a_plain_header_passes() {
        let name = entry(
            "general.name",
            TYPE_STRING,
            &[&3u64.to_le_bytes()[..], b"abc"].concat(),
        );
        let align = entry("general.alignment", TYPE_U32, &32u32.to_le_bytes());
        check(&header(&[name, align])).unwrap();
    }

    #[test]
    fn a_zero_or_odd_alignment_is_refused() {
        for a in [0u32, 3, 48] {
            let e = check(&header(&[entry(
                "general.alignment",
                TYPE_U32,
                &a.to_le_bytes(),
            )]))
            .unwrap_err();
            assert!(e.contains("general.alignment"), "{a}: {e}");
        }
    }

    #[test]
    fn counts_beyond_the_file_are_refused_before_allocating() {
        let mut bytes = header(&[]);
        bytes[16..24].copy_from_slice(&(1u64 << 62).to_le_bytes());
        assert!(check(&bytes).unwrap_err().contains("metadata entries"));
        let huge_string = entry("k", TYPE_STRING, &(1u64 << 62).to_le_bytes());
        assert!(
            check(&header(&[huge_string]))
                .unwrap_err()
                .contains("truncated")
        );
        let huge_array = entry(
            "k",
            TYPE_ARRAY,
            &[&TYPE_U64.to_le_bytes()[..], &(1u64 << 60).to_le_bytes()].concat(),
        );
        assert!(
            check(&header(&[huge_array]))
                .unwrap_err()
                .contains("array items")
        );
    }

    #[test]
    fn every_prefix_of_a_valid_header_is_an_error_not_a_panic() {
        let name = entry(
            "general.name",
            TYPE_STRING,
            &[&3u64.to_le_bytes()[..], b"abc"].concat(),
        );
        let bytes = header(&[name]);
        for cut in 0..bytes.len() {
            assert!(
                check(&bytes[..cut]).is_err(),
                "prefix of {cut} bytes passed"
            );
        }
    }
}
