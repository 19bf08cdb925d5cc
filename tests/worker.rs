//! The worker thread: streaming steps, cancellation within a step, panics reported, restart.

use std::path::{Path, PathBuf};
use std::time::Duration;

use unmask::generate::GenerateRequest;
use unmask::model::{Denoiser, LoadOptions, ModelError, load_model};
use unmask::sampler::SamplerParams;
use unmask::trace::{RunOutcome, Trace};
use unmask::worker::{ModelRef, WorkerCommand, WorkerError, WorkerEvent, WorkerHandle};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-llada")
}

fn next(worker: &WorkerHandle) -> WorkerEvent {
    worker
        .recv_timeout(Duration::from_secs(60))
        .expect("the worker sent nothing for 60 s")
}

fn load(worker: &WorkerHandle) {
    assert!(worker.send(WorkerCommand::LoadModel {
        source: ModelRef::Folder(fixture()),
        options: LoadOptions::default(),
    }));
    loop {
        match next(worker) {
            WorkerEvent::ModelLoaded(info) => {
                assert_eq!(info.family, "llada");
                return;
            }
            WorkerEvent::LoadProgress { .. } => {}
            other => panic!("unexpected while loading: {other:?}"),
        }
    }
}

fn quota_request(gen_length: usize) -> GenerateRequest {
    GenerateRequest::plain(
        "the cat",
        gen_length,
        SamplerParams {
            steps: gen_length,
            ..SamplerParams::default()
        },
    )
}

/// Collect one run's events into a trace (with its error, when it failed).
fn collect_failed_run(
    worker: &WorkerHandle,
    run_id: u64,
    mut on_step: impl FnMut(usize),
) -> (Trace, Option<WorkerError>) {
    let mut trace: Option<Trace> = None;
    loop {
        match next(worker) {
            WorkerEvent::RunStarted {
                run_id: id,
                header,
                tokens,
            } => {
                assert_eq!(id, run_id);
                trace = Some(Trace::new(*header, tokens));
            }
            WorkerEvent::Step { run_id: id, record } => {
                assert_eq!(id, run_id);
                let t = trace.as_mut().expect("step before start");
                t.push_step(*record).expect("a valid step");
                on_step(t.steps.len());
            }
            WorkerEvent::RunEnded {
                run_id: id,
                summary,
                error,
            } => {
                assert_eq!(id, run_id);
                assert_eq!(
                    error.is_some(),
                    matches!(summary.outcome, RunOutcome::Failed(_)),
                    "a failed run, and only one, says why"
                );
                let mut t = trace.expect("end before start");
                t.finish(summary);
                return (t, error);
            }
            other => panic!("unexpected during a run: {other:?}"),
        }
    }
}

/// Collect one run that does not fail into a trace.
fn collect_run(worker: &WorkerHandle, run_id: u64, on_step: impl FnMut(usize)) -> Trace {
    collect_failed_run(worker, run_id, on_step).0
}

#[test]
fn a_run_streams_every_step_and_finishes() {
    let worker = WorkerHandle::spawn(None).unwrap();
    load(&worker);
    worker.send(WorkerCommand::Generate {
        run_id: 7,
        request: Box::new(quota_request(12)),
    });
    let trace = collect_run(&worker, 7, |_| {});
    assert_eq!(
        trace.summary.as_ref().unwrap().outcome,
        RunOutcome::Finished
    );
    assert_eq!(trace.steps.len(), 12);
    assert_eq!(trace.header.planned_steps, Some(12));
    assert!(!trace.output_ids().contains(&trace.header.canvas.mask_id));
}

/// The fixture model, 20 ms slower per forward pass: slow enough that a test reading events keeps
/// up with the worker, so "steps after the cancel" counts from when the cancel was sent.
struct Slow(Box<dyn Denoiser>);

impl Denoiser for Slow {
    fn logits(&mut self, tokens: &[u32], rows: &[u32]) -> Result<Vec<f32>, ModelError> {
        std::thread::sleep(Duration::from_millis(20));
        self.0.logits(tokens, rows)
    }
}

#[test]
fn cancel_takes_effect_within_one_step() {
    let worker = WorkerHandle::spawn(None).unwrap();
    let mut model = load_model(&fixture(), &LoadOptions::default()).unwrap();
    model.denoiser = Box::new(Slow(model.denoiser));
    worker.send(WorkerCommand::Install(Box::new(model)));
    assert!(matches!(next(&worker), WorkerEvent::ModelLoaded(_)));
    worker.send(WorkerCommand::Generate {
        run_id: 1,
        request: Box::new(quota_request(40)),
    });
    let mut cancelled_at = None;
    let trace = collect_run(&worker, 1, |n| {
        if n == 3 {
            worker.cancel();
            cancelled_at = Some(n);
        }
    });
    assert_eq!(
        trace.summary.as_ref().unwrap().outcome,
        RunOutcome::Cancelled
    );
    // The step in flight when cancel was asked may still land; no more than that.
    assert!(
        trace.steps.len() <= cancelled_at.unwrap() + 1,
        "{} steps",
        trace.steps.len()
    );
    // The worker serves the next run normally.
    worker.send(WorkerCommand::Generate {
        run_id: 2,
        request: Box::new(quota_request(6)),
    });
    let again = collect_run(&worker, 2, |_| {});
    assert_eq!(again.summary.unwrap().outcome, RunOutcome::Finished);
}

struct Exploding;

impl Denoiser for Exploding {
    fn logits(&mut self, _tokens: &[u32], _rows: &[u32]) -> Result<Vec<f32>, ModelError> {
        panic!("simulated kernel bug");
    }
}

#[test]
fn a_panicking_model_becomes_a_failed_run_and_the_worker_survives() {
    let worker = WorkerHandle::spawn(None).unwrap();
    let mut model = load_model(&fixture(), &LoadOptions::default()).unwrap();
    model.denoiser = Box::new(Exploding);
    worker.send(WorkerCommand::Install(Box::new(model)));
    assert!(matches!(next(&worker), WorkerEvent::ModelLoaded(_)));
    worker.send(WorkerCommand::Generate {
        run_id: 3,
        request: Box::new(quota_request(4)),
    });
    let (trace, error) = collect_failed_run(&worker, 3, |_| {});
    match error {
        Some(WorkerError::ModelPanicked { message }) => {
            assert_eq!(message, "simulated kernel bug")
        }
        other => panic!("expected a panic, got {other:?}"),
    }
    match trace.summary.unwrap().outcome {
        RunOutcome::Failed(msg) => assert!(msg.contains("simulated kernel bug"), "{msg}"),
        other => panic!("expected a failure, got {other:?}"),
    }
    assert!(worker.is_alive());
    // The broken model was dropped: a new run is rejected until a model is loaded again.
    worker.send(WorkerCommand::Generate {
        run_id: 4,
        request: Box::new(quota_request(4)),
    });
    match next(&worker) {
        WorkerEvent::RunRejected { error, .. } => assert_eq!(error, WorkerError::NoModel),
        other => panic!("unexpected: {other:?}"),
    }
    load(&worker);
    worker.send(WorkerCommand::Generate {
        run_id: 5,
        request: Box::new(quota_request(4)),
    });
    assert_eq!(
        collect_run(&worker, 5, |_| {}).summary.unwrap().outcome,
        RunOutcome::Finished
    );
}

#[test]
fn bad_requests_are_rejected_with_a_reason() {
    let worker = WorkerHandle::spawn(None).unwrap();
    worker.send(WorkerCommand::Generate {
        run_id: 1,
        request: Box::new(quota_request(4)),
    });
    assert!(matches!(
        next(&worker),
        WorkerEvent::RunRejected {
            run_id: 1,
            error: WorkerError::NoModel
        }
    ));
    load(&worker);
    // The fixture's context is 64 tokens.
    worker.send(WorkerCommand::Generate {
        run_id: 2,
        request: Box::new(quota_request(100)),
    });
    match next(&worker) {
        WorkerEvent::RunRejected {
            error: error @ WorkerError::TooLong { max: 64, .. },
            ..
        } => {
            assert!(error.to_string().contains("context is 64"), "{error}")
        }
        other => panic!("unexpected: {other:?}"),
    }
    let mut bad = quota_request(4);
    bad.template = "Answer: {answer".into();
    worker.send(WorkerCommand::Generate {
        run_id: 3,
        request: Box::new(bad),
    });
    match next(&worker) {
        WorkerEvent::RunRejected {
            error: WorkerError::BadTemplate { reason },
            ..
        } => assert!(reason.contains("template"), "{reason}"),
        other => panic!("unexpected: {other:?}"),
    }
}

#[test]
fn a_bad_model_folder_is_reported_and_the_previous_model_kept() {
    let worker = WorkerHandle::spawn(None).unwrap();
    load(&worker);
    worker.send(WorkerCommand::LoadModel {
        source: ModelRef::Folder("/nonexistent".into()),
        options: LoadOptions::default(),
    });
    loop {
        match next(&worker) {
            WorkerEvent::LoadFailed(WorkerError::LoadFailed {
                model,
                file,
                reason,
            }) => {
                assert_eq!(model, "/nonexistent");
                assert_eq!(file.as_deref(), Some(Path::new("/nonexistent")));
                assert!(reason.contains("/nonexistent"), "{reason}");
                break;
            }
            WorkerEvent::LoadProgress { .. } => {}
            other => panic!("unexpected: {other:?}"),
        }
    }
    worker.send(WorkerCommand::Generate {
        run_id: 1,
        request: Box::new(quota_request(4)),
    });
    assert_eq!(
        collect_run(&worker, 1, |_| {}).summary.unwrap().outcome,
        RunOutcome::Finished
    );
}

#[test]
fn dropping_the_handle_mid_run_stops_the_thread() {
    let worker = WorkerHandle::spawn(None).unwrap();
    load(&worker);
    worker.send(WorkerCommand::Generate {
        run_id: 1,
        request: Box::new(quota_request(40)),
    });
    assert!(matches!(next(&worker), WorkerEvent::RunStarted { .. }));
    // Drop joins the thread: this test hangs if cancellation on drop is broken.
    drop(worker);
}

#[test]
fn commands_are_plain_data_that_survive_a_wire_encoding() {
    use unmask::model::{DeviceChoice, WeightDtype};
    let commands = [
        WorkerCommand::LoadModel {
            source: ModelRef::parse("GSAI-ML/LLaDA-8B-Instruct@v2").unwrap(),
            options: LoadOptions {
                dtype: WeightDtype::Bf16,
                device: DeviceChoice::Cuda(1),
            },
        },
        WorkerCommand::Generate {
            run_id: 7,
            request: Box::new(GenerateRequest::plain("2+2=", 8, SamplerParams::default())),
        },
        WorkerCommand::Cancel,
        WorkerCommand::Shutdown,
    ];
    for command in commands {
        let bytes = postcard::to_allocvec(&command).unwrap();
        let back: WorkerCommand = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(
            postcard::to_allocvec(&back).unwrap(),
            bytes,
            "a command changed on its way through the encoding"
        );
    }
}
