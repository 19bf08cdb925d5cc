//! Quantised checkpoints: `unmask quantize` writes a model folder as one GGUF file, and the loader
//! runs it through candle's quantised matmul (q4_0, q4_k, q8_0).
//!
//! The file is ordinary GGUF v2 (what candle's `gguf_file` reads and writes). It keeps the
//! checkpoint's own tensor names (LLaDA's `model.transformer.blocks.0.q_proj.weight`, Qwen's
//! `model.layers.0.self_attn.q_proj.weight` …) and carries everything else the loader needs as
//! metadata strings, so a `.gguf` is a whole model on its own:
//!
//! | key | value |
//! |---|---|
//! | `general.architecture` | `unmask` |
//! | `general.name` | the source folder's name |
//! | `general.quantization_version` | 2 |
//! | `unmask.family` | `llada`, `dream`, `qwen2`, `qwen3` |
//! | `unmask.quant_type` | what was asked for: `q4_0`, `q4_k`, `q8_0` |
//! | `unmask.config_json` | the folder's config.json, verbatim |
//! | `unmask.tokenizer_json` | the tokenizer as tokenizer.json (built from vocab.json + merges.txt if that is what the folder had) |
//! | `unmask.tokenizer_config_json` | tokenizer_config.json, verbatim, when the folder has one |
//!
//! Which storage type each tensor gets ([`storage_type`]): vectors (norms, biases) stay f32;
//! matrices get the requested type when their row length is a multiple of its block (32 for
//! q4_0/q8_0, 256 for q4_k); the LM head (the embedding, when tied) gets q6_k for the 4-bit
//! types, as llama.cpp's Q4_K_M does, because the head sets every confidence Unmask shows. A
//! matrix whose rows do not fit the block falls back to q8_0, then f16 (Qwen2.5-0.5B's 896-wide
//! rows cannot be q4_k); `unmask quantize` lists every fallback.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use candle_core::quantized::gguf_file::{self, Value};
use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{DType, Device, Result, Tensor};
use tokenizers::Tokenizer;

use super::candle_reason;
use super::loading::{
    LoadError, check_tensors, find_weights, folder_spec, open_safetensors, read_json,
};
use super::tokenizer_files::load_tokenizer;
use super::transformer::{Arch, Weight, WeightSource};

/// Metadata key holding config.json.
pub const CONFIG_KEY: &str = "unmask.config_json";
/// Metadata key holding tokenizer.json.
pub const TOKENIZER_KEY: &str = "unmask.tokenizer_json";
/// Metadata key holding tokenizer_config.json (optional).
pub const TOKENIZER_CONFIG_KEY: &str = "unmask.tokenizer_config_json";
/// Metadata key holding the requested quantisation.
pub const QUANT_KEY: &str = "unmask.quant_type";

/// A quantisation `unmask quantize --type` offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantType {
    /// 4.5 bits per weight: blocks of 32 with one f16 scale.
    Q4_0,
    /// 4.5 bits per weight: super-blocks of 256 with 6-bit sub-block scales and minimums.
    Q4K,
    /// 8.5 bits per weight: blocks of 32 with one f16 scale.
    Q8_0,
}

impl QuantType {
    /// Every type, for help texts.
    pub const ALL: [QuantType; 3] = [QuantType::Q4_0, QuantType::Q4K, QuantType::Q8_0];

    /// Parse `q4_0`, `q4k` / `q4_k`, `q8_0` (any case).
    pub fn parse(text: &str) -> std::result::Result<QuantType, String> {
        match text.to_ascii_lowercase().as_str() {
            "q4_0" | "q40" => Ok(QuantType::Q4_0),
            "q4k" | "q4_k" | "q4_k_m" => Ok(QuantType::Q4K),
            "q8_0" | "q80" => Ok(QuantType::Q8_0),
            other => Err(format!(
                "unknown quantisation {other:?}: use q4_0, q4k or q8_0"
            )),
        }
    }

    /// The canonical name (`q4_0`, `q4_k`, `q8_0`).
    pub fn name(self) -> &'static str {
        match self {
            QuantType::Q4_0 => "q4_0",
            QuantType::Q4K => "q4_k",
            QuantType::Q8_0 => "q8_0",
        }
    }

    /// candle's storage type.
    pub fn ggml(self) -> GgmlDType {
        match self {
            QuantType::Q4_0 => GgmlDType::Q4_0,
            QuantType::Q4K => GgmlDType::Q4K,
            QuantType::Q8_0 => GgmlDType::Q8_0,
        }
    }
}

/// The name of a storage type as the CLI prints it.
pub fn ggml_name(t: GgmlDType) -> String {
    format!("{t:?}").to_ascii_lowercase().replace("k", "_k")
}

/// The storage type of one tensor of shape `shape` (see the module docs for the rule).
pub fn storage_type(requested: QuantType, shape: &[usize], is_head: bool) -> GgmlDType {
    let &[_, cols] = shape else {
        return GgmlDType::F32;
    };
    [wanted_type(requested, is_head), GgmlDType::Q8_0]
        .into_iter()
        .find(|t| cols % t.block_size() == 0)
        .unwrap_or(GgmlDType::F16)
}

/// The type a matrix gets when its rows fit: q6_k for the head under a 4-bit type, else `requested`.
fn wanted_type(requested: QuantType, is_head: bool) -> GgmlDType {
    if is_head && requested != QuantType::Q8_0 {
        GgmlDType::Q6K
    } else {
        requested.ggml()
    }
}

/// The checkpoint name of the LM head's matrix (the embedding when tied).
pub fn head_tensor_name(arch: &Arch) -> String {
    if arch.tied {
        format!("{}.weight", arch.names.embed)
    } else {
        format!("{}.weight", arch.names.head)
    }
}

/// Quantise one tensor (any dtype, any device) to `storage` on the CPU.
pub fn quantize_tensor(t: &Tensor, storage: GgmlDType) -> Result<QTensor> {
    let t = t.to_device(&Device::Cpu)?.to_dtype(DType::F32)?;
    QTensor::quantize(&t, storage)
}

/// A failed `unmask quantize`.
#[derive(Debug, thiserror::Error)]
pub enum QuantizeError {
    /// The source folder cannot be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The output path is unusable.
    #[error("{path}: {reason}")]
    Output {
        /// The output path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A tensor could not be read or quantised.
    #[error("tensor {name}: {reason}")]
    Tensor {
        /// The checkpoint name.
        name: String,
        /// candle's message.
        reason: String,
    },
}

/// A matrix whose rows do not fit the block of the type it was meant to get.
#[derive(Clone, Debug, PartialEq)]
pub struct Fallback {
    /// Checkpoint name.
    pub name: String,
    /// Row length.
    pub cols: usize,
    /// The type it was meant to get.
    pub wanted: GgmlDType,
    /// The type it got.
    pub stored: GgmlDType,
}

/// What `quantize_folder` did.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantizeReport {
    /// Family of the source.
    pub family: String,
    /// Storage type of every tensor.
    pub types: BTreeMap<String, GgmlDType>,
    /// Matrices that could not take the type they were meant to get.
    pub fallbacks: Vec<Fallback>,
    /// Bytes of the source weights (as stored).
    pub source_bytes: u64,
    /// Bytes of the written file.
    pub output_bytes: u64,
}

impl QuantizeReport {
    /// Tensors per storage type, e.g. `q4_k ×168, q6_k ×1, f32 ×57`.
    pub fn summary(&self) -> String {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for t in self.types.values() {
            *counts.entry(ggml_name(*t)).or_default() += 1;
        }
        counts
            .iter()
            .map(|(t, n)| format!("{t} ×{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// One line per kind of fallback, e.g. `36 matrices with rows of 192 (…attn_out.weight, …)
    /// stored as q8_0: q4_k needs rows in multiples of 256`.
    pub fn fallback_lines(&self) -> Vec<String> {
        // (row length, wanted, stored) → (wanted's block, names)
        let mut groups: BTreeMap<(usize, String, String), (usize, Vec<&str>)> = BTreeMap::new();
        for f in &self.fallbacks {
            groups
                .entry((f.cols, ggml_name(f.wanted), ggml_name(f.stored)))
                .or_insert_with(|| (f.wanted.block_size(), Vec::new()))
                .1
                .push(&f.name);
        }
        groups
            .iter()
            .map(|((cols, wanted, stored), (block, names))| {
                let example = match names.as_slice() {
                    [one] => one.to_string(),
                    [first, ..] => format!("{first}, …"),
                    [] => String::new(),
                };
                format!(
                    "{} {} with rows of {cols} ({example}) stored as {stored}: {wanted} needs rows in multiples of {block}",
                    names.len(),
                    if names.len() == 1 { "matrix" } else { "matrices" },
                )
            })
            .collect()
    }
}

/// Write the model folder `dir` as one GGUF file at `out`, quantised to `requested`.
/// `progress(done, total, tensor_name)` is called before each tensor.
pub fn quantize_folder(
    dir: &Path,
    out: &Path,
    requested: QuantType,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> std::result::Result<QuantizeReport, QuantizeError> {
    let out_err = |reason: String| QuantizeError::Output {
        path: out.to_path_buf(),
        reason,
    };
    if out.extension().and_then(|e| e.to_str()) != Some("gguf") {
        return Err(out_err("the output file name must end in .gguf".into()));
    }
    if out.is_dir() {
        return Err(out_err(
            "is a folder; give a file name ending in .gguf".into(),
        ));
    }
    let spec = folder_spec(dir)?;
    let family = spec.family;
    let config_path = dir.join("config.json");
    let config_text = std::fs::read_to_string(&config_path).map_err(|e| LoadError::BadConfig {
        path: config_path.clone(),
        reason: format!("cannot read: {e}"),
    })?;
    let tokenizer = load_tokenizer(dir)?;
    let tokenizer_json = tokenizer
        .to_string(false)
        .map_err(|e| LoadError::Tokenizer {
            path: dir.to_path_buf(),
            reason: format!("cannot serialise: {e}"),
        })?;
    let tokenizer_config_path = dir.join("tokenizer_config.json");
    let tokenizer_config = if tokenizer_config_path.is_file() {
        read_json(&tokenizer_config_path)?;
        Some(
            std::fs::read_to_string(&tokenizer_config_path).map_err(|e| LoadError::BadConfig {
                path: tokenizer_config_path.clone(),
                reason: format!("cannot read: {e}"),
            })?,
        )
    } else {
        None
    };
    let weights = find_weights(dir)?;
    let expected = spec.arch.expected_tensors();
    check_tensors(&weights, &expected, family.name())?;

    let head = head_tensor_name(&spec.arch);
    let mut opened = HashMap::new();
    let mut qtensors: Vec<(String, QTensor)> = Vec::with_capacity(expected.len());
    let mut report = QuantizeReport {
        family: family.name().into(),
        types: BTreeMap::new(),
        fallbacks: Vec::new(),
        source_bytes: 0,
        output_bytes: 0,
    };
    for (i, (name, shape)) in expected.iter().enumerate() {
        progress(i, expected.len(), name);
        let tensor_err = |e: candle_core::Error| QuantizeError::Tensor {
            name: name.clone(),
            reason: candle_reason(&e),
        };
        let path = &weights.owner[name];
        if !opened.contains_key(path) {
            opened.insert(path.clone(), open_safetensors(path)?);
        }
        let st = &opened[path];
        let t = st.load(name, &Device::Cpu).map_err(tensor_err)?;
        report.source_bytes += (t.elem_count() * t.dtype().size_in_bytes()) as u64;
        let is_head = *name == head;
        let storage = storage_type(requested, shape, is_head);
        let wanted = wanted_type(requested, is_head);
        if shape.len() == 2 && storage != wanted {
            report.fallbacks.push(Fallback {
                name: name.clone(),
                cols: shape[1],
                wanted,
                stored: storage,
            });
        }
        report.types.insert(name.clone(), storage);
        qtensors.push((
            name.clone(),
            quantize_tensor(&t, storage).map_err(tensor_err)?,
        ));
    }
    progress(expected.len(), expected.len(), "writing");

    let source_name = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string());
    let mut metadata: Vec<(&str, Value)> = vec![
        ("general.architecture", Value::String("unmask".into())),
        ("general.name", Value::String(source_name)),
        ("general.quantization_version", Value::U32(2)),
        ("unmask.family", Value::String(family.name().into())),
        (QUANT_KEY, Value::String(requested.name().into())),
        (CONFIG_KEY, Value::String(config_text)),
        (TOKENIZER_KEY, Value::String(tokenizer_json)),
    ];
    if let Some(text) = tokenizer_config {
        metadata.push((TOKENIZER_CONFIG_KEY, Value::String(text)));
    }
    let meta_refs: Vec<(&str, &Value)> = metadata.iter().map(|(k, v)| (*k, v)).collect();
    let tensor_refs: Vec<(&str, &QTensor)> =
        qtensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let part = out.with_extension("gguf.part");
    let io = |e: std::io::Error| out_err(e.to_string());
    let written = (|| {
        let file = std::fs::File::create(&part).map_err(io)?;
        let mut w = BufWriter::new(file);
        gguf_file::write(&mut w, &meta_refs, &tensor_refs)
            .map_err(|e| out_err(format!("cannot write GGUF: {}", candle_reason(&e))))?;
        std::io::Write::flush(&mut w).map_err(io)?;
        drop(w);
        std::fs::rename(&part, out).map_err(io)
    })();
    if written.is_err() {
        // A failed write (disk full, OUT a folder…) leaves nothing behind.
        let _ = std::fs::remove_file(&part);
    }
    written?;
    report.output_bytes = std::fs::metadata(out).map_err(io)?.len();
    Ok(report)
}

/// A GGUF written by `unmask quantize`, read back: the parsed config, the tokenizer and the
/// quantised tensors.
pub struct GgufModel {
    /// config.json as stored.
    pub config: serde_json::Value,
    /// The tokenizer.
    pub tokenizer: Tokenizer,
    /// tokenizer_config.json, when the source folder had one.
    pub tokenizer_config: Option<serde_json::Value>,
    /// What `--type` the file was made with.
    pub quant: String,
    /// The tensors, on the device asked for.
    pub weights: QuantWeights,
}

/// True for a path that names an existing `.gguf` file.
pub fn is_gguf_file(path: &Path) -> bool {
    path.is_file()
        && path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("gguf"))
}

/// Read a GGUF file made by `unmask quantize` onto `device`.
pub fn read_gguf(path: &Path, device: &Device) -> std::result::Result<GgufModel, LoadError> {
    let bad = |reason: String| LoadError::BadGguf {
        path: path.to_path_buf(),
        reason,
    };
    let open = || std::fs::File::open(path).map_err(|e| bad(format!("cannot open: {e}")));
    let file_len = open()?
        .metadata()
        .map_err(|e| bad(format!("cannot open: {e}")))?
        .len();
    // The header's counts are checked against the file before candle sizes anything by them.
    super::gguf_check::check_gguf(&mut BufReader::new(open()?), file_len).map_err(|reason| {
        bad(format!(
            "not a readable GGUF file (truncated or corrupt?): {reason}"
        ))
    })?;
    let mut reader = BufReader::new(open()?);
    let content = gguf_file::Content::read(&mut reader).map_err(|e| {
        bad(format!(
            "not a readable GGUF file (truncated or corrupt?): {}",
            candle_reason(&e)
        ))
    })?;
    let text = |key: &str| -> Option<String> {
        content
            .metadata
            .get(key)
            .and_then(|v| v.to_string().ok())
            .cloned()
    };
    let Some(config_text) = text(CONFIG_KEY) else {
        let arch = text("general.architecture").unwrap_or_else(|| "?".into());
        return Err(bad(format!(
            "has no {CONFIG_KEY} (general.architecture {arch:?}): Unmask runs GGUF files written by \
             `unmask quantize`, which carry the model's config.json and tokenizer; a llama.cpp GGUF \
             of an autoregressive model is not a denoiser"
        )));
    };
    let config: serde_json::Value = serde_json::from_str(&config_text)
        .map_err(|e| bad(format!("its {CONFIG_KEY} is not valid JSON: {e}")))?;
    let tokenizer_text =
        text(TOKENIZER_KEY).ok_or_else(|| bad(format!("has no {TOKENIZER_KEY}")))?;
    // The tokenizers crate can panic on some malformed JSON (seen on a changed byte of a GGUF's
    // tokenizer): the panic is caught here and reported like any other bad tokenizer.
    let parsed = std::panic::catch_unwind(|| tokenizer_text.parse::<Tokenizer>())
        .unwrap_or_else(|_| Err("the tokenizer JSON is malformed".into()));
    let tokenizer: Tokenizer = parsed.map_err(|e| LoadError::Tokenizer {
        path: path.to_path_buf(),
        reason: format!("{TOKENIZER_KEY}: {e}"),
    })?;
    let tokenizer_config = match text(TOKENIZER_CONFIG_KEY) {
        Some(t) => Some(
            serde_json::from_str(&t)
                .map_err(|e| bad(format!("its {TOKENIZER_CONFIG_KEY} is not valid JSON: {e}")))?,
        ),
        None => None,
    };
    let quant = text(QUANT_KEY).unwrap_or_else(|| "gguf".into());
    let mut tensors = HashMap::with_capacity(content.tensor_infos.len());
    for name in content.tensor_infos.keys() {
        let t = content
            .tensor(&mut reader, name, device)
            .map_err(|e| bad(format!("tensor {name}: {}", candle_reason(&e))))?;
        tensors.insert(name.clone(), Arc::new(t));
    }
    Ok(GgufModel {
        config,
        tokenizer,
        tokenizer_config,
        quant,
        weights: QuantWeights {
            tensors,
            device: device.clone(),
        },
    })
}

/// Quantised tensors by checkpoint name, as a [`WeightSource`] (activations in f32).
pub struct QuantWeights {
    /// The tensors.
    pub tensors: HashMap<String, Arc<QTensor>>,
    /// Where they live.
    pub device: Device,
}

impl QuantWeights {
    fn get(&self, name: &str, shape: &[usize]) -> Result<&Arc<QTensor>> {
        let t = self
            .tensors
            .get(name)
            .ok_or_else(|| candle_core::Error::Msg(format!("the GGUF has no tensor {name}")))?;
        if t.shape().dims() != shape {
            candle_core::bail!(
                "tensor {name} has shape {:?} but config.json implies {shape:?}",
                t.shape().dims()
            );
        }
        Ok(t)
    }

    /// Shapes of the stored tensors (for the loader's checks).
    pub fn shapes(&self) -> BTreeMap<String, Vec<usize>> {
        self.tensors
            .iter()
            .map(|(n, t)| (n.clone(), t.shape().dims().to_vec()))
            .collect()
    }
}

impl WeightSource for QuantWeights {
    fn device(&self) -> Device {
        self.device.clone()
    }

    fn dtype(&self) -> DType {
        DType::F32
    }

    fn vector(&self, name: &str, len: usize) -> Result<Tensor> {
        self.get(name, &[len])?.dequantize(&self.device)
    }

    fn matrix(&self, name: &str, rows: usize, cols: usize) -> Result<Weight> {
        Ok(Weight::Quant(self.get(name, &[rows, cols])?.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_parse_and_print() {
        assert_eq!(QuantType::parse("q4k"), Ok(QuantType::Q4K));
        assert_eq!(QuantType::parse("Q4_K"), Ok(QuantType::Q4K));
        assert_eq!(QuantType::parse("q8_0"), Ok(QuantType::Q8_0));
        assert_eq!(QuantType::parse("q4_0"), Ok(QuantType::Q4_0));
        assert!(QuantType::parse("q3").unwrap_err().contains("q4k"));
        assert_eq!(ggml_name(GgmlDType::Q4K), "q4_k");
        assert_eq!(ggml_name(GgmlDType::Q6K), "q6_k");
        assert_eq!(ggml_name(GgmlDType::Q8_0), "q8_0");
        assert_eq!(ggml_name(GgmlDType::F16), "f16");
    }

    #[test]
    fn storage_follows_the_block_rule() {
        use GgmlDType as G;
        // LLaDA-8B: every row length is a multiple of 256.
        assert_eq!(storage_type(QuantType::Q4K, &[4096, 4096], false), G::Q4K);
        assert_eq!(storage_type(QuantType::Q4K, &[126464, 4096], true), G::Q6K);
        assert_eq!(
            storage_type(QuantType::Q8_0, &[126464, 4096], true),
            G::Q8_0
        );
        assert_eq!(
            storage_type(QuantType::Q4_0, &[4096, 12288], false),
            G::Q4_0
        );
        // Qwen2.5-0.5B's 896-wide rows fit q8_0 but not q4_k.
        assert_eq!(storage_type(QuantType::Q4K, &[896, 896], false), G::Q8_0);
        assert_eq!(storage_type(QuantType::Q4K, &[896, 4864], false), G::Q4K);
        // Nothing fits 20-wide rows; norms and biases stay f32.
        assert_eq!(storage_type(QuantType::Q4_0, &[64, 20], false), G::F16);
        assert_eq!(storage_type(QuantType::Q4K, &[4096], false), G::F32);
    }
}
