//! The training loop: tokenizer, initial weights, batches, AdamW steps, checkpoints, resume.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_nn::VarMap;
use crossbeam_channel::{Receiver, bounded};
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tokenizers::Tokenizer;

use super::{
    AdamW, AdamWParams, Batch, MaskingParams, TrainError, TrainParams, TrainState, batch_loss,
    init_varmap, lr_at, make_batch, model_from_varmap, save_model_folder, step_seed, write_atomic,
};
use crate::data::{
    Corpus, MixParams, SpecialIds, TrainingStream, tokenizer_training_texts, train_tokenizer,
};
use crate::model::DeviceChoice;

/// Prompt format of models we train (written into their config.json).
pub use crate::data::arith::PROMPT_TEMPLATE;

/// What `unmask train` was asked to do.
#[derive(Clone, Debug)]
pub struct TrainOptions {
    /// Output model folder (checkpoint state goes into `<out>/checkpoint/`).
    pub out: PathBuf,
    /// Settings (ignored on resume: a resumed run keeps the settings it was started with).
    pub params: TrainParams,
    /// Continue from `<out>/checkpoint/`.
    pub resume: bool,
    /// On resume, a new total step count (to extend a run); `None` keeps the run's own schedule.
    pub resume_total_steps: Option<usize>,
    /// Prose corpus file.
    pub corpus: PathBuf,
    /// Draw a progress bar on stderr.
    pub progress_bar: bool,
    /// Start from the weights and tokenizer of this model folder (a new schedule and fresh
    /// optimiser state: continued training). Its shape must match the preset.
    pub init_from: Option<PathBuf>,
    /// Stop (with a checkpoint) once this many steps are done, keeping the schedule of
    /// `total_steps`; resume later with `resume`.
    pub stop_after: Option<usize>,
    /// Where the weights and the arithmetic live (`cuda` needs a build with `--features cuda`).
    pub device: DeviceChoice,
    /// Use this tokenizer.json instead of training one (fresh runs only).
    pub tokenizer: Option<PathBuf>,
    /// Start a fresh run in an `out` folder that already holds files (they are replaced).
    pub force: bool,
}

/// The file whose OS lock marks a run folder as being trained into (released when the process
/// ends, however it ends).
pub const LOCK_FILE: &str = ".unmask-train.lock";

/// Refuse a fresh run in a folder that holds anything but this run's lock (unless `force`), then
/// lock the folder for the run's lifetime: a second `unmask train` into it fails at once.
fn claim_out_dir(opts: &TrainOptions) -> Result<std::fs::File, TrainError> {
    let out = &opts.out;
    if !opts.resume && !opts.force {
        let held: Vec<String> = match std::fs::read_dir(out) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name != LOCK_FILE)
                .collect(),
            Err(_) => Vec::new(),
        };
        if !held.is_empty() {
            return Err(TrainError::Settings(format!(
                "--out {} is not empty (it holds {}): pick a new folder, add --resume to continue the run saved there, or --force to replace it",
                out.display(),
                held.join(", ")
            )));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| io_err(out, e))?;
    let lock_path = out.join(LOCK_FILE);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| io_err(&lock_path, e))?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => Err(TrainError::Settings(format!(
            "another `unmask train` is writing {} right now: wait for it, or pick another --out",
            out.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(io_err(&lock_path, e)),
    }
}

/// Outcome of a run.
#[derive(Clone, Debug)]
pub struct TrainReport {
    /// Final state.
    pub state: TrainState,
    /// Mean loss of the first logging window of this invocation.
    pub first_loss: f32,
    /// Mean loss of the last window.
    pub last_loss: f32,
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> TrainError {
    TrainError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

fn data_err(e: impl std::fmt::Display) -> TrainError {
    TrainError::Data(e.to_string())
}

/// Train (or resume) and write checkpoints.
pub fn train(opts: &TrainOptions) -> Result<TrainReport, TrainError> {
    if !opts.resume {
        // Before any slow work (corpus, tokenizer); a resumed run's saved settings are checked below.
        opts.params.validate()?;
    }
    // Held until the run returns; the OS drops the lock if the process dies.
    let _lock = claim_out_dir(opts)?;
    let device = opts
        .device
        .open()
        .map_err(|e| TrainError::Settings(e.to_string()))?;
    let ckpt_dir = opts.out.join("checkpoint");
    let state_path = ckpt_dir.join("train_state.json");
    let corpus = Corpus::load(&opts.corpus).map_err(data_err)?;

    let (mut state, tokenizer) = if opts.resume {
        let text = std::fs::read_to_string(&state_path).map_err(|e| {
            io_err(
                &state_path,
                format!("cannot resume: {e} (was the run started with this --out?)"),
            )
        })?;
        let mut state: TrainState =
            serde_json::from_str(&text).map_err(|e| io_err(&state_path, e))?;
        if let Some(total) = opts.resume_total_steps {
            state.params.total_steps = total.max(state.step);
        }
        let tok_path = opts.out.join("tokenizer.json");
        let tokenizer = Tokenizer::from_file(&tok_path).map_err(|e| io_err(&tok_path, e))?;
        (state, tokenizer)
    } else {
        let given = opts.tokenizer.clone().or_else(|| {
            opts.init_from
                .as_ref()
                .map(|dir| dir.join("tokenizer.json"))
        });
        let tokenizer = match given {
            Some(tok_path) => Tokenizer::from_file(&tok_path).map_err(|e| io_err(&tok_path, e))?,
            None => {
                let texts = tokenizer_training_texts(&corpus, opts.params.seed);
                train_tokenizer(texts, opts.params.vocab_size).map_err(data_err)?
            }
        };
        let state = TrainState {
            step: 0,
            params: opts.params.clone(),
            elapsed_s: 0.0,
            tokens_seen: 0,
            last_loss: f32::NAN,
        };
        (state, tokenizer)
    };
    let p = state.params.clone();
    p.validate()?;
    let special = SpecialIds::of(&tokenizer).map_err(data_err)?;
    let vocab = tokenizer.get_vocab_size(true);
    if vocab > p.vocab_size {
        return Err(TrainError::Settings(format!(
            "the tokenizer has {vocab} tokens but the model's vocab_size is {}",
            p.vocab_size
        )));
    }
    let mut cfg = p.model_config(special.mask, special.eos, PROMPT_TEMPLATE);
    cfg.validate().map_err(TrainError::Settings)?;
    let tokenizer_json = tokenizer.to_string(false).map_err(data_err)?;

    let mut varmap: VarMap = init_varmap(&cfg, p.seed, &device)?;
    // The folder a run starts from (its own on --resume) passes on its recommended decoding: it
    // says how the model is best read, not what shape it has.
    let start_dir = if opts.resume {
        Some(opts.out.clone())
    } else {
        opts.init_from.clone()
    };
    let start_config = match &start_dir {
        Some(dir) => {
            let path = dir.join("config.json");
            let text = std::fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
            let config: crate::model::config::LladaConfig =
                serde_json::from_str(&text).map_err(|e| io_err(&path, e))?;
            Some(config)
        }
        None => None,
    };
    if let Some(start) = &start_config {
        cfg.unmask_recommended_decoding = start.unmask_recommended_decoding.clone();
    }
    if opts.resume {
        varmap.load(opts.out.join("model.safetensors"))?;
    } else if let (Some(dir), Some(theirs)) = (&opts.init_from, &start_config) {
        if *theirs != cfg {
            return Err(TrainError::Settings(format!(
                "--init-from {}: its config.json does not match the preset's model shape",
                dir.display()
            )));
        }
        varmap.load(dir.join("model.safetensors"))?;
    }
    let model = model_from_varmap(&varmap, &cfg, &device)?;
    let vars: Vec<(String, candle_core::Var)> = {
        let data = varmap
            .data()
            .lock()
            .map_err(|_| TrainError::Settings("variable map lock poisoned".into()))?;
        data.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    let mut opt = AdamW::new(
        vars,
        AdamWParams {
            weight_decay: p.weight_decay,
            ..AdamWParams::default()
        },
    )?;
    if opts.resume {
        opt.load(&ckpt_dir.join("optimizer.safetensors"), state.step)?;
    }

    let mix = MixParams {
        arith_fraction: p.arith_fraction,
        prose_len: p.prose_len,
        min_ops: p.min_ops,
        max_ops: p.max_ops,
        round_share: p.round_share,
        carry_share: p.carry_share,
        length_share: p.length_share,
        layouts: p.layouts.clone(),
    };
    let stream = TrainingStream::new(tokenizer, corpus, p.seed, mix).map_err(data_err)?;
    let mut batches = spawn_batch_maker(stream, &p, special.mask, special.eos, state.step)?;

    std::fs::create_dir_all(&ckpt_dir).map_err(|e| io_err(&ckpt_dir, e))?;
    let log_path = opts.out.join("train_log.csv");
    if opts.resume {
        forget_log_rows_after(&log_path, state.step)?;
    }
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| io_err(&log_path, e))?;
    if state.step == 0 {
        writeln!(log, "step,loss,lr,tokens_per_s,elapsed_s").map_err(|e| io_err(&log_path, e))?;
    }

    let bar = if opts.progress_bar {
        let bar = ProgressBar::new(p.total_steps as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {pos}/{len} {msg} ETA {eta_precise}",
            )
            .map_err(|e| TrainError::Settings(e.to_string()))?,
        );
        bar.set_position(state.step as u64);
        bar
    } else {
        ProgressBar::hidden()
    };

    let started = Instant::now();
    let elapsed_before = state.elapsed_s;
    let first_step = state.step;
    let window = 20usize;
    let mut window_losses: Vec<f32> = Vec::new();
    let mut first_loss = f32::NAN;
    let mut window_tokens = 0u64;
    let mut window_start = Instant::now();
    let stop_at = opts
        .stop_after
        .map_or(p.total_steps, |s| s.min(p.total_steps));
    while state.step < stop_at {
        let batch = batches.next()?;
        let loss = batch_loss(&model, &batch, &device)?;
        let grads = loss.backward()?;
        if state.step == first_step {
            let missing = opt.missing_grads(&grads);
            if !missing.is_empty() {
                return Err(TrainError::NoGradient(missing.join(", ")));
            }
        }
        let lr = lr_at(
            state.step,
            p.warmup_steps,
            p.total_steps,
            p.lr,
            p.min_lr_ratio,
        );
        opt.step(&grads, lr)?;
        let loss_value = loss.to_scalar::<f32>()?;
        if !loss_value.is_finite() {
            return Err(TrainError::Settings(format!(
                "loss became {loss_value} at step {}: lower --lr",
                state.step
            )));
        }
        state.step += 1;
        let tokens = (batch.batch_size * batch.seq_len) as u64;
        state.tokens_seen += tokens;
        window_tokens += tokens;
        window_losses.push(loss_value);
        if window_losses.len() == window || state.step == stop_at {
            let mean = window_losses.iter().sum::<f32>() / window_losses.len() as f32;
            if first_loss.is_nan() {
                first_loss = mean;
            }
            let tps = window_tokens as f64 / window_start.elapsed().as_secs_f64().max(1e-9);
            state.last_loss = mean;
            state.elapsed_s = elapsed_before + started.elapsed().as_secs_f64();
            writeln!(
                log,
                "{},{mean:.5},{lr:.6},{tps:.0},{:.1}",
                state.step, state.elapsed_s
            )
            .map_err(|e| io_err(&log_path, e))?;
            bar.set_message(format!("loss {mean:.4} · {tps:.0} tok/s · lr {lr:.2e}"));
            window_losses.clear();
            window_tokens = 0;
            window_start = Instant::now();
        }
        bar.set_position(state.step as u64);
        if state.step % p.checkpoint_every == 0 || state.step == stop_at {
            state.elapsed_s = elapsed_before + started.elapsed().as_secs_f64();
            save_model_folder(&opts.out, &varmap, &cfg, &tokenizer_json)?;
            opt.save(&ckpt_dir.join("optimizer.safetensors"))?;
            let text = serde_json::to_string_pretty(&state).map_err(|e| io_err(&state_path, e))?;
            write_atomic(&state_path, text.as_bytes())?;
        }
    }
    bar.finish();
    Ok(TrainReport {
        last_loss: state.last_loss,
        first_loss,
        state,
    })
}

/// Drop the rows of `train_log.csv` for steps after `step`: a killed run logged steps past its last
/// checkpoint, and the resumed run is about to log them again.
fn forget_log_rows_after(log_path: &Path, step: usize) -> Result<(), TrainError> {
    let text = match std::fs::read_to_string(log_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(log_path, e)),
    };
    let kept: String = text
        .lines()
        .filter(|line| {
            let first = line.split(',').next().unwrap_or("");
            first
                .parse::<usize>()
                .map_or(true, |row_step| row_step <= step)
        })
        .map(|line| format!("{line}\n"))
        .collect();
    if kept != text {
        write_atomic(log_path, kept.as_bytes())?;
    }
    Ok(())
}

/// Make batches on named threads, a few steps ahead of the optimiser, so data preparation
/// overlaps the forward/backward pass. Step `s` draws its examples from the stream reseeded with
/// `step_seed(seed, s)`, so its batch is the same whichever thread makes it: runs stay
/// deterministic, and a resumed run starts at its step without replaying the data before it.
fn spawn_batch_maker(
    stream: TrainingStream,
    p: &TrainParams,
    mask_id: u32,
    eos_id: u32,
    first_step: usize,
) -> Result<BatchQueue, TrainError> {
    // Leave the cores to the arithmetic on a small CPU; a GPU host has spare ones.
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_sub(2))
        .clamp(1, 8);
    let (batch_size, seed, min_t, total) = (p.batch_size, p.seed, p.min_mask_ratio, p.total_steps);
    let mix = MaskingParams {
        min_t,
        hide_results_share: p.hide_results_share,
        prefix_share: p.prefix_share,
    };
    let mut queues = Vec::with_capacity(workers);
    for w in 0..workers {
        let (tx, rx) = bounded(2);
        let mut stream = stream.clone();
        std::thread::Builder::new()
            .name(format!("unmask-batches-{w}"))
            .spawn(move || {
                let mut step = first_step + w;
                while step < total {
                    stream.reseed(step_seed(seed, step));
                    let batch = (0..batch_size)
                        .map(|_| stream.next_example())
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(data_err)
                        .map(|examples| {
                            let mut rng = ChaCha8Rng::seed_from_u64(step_seed(seed, step) ^ 1);
                            make_batch(&examples, mask_id, eos_id, &mix, &mut rng)
                        });
                    let failed = batch.is_err();
                    if tx.send(batch).is_err() || failed {
                        return;
                    }
                    step += workers;
                }
            })
            .map_err(|e| TrainError::Settings(format!("cannot start a batch thread: {e}")))?;
        queues.push(rx);
    }
    Ok(BatchQueue {
        queues,
        next_step: first_step,
    })
}

/// The batches of consecutive steps, collected in order from the batch threads.
struct BatchQueue {
    queues: Vec<Receiver<Result<Batch, TrainError>>>,
    next_step: usize,
}

impl BatchQueue {
    fn next(&mut self) -> Result<Batch, TrainError> {
        let queue = &self.queues[self.next_step % self.queues.len()];
        self.next_step += 1;
        queue
            .recv()
            .map_err(|_| TrainError::Data("a batch thread stopped without saying why".into()))?
    }
}
