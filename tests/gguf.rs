//! Quantised GGUF files (`unmask quantize`, `--model X.gguf`): written by the test from checkpoints
//! in each family's exact layout, read back, and compared with independent logits — the float64
//! reference of the fixtures, and the dense network on the very weights the GGUF stores.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::quantized::{GgmlDType, QTensor, gguf_file};
use candle_core::{Device, Tensor};
use common::{all_rows, copy_fixture, edit_config, fixture_dir, read_golden};
use unmask::model::family::{Family, ModelSpec};
use unmask::model::gguf::{QuantType, quantize_folder};
use unmask::model::{LoadOptions, LoadedModel, load_model};

fn quantize(dir: &Path, out: &Path, ty: QuantType) -> unmask::model::gguf::QuantizeReport {
    quantize_folder(dir, out, ty, &mut |_, _, _| {})
        .unwrap_or_else(|e| panic!("quantizing {} failed: {e}", dir.display()))
}

fn load(path: &Path) -> LoadedModel {
    load_model(path, &LoadOptions::default())
        .unwrap_or_else(|e| panic!("loading {} failed: {e}", path.display()))
}

/// Relative error ‖a − b‖ / ‖b‖ over all logits.
fn rel_error(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    let norm = |it: &mut dyn Iterator<Item = f64>| it.map(|x| x * x).sum::<f64>().sqrt();
    let diff = norm(&mut a.iter().zip(b).map(|(&x, &y)| f64::from(x) - f64::from(y)));
    diff / norm(&mut b.iter().map(|&y| f64::from(y)))
}

/// Fraction of rows whose most likely token is the same.
fn top1_agreement(a: &[f32], b: &[f32], vocab: usize) -> f64 {
    let argmax = |row: &[f32]| {
        row.iter()
            .enumerate()
            .max_by(|x, y| x.1.total_cmp(y.1))
            .map(|(i, _)| i)
    };
    let rows = a.len() / vocab;
    let same = (0..rows)
        .filter(|r| {
            argmax(&a[r * vocab..(r + 1) * vocab]) == argmax(&b[r * vocab..(r + 1) * vocab])
        })
        .count();
    same as f64 / rows as f64
}

/// q8_0 GGUFs of every fixture family stay close to the float64 reference (Dream's shift and
/// Qwen3's q/k norms included): the metadata, names and layout survive the round trip.
#[test]
fn q8_0_files_of_every_family_match_the_float64_reference() {
    for name in [
        "tiny-llada",
        "tiny-llada-gqa",
        "tiny-dream",
        "tiny-qwen2",
        "tiny-qwen3",
        "tiny-qwen3-bd3lm",
    ] {
        let dir = fixture_dir(name);
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join(format!("{name}.gguf"));
        let report = quantize(&dir, &out, QuantType::Q8_0);
        // Rows of 48 (two fixtures) fit no 32-block: those matrices fall back to f16, and say so.
        for f in &report.fallbacks {
            assert!(
                f.cols % 32 != 0 && f.stored == GgmlDType::F16,
                "{name}: {f:?}"
            );
        }
        for line in report.fallback_lines() {
            assert!(
                line.contains("rows of 48") && line.contains("q8_0 needs rows in multiples of 32"),
                "{line}"
            );
        }
        let golden = read_golden(&dir);
        let mut model = load(&out);
        assert_eq!(model.info.dtype, "q8_0");
        let mut dense = load(&dir);
        assert_eq!(model.info.mask_token_id, dense.info.mask_token_id, "{name}");
        assert_eq!(model.info.eos_token_ids, dense.info.eos_token_ids, "{name}");
        assert_eq!(
            model.info.prompt_template, dense.info.prompt_template,
            "{name}"
        );
        assert_eq!(
            model
                .tokenizer
                .encode("the cat sat", false)
                .unwrap()
                .get_ids(),
            dense
                .tokenizer
                .encode("the cat sat", false)
                .unwrap()
                .get_ids(),
            "{name}: the embedded tokenizer"
        );
        let got = all_rows(&mut model, &golden.tokens);
        let want: Vec<f32> = golden.logits.iter().flatten().map(|&x| x as f32).collect();
        let rel = rel_error(&got, &want);
        let vocab = model.info.vocab_size;
        let top1 = top1_agreement(&got, &want, vocab);
        println!("{name}: q8_0 ‖Δ‖/‖ref‖ = {rel:.4}, top-1 agreement {top1:.3}");
        assert!(
            rel < 0.06,
            "{name}: q8_0 logits drift {rel} from the reference"
        );
        assert!(top1 >= 0.9, "{name}: top-1 agreement {top1}");
        // The dense network on the same input agrees with the reference far more closely, so
        // the drift above is quantisation, not a layout error.
        let dense_rel = rel_error(&all_rows(&mut dense, &golden.tokens), &want);
        assert!(dense_rel < rel.max(1e-6), "{name}: {dense_rel} vs {rel}");
    }
}

/// Deterministic weights in (−0.035, 0.035) (std ≈ 0.02); norms near 1.
fn synthetic(shape: &[usize], salt: u64) -> Tensor {
    let n: usize = shape.iter().product();
    let values: Vec<f32> = (0..n as u64)
        .map(|i| {
            let h = (i.wrapping_mul(2_654_435_761).wrapping_add(salt * 97_531)) % 10_007;
            (h as f32 / 10_007.0 - 0.5) * 0.07
        })
        .collect();
    let t = Tensor::from_vec(values, shape, &Device::Cpu).unwrap();
    if shape.len() == 1 {
        (t + 1.0).unwrap()
    } else {
        t
    }
}

/// A copy of fixture `name` resized so every row is a multiple of 256 (q4_k's block), with
/// synthetic weights in the family's exact tensor names.
fn wide_fixture(name: &str, sizes: &[(&str, u64)]) -> (tempfile::TempDir, PathBuf) {
    let (tmp, dir) = copy_fixture(name);
    edit_config(&dir, |c| {
        for (key, value) in sizes {
            c[*key] = serde_json::json!(value);
        }
    });
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    let family = Family::detect(&dir.join("config.json"), &config).unwrap();
    let spec = ModelSpec::parse(family, &dir.join("config.json"), config).unwrap();
    let tensors: HashMap<String, Tensor> = spec
        .arch
        .expected_tensors()
        .into_iter()
        .enumerate()
        .map(|(i, (name, shape))| (name, synthetic(&shape, i as u64)))
        .collect();
    candle_core::safetensors::save(&tensors, dir.join("model.safetensors")).unwrap();
    (tmp, dir)
}

/// The GGUF's own tensors, dequantised into a dense safetensors folder next to it.
fn dequantised_copy(gguf: &Path, like: &Path) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("dequantised");
    std::fs::create_dir(&dir).unwrap();
    for f in [
        "config.json",
        "tokenizer.json",
        "vocab.json",
        "merges.txt",
        "tokenizer_config.json",
    ] {
        if like.join(f).is_file() {
            std::fs::copy(like.join(f), dir.join(f)).unwrap();
        }
    }
    let mut file = std::fs::File::open(gguf).unwrap();
    let content = gguf_file::Content::read(&mut file).unwrap();
    let tensors: HashMap<String, Tensor> = content
        .tensor_infos
        .keys()
        .map(|name| {
            let q = content.tensor(&mut file, name, &Device::Cpu).unwrap();
            (name.clone(), q.dequantize(&Device::Cpu).unwrap())
        })
        .collect();
    candle_core::safetensors::save(&tensors, dir.join("model.safetensors")).unwrap();
    (tmp, dir)
}

/// q4_k, q4_0 and q8_0 on 256-wide LLaDA and Dream layouts: the quantised matmul agrees with the
/// dense network run on the dequantised weights of the same file (only the activations' 8-bit
/// rounding differs), and stays near the unquantised model.
#[test]
fn quantised_matmul_matches_the_dense_network_on_the_same_weights() {
    let llada = [
        ("d_model", 256),
        ("n_heads", 4),
        ("n_kv_heads", 4),
        ("mlp_hidden_size", 512),
    ];
    let dream = [
        ("hidden_size", 256),
        ("num_attention_heads", 4),
        ("num_key_value_heads", 2),
        ("intermediate_size", 512),
    ];
    let cases: [(&str, &[(&str, u64)]); 2] = [("tiny-llada", &llada), ("tiny-dream", &dream)];
    for (name, sizes) in cases {
        let (_keep, dir) = wide_fixture(name, sizes);
        let golden = read_golden(&fixture_dir(name));
        let tokens = &golden.tokens;
        let reference = all_rows(&mut load(&dir), tokens);
        for ty in QuantType::ALL {
            let tmp = tempfile::tempdir().unwrap();
            let out = tmp.path().join("model.gguf");
            let report = quantize(&dir, &out, ty);
            assert!(
                report.fallbacks.is_empty(),
                "{name} {ty:?}: {:?}",
                report.fallbacks
            );
            let head = if name == "tiny-llada" {
                "model.transformer.ff_out.weight"
            } else {
                "lm_head.weight"
            };
            let want_head = if ty == QuantType::Q8_0 { "Q8_0" } else { "Q6K" };
            assert_eq!(
                format!("{:?}", report.types[head]),
                want_head,
                "{name} {ty:?}"
            );
            assert!(
                report.output_bytes * 3 < report.source_bytes,
                "{name} {ty:?}: {report:?}"
            );
            let got = all_rows(&mut load(&out), tokens);
            let (_keep2, deq) = dequantised_copy(&out, &dir);
            let same_weights = all_rows(&mut load(&deq), tokens);
            let tight = rel_error(&got, &same_weights);
            let loose = rel_error(&got, &reference);
            println!(
                "{name} {}: vs dense on the same weights {tight:.4}, vs unquantised {loose:.4}",
                ty.name()
            );
            // What separates the two is only the 8-bit rounding of the activations inside the
            // quantised matmul; a wrong layout or transposition would be off by ~100 %.
            assert!(tight < 0.04, "{name} {ty:?}: {tight}");
            let bound = if ty == QuantType::Q8_0 { 0.05 } else { 0.2 };
            assert!(loose < bound, "{name} {ty:?}: {loose}");
        }
    }
}

/// The message a `.gguf` that must not load gets.
fn gguf_error(path: &Path) -> String {
    match load_model(path, &LoadOptions::default()) {
        Ok(_) => panic!("{} loaded", path.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn damaged_or_foreign_gguf_files_are_refused_with_the_reason() {
    let dir = fixture_dir("tiny-llada");
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good.gguf");
    quantize(&dir, &good, QuantType::Q8_0);
    let bytes = std::fs::read(&good).unwrap();

    // Cut short: in the metadata, and in the tensor data.
    for cut in [200, bytes.len() - 100] {
        let path = tmp.path().join(format!("cut{cut}.gguf"));
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let e = gguf_error(&path);
        assert!(e.contains(&*path.to_string_lossy()), "{e}");
        assert!(!e.contains('\n'), "one line: {e}");
        println!("{e}");
    }

    // A GGUF that `unmask quantize` did not write (as llama.cpp's are).
    let foreign = tmp.path().join("foreign.gguf");
    let t = QTensor::quantize(&synthetic(&[4, 32], 1), GgmlDType::Q8_0).unwrap();
    let arch = gguf_file::Value::String("llama".into());
    let mut f = std::fs::File::create(&foreign).unwrap();
    gguf_file::write(
        &mut f,
        &[("general.architecture", &arch)],
        &[("token_embd.weight", &t)],
    )
    .unwrap();
    drop(f);
    let e = gguf_error(&foreign);
    assert!(e.contains("unmask quantize") && e.contains("llama"), "{e}");

    // The right metadata but a tensor missing.
    let mut file = std::fs::File::open(&good).unwrap();
    let content = gguf_file::Content::read(&mut file).unwrap();
    let kept: Vec<(String, QTensor)> = content
        .tensor_infos
        .keys()
        .filter(|n| !n.ends_with("blocks.1.ff_out.weight"))
        .map(|n| {
            (
                n.clone(),
                content.tensor(&mut file, n, &Device::Cpu).unwrap(),
            )
        })
        .collect();
    let meta: Vec<(&str, &gguf_file::Value)> = content
        .metadata
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    let refs: Vec<(&str, &QTensor)> = kept.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let missing = tmp.path().join("missing.gguf");
    let mut f = std::fs::File::create(&missing).unwrap();
    gguf_file::write(&mut f, &meta, &refs).unwrap();
    drop(f);
    let e = gguf_error(&missing);
    assert!(
        e.contains("model.transformer.blocks.1.ff_out.weight"),
        "{e}"
    );
}

#[test]
fn quantize_refuses_bad_sources_and_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fixture_dir("tiny-llada");
    let err =
        |src: &Path, out: &Path| match quantize_folder(src, out, QuantType::Q4K, &mut |_, _, _| {})
        {
            Ok(_) => panic!("{} → {} worked", src.display(), out.display()),
            Err(e) => e.to_string(),
        };
    let e = err(&dir, &tmp.path().join("model.bin"));
    assert!(e.contains(".gguf"), "{e}");
    let e = err(&tmp.path().join("nothing-here"), &tmp.path().join("m.gguf"));
    assert!(e.contains("nothing-here"), "{e}");
    let (_keep, broken) = copy_fixture("tiny-llada");
    std::fs::write(broken.join("model.safetensors"), b"not safetensors").unwrap();
    let e = err(&broken, &tmp.path().join("m.gguf"));
    assert!(e.contains("model.safetensors"), "{e}");
    assert!(!tmp.path().join("m.gguf").exists(), "no partial output");
}

#[test]
fn hostile_headers_are_refused_without_a_panic_or_a_huge_allocation() {
    let tmp = tempfile::tempdir().unwrap();
    // An alignment of 0 made candle divide by zero.
    let zero_align = tmp.path().join("align0.gguf");
    let t = QTensor::quantize(&synthetic(&[4, 32], 1), GgmlDType::Q8_0).unwrap();
    let align = gguf_file::Value::U32(0);
    let mut f = std::fs::File::create(&zero_align).unwrap();
    gguf_file::write(
        &mut f,
        &[("general.alignment", &align)],
        &[("token_embd.weight", &t)],
    )
    .unwrap();
    drop(f);
    let e = gguf_error(&zero_align);
    assert!(e.contains("general.alignment is 0"), "{e}");

    // A tensor count of 2^62 in an otherwise good file.
    let good = tmp.path().join("good.gguf");
    quantize(&fixture_dir("tiny-llada"), &good, QuantType::Q8_0);
    let mut bytes = std::fs::read(&good).unwrap();
    bytes[8..16].copy_from_slice(&(1u64 << 62).to_le_bytes());
    let lying = tmp.path().join("lying.gguf");
    std::fs::write(&lying, &bytes).unwrap();
    let e = gguf_error(&lying);
    assert!(e.contains("claims") && e.contains("tensors"), "{e}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Any byte of a real header changed to any value: an error or a model, never a panic.
    #[test]
    fn a_changed_header_byte_never_panics(at in 0usize..2048, value in proptest::prelude::any::<u8>()) {
        use std::sync::OnceLock;
        static GOOD: OnceLock<(tempfile::TempDir, Vec<u8>)> = OnceLock::new();
        let (tmp, bytes) = GOOD.get_or_init(|| {
            let tmp = tempfile::tempdir().unwrap();
            let good = tmp.path().join("good.gguf");
            quantize(&fixture_dir("tiny-llada"), &good, QuantType::Q8_0);
            let bytes = std::fs::read(&good).unwrap();
            (tmp, bytes)
        });
        let mut changed = bytes.clone();
        let at = at % changed.len();
        changed[at] = value;
        let path = tmp.path().join(format!("changed-{at}-{value}.gguf"));
        std::fs::write(&path, &changed).unwrap();
        let _ = load_model(&path, &LoadOptions::default());
        std::fs::remove_file(&path).unwrap();
    }
}
