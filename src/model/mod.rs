//! Denoisers: models that predict logits for every position of a canvas.
