//! The endless, seeded mix of arithmetic canvases and prose windows the trainer consumes.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokenizers::Tokenizer;

use super::arith::{
    LAYOUTS, Layout, OPS_RANGE, ProblemStream, encode_example, plain_content_len, training_problems,
};
use super::prose::{Corpus, MIN_WINDOW_LEN, prose_example};
use super::{DataError, Example};

/// Most `<|eos|>` cells (exclusive) added after the content of a Plain arithmetic span.
pub const PLAIN_MAX_EXTRA_EOS: usize = 16;
/// Arithmetic problems rendered for tokenizer training.
pub const TOKENIZER_ARITH_PROBLEMS: usize = 3000;

/// How the stream mixes its sources.
#[derive(Clone, Debug, PartialEq)]
pub struct MixParams {
    /// Fraction of examples that are arithmetic problems (the rest are prose), in 0..=1.
    pub arith_fraction: f32,
    /// Tokens in a prose window (prompt and response together), at least 18.
    pub prose_len: usize,
    /// Fewest operations of an arithmetic problem, 1 to 4 (at most 4, as always); the standard
    /// problems have 2 to 4, a 1 adds single-clause problems to the mix.
    pub min_ops: usize,
    /// Most operations of an arithmetic problem, `min_ops` to 4 (4 unless a run narrows it, e.g. to
    /// single clauses).
    pub max_ops: usize,
    /// Share of numbers in training problems that are multiples of ten, 0 to 1 (0: uniform, as
    /// the held-out problems are); see [`crate::data::arith::Problem::random_rounded`].
    pub round_share: f64,
    /// Share of operations drawn so that the units column carries or borrows, 0 to 1 (0: uniform,
    /// as the held-out problems are); see [`crate::data::arith::Problem::random_drawn`].
    pub carry_share: f64,
    /// Share of operations drawn so that the result has another number of digits than the value
    /// it starts from, 0 to 1 (0: uniform); see [`crate::data::arith::Problem::random_drawn`].
    pub length_share: f64,
    /// The layouts arithmetic examples are drawn in, uniformly (all of [`LAYOUTS`] unless a run
    /// narrows it; a Plain-only leg drills the arithmetic in the shortest sequences).
    pub layouts: Vec<Layout>,
}

impl Default for MixParams {
    fn default() -> Self {
        MixParams {
            arith_fraction: 0.7,
            prose_len: 96,
            min_ops: *OPS_RANGE.start(),
            max_ops: *OPS_RANGE.end(),
            round_share: 0.0,
            carry_share: 0.0,
            length_share: 0.0,
            layouts: LAYOUTS.to_vec(),
        }
    }
}

/// Endless training examples, deterministic per seed.
///
/// Arithmetic examples use a uniformly chosen layout; a Plain one gets a span of its content's
/// length plus 0 to 15 extra `<|eos|>` cells. Prose examples are windows of
/// [`MixParams::prose_len`] tokens of the corpus' training text.
#[derive(Clone, Debug)]
pub struct TrainingStream {
    tokenizer: Tokenizer,
    corpus: Corpus,
    params: MixParams,
    rng: ChaCha8Rng,
    problems: ProblemStream,
}

/// Mixed into the seed of the mixing generator so it is independent of the problem stream.
const MIX_SEED_SALT: u64 = 0x4d49_5853_5452_4541;

impl TrainingStream {
    /// A stream over `corpus` and generated problems, tokenised with `tokenizer`.
    pub fn new(
        tokenizer: Tokenizer,
        corpus: Corpus,
        seed: u64,
        params: MixParams,
    ) -> Result<TrainingStream, DataError> {
        if !(0.0..=1.0).contains(&params.arith_fraction) {
            return Err(DataError::Config {
                reason: format!(
                    "arith_fraction must be between 0 and 1, got {}",
                    params.arith_fraction
                ),
            });
        }
        if params.arith_fraction < 1.0 && params.prose_len < MIN_WINDOW_LEN {
            return Err(DataError::Config {
                reason: format!(
                    "prose_len must be at least {MIN_WINDOW_LEN}, got {}",
                    params.prose_len
                ),
            });
        }
        if !(1..=*OPS_RANGE.end()).contains(&params.min_ops)
            || !(params.min_ops..=*OPS_RANGE.end()).contains(&params.max_ops)
        {
            return Err(DataError::Config {
                reason: format!(
                    "operations per problem must satisfy 1 <= min_ops <= max_ops <= {}, got {} and {}",
                    OPS_RANGE.end(),
                    params.min_ops,
                    params.max_ops
                ),
            });
        }
        if !(0.0..=1.0).contains(&params.round_share) {
            return Err(DataError::Config {
                reason: format!(
                    "round_share must be between 0 and 1, got {}",
                    params.round_share
                ),
            });
        }
        for (name, share) in [
            ("carry_share", params.carry_share),
            ("length_share", params.length_share),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(DataError::Config {
                    reason: format!("{name} must be between 0 and 1, got {share}"),
                });
            }
        }
        if params.arith_fraction > 0.0 && params.layouts.is_empty() {
            return Err(DataError::Config {
                reason: "arithmetic examples need at least one layout".into(),
            });
        }
        super::tokenizer::SpecialIds::of(&tokenizer)?;
        let problems = training_problems(seed)
            .with_ops(params.min_ops..=params.max_ops)
            .with_round_share(params.round_share)
            .with_carry_share(params.carry_share)
            .with_length_share(params.length_share);
        Ok(TrainingStream {
            tokenizer,
            corpus,
            params,
            rng: ChaCha8Rng::seed_from_u64(seed ^ MIX_SEED_SALT),
            problems,
        })
    }

    /// Restart the stream as if it had been created with `seed` (same tokenizer, corpus and mix).
    /// The trainer reseeds per step, so any thread can make any step's batch.
    pub fn reseed(&mut self, seed: u64) {
        self.rng = ChaCha8Rng::seed_from_u64(seed ^ MIX_SEED_SALT);
        self.problems = training_problems(seed)
            .with_ops(self.params.min_ops..=self.params.max_ops)
            .with_round_share(self.params.round_share)
            .with_carry_share(self.params.carry_share)
            .with_length_share(self.params.length_share);
    }

    /// The tokenizer examples are encoded with.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// The corpus prose comes from.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// The mix.
    pub fn params(&self) -> &MixParams {
        &self.params
    }

    /// The next example.
    pub fn next_example(&mut self) -> Result<Example, DataError> {
        if self.rng.random::<f32>() < self.params.arith_fraction {
            // A ProblemStream never ends; the fallback is unreachable but keeps this panic-free.
            let problem = self.problems.next().ok_or_else(|| DataError::Config {
                reason: "the problem stream ended".into(),
            })?;
            let layouts = &self.params.layouts;
            let layout = layouts[self.rng.random_range(0..layouts.len())];
            let plain_span_len = if layout == Layout::Plain {
                plain_content_len(&problem, &self.tokenizer)?
                    + self.rng.random_range(0..PLAIN_MAX_EXTRA_EOS)
            } else {
                0
            };
            encode_example(&problem, layout, &self.tokenizer, plain_span_len)
        } else {
            prose_example(
                &self.corpus,
                &self.tokenizer,
                &mut self.rng,
                self.params.prose_len,
            )
        }
    }
}

/// Texts to train the tokenizer on: every training paragraph of `corpus`, then
/// [`TOKENIZER_ARITH_PROBLEMS`] problems, each as its prompt followed by its response in every
/// layout (one text per layout).
pub fn tokenizer_training_texts(corpus: &Corpus, seed: u64) -> impl Iterator<Item = String> + '_ {
    let arith = training_problems(seed)
        .take(TOKENIZER_ARITH_PROBLEMS)
        .flat_map(|problem| {
            let prompt = problem.prompt_text();
            // Rendering the built-in layouts cannot fail; a failure would only drop that text.
            LAYOUTS
                .iter()
                .filter_map(|layout| layout.render(&problem).ok())
                .map(|response| format!("{prompt}\n{response}"))
                .collect::<Vec<_>>()
        });
    corpus.training_paragraphs().iter().cloned().chain(arith)
}
