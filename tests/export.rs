//! Exports of a run: GIF size and frame counts, PNG frames, a decoded GIF frame against the PNG of
//! the same step, the HTML player in a real headless Chromium, CSV tables, clear errors for bad
//! traces and ranges, and the app's Export menu.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use half::f16;
use unmask::canvas::{Canvas, CellKind, Region};
use unmask::sampler::{Commit, SamplerParams};
use unmask::trace::{
    RunOutcome, RunSummary, StepRecord, TRACE_FORMAT_VERSION, TokenInfo, TokenTable, Trace,
    TraceHeader,
};
use unmask::ui::app::{AppOptions, UnmaskApp};
use unmask::ui::export_menu::ExportKind;

const MASK: u32 = 999;
const EOS: u32 = 2;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_unmask"))
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the unmask binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A run over "Answer:" and `masks` masks, `per_step` commits a step in a scrambled order, with
/// words, a Chinese character split over two byte-level tokens, and EOS at the end; top-3 guesses.
fn word_trace(masks: usize, per_step: usize) -> Trace {
    let words = [
        " the", " cat", " sat", " on", " a", " mat", " and", " then", " it", " slept", " 42", ".",
    ];
    let mut tokens = TokenTable::new();
    let info = |bytes: &[u8], special| TokenInfo {
        text: String::from_utf8_lossy(bytes).into_owned(),
        bytes: bytes.to_vec(),
        special,
    };
    tokens.insert(1, info(b"Answer:", false));
    tokens.insert(EOS, info(b"<|endoftext|>", true));
    tokens.insert(3, info(&[0xE4, 0xB8], false)); // first half of 中
    tokens.insert(4, info(&[0xAD], false)); // second half
    for (i, w) in words.iter().enumerate() {
        tokens.insert(10 + i as u32, info(w.as_bytes(), false));
    }
    // Final tokens: words, then 中 (two tokens) in the middle, EOS for the last two cells.
    let final_tokens: Vec<u32> = (0..masks)
        .map(|i| match i {
            _ if i + 2 >= masks => EOS,
            _ if i == masks / 2 => 3,
            _ if i == masks / 2 + 1 => 4,
            _ => 10 + (i % words.len()) as u32,
        })
        .collect();
    let len = masks + 1;
    let canvas = Canvas {
        tokens: std::iter::once(1).chain(vec![MASK; masks]).collect(),
        kinds: std::iter::once(CellKind::Pinned)
            .chain(vec![CellKind::Masked { region: 0 }; masks])
            .collect(),
        prompt_len: 0,
        regions: vec![Region {
            name: "answer".into(),
            positions: (1..len as u32).collect(),
        }],
        mask_id: MASK,
    };
    let header = TraceHeader {
        format_version: TRACE_FORMAT_VERSION,
        unmask_version: "test".into(),
        model_id: "test-model".into(),
        model_family: "llada".into(),
        prompt: "Where did the cat sit? 猫坐在哪里？".into(),
        template: format!("Answer:{{answer:{masks}}}"),
        canvas,
        params: SamplerParams::default(),
        planned_steps: Some(masks.div_ceil(per_step) as u32),
        eos_token_ids: vec![EOS],
        created_unix_s: 0,
    };
    let mut trace = Trace::new(header, tokens);
    // A scrambled order: positions by (i * 7) mod masks.
    let mut order: Vec<usize> = (0..masks).map(|i| (i * 7) % masks).collect();
    order.dedup();
    let mut open: Vec<u32> = (1..len as u32).collect();
    for chunk in order.chunks(per_step) {
        let mut commits: Vec<Commit> = chunk
            .iter()
            .map(|&i| Commit {
                pos: i as u32 + 1,
                token: final_tokens[i],
                confidence: 0.3 + 0.7 * ((i * 13) % 10) as f32 / 10.0,
            })
            .collect();
        commits.sort_by_key(|c| c.pos);
        let guess_tokens: Vec<u32> = open
            .iter()
            .flat_map(|&p| {
                let truth = final_tokens[p as usize - 1];
                [truth, 10, 11]
            })
            .collect();
        let guess_probs = open
            .iter()
            .flat_map(|&p| {
                let p = (p % 7) as f32 / 10.0 + 0.2;
                [f16::from_f32(p), f16::from_f32(0.1), f16::from_f32(0.05)]
            })
            .collect();
        trace
            .push_step(StepRecord {
                guess_pos: open.clone(),
                guess_tokens,
                guess_probs,
                commits: commits.clone(),
                top_k: 3,
                forward_ms: 12.5,
                sampling_ms: 0.5,
                new_tokens: vec![],
            })
            .expect("a valid step");
        open.retain(|p| !commits.iter().any(|c| c.pos == *p));
    }
    trace.finish(RunSummary {
        outcome: RunOutcome::Finished,
        elapsed_ms: 13.0 * trace.steps.len() as f64,
        tokens_per_s: 100.0,
    });
    trace
}

fn save(trace: &Trace, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    trace.save(&path).expect("trace saves");
    path
}

/// A GIF decoded into full RGBA frames (each sub-rectangle composited over the frame before).
fn decode_gif(path: &Path) -> (usize, usize, Vec<Vec<[u8; 4]>>) {
    let file = std::fs::File::open(path).expect("the GIF exists");
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options.read_info(file).expect("a GIF header");
    let (w, h) = (decoder.width() as usize, decoder.height() as usize);
    let mut canvas = vec![[0u8; 4]; w * h];
    let mut frames = Vec::new();
    while let Some(frame) = decoder.read_next_frame().expect("a valid frame") {
        for y in 0..frame.height as usize {
            for x in 0..frame.width as usize {
                let i = (y * frame.width as usize + x) * 4;
                let px = &frame.buffer[i..i + 4];
                if px[3] != 0 {
                    canvas[(frame.top as usize + y) * w + frame.left as usize + x] =
                        [px[0], px[1], px[2], px[3]];
                }
            }
        }
        frames.push(canvas.clone());
    }
    (w, h, frames)
}

/// A PNG as RGB pixels.
fn decode_png(path: &Path) -> (usize, usize, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(path).expect("the PNG exists"),
    ));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let pixels = buf[..info.buffer_size()]
        .chunks_exact(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    (info.width as usize, info.height as usize, pixels)
}

fn png_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the frames folder exists")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn gif_of_a_64_token_32_step_run_from_the_embedded_model_stays_under_2_mb() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("run.trace");
    let out = run(bin()
        .args([
            "generate",
            "--prompt",
            "Start with 47. Add 38. Subtract 19. What is the result?",
        ])
        .args([
            "--gen-length",
            "64",
            "--steps",
            "32",
            "--seed",
            "3",
            "--trace",
        ])
        .arg(&trace));
    assert!(out.status.success(), "generate failed: {}", stderr(&out));
    let gif = dir.path().join("run.gif");
    let start = Instant::now();
    let out = run(bin().arg("export").arg(&trace).arg("--gif").arg(&gif));
    assert!(out.status.success(), "export failed: {}", stderr(&out));
    let bytes = std::fs::metadata(&gif).unwrap().len();
    eprintln!(
        "64-token 32-step GIF: {} KB in {:.1} s (debug build)",
        bytes / 1024,
        start.elapsed().as_secs_f64()
    );
    assert!(bytes < 2 * 1024 * 1024, "{bytes} bytes");
    let (w, h, frames) = decode_gif(&gif);
    assert_eq!(w, 960);
    assert!(h > 200, "{h}");
    // Step 0, then 3 in-betweens + 1 settled frame per step (identical neighbours may merge).
    assert!(
        frames.len() > 32 && frames.len() <= 1 + 32 * 4,
        "{}",
        frames.len()
    );
    assert!(stderr(&out).contains("129 frames"), "{}", stderr(&out));
}

#[test]
fn png_frames_one_per_step_or_with_inbetweens_and_a_range() {
    let dir = tempfile::tempdir().unwrap();
    let trace = save(&word_trace(12, 2), dir.path(), "run.trace");
    let frames = dir.path().join("frames");
    let out = run(bin()
        .arg("export")
        .arg(&trace)
        .arg("--frames")
        .arg(&frames)
        .args(["--width", "640"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let names = png_names(&frames);
    let expected: Vec<String> = (0..=6).map(|s| format!("step-{s:03}.png")).collect();
    assert_eq!(names, expected);
    let (w, h, _) = decode_png(&frames.join("step-003.png"));
    assert_eq!(w, 640);
    assert!(h > 100);
    for name in &names {
        let (_, h2, _) = decode_png(&frames.join(name));
        assert_eq!(h2, h, "every frame has one size");
    }

    let some = dir.path().join("some");
    let out = run(bin()
        .arg("export")
        .arg(&trace)
        .arg("--frames")
        .arg(&some)
        .args([
            "--inbetweens",
            "2",
            "--from",
            "2",
            "--to",
            "4",
            "--theme",
            "light",
        ]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        png_names(&some),
        [
            "step-002.png",
            "step-003-t33.png",
            "step-003-t67.png",
            "step-003.png",
            "step-004-t33.png",
            "step-004-t67.png",
            "step-004.png"
        ]
    );
    // The light theme is light.
    let (_, _, pixels) = decode_png(&some.join("step-004.png"));
    let corner = pixels[0];
    assert!(corner.iter().all(|&c| c > 200), "{corner:?}");
}

#[test]
fn a_decoded_gif_frame_matches_the_png_of_the_same_step() {
    let dir = tempfile::tempdir().unwrap();
    let trace = save(&word_trace(16, 2), dir.path(), "run.trace");
    let gif = dir.path().join("run.gif");
    let frames = dir.path().join("frames");
    let out = run(bin()
        .arg("export")
        .arg(&trace)
        .arg("--gif")
        .arg(&gif)
        .arg("--frames")
        .arg(&frames)
        .args(["--inbetweens", "0", "--width", "720"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let (w, h, decoded) = decode_gif(&gif);
    assert_eq!(decoded.len(), 9, "steps 0..=8, one frame each");
    for step in [0, 4, 8] {
        let (pw, ph, png) = decode_png(&frames.join(format!("step-{step:03}.png")));
        assert_eq!((pw, ph), (w, h));
        let gif_frame = &decoded[step];
        let (mut exact, mut close, mut total_diff) = (0, 0, 0u64);
        for (g, p) in gif_frame.iter().zip(&png) {
            let d: u32 = (0..3).map(|k| u32::from(g[k].abs_diff(p[k]))).sum();
            exact += usize::from(d == 0);
            close += usize::from(d <= 24);
            total_diff += u64::from(d);
        }
        let n = png.len();
        let mean = total_diff as f64 / n as f64;
        eprintln!(
            "step {step}: {exact} of {n} pixels exact, {close} close, mean difference {mean:.3}"
        );
        // Flat colours are exact; only anti-aliased edges and the legend's gradient may move to
        // a near colour of the frame's 256.
        assert!(
            exact * 100 >= n * 90,
            "step {step}: only {exact} of {n} pixels exact"
        );
        assert!(
            close * 1000 >= n * 995,
            "step {step}: only {close} of {n} pixels close"
        );
        assert!(mean < 1.0, "step {step}: mean difference {mean}");
    }
    // The frames differ from step to step.
    assert_ne!(decoded[0], decoded[8]);
}

#[test]
fn a_side_by_side_gif_of_two_runs() {
    let dir = tempfile::tempdir().unwrap();
    let a = save(&word_trace(10, 1), dir.path(), "a.trace");
    let b = save(&word_trace(10, 2), dir.path(), "b.trace");
    let gif = dir.path().join("both.gif");
    let out = run(bin()
        .arg("export")
        .arg(&a)
        .arg(&b)
        .arg("--gif")
        .arg(&gif)
        .args(["--inbetweens", "1"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let (w, _, frames) = decode_gif(&gif);
    assert_eq!(w, 960 + 560, "wider for two runs");
    assert_eq!(frames.len(), 1 + 10 * 2, "the longer run's 10 steps");
}

#[test]
fn csv_has_a_row_per_step_and_per_position() {
    let dir = tempfile::tempdir().unwrap();
    let trace = save(&word_trace(12, 3), dir.path(), "run.trace");
    let csv = dir.path().join("run.csv");
    let out = run(bin().arg("export").arg(&trace).arg("--csv").arg(&csv));
    assert!(out.status.success(), "{}", stderr(&out));
    let steps = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = steps.lines().collect();
    assert_eq!(
        lines[0],
        "step,committed,confidence_mean,confidence_min,masks_left,forward_ms,sampling_ms,ms,tokens_per_s"
    );
    assert_eq!(lines.len(), 1 + 4);
    assert!(lines[1].starts_with("1,3,"), "{}", lines[1]);
    assert!(lines[4].contains(",0,12.500,0.500,13.000,"), "{}", lines[4]);
    let positions = std::fs::read_to_string(dir.path().join("run.positions.csv")).unwrap();
    let rows: Vec<&str> = positions.lines().collect();
    assert_eq!(
        rows[0],
        "position,kind,region,token_id,text,special,commit_step,confidence"
    );
    assert_eq!(rows.len(), 1 + 13);
    assert!(
        rows[1].starts_with("0,pinned,\"\",1,\"Answer:\",false,,"),
        "{}",
        rows[1]
    );
    assert!(
        rows[13].contains(",masked,\"answer\",2,\"<|endoftext|>\",true,"),
        "{}",
        rows[13]
    );
    let committed: usize = rows[1..].iter().filter(|r| r.contains(",masked,")).count();
    assert_eq!(committed, 12);
}

#[test]
fn corrupt_empty_and_truncated_traces_give_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = save(&word_trace(8, 2), dir.path(), "good.trace");
    let bytes = std::fs::read(&good).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "garbage.trace",
            b"hello, not a trace".to_vec(),
            "is not an Unmask trace file",
        ),
        ("empty.trace", Vec::new(), "is truncated"),
        (
            "truncated.trace",
            bytes[..bytes.len() / 2].to_vec(),
            "is truncated",
        ),
        (
            "corrupt.trace",
            {
                let mut b = bytes.clone();
                let last = b.len() - 3;
                b[last] ^= 0xFF;
                b
            },
            "is corrupt",
        ),
    ];
    for (name, content, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let out = run(bin()
            .arg("export")
            .arg(&path)
            .arg("--gif")
            .arg(dir.path().join("x.gif")));
        assert!(!out.status.success(), "{name} exported");
        let err = stderr(&out);
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: {err}");
        assert!(err.starts_with("error: "), "{name}: {err}");
        assert!(
            err.contains(expected) && err.contains(name),
            "{name}: {err}"
        );
    }
    // A run without steps.
    let mut empty = word_trace(4, 1);
    empty = Trace::new(empty.header.clone(), empty.tokens.clone());
    let path = save(&empty, dir.path(), "nosteps.trace");
    let out = run(bin()
        .arg("export")
        .arg(&path)
        .arg("--html")
        .arg(dir.path().join("x.html")));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("nosteps.trace has no steps"), "{err}");
    assert!(!dir.path().join("x.gif").exists() && !dir.path().join("x.html").exists());
}

#[test]
fn out_of_range_steps_and_missing_outputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let trace = save(&word_trace(8, 2), dir.path(), "run.trace");
    let gif = dir.path().join("x.gif");
    let out = run(bin()
        .arg("export")
        .arg(&trace)
        .arg("--gif")
        .arg(&gif)
        .args(["--to", "9"]));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("--to 9 is out of range: the run has steps 0..=4"),
        "{}",
        stderr(&out)
    );
    let out = run(bin()
        .arg("export")
        .arg(&trace)
        .arg("--frames")
        .arg(dir.path().join("f"))
        .args(["--from", "3", "--to", "1"]));
    assert!(
        stderr(&out).contains("--from 3 is after --to 1"),
        "{}",
        stderr(&out)
    );
    let out = run(bin().arg("export").arg(&trace));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("nothing to export"),
        "{}",
        stderr(&out)
    );
    let out = run(bin()
        .arg("export")
        .arg(&trace)
        .arg(&trace)
        .arg("--html")
        .arg(dir.path().join("x.html")));
    assert!(
        stderr(&out).contains("--html and --csv export one trace"),
        "{}",
        stderr(&out)
    );
    assert!(!gif.exists());
}

/// Chromium from Debian's package (or a Chrome build) on this machine.
fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let path = dir.join(name);
            if path.is_file() {
                return path;
            }
        }
    }
    panic!(
        "no Chromium found: the HTML player is tested in a real headless browser. \
         Run `bash .ci/system-deps.sh` (it installs Debian's `chromium` package)."
    );
}

#[test]
fn the_html_player_plays_in_headless_chromium_without_errors() {
    let browser = chromium();
    let dir = tempfile::tempdir().unwrap();
    let trace = save(&word_trace(24, 3), dir.path(), "run.trace");
    let html = dir.path().join("run.html");
    let out = run(bin().arg("export").arg(&trace).arg("--html").arg(&html));
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("猫坐在哪里"),
        "the prompt is embedded as UTF-8"
    );
    for external in ["src=\"http", "href=\"http", "<link", "@import", "src=\"//"] {
        assert!(!page.contains(external), "the page loads {external}");
    }
    let url = format!("file://{}#selftest", html.display());
    let profile = dir.path().join("profile");
    let start = Instant::now();
    let out = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(start.elapsed() < Duration::from_secs(120));
    let dom = String::from_utf8_lossy(&out.stdout);
    let log = stderr(&out);
    let result = dom
        .split("<pre id=\"selftest-result\">")
        .nth(1)
        .and_then(|s| s.split("</pre>").next())
        .unwrap_or_else(|| {
            panic!("no self-test result in the DOM; chromium said:\n{log}\nDOM:\n{dom}")
        });
    assert!(result.starts_with("PASS selftest"), "{result}\n{log}");
    assert!(result.contains("8 steps"), "{result}");
    // No script errors were caught on the page, and none reached the browser's console.
    assert!(
        dom.contains("<pre id=\"errors\" hidden=\"\"></pre>"),
        "{dom}"
    );
    for line in log.lines() {
        assert!(
            !(line.contains("CONSOLE") && (line.contains("Uncaught") || line.contains("Error"))),
            "console error: {line}"
        );
    }
}

fn step_until(h: &mut Harness<'_, UnmaskApp>, what: &str, done: impl Fn(&UnmaskApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "timed out waiting for {what}; banners: {:?}",
            h.state().banners()
        );
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
    h.step();
}

#[test]
fn the_export_menu_exists_and_exports_the_current_run() {
    let dir = tempfile::tempdir().unwrap();
    let trace = save(&word_trace(8, 2), dir.path(), "run.trace");
    let options = AppOptions {
        traces: vec![trace],
        ..AppOptions::default()
    };
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(move |cc| UnmaskApp::new(cc, options));
    step_until(&mut h, "the trace", |a| a.main_trace().is_some());
    h.get_by_label("Export").click();
    h.run_steps(3);
    for item in [
        "Current run as GIF…",
        "Current run as PNG frames…",
        "Current run as HTML player…",
        "Current run as CSV…",
        "Comparison as side-by-side GIF…",
    ] {
        assert!(h.query_by_label(item).is_some(), "no menu item {item}");
    }
    assert!(h.state().export_request(ExportKind::Gif).is_some());
    assert!(
        h.state().export_request(ExportKind::CompareGif).is_none(),
        "nothing to compare yet"
    );
    // Dialogs cannot be driven here: export straight to a path, as the menu does after its dialog.
    let gif = dir.path().join("menu.gif");
    assert!(h.state_mut().export_to(ExportKind::Gif, gif.clone()));
    step_until(&mut h, "the export", |a| !a.exports_busy());
    assert!(h.state().banners().is_empty(), "{:?}", h.state().banners());
    let (w, _, frames) = decode_gif(&gif);
    assert_eq!(w, 960);
    assert_eq!(frames.len(), 1 + 4 * 4);
    let csv = dir.path().join("menu.csv");
    assert!(h.state_mut().export_to(ExportKind::Csv, csv.clone()));
    step_until(&mut h, "the CSV export", |a| !a.exports_busy());
    assert!(csv.is_file() && dir.path().join("menu.positions.csv").is_file());
    assert!(
        h.query_by_label_contains("Exported").is_some(),
        "the status line says where the export went"
    );
}
