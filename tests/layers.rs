//! The layer import rules (`.ci/check-layers.sh`) hold: `export/` and `view/` never import the app,
//! `view/` never imports `export/` or candle, candle stays where the model runs, and the model,
//! sampler and trace never import egui.

use std::path::Path;
use std::process::Command;

#[test]
fn layers_import_only_downwards() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg(root.join(".ci/check-layers.sh"))
        .current_dir(root)
        .output()
        .expect("bash runs .ci/check-layers.sh");
    assert!(
        out.status.success(),
        "layer rules broken:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
