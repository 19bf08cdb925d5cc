//! Reading a model folder (config.json + safetensors + tokenizer.json) and saying exactly what is
//! wrong with a broken one.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use candle_core::safetensors::MmapedSafetensors;
use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use tokenizers::Tokenizer;

use super::config::LladaConfig;
use super::llada::LladaModel;
use super::{Denoiser, LladaDenoiser, ModelInfo, dtype_name};

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

/// How to load.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Weight dtype (f32 is fastest on CPU).
    pub dtype: DType,
    /// Where the weights go.
    pub device: Device,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            dtype: DType::F32,
            device: Device::Cpu,
        }
    }
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
    /// The path is not a folder.
    #[error("model folder {0} does not exist or is not a folder")]
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
    #[error(
        "{path}: unknown architecture {found}; supported: LLaDA (model_type \"llada\", architectures [\"LLaDAModelLM\"])"
    )]
    UnknownArchitecture {
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
        "{dir}: no mask token: config.json has no mask_token_id and tokenizer.json has none of <|mdm_mask|>, <|mask|>, [MASK]"
    )]
    NoMaskToken {
        /// The folder.
        dir: PathBuf,
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
struct WeightFiles {
    files: Vec<PathBuf>,
    owner: HashMap<String, PathBuf>,
    /// What to name when a tensor is missing (the single file or the index).
    described_as: PathBuf,
}

fn read_json(path: &Path) -> Result<serde_json::Value, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError::BadConfig {
        path: path.to_path_buf(),
        reason: format!("cannot read: {e}"),
    })?;
    serde_json::from_str(&text).map_err(|e| LoadError::BadConfig {
        path: path.to_path_buf(),
        reason: format!("not valid JSON: {e}"),
    })
}

fn find_weights(dir: &Path) -> Result<WeightFiles, LoadError> {
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

fn open_safetensors(path: &Path) -> Result<MmapedSafetensors, LoadError> {
    // SAFETY: the file is mapped read-only; Unmask never writes model files while they are loaded.
    unsafe { MmapedSafetensors::new(path) }.map_err(|e| LoadError::BadSafetensors {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Expected LLaDA tensor names and shapes (also what training creates).
pub fn llada_expected(cfg: &LladaConfig) -> BTreeMap<String, Vec<usize>> {
    let d = cfg.d_model;
    let kv = cfg.kv_heads() * cfg.head_dim();
    let rows = cfg.embedding_rows();
    let m = cfg.mlp_hidden_size;
    let p = "model.transformer";
    let mut out = BTreeMap::new();
    out.insert(format!("{p}.wte.weight"), vec![rows, d]);
    out.insert(format!("{p}.ln_f.weight"), vec![d]);
    if !cfg.weight_tying {
        out.insert(format!("{p}.ff_out.weight"), vec![rows, d]);
    }
    for i in 0..cfg.n_layers {
        let b = format!("{p}.blocks.{i}");
        out.insert(format!("{b}.attn_norm.weight"), vec![d]);
        out.insert(format!("{b}.ff_norm.weight"), vec![d]);
        out.insert(format!("{b}.q_proj.weight"), vec![d, d]);
        out.insert(format!("{b}.k_proj.weight"), vec![kv, d]);
        out.insert(format!("{b}.v_proj.weight"), vec![kv, d]);
        out.insert(format!("{b}.attn_out.weight"), vec![d, d]);
        out.insert(format!("{b}.ff_proj.weight"), vec![m, d]);
        out.insert(format!("{b}.up_proj.weight"), vec![m, d]);
        out.insert(format!("{b}.ff_out.weight"), vec![d, m]);
    }
    out
}

fn check_tensors(
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
            reason: e.to_string(),
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

/// Load the tokenizer of a model folder.
pub fn load_tokenizer(dir: &Path) -> Result<Tokenizer, LoadError> {
    let path = dir.join("tokenizer.json");
    if !path.is_file() {
        return Err(LoadError::MissingFile {
            dir: dir.to_path_buf(),
            file: "tokenizer.json".into(),
            hint: "Unmask needs the Hugging Face tokenizer.json next to config.json".into(),
        });
    }
    Tokenizer::from_file(&path).map_err(|e| LoadError::Tokenizer {
        path,
        reason: e.to_string(),
    })
}

/// Which family config.json describes (only `llada` so far).
fn detect_family(path: &Path, json: &serde_json::Value) -> Result<&'static str, LoadError> {
    let model_type = json
        .get("model_type")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let archs: Vec<&str> = json
        .get("architectures")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default();
    if model_type.eq_ignore_ascii_case("llada") || archs.iter().any(|a| a.starts_with("LLaDA")) {
        return Ok("llada");
    }
    Err(LoadError::UnknownArchitecture {
        path: path.to_path_buf(),
        found: format!("model_type {model_type:?}, architectures {archs:?}"),
    })
}

/// Load from a [`super::ModelSource`] (a folder today; the hub later).
pub fn load_model_with_progress_from(
    source: &super::ModelSource,
    opts: &LoadOptions,
    progress: &mut dyn FnMut(&str, f32),
) -> Result<LoadedModel, LoadError> {
    match source {
        super::ModelSource::Folder(dir) => load_model_with_progress(dir, opts, progress),
    }
}

/// Load a model folder with default progress reporting (none).
pub fn load_model(dir: &Path, opts: &LoadOptions) -> Result<LoadedModel, LoadError> {
    load_model_with_progress(dir, opts, &mut |_, _| {})
}

/// Load a model folder; `progress(stage, fraction)` is called as loading advances.
pub fn load_model_with_progress(
    dir: &Path,
    opts: &LoadOptions,
    progress: &mut dyn FnMut(&str, f32),
) -> Result<LoadedModel, LoadError> {
    if !dir.is_dir() {
        return Err(LoadError::NotAFolder(dir.to_path_buf()));
    }
    progress("reading config.json", 0.0);
    let config_path = dir.join("config.json");
    if !config_path.is_file() {
        return Err(LoadError::MissingFile {
            dir: dir.to_path_buf(),
            file: "config.json".into(),
            hint: "a model folder needs config.json, the weights and tokenizer.json".into(),
        });
    }
    let json = read_json(&config_path)?;
    let family = detect_family(&config_path, &json)?;
    let cfg: LladaConfig = serde_json::from_value(json).map_err(|e| LoadError::BadConfig {
        path: config_path.clone(),
        reason: e.to_string(),
    })?;
    cfg.validate().map_err(|reason| LoadError::BadConfig {
        path: config_path.clone(),
        reason,
    })?;
    progress("reading tokenizer.json", 0.1);
    let tokenizer = load_tokenizer(dir)?;
    progress("checking weights", 0.2);
    let weights = find_weights(dir)?;
    check_tensors(&weights, &llada_expected(&cfg), family)?;
    progress("loading weights", 0.4);
    let build = |reason: candle_core::Error| LoadError::Build {
        dir: dir.to_path_buf(),
        reason: reason.to_string(),
    };
    // SAFETY: read-only mapping of files checked above.
    let vb =
        unsafe { VarBuilder::from_mmaped_safetensors(&weights.files, opts.dtype, &opts.device) }
            .map_err(build)?;
    let model = LladaModel::load(vb, &cfg).map_err(build)?;
    progress("ready", 1.0);

    let mask_token_id = cfg
        .mask_token_id
        .or_else(|| {
            MASK_TOKEN_NAMES
                .iter()
                .find_map(|n| tokenizer.token_to_id(n))
        })
        .ok_or_else(|| LoadError::NoMaskToken {
            dir: dir.to_path_buf(),
        })?;
    let mut eos_token_ids: Vec<u32> = cfg.eos_token_id.into_iter().collect();
    for name in EOS_TOKEN_NAMES {
        if let Some(id) = tokenizer.token_to_id(name)
            && !eos_token_ids.contains(&id)
        {
            eos_token_ids.push(id);
        }
    }
    let prompt_template = cfg.unmask_prompt_template.clone().unwrap_or_else(|| {
        if tokenizer.token_to_id("<|start_header_id|>").is_some() {
            LLADA_CHAT_TEMPLATE.to_string()
        } else {
            "{prompt}".to_string()
        }
    });
    let info = ModelInfo {
        id: dir.display().to_string(),
        family: family.to_string(),
        vocab_size: cfg.embedding_rows(),
        mask_token_id,
        eos_token_ids,
        max_context: cfg.max_sequence_length,
        n_params: cfg.n_params(),
        shape: format!(
            "{} layers, d_model {}, {} heads ({} kv), mlp {}",
            cfg.n_layers,
            cfg.d_model,
            cfg.n_heads,
            cfg.kv_heads(),
            cfg.mlp_hidden_size
        ),
        dtype: dtype_name(opts.dtype).to_string(),
        device: if opts.device.is_cpu() {
            "cpu".into()
        } else {
            format!("{:?}", opts.device)
        },
        prompt_template,
    };
    Ok(LoadedModel {
        denoiser: Box::new(LladaDenoiser { model }),
        tokenizer,
        info,
    })
}
