//! Checking `SamplerParams` against a canvas and vocabulary, once, before the first step.

use crate::canvas::Canvas;

use super::params::{Order, ParamsError, SamplerParams, Schedule};

fn out_of_range(name: &'static str, value: impl ToString, expected: &'static str) -> ParamsError {
    ParamsError::OutOfRange {
        name,
        value: value.to_string(),
        expected,
    }
}

/// The most denoising steps a run may ask for: more than any canvas Unmask can build has masks.
pub const MAX_STEPS: usize = 1 << 20;

/// Every check that needs no stage count (that one is in `Sampler::new`).
pub(crate) fn validate(
    params: &SamplerParams,
    canvas: &Canvas,
    vocab_size: usize,
) -> Result<(), ParamsError> {
    let mask_in_vocab = (canvas.mask_id as usize) < vocab_size;
    if vocab_size <= usize::from(mask_in_vocab) {
        return Err(out_of_range(
            "vocab_size",
            vocab_size,
            "at least one token besides the mask token",
        ));
    }
    if params.threshold.is_some() && params.factor.is_some() {
        return Err(ParamsError::Conflict(
            "--threshold and --factor both decide how many tokens to commit per step: set only one"
                .into(),
        ));
    }
    if let Some(t) = params.threshold
        && !(t > 0.0 && t <= 1.0)
    {
        return Err(out_of_range(
            "--threshold",
            t,
            "greater than 0 and at most 1",
        ));
    }
    if let Some(f) = params.factor
        && !(f > 0.0 && f.is_finite())
    {
        return Err(out_of_range(
            "--factor",
            f,
            "a finite number greater than 0",
        ));
    }
    if let Some(p) = params.top_p
        && !(p > 0.0 && p <= 1.0)
    {
        return Err(out_of_range(
            "--top-p",
            p,
            "greater than 0 and at most 1 (1 = off)",
        ));
    }
    if params.top_k == Some(0) {
        return Err(out_of_range(
            "--top-k",
            0,
            "at least 1 (leave it unset for no top-k)",
        ));
    }
    if !(params.temperature >= 0.0 && params.temperature.is_finite()) {
        return Err(out_of_range(
            "--temperature",
            params.temperature,
            "a finite number ≥ 0 (0 = argmax)",
        ));
    }
    if let Some(a) = params.alg_temp
        && !(a > 0.0 && a.is_finite())
    {
        return Err(out_of_range(
            "--alg-temp",
            a,
            "a finite number greater than 0 (leave it unset to take the top scores)",
        ));
    }
    if !(params.cfg_scale >= 0.0 && params.cfg_scale.is_finite()) {
        return Err(out_of_range(
            "--cfg",
            params.cfg_scale,
            "a finite number ≥ 0 (0 = off)",
        ));
    }
    if !(1..=32).contains(&params.trace_top_k) {
        return Err(out_of_range("--trace-top-k", params.trace_top_k, "1 to 32"));
    }
    if params.block_length == Some(0) {
        return Err(out_of_range(
            "--block-length",
            0,
            "at least 1 (leave it unset for one block)",
        ));
    }
    if let Schedule::Timestep { eps } = params.schedule
        && !(0.0..1.0).contains(&eps)
    {
        return Err(out_of_range(
            "--eps",
            eps,
            "at least 0 and below 1 (Dream uses 0.001)",
        ));
    }
    if uses_steps(params) && params.steps == 0 {
        return Err(out_of_range("--steps", 0, "at least 1"));
    }
    // Bounded before the schedule allocates one entry per step.
    if params.steps > MAX_STEPS {
        return Err(out_of_range(
            "--steps",
            params.steps,
            "at most 1048576 (more steps than any canvas has masks)",
        ));
    }
    if let Order::Regions(names) = &params.order {
        for (i, name) in names.iter().enumerate() {
            if canvas.region_index(name).is_none() {
                let available: Vec<String> = canvas
                    .regions
                    .iter()
                    .map(|r| {
                        if r.name.is_empty() {
                            "(unnamed)".to_string()
                        } else {
                            r.name.clone()
                        }
                    })
                    .collect();
                return Err(ParamsError::UnknownRegion {
                    name: name.clone(),
                    available: available.join(", "),
                });
            }
            if names[..i].contains(name) {
                return Err(ParamsError::Conflict(format!(
                    "--order names region {name:?} twice: list each region once"
                )));
            }
        }
    }
    Ok(())
}

/// Whether the step count matters (the `Quota`/`Timestep` schedules without threshold or factor).
pub(crate) fn uses_steps(params: &SamplerParams) -> bool {
    params.threshold.is_none() && params.factor.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canvas::parse_template;

    fn canvas() -> Canvas {
        let parts = parse_template("{answer:4} because {why:8}").unwrap();
        Canvas::build(&[1], &parts, 50, 100, |t| Ok(vec![1; t.len()])).unwrap()
    }

    fn check(p: SamplerParams) -> Result<(), ParamsError> {
        validate(&p, &canvas(), 64)
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(check(SamplerParams::default()), Ok(()));
    }

    #[test]
    fn each_range_is_checked_with_its_name() {
        let d = SamplerParams::default;
        let cases: Vec<(SamplerParams, &str)> = vec![
            (
                SamplerParams {
                    threshold: Some(0.0),
                    ..d()
                },
                "--threshold",
            ),
            (
                SamplerParams {
                    threshold: Some(1.5),
                    ..d()
                },
                "--threshold",
            ),
            (
                SamplerParams {
                    factor: Some(0.0),
                    ..d()
                },
                "--factor",
            ),
            (
                SamplerParams {
                    top_p: Some(0.0),
                    ..d()
                },
                "--top-p",
            ),
            (
                SamplerParams {
                    top_p: Some(f32::NAN),
                    ..d()
                },
                "--top-p",
            ),
            (
                SamplerParams {
                    top_k: Some(0),
                    ..d()
                },
                "--top-k",
            ),
            (
                SamplerParams {
                    temperature: -0.1,
                    ..d()
                },
                "--temperature",
            ),
            (
                SamplerParams {
                    alg_temp: Some(0.0),
                    ..d()
                },
                "--alg-temp",
            ),
            (
                SamplerParams {
                    cfg_scale: -1.0,
                    ..d()
                },
                "--cfg",
            ),
            (
                SamplerParams {
                    trace_top_k: 0,
                    ..d()
                },
                "--trace-top-k",
            ),
            (
                SamplerParams {
                    trace_top_k: 33,
                    ..d()
                },
                "--trace-top-k",
            ),
            (
                SamplerParams {
                    block_length: Some(0),
                    ..d()
                },
                "--block-length",
            ),
            (SamplerParams { steps: 0, ..d() }, "--steps"),
            (
                SamplerParams {
                    schedule: Schedule::Timestep { eps: 1.0 },
                    ..d()
                },
                "--eps",
            ),
        ];
        for (p, name) in cases {
            match check(p.clone()) {
                Err(ParamsError::OutOfRange { name: n, .. }) => assert_eq!(n, name, "{p:?}"),
                other => panic!("{p:?} gave {other:?}"),
            }
        }
        // With a threshold, steps are ignored.
        assert_eq!(
            check(SamplerParams {
                steps: 0,
                threshold: Some(0.9),
                ..d()
            }),
            Ok(())
        );
    }

    #[test]
    fn conflicts_and_regions() {
        let d = SamplerParams::default;
        let both = SamplerParams {
            threshold: Some(0.9),
            factor: Some(1.0),
            ..d()
        };
        assert!(matches!(check(both), Err(ParamsError::Conflict(_))));
        let unknown = SamplerParams {
            order: Order::Regions(vec!["answr".into()]),
            ..d()
        };
        let err = check(unknown).unwrap_err();
        assert!(err.to_string().contains("answer, why"), "{err}");
        let twice = SamplerParams {
            order: Order::Regions(vec!["why".into(), "why".into()]),
            ..d()
        };
        assert!(matches!(check(twice), Err(ParamsError::Conflict(_))));
        assert!(matches!(
            validate(&d(), &canvas(), 0),
            Err(ParamsError::OutOfRange {
                name: "vocab_size",
                ..
            })
        ));
    }
}
