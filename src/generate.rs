//! The run loop shared by the worker, the CLI and eval: canvas → denoiser → sampler → trace.
