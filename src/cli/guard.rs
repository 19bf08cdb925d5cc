//! Outputs never replace inputs: every subcommand checks each path it will write against the
//! paths it reads before it starts, so `export a.trace --csv a.trace` or
//! `generate --model M --trace M/model.safetensors` is a one-line error, not a lost file.

use std::path::Path;

use anyhow::{Result, bail};

/// Refuse `output` (named by `flag`) when it is one of `inputs`, or a file inside an input folder.
/// Paths that do not exist yet replace nothing.
pub fn refuse_overwriting_inputs(flag: &str, output: &Path, inputs: &[&Path]) -> Result<()> {
    let Ok(out) = output.canonicalize() else {
        return Ok(());
    };
    for input in inputs {
        let Ok(inp) = input.canonicalize() else {
            continue;
        };
        if out == inp || (inp.is_dir() && out.starts_with(&inp)) {
            bail!(
                "{flag} {} would overwrite the input {}: choose another path",
                output.display(),
                input.display()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_that_is_an_input_or_inside_an_input_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let trace = dir.path().join("a.trace");
        std::fs::write(&trace, b"x").unwrap();
        let model = dir.path().join("model");
        std::fs::create_dir(&model).unwrap();
        std::fs::write(model.join("model.safetensors"), b"x").unwrap();
        let err = refuse_overwriting_inputs("--csv", &trace, &[&trace]).unwrap_err();
        assert!(
            err.to_string().contains("would overwrite the input"),
            "{err}"
        );
        assert!(
            refuse_overwriting_inputs("--trace", &model.join("model.safetensors"), &[&model])
                .is_err()
        );
        // Through another spelling of the same file.
        let dotted = dir.path().join(".").join("a.trace");
        assert!(refuse_overwriting_inputs("--gif", &dotted, &[&trace]).is_err());
        // New files and other files are fine.
        assert!(refuse_overwriting_inputs("--csv", &dir.path().join("b.csv"), &[&trace]).is_ok());
        std::fs::write(dir.path().join("c.csv"), b"x").unwrap();
        assert!(refuse_overwriting_inputs("--csv", &dir.path().join("c.csv"), &[&trace]).is_ok());
    }
}
