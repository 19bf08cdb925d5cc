//! Hub downloads against a fake hub on 127.0.0.1 (never the real network): the fake serves the
//! tiny LLaDA fixtures the way the hub does (`/api/models/...` listing, `/{repo}/resolve/{rev}/{file}`
//! with ETag, x-repo-commit and Content-Range, honouring Range), so hf-hub's real client runs.
//!
//! Checked: download → load → generate; the second load with the server gone (cache reuse);
//! HF_HUB_OFFLINE touches nothing; no server and no cache → one error naming the files and the
//! folder (and placing them there works); an interrupted download resumes from its `.part` file;
//! sharded weights; folder vs ORG/NAME; the CLI end to end.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use unmask::generate::{GenerateRequest, generate};
use unmask::hub::{self, HubError, HubRepo, HubSettings, ModelRef};
use unmask::model::{LoadOptions, load_model};
use unmask::sampler::SamplerParams;

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";
const REPO: &str = "test-org/tiny-llada";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The files of a fixture folder as a repo (golden.json is test data, not part of a model).
fn repo_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "golden.json")
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// One request the fake saw: path and Range header.
#[derive(Clone, Debug)]
struct Seen {
    path: String,
    range: Option<String>,
}

/// A hub with one repo, served from a thread until dropped.
struct FakeHub {
    url: String,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Cut the next full download of this file after this many bytes (then close the socket).
    cut: Arc<Mutex<Option<(String, usize)>>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeHub {
    fn start(repo: &str, files: BTreeMap<String, Vec<u8>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let cut: Arc<Mutex<Option<(String, usize)>>> = Arc::new(Mutex::new(None));
        let (s, l, c, r) = (stop.clone(), seen.clone(), cut.clone(), repo.to_string());
        let thread = std::thread::Builder::new()
            .name("fake-hub".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if s.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        serve(stream, &r, &files, &l, &c);
                    }
                }
            })
            .unwrap();
        Self {
            url,
            stop,
            seen,
            cut,
            thread: Some(thread),
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Stop serving: afterwards the port refuses connections.
    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for FakeHub {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn etag(bytes: &[u8]) -> String {
    // FNV-1a: stable and distinct enough for a handful of files.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}{:08x}", bytes.len())
}

fn serve(
    mut stream: TcpStream,
    repo: &str,
    files: &BTreeMap<String, Vec<u8>>,
    seen: &Mutex<Vec<Seen>>,
    cut: &Mutex<Option<(String, usize)>>,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("range")
        {
            range = Some(v.trim().to_string());
        }
    }
    let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
    seen.lock().unwrap().push(Seen {
        path: path.clone(),
        range: range.clone(),
    });
    let bare = path.split('?').next().unwrap_or("");
    let listing = format!("/api/models/{repo}/revision/main");
    let resolve = format!("/{repo}/resolve/main/");
    if bare == listing {
        let siblings: Vec<serde_json::Value> = files
            .iter()
            .map(|(name, bytes)| serde_json::json!({"rfilename": name, "size": bytes.len()}))
            .collect();
        let body = serde_json::json!({"id": repo, "sha": COMMIT, "siblings": siblings}).to_string();
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        return;
    }
    let Some(bytes) = bare.strip_prefix(&resolve).and_then(|f| files.get(f)) else {
        let _ = write!(
            stream,
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        return;
    };
    let file = bare.strip_prefix(&resolve).unwrap_or_default().to_string();
    let total = bytes.len();
    let (start, end) = match range.as_deref().and_then(|r| r.strip_prefix("bytes=")) {
        Some(spec) => {
            let (a, b) = spec.split_once('-').unwrap();
            let a: usize = a.parse().unwrap();
            let b: usize = if b.is_empty() {
                total - 1
            } else {
                b.parse().unwrap()
            };
            (a, b.min(total - 1))
        }
        None => (0, total - 1),
    };
    let body = &bytes[start..=end];
    let status = if range.is_some() {
        "206 Partial Content"
    } else {
        "200 OK"
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Range: bytes {start}-{end}/{total}\r\nETag: \"{}\"\r\nx-repo-commit: {COMMIT}\r\nAccept-Ranges: bytes\r\nConnection: close\r\n\r\n",
        body.len(),
        etag(bytes)
    );
    let _ = stream.write_all(head.as_bytes());
    // A download (not the 0-0 metadata probe) of the file marked to be cut: send part, hang up.
    let mut cut = cut.lock().unwrap();
    if let Some((name, n)) = cut.as_ref()
        && *name == file
        && start == 0
        && end > 0
    {
        let n = *n;
        *cut = None;
        let _ = stream.write_all(&body[..n]);
        let _ = stream.flush();
        let _ = stream.shutdown(std::net::Shutdown::Both);
        return;
    }
    let _ = stream.write_all(body);
}

fn repo() -> HubRepo {
    HubRepo {
        id: REPO.into(),
        revision: "main".into(),
    }
}

fn settings(cache: &Path, url: &str) -> HubSettings {
    HubSettings {
        retries: 0,
        ..HubSettings::new(cache.to_path_buf(), url)
    }
}

/// An address nothing listens on.
fn dead_url() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    url
}

fn short_run(dir: &Path) -> String {
    let mut model = load_model(dir, &LoadOptions::default()).expect("the downloaded model loads");
    let req = GenerateRequest::plain(
        "the cat",
        6,
        SamplerParams {
            steps: 3,
            ..SamplerParams::default()
        },
    );
    let trace = generate(&mut model, REPO, &req).expect("it generates");
    assert_eq!(trace.steps.len(), 3);
    assert_eq!(trace.masks_left(), 0);
    trace.text()
}

fn assert_same_files(dir: &Path, fixture_dir: &Path) {
    for (name, bytes) in repo_files(fixture_dir) {
        let got = std::fs::read(dir.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(got == bytes, "{name} differs from the fixture");
    }
}

#[test]
fn download_loads_and_generates_then_the_cache_is_reused_without_a_server() {
    let tmp = tempfile::tempdir().unwrap();
    let mut hub = FakeHub::start(REPO, repo_files(&fixture("tiny-llada")));
    let s = settings(tmp.path(), &hub.url);
    let mut events = Vec::new();
    let dir = hub::fetch(&s, &repo(), &mut |p| events.push(p.clone())).expect("download");
    assert_eq!(
        dir,
        tmp.path()
            .join("models--test-org--tiny-llada/snapshots")
            .join(COMMIT)
    );
    assert_same_files(&dir, &fixture("tiny-llada"));
    let last = events.last().expect("progress was reported");
    assert_eq!(
        last.file_count, 3,
        "config.json, tokenizer.json, model.safetensors"
    );
    assert_eq!(last.total_bytes, 626 + 1658 + 101_128);
    assert!((last.fraction() - 1.0).abs() < 1e-6, "{last:?}");
    assert!(events.iter().any(|p| p.file == "model.safetensors"));
    let text = short_run(&dir);
    let requests = hub.seen().len();
    assert!(requests >= 4, "listing + files: {requests}");

    // Server gone: the cache alone serves the model, and nothing is asked of the network.
    hub.shutdown();
    let again = hub::fetch(&s, &repo(), &mut |_| panic!("nothing to download")).expect("cached");
    assert_eq!(again, dir);
    assert_eq!(short_run(&again), text, "same model, same greedy run");
    let offline = HubSettings {
        offline: true,
        ..s.clone()
    };
    assert_eq!(hub::fetch(&offline, &repo(), &mut |_| {}).unwrap(), dir);
}

#[test]
fn offline_mode_never_touches_the_network() {
    let tmp = tempfile::tempdir().unwrap();
    let hub = FakeHub::start(REPO, repo_files(&fixture("tiny-llada")));
    let s = HubSettings {
        offline: true,
        ..settings(tmp.path(), &hub.url)
    };
    let e = hub::fetch(&s, &repo(), &mut |_| {}).unwrap_err();
    assert!(e.to_string().contains("HF_HUB_OFFLINE"), "{e}");
    assert!(
        hub.seen().is_empty(),
        "offline asked the server: {:?}",
        hub.seen()
    );
}

#[test]
fn without_server_or_cache_the_error_names_the_files_and_the_folder_and_placing_them_works() {
    let tmp = tempfile::tempdir().unwrap();
    let s = settings(tmp.path(), &dead_url());
    let e = hub::fetch(&s, &repo(), &mut |_| {}).unwrap_err();
    let HubError::Unavailable {
        folder, missing, ..
    } = &e
    else {
        panic!("expected Unavailable, got {e:?}");
    };
    let folder = folder.clone();
    assert_eq!(
        folder,
        tmp.path()
            .join("models--test-org--tiny-llada/snapshots/main")
    );
    assert_eq!(
        missing,
        &vec![
            "config.json".to_string(),
            "tokenizer.json (or vocab.json + merges.txt + tokenizer_config.json)".to_string(),
            "model.safetensors (or model.safetensors.index.json and the shards it lists)"
                .to_string(),
        ]
    );
    let text = e.to_string();
    assert!(!text.contains('\n'), "one line: {text}");
    assert!(text.contains(&folder.display().to_string()), "{text}");
    assert!(text.contains("test-org/tiny-llada"), "{text}");

    // Following the message works, offline.
    std::fs::create_dir_all(&folder).unwrap();
    for (name, bytes) in repo_files(&fixture("tiny-llada")) {
        std::fs::write(folder.join(name), bytes).unwrap();
    }
    let offline = HubSettings {
        offline: true,
        ..s.clone()
    };
    assert_eq!(hub::fetch(&offline, &repo(), &mut |_| {}).unwrap(), folder);
    short_run(&folder);
}

#[test]
fn an_interrupted_download_resumes_from_its_partial_file() {
    let tmp = tempfile::tempdir().unwrap();
    let files = repo_files(&fixture("tiny-llada"));
    let weights = files["model.safetensors"].clone();
    let hub = FakeHub::start(REPO, files);
    *hub.cut.lock().unwrap() = Some(("model.safetensors".into(), 40_000));
    let s = settings(tmp.path(), &hub.url);

    let e = hub::fetch(&s, &repo(), &mut |_| {}).unwrap_err();
    assert!(
        matches!(&e, HubError::Download { file, .. } if file == "model.safetensors"),
        "{e:?}"
    );
    assert!(e.to_string().contains("resume"), "{e}");
    let blobs = tmp.path().join("models--test-org--tiny-llada/blobs");
    let part = std::fs::read_dir(&blobs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "part"))
        .expect("a .part file is kept");
    assert_eq!(std::fs::metadata(&part).unwrap().len(), 40_000);

    let dir = hub::fetch(&s, &repo(), &mut |_| {}).expect("the second try completes");
    assert_eq!(
        std::fs::read(dir.join("model.safetensors")).unwrap(),
        weights
    );
    let resumed: Vec<Seen> = hub
        .seen()
        .into_iter()
        .filter(|r| r.path.ends_with("/model.safetensors"))
        .collect();
    assert!(
        resumed
            .iter()
            .any(|r| r.range.as_deref() == Some("bytes=40000-")),
        "the second try asks only for the missing bytes: {resumed:?}"
    );
    assert!(!part.exists(), "the .part file became the blob");
    short_run(&dir);
}

#[test]
fn sharded_weights_fetch_the_index_and_every_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let hub = FakeHub::start(REPO, repo_files(&fixture("tiny-llada-sharded")));
    let s = settings(tmp.path(), &hub.url);
    let mut last = None;
    let dir = hub::fetch(&s, &repo(), &mut |p| last = Some(p.clone())).expect("download");
    assert_same_files(&dir, &fixture("tiny-llada-sharded"));
    let last = last.unwrap();
    assert_eq!(last.file_count, 5, "config, tokenizer, index, two shards");
    assert_eq!(last.file_number, 5);
    short_run(&dir);
}

#[test]
fn a_missing_repo_is_reported_as_not_found() {
    let tmp = tempfile::tempdir().unwrap();
    let hub = FakeHub::start(REPO, repo_files(&fixture("tiny-llada")));
    let s = settings(tmp.path(), &hub.url);
    let other = HubRepo {
        id: "test-org/absent".into(),
        revision: "main".into(),
    };
    let e = hub::fetch(&s, &other, &mut |_| {}).unwrap_err();
    assert!(matches!(e, HubError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("HF_TOKEN"), "{e}");
}

#[test]
fn folders_and_hub_ids_are_told_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("org").join("name");
    std::fs::create_dir_all(&dir).unwrap();
    assert_eq!(
        ModelRef::parse(dir.to_str().unwrap()).unwrap(),
        ModelRef::Folder(dir.clone())
    );
    assert_eq!(
        ModelRef::parse("GSAI-ML/LLaDA-8B-Instruct").unwrap(),
        ModelRef::Hub(HubRepo {
            id: "GSAI-ML/LLaDA-8B-Instruct".into(),
            revision: "main".into()
        })
    );
    assert_eq!(
        ModelRef::parse("dllm-hub/Qwen3-0.6B-diffusion-mdlm-v0.1@v2")
            .unwrap()
            .hub()
            .map(|r| r.revision.as_str()),
        Some("v2")
    );
    for bad in [
        "./missing/dir",
        "../x/y",
        "/no/such/folder",
        "a/b/c",
        "justaname",
        "a/",
        "org/..",
    ] {
        let e = ModelRef::parse(bad).unwrap_err();
        assert!(e.to_string().contains("ORG/NAME"), "{bad}: {e}");
    }
    let file = tmp.path().join("config.json");
    std::fs::write(&file, "{}").unwrap();
    assert!(matches!(
        ModelRef::parse(file.to_str().unwrap()),
        Err(HubError::NotAFolder(_))
    ));
    // A .gguf file (from `unmask quantize`) is a local model, like a folder.
    let gguf = tmp.path().join("org").join("model.gguf");
    std::fs::write(&gguf, "GGUF").unwrap();
    assert_eq!(
        ModelRef::parse(gguf.to_str().unwrap()).unwrap(),
        ModelRef::Folder(gguf.clone())
    );
}

#[test]
fn the_worker_downloads_with_progress_events_and_names_the_model_by_its_hub_id() {
    use std::time::Duration;
    use unmask::worker::{WorkerCommand, WorkerError, WorkerEvent, WorkerHandle};
    let tmp = tempfile::tempdir().unwrap();
    let hub = FakeHub::start(REPO, repo_files(&fixture("tiny-llada")));
    let worker = WorkerHandle::spawn_with_hub(None, settings(tmp.path(), &hub.url)).unwrap();
    assert!(worker.send(WorkerCommand::LoadModel {
        source: ModelRef::parse(REPO).unwrap(),
        options: LoadOptions::default(),
    }));
    let mut stages = Vec::new();
    let info = loop {
        match worker
            .recv_timeout(Duration::from_secs(60))
            .expect("an event")
        {
            WorkerEvent::LoadProgress { stage, fraction } => {
                assert!((0.0..=1.0).contains(&fraction), "{stage}: {fraction}");
                stages.push((stage, fraction));
            }
            WorkerEvent::ModelLoaded(info) => break info,
            other => panic!("unexpected: {other:?}"),
        }
    };
    assert_eq!(info.id, REPO);
    let downloads: Vec<&(String, f32)> = stages
        .iter()
        .filter(|(s, _)| s.starts_with("downloading model.safetensors (3 of 3 files"))
        .collect();
    assert!(!downloads.is_empty(), "{stages:?}");
    assert!(downloads.iter().any(|(_, f)| *f >= 0.999), "{stages:?}");

    // A hub id the fake does not have: a LoadFailed naming it, and the worker stays usable.
    worker.send(WorkerCommand::LoadModel {
        source: ModelRef::parse("test-org/absent").unwrap(),
        options: LoadOptions::default(),
    });
    loop {
        match worker
            .recv_timeout(Duration::from_secs(60))
            .expect("an event")
        {
            WorkerEvent::LoadProgress { .. } => {}
            WorkerEvent::LoadFailed(WorkerError::LoadFailed { model, reason, .. }) => {
                assert_eq!(model, "test-org/absent");
                assert!(reason.contains("test-org/absent"), "{reason}");
                break;
            }
            other => panic!("unexpected: {other:?}"),
        }
    }
}

// ----- the CLI end to end (environment variables are set on the child only) -----

fn unmask(args: &[&str], cwd: &Path, hf_home: &Path, endpoint: &str, offline: bool) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_unmask"));
    cmd.args(args)
        .current_dir(cwd)
        .env("HF_HOME", hf_home)
        .env("HF_ENDPOINT", endpoint)
        .env_remove("HF_HUB_CACHE")
        .env_remove("HF_TOKEN");
    if offline {
        cmd.env("HF_HUB_OFFLINE", "1");
    } else {
        cmd.env_remove("HF_HUB_OFFLINE");
    }
    cmd.output().expect("the unmask binary runs")
}

fn generate_args(model: &str) -> Vec<&str> {
    vec![
        "generate",
        "--model",
        model,
        "--prompt",
        "the cat",
        "--gen-length",
        "6",
        "--steps",
        "3",
        "--json",
    ]
}

#[test]
fn cli_downloads_then_runs_offline_and_explains_a_missing_model_in_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("hf");
    let mut hub = FakeHub::start(REPO, repo_files(&fixture("tiny-llada")));
    let o = unmask(&generate_args(REPO), tmp.path(), &home, &hub.url, false);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let out = String::from_utf8_lossy(&o.stdout);
    let v: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(v["output_ids"].as_array().unwrap().len(), 6);
    assert!(
        home.join("hub/models--test-org--tiny-llada/snapshots")
            .join(COMMIT)
            .is_dir()
    );
    hub.shutdown();

    // Offline, from the cache.
    let o = unmask(&generate_args(REPO), tmp.path(), &home, &dead_url(), true);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // Another repo, nothing cached, no server: one line naming the files and the folder.
    let o = unmask(
        &generate_args("test-org/other"),
        tmp.path(),
        &home,
        &dead_url(),
        false,
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{err}");
    let folder = home.join("hub/models--test-org--other/snapshots/main");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(lines[0].contains(&folder.display().to_string()), "{err}");
    assert!(
        lines[0].contains("config.json") && lines[0].contains("model.safetensors"),
        "{err}"
    );

    // An existing folder named like ORG/NAME wins, with no network at all.
    let local = tmp.path().join("test-org/other");
    std::fs::create_dir_all(&local).unwrap();
    for (name, bytes) in repo_files(&fixture("tiny-llada")) {
        std::fs::write(local.join(name), bytes).unwrap();
    }
    let o = unmask(
        &generate_args("test-org/other"),
        tmp.path(),
        &home,
        &dead_url(),
        true,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn reading_the_partial_file_needs_nothing_but_std() {
    // Guard for the fake itself: a Range request past the start returns exactly the tail.
    let files = repo_files(&fixture("tiny-llada"));
    let weights = files["model.safetensors"].clone();
    let hub = FakeHub::start(REPO, files);
    let mut s = TcpStream::connect(hub.url.trim_start_matches("http://")).unwrap();
    write!(
        s,
        "GET /{REPO}/resolve/main/model.safetensors HTTP/1.1\r\nRange: bytes=100000-\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&all[..split]);
    assert!(head.starts_with("HTTP/1.1 206"), "{head}");
    assert!(
        head.contains("Content-Range: bytes 100000-101127/101128"),
        "{head}"
    );
    assert_eq!(&all[split..], &weights[100_000..]);
}

#[test]
fn revisions_and_commits_that_could_leave_the_cache_are_refused() {
    for good in ["v2", "main", "refs/pr/3", COMMIT, "release-1.0_b"] {
        let parsed = ModelRef::parse(&format!("{REPO}@{good}")).unwrap();
        assert_eq!(parsed.hub().unwrap().revision, good);
    }
    for bad in [
        "../../../../x",
        "..",
        "a/b",
        "refs/pr/../../x",
        "v1 v2",
        ".hidden",
        "x\\y",
    ] {
        let e = ModelRef::parse(&format!("{REPO}@{bad}")).unwrap_err();
        assert!(matches!(e, HubError::BadRevision(_)), "{bad}: {e}");
        assert!(e.to_string().contains("not a branch, tag or commit"), "{e}");
    }

    // A repo that arrives as plain data (a deserialised command) is checked as well, offline
    // and before any folder is looked at.
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    for (name, bytes) in repo_files(&fixture("tiny-llada")) {
        std::fs::write(outside.join(name), bytes).unwrap();
    }
    let cache = tmp.path().join("cache");
    let mut offline = settings(&cache, &dead_url());
    offline.offline = true;
    let hostile = HubRepo {
        id: REPO.into(),
        revision: "../../outside".into(),
    };
    let e = hub::fetch(&offline, &hostile, &mut |_| {}).unwrap_err();
    assert!(matches!(e, HubError::BadRevision(_)), "{e}");

    // A refs/ file that holds a path instead of a commit is never followed.
    let repo_dir = offline.repo_dir(&repo());
    std::fs::create_dir_all(repo_dir.join("refs")).unwrap();
    std::fs::create_dir_all(repo_dir.join("snapshots")).unwrap();
    std::fs::write(repo_dir.join("refs/main"), "../../../outside").unwrap();
    let e = hub::fetch(&offline, &repo(), &mut |_| {}).unwrap_err();
    assert!(matches!(e, HubError::Unavailable { .. }), "{e}");
}
