//! The headless CLI end to end on the tiny fixture model: generate, --json, traces, replay,
//! inspect, bench, and one-line errors with a non-zero exit; and `eval --show-wrong` on the
//! embedded model (the fixture's context is too short for an arithmetic canvas).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-llada")
}

fn unmask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(args)
        .output()
        .expect("the unmask binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The JSON object a `--json` run prints on its last stdout line.
fn last_json(o: &Output) -> serde_json::Value {
    let out = stdout(o);
    let line = out.lines().last().expect("no stdout");
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

#[test]
fn generate_json_reports_ids_text_and_speed() {
    let model = fixture();
    let o = unmask(&[
        "generate",
        "--model",
        model.to_str().unwrap(),
        "--prompt",
        "the cat",
        "--gen-length",
        "10",
        "--steps",
        "5",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = last_json(&o);
    assert_eq!(v["output_ids"].as_array().unwrap().len(), 10);
    assert_eq!(v["steps"], 5);
    assert!(v["prompt_ids"].as_array().unwrap().len() >= 2);
    assert!(v["elapsed_ms"].as_f64().unwrap() > 0.0);
    assert!(v["tokens_per_s"].as_f64().unwrap() > 0.0);
    assert!(v["text"].is_string());
    assert!(
        !v["output_ids"]
            .as_array()
            .unwrap()
            .iter()
            .any(|id| id == 62),
        "a mask survived"
    );
}

#[test]
fn same_seed_same_output_and_trace_replays() {
    let model = fixture();
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("run.trace");
    let args = |t: &str| {
        vec![
            "generate".to_string(),
            "--model".into(),
            model.display().to_string(),
            "--prompt".into(),
            "the cat".into(),
            "--template".into(),
            "A: {answer:3} B: {reasoning:6}".into(),
            "--order".into(),
            "regions:answer,reasoning".into(),
            "--temperature".into(),
            "0.8".into(),
            "--seed".into(),
            "11".into(),
            "--json".into(),
            "--trace".into(),
            t.to_string(),
        ]
    };
    let a = Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(args(trace.to_str().unwrap()))
        .output()
        .unwrap();
    let b = Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(args(dir.path().join("b.trace").to_str().unwrap()))
        .output()
        .unwrap();
    assert!(a.status.success(), "{}", stderr(&a));
    let ja = last_json(&a);
    let jb = last_json(&b);
    assert_eq!(ja["output_ids"], jb["output_ids"]);

    let r = unmask(&["replay", trace.to_str().unwrap(), "--delay-ms", "0"]);
    assert!(r.status.success(), "{}", stderr(&r));
    let text = stdout(&r);
    assert!(text.contains("step 0/"), "{text}");
    assert!(
        text.contains("░"),
        "masks are drawn with a visible placeholder: {text}"
    );
    let f0 = unmask(&["replay", trace.to_str().unwrap(), "--frame", "0"]);
    assert!(f0.status.success());
    assert!(stdout(&f0).contains("step 0/"), "{}", stdout(&f0));
    let bad = unmask(&["replay", trace.to_str().unwrap(), "--frame", "999"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("has frames 0..="), "{}", stderr(&bad));
}

#[test]
fn show_steps_animates_in_the_terminal() {
    let model = fixture();
    let o = unmask(&[
        "generate",
        "--model",
        model.to_str().unwrap(),
        "--prompt",
        "the cat",
        "--gen-length",
        "6",
        "--steps",
        "3",
        "--show-steps",
        "--delay-ms",
        "120",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    // One frame per step plus the initial canvas, each with a progress line.
    assert_eq!(out.matches("masks left").count(), 4, "{out}");
    assert!(out.contains("step 3/3"), "{out}");
}

#[test]
fn show_steps_holds_each_step_on_screen_for_the_delay() {
    let model = fixture();
    let run = |delay: &str| {
        let started = std::time::Instant::now();
        let o = unmask(&[
            "generate",
            "--model",
            model.to_str().unwrap(),
            "--prompt",
            "the cat",
            "--gen-length",
            "6",
            "--steps",
            "3",
            "--show-steps",
            "--delay-ms",
            delay,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        started.elapsed()
    };
    // Three steps held 400 ms each cannot finish sooner than 1.2 s (a lower bound, not a speed
    // claim); the run's own timings stay the model's.
    assert!(run("400") >= std::time::Duration::from_millis(1200));
    let o = unmask(&[
        "generate",
        "--model",
        model.to_str().unwrap(),
        "--prompt",
        "the cat",
        "--gen-length",
        "6",
        "--delay-ms",
        "10",
    ]);
    assert!(
        !o.status.success(),
        "--delay-ms without --show-steps is refused"
    );
    assert!(stderr(&o).contains("--show-steps"), "{}", stderr(&o));
}

#[test]
fn replay_of_a_finished_threshold_run_names_its_step_count() {
    let model = fixture();
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    let o = unmask(&[
        "generate",
        "--model",
        model.to_str().unwrap(),
        "--prompt",
        "the cat",
        "--gen-length",
        "8",
        "--threshold",
        "0.5",
        "--json",
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let steps = last_json(&o)["steps"].as_u64().unwrap();
    let r = unmask(&["replay", trace.to_str().unwrap(), "--delay-ms", "0"]);
    assert!(r.status.success(), "{}", stderr(&r));
    let text = stdout(&r);
    assert!(!text.contains("/?"), "{text}");
    assert!(text.contains(&format!("step {steps}/{steps}")), "{text}");
    assert!(text.contains(&format!("step 0/{steps}")), "{text}");
}

#[test]
fn inspect_describes_the_folder() {
    let o = unmask(&["inspect", fixture().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for want in [
        "family          llada",
        "mask id         62",
        "context         64 tokens",
        "vocabulary      64",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
}

#[test]
fn bench_prints_forward_and_generation_speed() {
    let o = unmask(&[
        "bench",
        "--model",
        fixture().to_str().unwrap(),
        "--lengths",
        "16,32,128",
        "--repeats",
        "2",
        "--gen-lengths",
        "8",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let v = last_json(&o);
    assert_eq!(
        v["forward"].as_array().unwrap().len(),
        2,
        "128 exceeds the 64-token context: {out}"
    );
    assert!(v["generate"][0]["tokens_per_s"].as_f64().unwrap() > 0.0);
}

#[test]
fn errors_are_one_line_with_a_nonzero_exit() {
    let model = fixture();
    let m = model.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["generate", "--model", "/nonexistent/m", "--prompt", "x"],
            "does not exist",
        ),
        (
            vec![
                "generate",
                "--model",
                m,
                "--prompt",
                "x",
                "--gen-length",
                "200",
            ],
            "context is 64",
        ),
        (
            vec![
                "generate",
                "--model",
                m,
                "--prompt",
                "x",
                "--template",
                "{a:",
            ],
            "template error",
        ),
        (
            vec![
                "generate",
                "--model",
                m,
                "--prompt",
                "x",
                "--gen-length",
                "8",
                "--order",
                "regions:nope",
            ],
            "nope",
        ),
        (vec!["replay", "/nonexistent.trace"], "/nonexistent.trace"),
        (
            vec![
                "train",
                "--preset",
                "smoke",
                "--out",
                "/nonexistent/refused-run",
                "--checkpoint-every",
                "0",
            ],
            "--checkpoint-every must be at least 1",
        ),
    ];
    for (args, want) in cases {
        let o = unmask(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(
            lines.len(),
            1,
            "{args:?} printed more than one line:\n{err}"
        );
        assert!(
            lines[0].starts_with("error: ") && lines[0].contains(want),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn quantize_writes_a_gguf_that_generate_and_inspect_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tiny.gguf");
    let out_s = out.to_str().unwrap();
    let o = unmask(&[
        "quantize",
        fixture().to_str().unwrap(),
        out_s,
        "--type",
        "q8_0",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("q8_0 ×"), "{}", stdout(&o));
    let o = unmask(&["inspect", out_s]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("weights         q8_0"),
        "{}",
        stdout(&o)
    );
    let o = unmask(&[
        "generate",
        "--model",
        out_s,
        "--prompt",
        "the cat",
        "--gen-length",
        "10",
        "--steps",
        "5",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = last_json(&o);
    assert_eq!(v["steps"].as_u64(), Some(5), "{v}");

    // Bad output names and damaged files: one line, non-zero exit.
    let bad_out = tmp.path().join("tiny.bin");
    let o = unmask(&[
        "quantize",
        fixture().to_str().unwrap(),
        bad_out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
    let cut = tmp.path().join("cut.gguf");
    std::fs::write(&cut, &std::fs::read(&out).unwrap()[..300]).unwrap();
    let o = unmask(&[
        "generate",
        "--model",
        cut.to_str().unwrap(),
        "--prompt",
        "x",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("truncated or corrupt"), "{err}");
}

/// The miss kinds `unmask eval` reports, as JSON names them.
const KINDS: [&str; 7] = [
    "result-digit",
    "result-length",
    "sign",
    "operand",
    "malformed",
    "clause-count",
    "answer",
];

#[test]
fn eval_show_wrong_prints_what_the_model_wrote_for_its_misses() {
    // Answer first on the embedded model: it is wrong nearly every time (the teaching table),
    // so there are misses to show; at most three are kept of the six decoded.
    let o = unmask(&[
        "eval",
        "--n",
        "6",
        "--layout",
        "answer-first",
        "--order",
        "regions:answer,reasoning",
        "--show-wrong",
        "3",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let v = last_json(&o);
    let run = &v["runs"][0];
    let correct = run["correct"].as_u64().unwrap();
    let wrong = run["wrong"].as_array().map_or(&[][..], |w| w.as_slice());
    assert_eq!(wrong.len() as u64, (6 - correct).min(3), "{out}");
    assert!(!wrong.is_empty(), "answer-first got 6 of 6 right: {out}");
    for w in wrong {
        let expected = w["expected_answer"].as_u64().unwrap();
        assert_ne!(w["given_answer"].as_u64(), Some(expected), "{w}");
        assert!(
            w["expected_reasoning"]
                .as_str()
                .unwrap()
                .ends_with(&format!("= {expected}.")),
            "{w}"
        );
        assert!(!w["response"].as_str().unwrap().trim().is_empty(), "{w}");
        // Each kept miss says what went wrong first, and the printed line says the same.
        let kind = w["miss"]["kind"].as_str().unwrap();
        assert!(KINDS.contains(&kind), "{w}");
        let prompt = w["prompt"].as_str().unwrap();
        let line = out
            .lines()
            .find(|l| l.starts_with("  ✗ ") && l.ends_with(prompt))
            .unwrap_or_else(|| panic!("no ✗ line for {prompt:?}: {out}"));
        assert!(line.contains(&kind.replace('-', " ")), "{line}");
    }
    // Every miss, kept or not, is counted by kind: the counts add up to the misses.
    let misses = run["misses"].as_object().unwrap();
    assert!(
        misses.keys().all(|k| KINDS.contains(&k.as_str())),
        "{misses:?}"
    );
    let counted: u64 = misses.values().map(|n| n.as_u64().unwrap()).sum();
    assert_eq!(counted, 6 - correct, "{misses:?}");
    let line = out
        .lines()
        .find(|l| l.starts_with("  misses: "))
        .unwrap_or_else(|| panic!("no misses line: {out}"));
    let printed: u64 = line["  misses: ".len()..]
        .split(", ")
        .map(|part| part.split(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(printed, counted, "{line}");
    let shown = out.lines().filter(|l| l.starts_with("  ✗ ")).count();
    assert_eq!(shown, wrong.len(), "{out}");
    assert_eq!(
        out.lines()
            .filter(|l| l.trim_start().starts_with("right:"))
            .count(),
        wrong.len(),
        "{out}"
    );
}

#[test]
fn eval_thresholds_runs_one_row_per_threshold_on_the_same_problems() {
    let o = unmask(&[
        "eval",
        "--n",
        "4",
        "--order",
        "regions:reasoning,answer",
        "--thresholds",
        "0.5,1",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let runs = last_json(&o)["runs"].as_array().unwrap().clone();
    let decodings: Vec<&str> = runs
        .iter()
        .map(|r| r["decoding"].as_str().unwrap())
        .collect();
    assert_eq!(decodings, ["threshold 0.5", "threshold 1"], "{out}");
    for (run, decoding) in runs.iter().zip(&decodings) {
        assert_eq!(run["n"], 4, "{run}");
        assert_eq!(run["layout"], "reasoning-first", "{run}");
        assert_eq!(run["order"], "regions:reasoning,answer", "{run}");
        // The text table says which row is which.
        assert!(
            out.lines()
                .any(|l| l.starts_with(decoding) && l.contains("reasoning-first")),
            "no row for {decoding}: {out}"
        );
    }
    // τ = 1 commits only what the model is certain of: more steps than τ = 0.5.
    let steps = |r: &serde_json::Value| r["mean_steps"].as_f64().unwrap();
    assert!(steps(&runs[1]) > steps(&runs[0]), "{out}");

    let o = unmask(&["eval", "--n", "2", "--thresholds", "0.9,1.5"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("--thresholds: 1.5"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let o = unmask(&["eval", "--thresholds", "0.9", "--table"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
}

#[test]
fn terminal_escapes_in_a_prompt_are_printed_visibly_never_raw() {
    let model = fixture();
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("esc.trace");
    let prompt = "the cat\u{1b}]0;owned\u{7}\u{1b}[2J";
    let o = unmask(&[
        "generate",
        "--model",
        model.to_str().unwrap(),
        "--prompt",
        prompt,
        "--gen-length",
        "6",
        "--steps",
        "3",
        "--show-steps",
        "--delay-ms",
        "0",
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    // Not a terminal here, so Unmask itself writes no escape either: any ESC would be the prompt's.
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("the cat^[]0;owned^G^[[2J"), "{out}");
    let r = unmask(&["replay", trace.to_str().unwrap(), "--delay-ms", "0"]);
    assert!(r.status.success(), "{}", stderr(&r));
    let replayed = stdout(&r);
    assert!(!replayed.contains('\u{1b}'), "{replayed:?}");
    assert!(replayed.contains("^[]0;owned^G"), "{replayed}");
}

/// Run unmask under a 3 GiB address-space limit, so a count that sizes an allocation before it is
/// checked fails the test instead of eating the machine.
fn unmask_bounded(args: &[&str]) -> std::process::Output {
    let mut line = String::from("ulimit -v 3145728; exec \"$0\"");
    for i in 1..=args.len() {
        line.push_str(&format!(" \"${i}\""));
    }
    Command::new("bash")
        .arg("-c")
        .arg(line)
        .arg(env!("CARGO_BIN_EXE_unmask"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn huge_counts_are_refused_before_anything_is_sized_by_them() {
    let model = fixture();
    let m = model.to_str().unwrap();
    for (args, says) in [
        (vec!["--gen-length", "1000000000"], "canvas is"),
        (vec!["--template", "{x:4294967300}"], "canvas is"),
        (
            vec!["--gen-length", "8", "--steps", "4294967296"],
            "--steps",
        ),
        (
            vec!["--gen-length", "8", "--steps", "1000000000"],
            "--steps",
        ),
    ] {
        let mut all = vec!["generate", "--model", m, "--prompt", "the cat"];
        all.extend(args.iter().copied());
        let o = unmask_bounded(&all);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: one line: {err}");
    }
}

#[test]
fn an_output_that_would_replace_an_input_is_refused_and_the_input_kept() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    std::fs::create_dir(&model).unwrap();
    for entry in std::fs::read_dir(fixture()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), model.join(entry.file_name())).unwrap();
    }
    let weights = model.join("model.safetensors");
    let before = std::fs::read(&weights).unwrap();
    let o = unmask(&[
        "generate",
        "--model",
        model.to_str().unwrap(),
        "--prompt",
        "the cat",
        "--gen-length",
        "4",
        "--trace",
        weights.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("would overwrite the input"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(&weights).unwrap(), before);

    let trace = dir.path().join("a.trace");
    let o = unmask(&[
        "generate",
        "--model",
        model.to_str().unwrap(),
        "--prompt",
        "the cat",
        "--gen-length",
        "4",
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let saved = std::fs::read(&trace).unwrap();
    for flag in ["--csv", "--gif", "--html"] {
        let o = unmask(&[
            "export",
            trace.to_str().unwrap(),
            flag,
            trace.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{flag}");
        assert!(
            stderr(&o).contains("would overwrite the input"),
            "{flag}: {}",
            stderr(&o)
        );
        assert_eq!(std::fs::read(&trace).unwrap(), saved, "{flag}");
    }
    let o = unmask(&[
        "quantize",
        model.to_str().unwrap(),
        weights.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read(&weights).unwrap(), before);
}

#[test]
fn a_trace_that_cannot_be_saved_still_prints_the_text_then_fails() {
    let o = unmask(&[
        "generate",
        "--model",
        fixture().to_str().unwrap(),
        "--prompt",
        "the cat",
        "--gen-length",
        "4",
        "--json",
        "--trace",
        "/nonexistent-dir/run.trace",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let json = last_json(&o);
    assert_eq!(
        json["output_ids"].as_array().map(Vec::len),
        Some(4),
        "the run's output is printed"
    );
    let err = stderr(&o);
    assert!(err.contains("the trace was not saved"), "{err}");
    assert!(err.contains("/nonexistent-dir/run.trace"), "{err}");
}

#[test]
fn a_failed_quantize_leaves_no_part_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.gguf");
    // A file-size limit of 8 KiB (SIGXFSZ ignored, so the write fails with EFBIG): the write
    // fails part-way, like a full disk.
    let o = Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 8; exec \"$0\" quantize \"$1\" \"$2\" --quiet")
        .arg(env!("CARGO_BIN_EXE_unmask"))
        .arg(fixture())
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot write GGUF"), "{}", stderr(&o));
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn nonsense_values_are_refused_naming_their_flag() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    unmask::trace::synthetic::synthetic_trace(6, 2, 1)
        .save(&trace)
        .unwrap();
    let t = trace.to_str().unwrap();
    let gif = dir.path().join("o.gif");
    let g = gif.to_str().unwrap();
    let m = fixture();
    let m = m.to_str().unwrap();
    for (args, flag) in [
        (
            vec!["export", t, "--gif", g, "--text-size", "NaN"],
            "--text-size",
        ),
        (
            vec!["export", t, "--gif", g, "--text-size", "0"],
            "--text-size",
        ),
        (
            vec!["export", t, "--gif", g, "--text-size=-20"],
            "--text-size",
        ),
        (vec!["export", t, "--gif", g, "--scale", "NaN"], "--scale"),
        (vec!["export", t, "--gif", g, "--fps", "0"], "--fps"),
        (
            vec![
                "generate",
                "--model",
                m,
                "--prompt",
                "x",
                "--gen-length",
                "0",
            ],
            "--gen-length",
        ),
        (vec!["eval", "--model", m, "--n", "0"], "--n"),
        (
            vec![
                "generate",
                "--model",
                m,
                "--prompt",
                "x",
                "--gen-length",
                "8",
                "--cfg=-5",
            ],
            "--cfg",
        ),
        (
            vec![
                "generate",
                "--model",
                m,
                "--prompt",
                "x",
                "--order",
                "regions:answer,,reasoning",
            ],
            "empty region name",
        ),
    ] {
        let o = unmask(&args);
        assert!(!o.status.success(), "{args:?} was accepted");
        let err = stderr(&o);
        assert!(err.contains(flag), "{args:?}: {err}");
        assert!(
            !err.contains("--cfg-scale"),
            "{args:?}: names a flag that does not exist: {err}"
        );
    }
    assert!(!gif.exists(), "no picture was written");
}
