//! `unmask train --preset smoke`: the loss goes down, the output is a loadable LLaDA folder, and a
//! resumed run equals an uninterrupted one.

use std::path::{Path, PathBuf};

use unmask::generate::{GenerateRequest, generate};
use unmask::model::{LoadOptions, load_model};
use unmask::sampler::SamplerParams;
use unmask::train::{TrainOptions, TrainParams, train};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/corpus/austen.txt.gz")
}

fn options(out: &Path, params: TrainParams, resume: bool) -> TrainOptions {
    TrainOptions {
        out: out.to_path_buf(),
        params,
        resume,
        resume_total_steps: None,
        corpus: corpus(),
        progress_bar: false,
        stop_after: None,
        init_from: None,
        device: unmask::model::DeviceChoice::Cpu,
        tokenizer: None,
        force: false,
    }
}

#[test]
fn smoke_training_lowers_the_loss_and_writes_a_loadable_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("smoke");
    let report = train(&options(&out, TrainParams::smoke(), false)).unwrap();
    assert_eq!(report.state.step, TrainParams::smoke().total_steps);
    assert!(
        report.last_loss < report.first_loss * 0.9,
        "loss did not go down: {} → {}",
        report.first_loss,
        report.last_loss
    );
    for f in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "train_log.csv",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let mut model = load_model(&out, &LoadOptions::default()).unwrap();
    assert_eq!(model.info.family, "llada");
    assert_eq!(model.info.prompt_template, "<|bos|>{prompt}");
    let req = GenerateRequest {
        prompt: "Start with 4. Add 3. Subtract 2. What is the result?".into(),
        template: "{reasoning:56}\nAnswer: {answer:4}".into(),
        params: SamplerParams {
            threshold: Some(0.9),
            ..SamplerParams::default()
        },
        raw_prompt: false,
    };
    let trace = generate(&mut model, "smoke", &req).unwrap();
    assert!(
        trace.text().contains("Answer:"),
        "pinned text kept: {}",
        trace.text()
    );
}

#[test]
fn a_resumed_run_equals_an_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let params = TrainParams {
        total_steps: 8,
        checkpoint_every: 4,
        warmup_steps: 2,
        ..TrainParams::smoke()
    };
    let whole = dir.path().join("whole");
    train(&options(&whole, params.clone(), false)).unwrap();
    let split = dir.path().join("split");
    let first_leg = TrainOptions {
        stop_after: Some(4),
        ..options(&split, params.clone(), false)
    };
    assert_eq!(train(&first_leg).unwrap().state.step, 4);
    // A run killed after its checkpoint has logged steps the resumed run will log again.
    let log_path = split.join("train_log.csv");
    let mut log = std::fs::read_to_string(&log_path).unwrap();
    log.push_str("6,9.99999,0.000100,1000,1.0\n");
    std::fs::write(&log_path, log).unwrap();
    // The settings given on resume (here the smoke preset's 80 steps) do not replace the run's own.
    let resumed = train(&options(&split, TrainParams::smoke(), true)).unwrap();
    assert_eq!(resumed.state.step, 8);
    assert_eq!(resumed.state.params, params);
    let a = std::fs::read(whole.join("model.safetensors")).unwrap();
    let b = std::fs::read(split.join("model.safetensors")).unwrap();
    assert!(a == b, "resumed weights differ from the uninterrupted run");
    let logged_steps = |dir: &Path| -> Vec<usize> {
        std::fs::read_to_string(dir.join("train_log.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().parse().unwrap())
            .collect()
    };
    assert_eq!(
        logged_steps(&split),
        vec![4, 8],
        "the killed run's row for step 6 is dropped on resume"
    );
    assert_eq!(logged_steps(&whole), vec![8]);
    // Only an explicit new total extends it.
    let extended = train(&TrainOptions {
        resume_total_steps: Some(10),
        ..options(&split, params, true)
    })
    .unwrap();
    assert_eq!(extended.state.step, 10);
    assert_eq!(extended.state.params.total_steps, 10);
}

#[test]
fn settings_a_run_cannot_use_are_refused_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(TrainParams, &str)> = vec![
        (
            TrainParams {
                checkpoint_every: 0,
                ..TrainParams::smoke()
            },
            "--checkpoint-every must be at least 1",
        ),
        (
            TrainParams {
                batch_size: 0,
                ..TrainParams::smoke()
            },
            "--batch-size must be at least 1",
        ),
        (
            TrainParams {
                total_steps: 0,
                ..TrainParams::smoke()
            },
            "--steps must be at least 1",
        ),
        (
            TrainParams {
                hide_results_share: 1.5,
                ..TrainParams::smoke()
            },
            "--hide-results must be between 0 and 1",
        ),
        (
            TrainParams {
                prefix_share: -0.1,
                ..TrainParams::smoke()
            },
            "--prefix-share must be between 0 and 1",
        ),
        (
            TrainParams {
                lr: -1e-3,
                ..TrainParams::smoke()
            },
            "--lr must be a positive number",
        ),
    ];
    for (params, want) in cases {
        let out = dir.path().join("refused");
        let err = train(&options(&out, params, false)).unwrap_err();
        assert!(err.to_string().contains(want), "{err}");
        assert!(!out.exists(), "a refused run wrote {}", out.display());
    }
}

#[test]
fn resuming_without_a_checkpoint_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = train(&options(
        &dir.path().join("none"),
        TrainParams::smoke(),
        true,
    ))
    .unwrap_err();
    assert!(err.to_string().contains("cannot resume"), "{err}");
}

#[test]
fn init_from_continues_from_a_trained_folder() {
    let dir = tempfile::tempdir().unwrap();
    let params = TrainParams {
        total_steps: 4,
        checkpoint_every: 4,
        warmup_steps: 1,
        ..TrainParams::smoke()
    };
    let first = dir.path().join("first");
    train(&options(&first, params.clone(), false)).unwrap();
    // The folder recommends a decoding (as the embedded model does): that is not its shape, so it
    // is accepted and carried into the new folder.
    let config_path = first.join("config.json");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config_path).unwrap()).unwrap();
    config["unmask_recommended_decoding"] = serde_json::json!({"threshold": 0.99});
    std::fs::write(&config_path, config.to_string()).unwrap();
    let second = dir.path().join("second");
    let opts = TrainOptions {
        init_from: Some(first.clone()),
        ..options(&second, params.clone(), false)
    };
    let report = train(&opts).unwrap();
    assert_eq!(report.state.step, 4);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(second.join("config.json")).unwrap())
            .unwrap();
    assert_eq!(
        written["unmask_recommended_decoding"],
        serde_json::json!({"threshold": 0.99})
    );
    assert_eq!(
        std::fs::read(first.join("tokenizer.json")).unwrap(),
        std::fs::read(second.join("tokenizer.json")).unwrap()
    );
    // A folder of another shape is refused.
    let wider = TrainParams {
        d_model: 96,
        ..params
    };
    let err = train(&TrainOptions {
        init_from: Some(first),
        ..options(&dir.path().join("x"), wider, false)
    })
    .unwrap_err();
    assert!(err.to_string().contains("does not match"), "{err}");
}

#[test]
fn a_fresh_run_never_replaces_a_folder_by_accident_and_one_folder_trains_once_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("MODEL_CARD.md"), "another model").unwrap();
    let params = TrainParams {
        total_steps: 2,
        ..TrainParams::smoke()
    };
    let err = train(&options(&out, params.clone(), false)).unwrap_err();
    assert!(
        err.to_string()
            .contains("is not empty (it holds MODEL_CARD.md)"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("MODEL_CARD.md")).unwrap(),
        "another model"
    );
    // Asked for, it replaces them.
    let forced = TrainOptions {
        force: true,
        ..options(&out, params.clone(), false)
    };
    train(&forced).unwrap();
    assert!(out.join("model.safetensors").exists());

    // While a run holds the folder's lock, another is refused at once.
    let fresh = dir.path().join("busy");
    std::fs::create_dir(&fresh).unwrap();
    let lock = std::fs::File::create(fresh.join(unmask::train::LOCK_FILE)).unwrap();
    lock.lock().unwrap();
    let err = train(&options(&fresh, params.clone(), false)).unwrap_err();
    assert!(
        err.to_string()
            .contains("another `unmask train` is writing"),
        "{err}"
    );
    drop(lock);
    // The lock alone does not make a folder "not empty", and a released lock is free again.
    train(&options(&fresh, params, false)).unwrap();
}
