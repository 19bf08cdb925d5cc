//! bf16 and f16 weights are selectable and agree with f32 to their precision.

use std::path::Path;

use unmask::model::{LoadOptions, WeightDtype, load_model};

fn logits(dtype: WeightDtype) -> Vec<f32> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-llada");
    let mut m = load_model(
        &dir,
        &LoadOptions {
            dtype,
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(m.info.dtype, dtype.name());
    let tokens: Vec<u32> = (0..12).map(|i| (i * 5 + 3) % 60).collect();
    let rows: Vec<u32> = (0..12).collect();
    m.denoiser.logits(&tokens, &rows).unwrap()
}

#[test]
fn half_precision_tracks_f32() {
    let reference = logits(WeightDtype::F32);
    for dtype in [WeightDtype::Bf16, WeightDtype::F16] {
        let other = logits(dtype);
        let max_diff = reference
            .iter()
            .zip(&other)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        let scale = reference.iter().map(|a| a.abs()).fold(0.0f32, f32::max);
        assert!(
            max_diff < 0.05 * scale.max(1.0),
            "{dtype:?}: max diff {max_diff} (logit scale {scale})"
        );
        assert!(
            max_diff > 0.0,
            "{dtype:?} gave bit-identical logits: was it really used?"
        );
    }
}

#[test]
fn dtype_names_parse() {
    assert_eq!("bf16".parse::<WeightDtype>().unwrap(), WeightDtype::Bf16);
    assert!(
        "int4"
            .parse::<WeightDtype>()
            .unwrap_err()
            .to_string()
            .contains("f32, bf16 or f16")
    );
}
