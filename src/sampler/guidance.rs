//! Classifier-free guidance: mixing the conditional and unconditional logits.

/// `cond ← u + (scale + 1)(cond − u)` elementwise (LLaDA's CFG). Equal values (infinities included)
/// stay as they are instead of becoming NaN. Only the common prefix of the two slices is combined.
pub fn cfg_combine(cond: &mut [f32], uncond: &[f32], scale: f32) {
    for (c, &u) in cond.iter_mut().zip(uncond) {
        if *c != u {
            *c = u + (scale + 1.0) * (*c - u);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combines_like_llada() {
        let mut cond = [2.0, -1.0, 0.5, f32::NEG_INFINITY];
        let uncond = [1.0, 1.0, 0.5, f32::NEG_INFINITY];
        cfg_combine(&mut cond, &uncond, 1.5);
        assert_eq!(cond[0], 1.0 + 2.5 * 1.0);
        assert_eq!(cond[1], 1.0 + 2.5 * -2.0);
        assert_eq!(cond[2], 0.5);
        assert_eq!(cond[3], f32::NEG_INFINITY);
        let mut same = [3.0, 4.0];
        cfg_combine(&mut same, &[1.0, 2.0], 0.0);
        assert_eq!(same, [3.0, 4.0], "scale 0 is the conditional logits");
    }
}
