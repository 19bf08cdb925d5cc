//! `unmask inspect`: describe a model folder (family, size, vocabulary, mask id, context).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::model::{LoadOptions, default_model_dir, load_model};

/// `unmask inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Model folder or .gguf file (default: the embedded model).
    pub dir: Option<PathBuf>,
}

/// Run `unmask inspect`.
pub fn inspect_cmd(args: InspectArgs) -> Result<()> {
    let dir = match args.dir {
        Some(d) => d,
        None => default_model_dir()?,
    };
    let model = load_model(&dir, &LoadOptions::default())?;
    let info = &model.info;
    println!("folder          {}", dir.display());
    println!("family          {}", info.family);
    println!(
        "parameters      {} ({:.2} M)",
        info.n_params,
        info.n_params as f64 / 1e6
    );
    println!("shape           {}", info.shape);
    println!("weights         {}", info.dtype);
    println!("vocabulary      {}", info.vocab_size);
    let mask = model
        .tokenizer
        .id_to_token(info.mask_token_id)
        .unwrap_or_default();
    println!("mask id         {} {mask}", info.mask_token_id);
    let eos: Vec<String> = info
        .eos_token_ids
        .iter()
        .map(|id| {
            format!(
                "{id} {}",
                model.tokenizer.id_to_token(*id).unwrap_or_default()
            )
        })
        .collect();
    println!("eos ids         {}", eos.join(", "));
    println!("context         {} tokens", info.max_context);
    println!("prompt format   {:?}", info.prompt_template);
    Ok(())
}
