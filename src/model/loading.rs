//! Reading a model folder (config.json + safetensors + tokenizer) of any family and saying exactly
//! what is wrong with a broken one.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use candle_core::Device;
use candle_core::safetensors::MmapedSafetensors;
use candle_nn::VarBuilder;
use serde::{Deserialize, Serialize};
use tokenizers::{AddedToken, Tokenizer};

use super::config::LladaConfig;
use super::device::{DeviceChoice, DeviceError, WeightDtype};
use super::family::{Family, ModelSpec, SUPPORTED};
use super::llada::llada_arch;
pub use super::tokenizer_files::load_tokenizer;
use super::tokenizer_files::{chat_template, chatml_template, config_token, read_tokenizer_config};
use super::transformer::Transformer;
use super::{Denoiser, ModelInfo, TransformerDenoiser, candle_reason};

/// Token names tried, in order, when config.json has no `mask_token_id`.
pub const MASK_TOKEN_NAMES: [&str; 3] = ["<|mdm_mask|>", "<|mask|>", "[MASK]"];
/// Token names treated as end-of-sequence / end-of-turn when the tokenizer has them.
pub const EOS_TOKEN_NAMES: [&str; 6] = [
    "<|eos|>",
    "<|endoftext|>",
    "<|eot_id|>",
    "<|im_end|>",
    "</s>",
    "<|end_of_text|>",
];
/// LLaDA-8B-Instruct's chat format.
pub const LLADA_CHAT_TEMPLATE: &str = "<|startoftext|><|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";

/// How to load: plain data (it travels in `WorkerCommand::LoadModel`); the device is opened
/// when the model loads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadOptions {
    /// Weight dtype (f32 is fastest on CPU).
    pub dtype: WeightDtype,
    /// Where the weights go.
    pub device: DeviceChoice,
}

/// A model ready to denoise.
pub struct LoadedModel {
    /// The network behind the `Denoiser` trait.
    pub denoiser: Box<dyn Denoiser>,
    /// Its tokenizer.
    pub tokenizer: Tokenizer,
    /// Facts for display and for the sampler.
    pub info: ModelInfo,
}

/// A model folder that cannot be used, with the file and the reason.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The device asked for cannot be used (not built in, or it failed to open).
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// The path is neither a folder nor a `.gguf` file.
    #[error("model {0} does not exist or is neither a folder nor a .gguf file")]
    NotAFolder(PathBuf),
    /// A required file is missing.
    #[error("model folder {dir} has no {file}: {hint}")]
    MissingFile {
        /// The folder.
        dir: PathBuf,
        /// The missing file name.
        file: String,
        /// What it is for / what to do.
        hint: String,
    },
    /// config.json cannot be read or parsed.
    #[error("{path}: {reason}")]
    BadConfig {
        /// The config path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// config.json describes a model family Unmask does not know.
    #[error("{path}: unknown architecture {found}; supported: {SUPPORTED}")]
    UnknownArchitecture {
        /// The config path.
        path: PathBuf,
        /// What config.json says.
        found: String,
    },
    /// config.json describes a causal (autoregressive) Qwen model, not a denoiser.
    #[error(
        "{path}: {found} is a causal (autoregressive) language model, not a masked-diffusion one; \
         if this checkpoint was trained as a bidirectional denoiser, add \"unmask_bidirectional\": true \
         to its config.json (dllm's A2D conversions say model_type \"a2d-qwen2\" / \"a2d-qwen3\" and need nothing)"
    )]
    CausalModel {
        /// The config path.
        path: PathBuf,
        /// What config.json says.
        found: String,
    },
    /// A safetensors file is unreadable (truncated, not safetensors…).
    #[error("{path} is not a readable safetensors file (truncated or corrupt?): {reason}")]
    BadSafetensors {
        /// The file.
        path: PathBuf,
        /// The reader's message.
        reason: String,
    },
    /// A tensor the architecture needs is absent.
    #[error("{path} has no tensor {name}, which this {family} config needs")]
    MissingTensor {
        /// The file (or index) looked in.
        path: PathBuf,
        /// Tensor name.
        name: String,
        /// The family.
        family: String,
    },
    /// A tensor has the wrong shape for the config.
    #[error("{path}: tensor {name} has shape {found:?} but config.json implies {expected:?}")]
    TensorShape {
        /// The file.
        path: PathBuf,
        /// Tensor name.
        name: String,
        /// Shape the config implies.
        expected: Vec<usize>,
        /// Shape in the file.
        found: Vec<usize>,
    },
    /// tokenizer.json cannot be loaded.
    #[error("{path}: cannot load the tokenizer: {reason}")]
    Tokenizer {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// No mask token id could be found.
    #[error(
        "{dir}: no mask token: config.json has no mask_token_id, tokenizer_config.json names no mask_token and the tokenizer has none of <|mdm_mask|>, <|mask|>, [MASK]"
    )]
    NoMaskToken {
        /// The folder.
        dir: PathBuf,
    },
    /// A `.gguf` file that is not one `unmask quantize` wrote, or is damaged.
    #[error("{path}: {reason}")]
    BadGguf {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Building the network failed.
    #[error("{dir}: could not build the model: {reason}")]
    Build {
        /// The folder.
        dir: PathBuf,
        /// candle's message.
        reason: String,
    },
}

/// Which file holds each tensor.
pub(crate) struct WeightFiles {
    files: Vec<PathBuf>,
    pub(crate) owner: HashMap<String, PathBuf>,
    /// What to name when a tensor is missing (the single file or the index).
    described_as: PathBuf,
}

pub(crate) fn read_json(path: &Path) -> Result<serde_json::Value, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError::BadConfig {
        path: path.to_path_buf(),
        reason: format!("cannot read: {e}"),
    })?;
    serde_json::from_str(&text).map_err(|e| LoadError::BadConfig {
        path: path.to_path_buf(),
        reason: format!("not valid JSON: {e}"),
    })
}

/// Whether `name` is a plain file name (no folder part, not hidden, not `..`): the only kind of
/// name a model's own files (an index's shards) may use, so that no file outside the model's
/// folder is ever read through one.
pub fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && !name.contains(':')
}

pub(crate) fn find_weights(dir: &Path) -> Result<WeightFiles, LoadError> {
    let single = dir.join("model.safetensors");
    let index = dir.join("model.safetensors.index.json");
    let mut owner = HashMap::new();
    if single.is_file() {
        let st = open_safetensors(&single)?;
        for (name, _) in st.tensors() {
            owner.insert(name, single.clone());
        }
        return Ok(WeightFiles {
            files: vec![single.clone()],
            owner,
            described_as: single,
        });
    }
    if !index.is_file() {
        return Err(LoadError::MissingFile {
            dir: dir.to_path_buf(),
            file: "model.safetensors".into(),
            hint: "the weights must be model.safetensors or shards listed in model.safetensors.index.json".into(),
        });
    }
    let json = read_json(&index)?;
    let map = json
        .get("weight_map")
        .and_then(|m| m.as_object())
        .ok_or_else(|| LoadError::BadConfig {
            path: index.clone(),
            reason: "has no \"weight_map\" object".into(),
        })?;
    let mut files: Vec<PathBuf> = Vec::new();
    for (name, file) in map {
        let file = file.as_str().ok_or_else(|| LoadError::BadConfig {
            path: index.clone(),
            reason: format!("weight_map entry for {name} is not a file name"),
        })?;
        if !is_plain_file_name(file) {
            return Err(LoadError::BadConfig {
                path: index.clone(),
                reason: format!(
                    "weight_map names the shard {file:?} outside the model folder: shards must be plain file names beside the index"
                ),
            });
        }
        let path = dir.join(file);
        if !files.contains(&path) {
            if !path.is_file() {
                return Err(LoadError::MissingFile {
                    dir: dir.to_path_buf(),
                    file: file.to_string(),
                    hint: "model.safetensors.index.json lists this shard".into(),
                });
            }
            files.push(path.clone());
        }
        owner.insert(name.clone(), path);
    }
    for file in &files {
        open_safetensors(file)?;
    }
    Ok(WeightFiles {
        files,
        owner,
        described_as: index,
    })
}

pub(crate) fn open_safetensors(path: &Path) -> Result<MmapedSafetensors, LoadError> {
    // SAFETY: the file is mapped read-only; Unmask never writes model files while they are loaded.
    unsafe { MmapedSafetensors::new(path) }.map_err(|e| LoadError::BadSafetensors {
        path: path.to_path_buf(),
        reason: candle_reason(&e),
    })
}

/// Expected LLaDA tensor names and shapes (also what training creates).
pub fn llada_expected(cfg: &LladaConfig) -> BTreeMap<String, Vec<usize>> {
    llada_arch(cfg).expected_tensors()
}

pub(crate) fn check_tensors(
    weights: &WeightFiles,
    expected: &BTreeMap<String, Vec<usize>>,
    family: &str,
) -> Result<(), LoadError> {
    let mut opened: HashMap<PathBuf, MmapedSafetensors> = HashMap::new();
    for (name, shape) in expected {
        let Some(path) = weights.owner.get(name) else {
            return Err(LoadError::MissingTensor {
                path: weights.described_as.clone(),
                name: name.clone(),
                family: family.into(),
            });
        };
        if !opened.contains_key(path) {
            opened.insert(path.clone(), open_safetensors(path)?);
        }
        let st = &opened[path];
        let view = st.get(name).map_err(|e| LoadError::BadSafetensors {
            path: path.clone(),
            reason: candle_reason(&e),
        })?;
        if view.shape() != shape.as_slice() {
            return Err(LoadError::TensorShape {
                path: path.clone(),
                name: name.clone(),
                expected: shape.clone(),
                found: view.shape().to_vec(),
            });
        }
    }
    Ok(())
}

/// Load a model folder with default progress reporting (none).
pub fn load_model(dir: &Path, opts: &LoadOptions) -> Result<LoadedModel, LoadError> {
    load_model_with_progress(dir, opts, &mut |_, _| {})
}

/// Load a model folder, or a `.gguf` file written by `unmask quantize`; `progress(stage,
/// fraction)` is called as loading advances.
pub fn load_model_with_progress(
    dir: &Path,
    opts: &LoadOptions,
    progress: &mut dyn FnMut(&str, f32),
) -> Result<LoadedModel, LoadError> {
    let device = opts.device.open()?;
    if super::gguf::is_gguf_file(dir) {
        return load_gguf(dir, opts, &device, progress);
    }
    progress("reading config.json", 0.0);
    let spec = folder_spec(dir)?;
    let family = spec.family;
    progress("reading the tokenizer", 0.1);
    let tokenizer = load_tokenizer(dir)?;
    let tokenizer_config = read_tokenizer_config(dir)?;
    progress("checking weights", 0.2);
    let weights = find_weights(dir)?;
    check_tensors(&weights, &spec.arch.expected_tensors(), family.name())?;
    progress("loading weights", 0.4);
    let build = |reason: candle_core::Error| LoadError::Build {
        dir: dir.to_path_buf(),
        reason: candle_reason(&reason),
    };
    // SAFETY: read-only mapping of files checked above.
    let vb = unsafe {
        VarBuilder::from_mmaped_safetensors(&weights.files, opts.dtype.to_candle(), &device)
    }
    .map_err(build)?;
    let net = Transformer::from_source_fused(&vb, &spec.arch).map_err(build)?;
    progress("ready", 1.0);
    let parts = Parts {
        spec,
        tokenizer,
        tokenizer_config,
        dtype: opts.dtype.name().to_string(),
    };
    parts.finish(dir, net, opts.device)
}

/// A model folder's config.json, read as its family's spec (a missing folder or config.json is an
/// error that says so).
pub(crate) fn folder_spec(dir: &Path) -> Result<ModelSpec, LoadError> {
    if !dir.is_dir() {
        return Err(LoadError::NotAFolder(dir.to_path_buf()));
    }
    let config_path = dir.join("config.json");
    if !config_path.is_file() {
        return Err(LoadError::MissingFile {
            dir: dir.to_path_buf(),
            file: "config.json".into(),
            hint: "a model folder needs config.json, the weights and tokenizer.json".into(),
        });
    }
    let json = read_json(&config_path)?;
    let family = Family::detect(&config_path, &json)?;
    ModelSpec::parse(family, &config_path, json)
}

/// Load a GGUF written by `unmask quantize` (its config.json and tokenizer travel inside).
fn load_gguf(
    path: &Path,
    opts: &LoadOptions,
    device: &Device,
    progress: &mut dyn FnMut(&str, f32),
) -> Result<LoadedModel, LoadError> {
    progress("reading the GGUF file", 0.0);
    let gguf = super::gguf::read_gguf(path, device)?;
    let family = Family::detect(path, &gguf.config)?;
    let spec = ModelSpec::parse(family, path, gguf.config)?;
    progress("checking weights", 0.6);
    let stored = gguf.weights.shapes();
    for (name, shape) in spec.arch.expected_tensors() {
        match stored.get(&name) {
            None => {
                return Err(LoadError::MissingTensor {
                    path: path.to_path_buf(),
                    name,
                    family: family.name().into(),
                });
            }
            Some(found) if *found != shape => {
                return Err(LoadError::TensorShape {
                    path: path.to_path_buf(),
                    name,
                    expected: shape,
                    found: found.clone(),
                });
            }
            Some(_) => {}
        }
    }
    let net =
        Transformer::from_source(&gguf.weights, &spec.arch).map_err(|e| LoadError::Build {
            dir: path.to_path_buf(),
            reason: candle_reason(&e),
        })?;
    progress("ready", 1.0);
    let parts = Parts {
        spec,
        tokenizer: gguf.tokenizer,
        tokenizer_config: gguf.tokenizer_config,
        dtype: gguf.quant,
    };
    parts.finish(path, net, opts.device)
}

/// What a folder and a GGUF file both provide, turned into a [`LoadedModel`] the same way.
struct Parts {
    spec: ModelSpec,
    tokenizer: Tokenizer,
    tokenizer_config: Option<serde_json::Value>,
    /// Weight type shown to the user (`f32`, `bf16`, `q4_k` …).
    dtype: String,
}

impl Parts {
    fn finish(
        mut self,
        source: &Path,
        net: Transformer,
        device: DeviceChoice,
    ) -> Result<LoadedModel, LoadError> {
        let spec = &self.spec;
        let family = spec.family;
        let tokenizer_config = self.tokenizer_config.as_ref();
        let mask_token_id = mask_token_id(source, spec, &mut self.tokenizer, tokenizer_config)?;
        let eos_token_ids = eos_token_ids(spec, &self.tokenizer, tokenizer_config);
        let prompt_template = spec
            .prompt_template
            .clone()
            .unwrap_or_else(|| family_prompt_template(family, &self.tokenizer, tokenizer_config));
        let info = ModelInfo {
            id: source.display().to_string(),
            family: family.name().to_string(),
            vocab_size: spec.arch.rows,
            mask_token_id,
            eos_token_ids,
            max_context: spec.arch.max_len,
            n_params: spec.arch.n_params(),
            shape: spec.shape(),
            dtype: self.dtype,
            device: device.name(),
            prompt_template,
            recommended_decoding: spec.recommended_decoding.clone(),
        };
        Ok(LoadedModel {
            denoiser: Box::new(TransformerDenoiser { net }),
            tokenizer: self.tokenizer,
            info,
        })
    }
}

/// The mask id: config.json's `mask_token_id`, else `tokenizer_config.json`'s `mask_token`, else
/// the first of [`MASK_TOKEN_NAMES`] the tokenizer knows. For dllm's A2D Qwen models whose saved
/// tokenizer lacks it, `<|mask|>` is added as the next id, as dllm's own `get_tokenizer` does at
/// load time (`tokenizer.add_special_tokens({"mask_token": "<|mask|>"})`, dllm/utils/models.py).
/// It must be a row of the logits.
fn mask_token_id(
    dir: &Path,
    spec: &ModelSpec,
    tokenizer: &mut Tokenizer,
    tokenizer_config: Option<&serde_json::Value>,
) -> Result<u32, LoadError> {
    let found = spec
        .mask_token_id
        .or_else(|| {
            config_token(tokenizer_config, "mask_token").and_then(|t| tokenizer.token_to_id(&t))
        })
        .or_else(|| {
            MASK_TOKEN_NAMES
                .iter()
                .find_map(|n| tokenizer.token_to_id(n))
        });
    let a2d = matches!(spec.family, Family::Qwen2 | Family::Qwen3);
    let id = match found {
        Some(id) => id,
        None if a2d => {
            let added = tokenizer
                .add_special_tokens([AddedToken::from("<|mask|>", true)])
                .map_err(|e| LoadError::Tokenizer {
                    path: dir.to_path_buf(),
                    reason: format!("cannot add <|mask|>: {e}"),
                })?;
            tokenizer
                .token_to_id("<|mask|>")
                .filter(|_| added == 1)
                .ok_or_else(|| LoadError::NoMaskToken {
                    dir: dir.to_path_buf(),
                })?
        }
        None => {
            return Err(LoadError::NoMaskToken {
                dir: dir.to_path_buf(),
            });
        }
    };
    if id as usize >= spec.arch.rows {
        return Err(LoadError::BadConfig {
            path: dir.join("config.json"),
            reason: format!(
                "the mask token id {id} is outside the {} logit rows",
                spec.arch.rows
            ),
        });
    }
    Ok(id)
}

/// Every end id: config.json's `eos_token_id` (one or a list), `tokenizer_config.json`'s
/// `eos_token`, and each of [`EOS_TOKEN_NAMES`] the tokenizer knows.
fn eos_token_ids(
    spec: &ModelSpec,
    tokenizer: &Tokenizer,
    tokenizer_config: Option<&serde_json::Value>,
) -> Vec<u32> {
    let mut ids = spec.eos_token_ids.clone();
    let named = config_token(tokenizer_config, "eos_token");
    let names = named.iter().map(String::as_str).chain(EOS_TOKEN_NAMES);
    for name in names {
        if let Some(id) = tokenizer.token_to_id(name)
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids.retain(|&id| (id as usize) < spec.arch.rows);
    ids
}

/// The family's chat format when the model looks like a chat model: its tokenizer knows the
/// family's turn markers and its `tokenizer_config.json`, where there is one, has a chat template.
/// Otherwise the prompt goes in as it is.
pub fn family_prompt_template(
    family: Family,
    tokenizer: &Tokenizer,
    tokenizer_config: Option<&serde_json::Value>,
) -> String {
    let source = chat_template(tokenizer_config);
    if tokenizer_config.is_some() && source.is_none() {
        return "{prompt}".into();
    }
    match family {
        Family::Llada if tokenizer.token_to_id("<|start_header_id|>").is_some() => {
            LLADA_CHAT_TEMPLATE.to_string()
        }
        Family::Dream | Family::Qwen2 | Family::Qwen3
            if tokenizer.token_to_id("<|im_start|>").is_some() =>
        {
            chatml_template(source.as_deref())
        }
        _ => "{prompt}".into(),
    }
}
