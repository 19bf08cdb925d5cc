//! Multi-step arithmetic word problems, their canvases (answer-first, reasoning-first, plain) and the held-out split.
//!
//! A problem starts from a value in 0..=99 and applies 2 to 4 operations, each an Add or a
//! Subtract of an operand in 0..=99. Results may exceed 99 (at most 99 + 4 × 99 = 495). The
//! running value never goes negative: a Subtract is only chosen while the running value is above
//! 0, and its operand is drawn from `0..=min(99, running value)`.
//!
//! The same content (start and operations) can be phrased several ways; the held-out split looks
//! only at the content, so no phrasing of a held-out problem is ever trained on.

use std::collections::HashSet;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokenizers::Tokenizer;

use super::tokenizer::{EOS, MASK, SpecialIds, encode_piece};
use super::{DataError, Example, lay_out, stable_hash};
use crate::canvas::{TemplatePart, parse_template, plain_template};

/// The prompt format the app uses for our model: `<|bos|>` then the prompt text.
pub const PROMPT_TEMPLATE: &str = "<|bos|>{prompt}";
/// Cells in the `reasoning` span of [`Layout::ReasoningFirst`] and [`Layout::AnswerFirst`].
///
/// With a tokenizer trained on [`super::tokenizer_training_texts`] (vocabulary 2048; every digit
/// one token, ` +`, ` -`, ` =` one token each, the space before a number a token of its own) the
/// longest reasoning of 2 to 4 operations is 54 tokens (`99 + 99 = 198. 198 + 99 = 297. …`), so
/// every problem fits with 2 cells to spare; `tests/data_streams.rs` checks it.
pub const REASONING_SPAN_LEN: usize = 56;
/// Cells in the `answer` span of [`Layout::ReasoningFirst`] and [`Layout::AnswerFirst`]: answers
/// have at most 3 digits, so at least one `<|eos|>` always follows.
pub const ANSWER_SPAN_LEN: usize = 4;
/// Span length [`Layout::template`] gives [`Layout::Plain`] (the longest plain text is 61 tokens;
/// the training stream sizes each Plain span itself).
pub const PLAIN_SPAN_LEN: usize = 64;
/// Region name of the answer span.
pub const ANSWER_REGION: &str = "answer";
/// Region name of the reasoning span.
pub const REASONING_REGION: &str = "reasoning";
/// One problem in this many (by content hash) is held out of training.
pub const HELD_OUT_ONE_IN: u64 = 16;
/// Largest start value and operand.
pub const MAX_OPERAND: u32 = 99;
/// Fewest and most operations of generated problems.
pub const OPS_RANGE: std::ops::RangeInclusive<usize> = 2..=4;

/// What an operation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// Add the operand.
    Add,
    /// Subtract the operand.
    Subtract,
}

/// One step of a problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Op {
    /// Add or subtract.
    pub kind: OpKind,
    /// The number added or subtracted.
    pub operand: u32,
}

/// The kind of story a problem is told as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Style {
    /// "Start with 47. Add 38. Subtract 19. What is the result?"
    Direct,
    /// "Tom has 47 apples. He buys 38 more. …"
    Possession,
    /// "There are 47 marbles in a jar. Anna puts 38 more in. …"
    Container,
    /// "Ben has a score of 47 points. He wins 38 points. …"
    Score,
    /// "A bus leaves with 47 passengers. At the next stop, 38 people get on. …"
    Bus,
}

/// All styles, in the order the generator picks from.
pub const STYLES: [Style; 5] = [
    Style::Direct,
    Style::Possession,
    Style::Container,
    Style::Score,
    Style::Bus,
];

/// How a problem is worded; indices pick from small fixed lists (taken modulo their length).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Phrasing {
    /// The story.
    pub style: Style,
    /// Index of the person's name.
    pub name: usize,
    /// Index of the counted object.
    pub object: usize,
    /// Index of the container.
    pub container: usize,
    /// Per operation, index of the verb phrase used.
    pub verbs: Vec<usize>,
}

impl Phrasing {
    /// The plain "Start with …" wording.
    pub fn direct() -> Phrasing {
        Phrasing {
            style: Style::Direct,
            name: 0,
            object: 0,
            container: 0,
            verbs: Vec::new(),
        }
    }
}

#[derive(Clone, Copy)]
enum Pronoun {
    He,
    She,
}

impl Pronoun {
    fn subject(self) -> &'static str {
        match self {
            Pronoun::He => "He",
            Pronoun::She => "She",
        }
    }
}

const NAMES: [(&str, Pronoun); 10] = [
    ("Tom", Pronoun::He),
    ("Anna", Pronoun::She),
    ("Ben", Pronoun::He),
    ("Lucy", Pronoun::She),
    ("Omar", Pronoun::He),
    ("Mei", Pronoun::She),
    ("Jack", Pronoun::He),
    ("Sara", Pronoun::She),
    ("Ravi", Pronoun::He),
    ("Nina", Pronoun::She),
];
const OBJECTS: [(&str, &str); 8] = [
    ("apple", "apples"),
    ("marble", "marbles"),
    ("sticker", "stickers"),
    ("coin", "coins"),
    ("book", "books"),
    ("pencil", "pencils"),
    ("card", "cards"),
    ("shell", "shells"),
];
const CONTAINERS: [&str; 4] = ["box", "jar", "bag", "basket"];

/// Verb phrases: `{s}` subject, `{n}` the counted operand (with its noun where one is written).
const POSSESSION_ADD: [&str; 3] = [
    "{s} buys {n} more.",
    "{s} finds {n} more.",
    "{s} is given {n} more.",
];
const POSSESSION_SUB: [&str; 3] = ["{s} gives away {n}.", "{s} loses {n}.", "{s} sells {n}."];
const CONTAINER_ADD: [&str; 2] = ["{s} puts {n} more in.", "{s} adds {n} more."];
const CONTAINER_SUB: [&str; 2] = ["{s} takes {n} out.", "{s} removes {n}."];
const SCORE_ADD: [&str; 2] = ["{s} wins {n}.", "{s} earns {n}."];
const SCORE_SUB: [&str; 2] = ["{s} loses {n}.", "{s} gives up {n}."];

/// `1 apple`, `47 apples`.
fn count(n: u32, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("{n} {singular}")
    } else {
        format!("{n} {plural}")
    }
}

fn pick<T: Copy>(list: &[T], index: usize) -> T {
    list[index % list.len()]
}

/// One arithmetic problem: its content (start value and operations) and its wording.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Problem {
    start: u32,
    ops: Vec<Op>,
    phrasing: Phrasing,
}

/// Draws [`Problem::random_drawn`] makes at most for an operation that should carry, borrow or
/// change length (then it keeps the last draw: a round operand or a small running value may
/// allow none).
const WANTED_DRAWS: usize = 64;

/// Whether `value ± operand` has another number of digits than `value` (`95 + 7 = 102`,
/// `33 - 24 = 9`).
pub fn changes_length(value: u32, kind: OpKind, operand: u32) -> bool {
    let result = match kind {
        OpKind::Add => value + operand,
        OpKind::Subtract => value.saturating_sub(operand),
    };
    result.to_string().len() != value.to_string().len()
}

/// Whether `value ± operand` carries (Add) or borrows (Subtract) in the units column.
pub fn carries(value: u32, kind: OpKind, operand: u32) -> bool {
    match kind {
        OpKind::Add => value % 10 + operand % 10 >= 10,
        OpKind::Subtract => operand % 10 > value % 10,
    }
}

impl Problem {
    /// A problem with the direct wording; fails if a number exceeds [`MAX_OPERAND`], there is no
    /// operation, or a Subtract would make the running value negative.
    pub fn new(start: u32, ops: Vec<Op>) -> Result<Problem, DataError> {
        if start > MAX_OPERAND || ops.iter().any(|op| op.operand > MAX_OPERAND) {
            return Err(DataError::Config {
                reason: format!("start and operands must be at most {MAX_OPERAND}"),
            });
        }
        if ops.is_empty() {
            return Err(DataError::Config {
                reason: "a problem needs at least one operation".into(),
            });
        }
        let mut value = start;
        for op in &ops {
            value = match op.kind {
                OpKind::Add => value + op.operand,
                OpKind::Subtract => {
                    value
                        .checked_sub(op.operand)
                        .ok_or_else(|| DataError::Config {
                            reason: format!(
                                "subtracting {} from {value} would go below 0",
                                op.operand
                            ),
                        })?
                }
            };
        }
        Ok(Problem {
            start,
            ops,
            phrasing: Phrasing::direct(),
        })
    }

    /// The same content with another wording.
    pub fn with_phrasing(mut self, phrasing: Phrasing) -> Problem {
        self.phrasing = phrasing;
        self
    }

    /// A random problem of `n_ops` operations (held out or not), with a random wording.
    pub fn random(rng: &mut impl Rng, n_ops: usize) -> Problem {
        Problem::random_rounded(rng, n_ops, 0.0)
    }

    /// Like [`Problem::random`], but each number (start value and operands) is, with probability
    /// `round_share`, a multiple of ten. With `round_share` 0 it draws exactly what
    /// [`Problem::random`] draws.
    ///
    /// Why: the units digit of `a ± b` is `(a₀ ± b₀) mod 10`, and with uniform operands it is
    /// independent of either units digit alone, so a model learns nothing from looking at one of
    /// them until it looks at both (a parity-like target, which gradient descent finds only after
    /// a long plateau). When `b` is round the units digit *is* `a₀`, and when `a` is, it is `b₀`:
    /// a share of round numbers gives each lookup a reward of its own.
    pub fn random_rounded(rng: &mut impl Rng, n_ops: usize, round_share: f64) -> Problem {
        Problem::random_drawn(rng, n_ops, round_share, 0.0, 0.0)
    }

    /// Like [`Problem::random_rounded`], but each operation is, with probability `carry_share`,
    /// drawn so that its units column carries (an Add with `a₀ + b₀ ≥ 10`) or borrows (a Subtract
    /// with `b₀ > a₀`), wherever the running value allows one (nothing added to a round value
    /// carries; a Subtract from a value below 10 cannot borrow). With `carry_share` 0 it draws
    /// exactly what `random_rounded` draws. Likewise, with probability `length_share`, an
    /// operation is drawn so that its result has another number of digits than the value it
    /// starts from ([`changes_length`]); both can be asked of one operation.
    ///
    /// Why: the tens digit where a carry or borrow comes in is what a model that can already
    /// add and subtract keeps getting wrong (see `unmask eval --show-wrong`), and uniform operands
    /// carry in only about 45 % of operations; training with a higher share shows that case more
    /// often without changing the numbers' range.
    pub fn random_drawn(
        rng: &mut impl Rng,
        n_ops: usize,
        round_share: f64,
        carry_share: f64,
        length_share: f64,
    ) -> Problem {
        let number = |rng: &mut dyn rand::RngCore, max: u32| -> u32 {
            if round_share > 0.0 && rng.random_bool(round_share.min(1.0)) {
                10 * rng.random_range(0..=max / 10)
            } else {
                rng.random_range(0..=max)
            }
        };
        let start = number(rng, MAX_OPERAND);
        let mut value = start;
        let mut ops = Vec::with_capacity(n_ops);
        for _ in 0..n_ops {
            let (kind, max) = if value > 0 && rng.random_bool(0.5) {
                (OpKind::Subtract, value.min(MAX_OPERAND))
            } else {
                (OpKind::Add, MAX_OPERAND)
            };
            let want_carry = carry_share > 0.0 && rng.random_bool(carry_share.min(1.0));
            let want_length = length_share > 0.0 && rng.random_bool(length_share.min(1.0));
            let wanted = |operand| {
                (!want_carry || carries(value, kind, operand))
                    && (!want_length || changes_length(value, kind, operand))
            };
            let mut operand = number(rng, max);
            for _ in 0..WANTED_DRAWS {
                if wanted(operand) {
                    break;
                }
                operand = number(rng, max);
            }
            let op = Op { kind, operand };
            value = match op.kind {
                OpKind::Add => value + op.operand,
                OpKind::Subtract => value - op.operand,
            };
            ops.push(op);
        }
        let phrasing = Phrasing {
            style: STYLES[rng.random_range(0..STYLES.len())],
            name: rng.random_range(0..NAMES.len()),
            object: rng.random_range(0..OBJECTS.len()),
            container: rng.random_range(0..CONTAINERS.len()),
            verbs: (0..n_ops).map(|_| rng.random_range(0..6)).collect(),
        };
        Problem {
            start,
            ops,
            phrasing,
        }
    }

    /// The start value.
    pub fn start(&self) -> u32 {
        self.start
    }

    /// The operations in order.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// The wording.
    pub fn phrasing(&self) -> &Phrasing {
        &self.phrasing
    }

    /// Number of operations.
    pub fn n_ops(&self) -> usize {
        self.ops.len()
    }

    /// The running values after each operation (the last is the answer).
    pub fn running_values(&self) -> Vec<u32> {
        let mut value = self.start;
        self.ops
            .iter()
            .map(|op| {
                value = match op.kind {
                    OpKind::Add => value + op.operand,
                    OpKind::Subtract => value - op.operand,
                };
                value
            })
            .collect()
    }

    /// The final value.
    pub fn answer(&self) -> u32 {
        self.running_values().last().copied().unwrap_or(self.start)
    }

    /// A stable hash of the content (start and operations, not the wording); the same on every
    /// platform and in every version, as the held-out split depends on it.
    pub fn content_hash(&self) -> u64 {
        let mut bytes = Vec::with_capacity(4 + 5 * self.ops.len());
        bytes.extend_from_slice(&self.start.to_le_bytes());
        for op in &self.ops {
            bytes.push(match op.kind {
                OpKind::Add => b'+',
                OpKind::Subtract => b'-',
            });
            bytes.extend_from_slice(&op.operand.to_le_bytes());
        }
        stable_hash(&bytes)
    }

    /// True when the content falls in the held-out slice (one in [`HELD_OUT_ONE_IN`]).
    pub fn is_held_out(&self) -> bool {
        self.content_hash().is_multiple_of(HELD_OUT_ONE_IN)
    }

    /// The question in words.
    pub fn prompt_text(&self) -> String {
        let p = &self.phrasing;
        let (name, pronoun) = pick(&NAMES, p.name);
        let (singular, plural) = pick(&OBJECTS, p.object);
        let container = pick(&CONTAINERS, p.container);
        let mut sentences = Vec::with_capacity(self.ops.len() + 2);
        sentences.push(match p.style {
            Style::Direct => format!("Start with {}.", self.start),
            Style::Possession => format!("{name} has {}.", count(self.start, singular, plural)),
            Style::Container => format!(
                "There {} {} in a {container}.",
                if self.start == 1 { "is" } else { "are" },
                count(self.start, singular, plural)
            ),
            Style::Score => format!(
                "{name} has a score of {}.",
                count(self.start, "point", "points")
            ),
            Style::Bus => format!(
                "A bus leaves with {}.",
                count(self.start, "passenger", "passengers")
            ),
        });
        for (i, op) in self.ops.iter().enumerate() {
            let verb = p.verbs.get(i).copied().unwrap_or(0);
            let n = op.operand;
            let add = op.kind == OpKind::Add;
            let fill = |pattern: &str, subject: &str, counted: String| {
                pattern.replace("{s}", subject).replace("{n}", &counted)
            };
            sentences.push(match p.style {
                Style::Direct => {
                    format!("{} {n}.", if add { "Add" } else { "Subtract" })
                }
                Style::Possession => {
                    // The first sentence names the person; later ones alternate name and pronoun.
                    let subject = if i % 2 == 0 { pronoun.subject() } else { name };
                    let list: &[&str] = if add {
                        &POSSESSION_ADD
                    } else {
                        &POSSESSION_SUB
                    };
                    fill(pick(list, verb), subject, n.to_string())
                }
                Style::Container => {
                    let list: &[&str] = if add { &CONTAINER_ADD } else { &CONTAINER_SUB };
                    fill(pick(list, verb), name, n.to_string())
                }
                Style::Score => {
                    let list: &[&str] = if add { &SCORE_ADD } else { &SCORE_SUB };
                    fill(
                        pick(list, verb),
                        pronoun.subject(),
                        count(n, "point", "points"),
                    )
                }
                Style::Bus => {
                    let who = if n == 1 {
                        format!("{n} person {}", if add { "gets on" } else { "gets off" })
                    } else {
                        format!("{n} people {}", if add { "get on" } else { "get off" })
                    };
                    format!("At the next stop, {who}.")
                }
            });
        }
        sentences.push(match p.style {
            Style::Direct => "What is the result?".to_string(),
            Style::Possession => format!("How many {plural} does {name} have now?"),
            Style::Container => format!("How many {plural} are in the {container} now?"),
            Style::Score => format!("What is {name}'s score now?"),
            Style::Bus => "How many passengers are on the bus now?".to_string(),
        });
        sentences.join(" ")
    }

    /// The worked steps, e.g. `47 + 38 = 85. 85 - 19 = 66.`
    pub fn reasoning_text(&self) -> String {
        let mut value = self.start;
        let steps: Vec<String> = self
            .ops
            .iter()
            .zip(self.running_values())
            .map(|(op, next)| {
                let sign = match op.kind {
                    OpKind::Add => '+',
                    OpKind::Subtract => '-',
                };
                let step = format!("{value} {sign} {} = {next}.", op.operand);
                value = next;
                step
            })
            .collect();
        steps.join(" ")
    }

    /// The answer as text, e.g. `66`.
    pub fn answer_text(&self) -> String {
        self.answer().to_string()
    }

    /// The free text of [`Layout::Plain`]: the reasoning, a newline, then `Answer: 66`.
    pub fn plain_text(&self) -> String {
        format!("{}\nAnswer: {}", self.reasoning_text(), self.answer_text())
    }
}

/// How the response canvas of a problem is laid out (named `reasoning-first`, `answer-first` and
/// `plain` on the command line and in a run's saved settings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// `{reasoning:56}` then `\nAnswer: {answer:4}`.
    ReasoningFirst,
    /// `Answer: {answer:4}\n` then `{reasoning:56}`.
    AnswerFirst,
    /// One unnamed span holding [`Problem::plain_text`].
    Plain,
}

/// All layouts.
pub const LAYOUTS: [Layout; 3] = [Layout::ReasoningFirst, Layout::AnswerFirst, Layout::Plain];

impl Layout {
    /// The response template in the app's canvas syntax (Plain uses [`PLAIN_SPAN_LEN`]).
    pub fn template(&self) -> String {
        self.template_with_plain_len(PLAIN_SPAN_LEN)
    }

    /// The response template, with `plain_span_len` cells for [`Layout::Plain`].
    pub fn template_with_plain_len(&self, plain_span_len: usize) -> String {
        match self {
            Layout::ReasoningFirst => format!(
                "{{{REASONING_REGION}:{REASONING_SPAN_LEN}}}\nAnswer: {{{ANSWER_REGION}:{ANSWER_SPAN_LEN}}}"
            ),
            Layout::AnswerFirst => format!(
                "Answer: {{{ANSWER_REGION}:{ANSWER_SPAN_LEN}}}\n{{{REASONING_REGION}:{REASONING_SPAN_LEN}}}"
            ),
            Layout::Plain => format!("{{{plain_span_len}}}"),
        }
    }

    /// The response as text with every span holding its content (no padding): what a perfect
    /// model's output reads like. Used to train the tokenizer.
    pub fn render(&self, problem: &Problem) -> Result<String, DataError> {
        let parts = parse_template(&self.template())?;
        let mut out = String::new();
        for part in &parts {
            match part {
                TemplatePart::Text(text) => out.push_str(text),
                TemplatePart::Span { name, .. } => out.push_str(&region_text(problem, name)?),
            }
        }
        Ok(out)
    }
}

/// The content of a named region for `problem`: `answer`, `reasoning`, or `""` (plain text).
fn region_text(problem: &Problem, region: &str) -> Result<String, DataError> {
    match region {
        ANSWER_REGION => Ok(problem.answer_text()),
        REASONING_REGION => Ok(problem.reasoning_text()),
        "" => Ok(problem.plain_text()),
        other => Err(DataError::UnknownRegion {
            region: other.to_string(),
            known: format!("{ANSWER_REGION:?}, {REASONING_REGION:?} and unnamed spans"),
        }),
    }
}

/// `<|bos|>` + the tokens of `text`: the prompt cells the app builds with [`PROMPT_TEMPLATE`].
pub fn prompt_ids(tokenizer: &Tokenizer, text: &str) -> Result<Vec<u32>, DataError> {
    let ids = SpecialIds::of(tokenizer)?;
    let mut out = vec![ids.bos];
    out.extend(encode_piece(tokenizer, text)?);
    Ok(out)
}

/// Tokens of [`Problem::plain_text`]: the least `plain_span_len` a Plain example can have.
pub fn plain_content_len(problem: &Problem, tokenizer: &Tokenizer) -> Result<usize, DataError> {
    Ok(encode_piece(tokenizer, &problem.plain_text())?.len())
}

/// Lay out `problem` in `layout` as one training example (see the module docs of [`super`]);
/// `plain_span_len` is the span length used for [`Layout::Plain`] and ignored otherwise.
pub fn encode_example(
    problem: &Problem,
    layout: Layout,
    tokenizer: &Tokenizer,
    plain_span_len: usize,
) -> Result<Example, DataError> {
    let prompt = prompt_ids(tokenizer, &problem.prompt_text())?;
    let parts = match layout {
        Layout::Plain if plain_span_len == 0 => {
            return Err(DataError::Config {
                reason: "a Plain layout needs a span of at least one cell".into(),
            });
        }
        Layout::Plain => plain_template(plain_span_len),
        _ => parse_template(&layout.template())?,
    };
    let mut contents = Vec::new();
    for part in &parts {
        if let TemplatePart::Span { name, .. } = part
            && !contents.iter().any(|(n, _): &(String, Vec<u32>)| n == name)
        {
            let ids = encode_piece(tokenizer, &region_text(problem, name)?)?;
            contents.push((name.clone(), ids));
        }
    }
    let mut example = lay_out(prompt, &parts, &contents, tokenizer)?;
    example.response_results = mark_results(problem, layout, &example.response_ids, tokenizer)?;
    Ok(example)
}

/// Which response cells hold a number the model has to compute, and which one: the digits of
/// clause i's result and of the same value written again as clause i+1's first operand (or as the
/// answer, for the last clause) are `Some(i)`. The other numbers (the start value and each
/// operand) are written in the prompt and are `None`, as is every other cell.
///
/// Numbers are the runs of digit cells (every digit is its own token); in the reasoning they come
/// in threes (`a op b = c`), and the answer is the number after the reasoning (before it in
/// [`Layout::AnswerFirst`]). A response whose numbers do not match `problem` is an error.
pub fn mark_results(
    problem: &Problem,
    layout: Layout,
    response_ids: &[u32],
    tokenizer: &Tokenizer,
) -> Result<Vec<Option<u8>>, DataError> {
    let is_digit: Vec<bool> = response_ids
        .iter()
        .map(|&id| {
            tokenizer
                .id_to_token(id)
                .is_some_and(|t| t.len() == 1 && t.as_bytes()[0].is_ascii_digit())
        })
        .collect();
    // Cell ranges of the numbers, in reading order.
    let mut numbers: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, &digit) in is_digit.iter().enumerate() {
        match numbers.last_mut() {
            Some(last) if digit && last.end == i => last.end = i + 1,
            _ if digit => numbers.push(i..i + 1),
            _ => {}
        }
    }
    let expected = 3 * problem.n_ops() + 1;
    if numbers.len() != expected {
        return Err(DataError::Config {
            reason: format!(
                "the response holds {} numbers, a {}-operation problem writes {expected}",
                numbers.len(),
                problem.n_ops()
            ),
        });
    }
    let mut marks = vec![None; response_ids.len()];
    for (j, cells) in numbers.into_iter().enumerate() {
        // Index within the reasoning's `a op b = c` triples; the answer is index 3·n_ops.
        let k = match layout {
            Layout::AnswerFirst if j == 0 => expected - 1,
            Layout::AnswerFirst => j - 1,
            _ => j,
        };
        // c of clause i is index 3i+2, the next a (or the answer) 3i+3: both running value i.
        if k > 0 && k % 3 != 1 {
            let value = u8::try_from((k - 2) / 3).unwrap_or(u8::MAX);
            marks[cells].fill(Some(value));
        }
    }
    Ok(marks)
}

/// Read the answer out of a decoded answer region (or a whole Plain response): the text after the
/// last `Answer:` if there is one, special tokens removed, trimmed; it must be a whole number,
/// optionally followed by a full stop.
pub fn parse_answer(decoded_answer_region: &str) -> Option<u32> {
    let text = match decoded_answer_region.rfind("Answer:") {
        Some(i) => &decoded_answer_region[i + "Answer:".len()..],
        None => decoded_answer_region,
    };
    let cleaned = text.replace(EOS, " ").replace(MASK, " ");
    let trimmed = cleaned.trim();
    let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed).trim_end();
    if trimmed.is_empty() || !trimmed.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    trimmed.parse().ok()
}

/// An endless, deterministic stream of problems (see [`training_problems`]).
#[derive(Clone, Debug)]
pub struct ProblemStream {
    rng: ChaCha8Rng,
    want_held_out: bool,
    ops: std::ops::RangeInclusive<usize>,
    round_share: f64,
    carry_share: f64,
    length_share: f64,
}

impl ProblemStream {
    /// The same stream drawing its number of operations uniformly from `ops` instead (at least 1).
    pub fn with_ops(mut self, ops: std::ops::RangeInclusive<usize>) -> ProblemStream {
        self.ops = (*ops.start()).max(1)..=(*ops.end()).max(1);
        self
    }

    /// The same stream with this share of round numbers (see [`Problem::random_rounded`]).
    pub fn with_round_share(mut self, round_share: f64) -> ProblemStream {
        self.round_share = round_share;
        self
    }

    /// The same stream with this share of operations drawn to carry or borrow (see
    /// [`Problem::random_drawn`]).
    pub fn with_carry_share(mut self, carry_share: f64) -> ProblemStream {
        self.carry_share = carry_share;
        self
    }

    /// The same stream with this share of operations drawn to change the number of digits (see
    /// [`Problem::random_drawn`]).
    pub fn with_length_share(mut self, length_share: f64) -> ProblemStream {
        self.length_share = length_share;
        self
    }
}

impl Iterator for ProblemStream {
    type Item = Problem;

    fn next(&mut self) -> Option<Problem> {
        loop {
            // A fixed count draws nothing, so held-out sets stay what they were for each seed.
            let n_ops = if self.ops.start() == self.ops.end() {
                *self.ops.start()
            } else {
                self.rng.random_range(self.ops.clone())
            };
            let problem = Problem::random_drawn(
                &mut self.rng,
                n_ops,
                self.round_share,
                self.carry_share,
                self.length_share,
            );
            if problem.is_held_out() == self.want_held_out {
                return Some(problem);
            }
        }
    }
}

/// Mixed into the seed of the held-out stream so it never replays the training stream.
const HELD_OUT_SEED_SALT: u64 = 0x4845_4c44_4f55_5421;

/// Endless training problems (2 to 4 operations, random wording), never a held-out one.
pub fn training_problems(seed: u64) -> ProblemStream {
    ProblemStream {
        rng: ChaCha8Rng::seed_from_u64(seed),
        want_held_out: false,
        ops: OPS_RANGE,
        round_share: 0.0,
        carry_share: 0.0,
        length_share: 0.0,
    }
}

/// `n` distinct held-out problems (by content), all with `n_ops` operations if given (otherwise
/// 2 to 4). Deterministic per seed. Returns fewer only if the held-out slice of that many
/// operations runs out (it cannot for 2 or more operations and any sensible `n`).
pub fn held_out_problems(seed: u64, n: usize, n_ops: Option<usize>) -> Vec<Problem> {
    let mut stream = ProblemStream {
        rng: ChaCha8Rng::seed_from_u64(seed ^ HELD_OUT_SEED_SALT),
        want_held_out: true,
        ops: n_ops.map_or(OPS_RANGE, |k| k.max(1)..=k.max(1)),
        round_share: 0.0,
        carry_share: 0.0,
        length_share: 0.0,
    };
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    let mut misses = 0usize;
    while out.len() < n && misses < 10_000 {
        let Some(problem) = stream.next() else { break };
        if seen.insert((problem.start, problem.ops.clone())) {
            out.push(problem);
            misses = 0;
        } else {
            misses += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Problem {
        Problem::new(
            47,
            vec![
                Op {
                    kind: OpKind::Add,
                    operand: 38,
                },
                Op {
                    kind: OpKind::Subtract,
                    operand: 19,
                },
            ],
        )
        .unwrap()
    }

    #[test]
    fn direct_wording_reasoning_and_answer() {
        let p = example();
        assert_eq!(
            p.prompt_text(),
            "Start with 47. Add 38. Subtract 19. What is the result?"
        );
        assert_eq!(p.reasoning_text(), "47 + 38 = 85. 85 - 19 = 66.");
        assert_eq!(p.answer_text(), "66");
        assert_eq!(p.answer(), 66);
        assert_eq!(p.n_ops(), 2);
        assert_eq!(p.plain_text(), "47 + 38 = 85. 85 - 19 = 66.\nAnswer: 66");
    }

    #[test]
    fn word_problem_wordings() {
        let base = example();
        let with = |style, name, object, verbs: Vec<usize>| {
            base.clone()
                .with_phrasing(Phrasing {
                    style,
                    name,
                    object,
                    container: 1,
                    verbs,
                })
                .prompt_text()
        };
        assert_eq!(
            with(Style::Possession, 0, 0, vec![0, 0]),
            "Tom has 47 apples. He buys 38 more. Tom gives away 19. How many apples does Tom have now?"
        );
        assert_eq!(
            with(Style::Container, 1, 1, vec![0, 0]),
            "There are 47 marbles in a jar. Anna puts 38 more in. Anna takes 19 out. How many marbles are in the jar now?"
        );
        assert_eq!(
            with(Style::Score, 2, 0, vec![1, 0]),
            "Ben has a score of 47 points. He earns 38 points. He loses 19 points. What is Ben's score now?"
        );
        assert_eq!(
            with(Style::Bus, 0, 0, vec![0, 0]),
            "A bus leaves with 47 passengers. At the next stop, 38 people get on. At the next stop, 19 people get off. How many passengers are on the bus now?"
        );
        let one = Problem::new(
            1,
            vec![Op {
                kind: OpKind::Add,
                operand: 1,
            }],
        )
        .unwrap()
        .with_phrasing(Phrasing {
            style: Style::Container,
            name: 3,
            object: 3,
            container: 0,
            verbs: vec![1],
        });
        assert_eq!(
            one.prompt_text(),
            "There is 1 coin in a box. Lucy adds 1 more. How many coins are in the box now?"
        );
    }

    #[test]
    fn invalid_problems_are_refused() {
        assert!(
            Problem::new(
                100,
                vec![Op {
                    kind: OpKind::Add,
                    operand: 1
                }]
            )
            .is_err()
        );
        assert!(Problem::new(5, vec![]).is_err());
        assert!(
            Problem::new(
                5,
                vec![Op {
                    kind: OpKind::Subtract,
                    operand: 6
                }]
            )
            .is_err()
        );
    }

    #[test]
    fn random_problems_stay_in_range() {
        let mut values_above_99 = 0;
        for p in training_problems(3).take(20_000) {
            assert!(OPS_RANGE.contains(&p.n_ops()));
            assert!(p.start() <= MAX_OPERAND);
            assert!(p.ops().iter().all(|op| op.operand <= MAX_OPERAND));
            // Re-validating through the checked constructor proves no step went negative.
            let checked = Problem::new(p.start(), p.ops().to_vec()).unwrap();
            assert_eq!(checked.answer(), p.answer());
            assert!(p.answer() <= MAX_OPERAND * 5);
            if p.answer() > 99 {
                values_above_99 += 1;
            }
        }
        assert!(values_above_99 > 1000, "results above 99 should be common");
    }

    #[test]
    fn every_style_appears() {
        let styles: HashSet<Style> = training_problems(1)
            .take(500)
            .map(|p| p.phrasing().style)
            .collect();
        assert_eq!(styles.len(), STYLES.len());
    }

    #[test]
    fn content_hash_ignores_wording() {
        let a = example();
        let b = a.clone().with_phrasing(Phrasing {
            style: Style::Bus,
            name: 4,
            object: 2,
            container: 3,
            verbs: vec![1, 1],
        });
        assert_ne!(a.prompt_text(), b.prompt_text());
        assert_eq!(a.content_hash(), b.content_hash());
        // Pinned value: the split must never drift between versions.
        assert_eq!(
            a.content_hash(),
            stable_hash(&[47, 0, 0, 0, b'+', 38, 0, 0, 0, b'-', 19, 0, 0, 0])
        );
    }

    /// Over 2000 problems drawn with these shares, the share of operations that have `property`
    /// among those that some operand in range could give it (nothing added to a round value
    /// carries; nothing added to a three-digit value changes length).
    fn wanted_rate(
        seed: u64,
        carry_share: f64,
        length_share: f64,
        property: fn(u32, OpKind, u32) -> bool,
    ) -> f64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mut have, mut could) = (0usize, 0usize);
        for _ in 0..2000 {
            let p = Problem::random_drawn(&mut rng, 3, 0.0, carry_share, length_share);
            assert!(Problem::new(p.start(), p.ops().to_vec()).is_ok(), "{p:?}");
            let values = p.running_values();
            for (op, &value) in p
                .ops()
                .iter()
                .zip(std::iter::once(&p.start()).chain(&values))
            {
                let max = match op.kind {
                    OpKind::Add => MAX_OPERAND,
                    OpKind::Subtract => value.min(MAX_OPERAND),
                };
                if (0..=max).any(|b| property(value, op.kind, b)) {
                    could += 1;
                    have += usize::from(property(value, op.kind, op.operand));
                }
            }
        }
        have as f64 / could as f64
    }

    #[test]
    fn carry_share_makes_carries_and_zero_changes_nothing() {
        // Share 0 draws exactly what `random_rounded` draws.
        let (mut a, mut b) = (ChaCha8Rng::seed_from_u64(6), ChaCha8Rng::seed_from_u64(6));
        for _ in 0..500 {
            assert_eq!(
                Problem::random_rounded(&mut a, 3, 0.2),
                Problem::random_drawn(&mut b, 3, 0.2, 0.0, 0.0)
            );
        }
        let carry_rate = |carry_share| wanted_rate(7, carry_share, 0.0, carries);
        let (uniform, all) = (carry_rate(0.0), carry_rate(1.0));
        assert!(
            (0.35..0.55).contains(&uniform),
            "uniform carry rate {uniform}"
        );
        assert!(
            all > 0.98,
            "carry_share 1 carries in {all} of the operations that can"
        );
        let half = carry_rate(0.5);
        assert!(
            half > uniform + 0.15 && half < all,
            "carry_share 0.5: {half}"
        );
    }

    #[test]
    fn length_share_makes_results_change_their_number_of_digits() {
        let rate = |length_share| wanted_rate(8, 0.0, length_share, changes_length);
        let (uniform, all) = (rate(0.0), rate(1.0));
        assert!(
            (0.3..0.6).contains(&uniform),
            "uniform length-change rate {uniform}"
        );
        assert!(
            all > 0.97,
            "length_share 1 changes length in {all} of the operations that can"
        );
        // Share 0 draws exactly what `random_rounded` draws.
        let (mut a, mut b) = (ChaCha8Rng::seed_from_u64(9), ChaCha8Rng::seed_from_u64(9));
        for _ in 0..200 {
            assert_eq!(
                Problem::random_rounded(&mut a, 3, 0.0),
                Problem::random_drawn(&mut b, 3, 0.0, 0.0, 0.0)
            );
        }
        assert!(changes_length(95, OpKind::Add, 7));
        assert!(changes_length(33, OpKind::Subtract, 24));
        assert!(changes_length(104, OpKind::Subtract, 6));
        assert!(!changes_length(47, OpKind::Add, 38));
    }

    #[test]
    fn carries_reads_the_units_column() {
        assert!(carries(47, OpKind::Add, 38));
        assert!(!carries(47, OpKind::Add, 32));
        assert!(carries(85, OpKind::Subtract, 19));
        assert!(!carries(85, OpKind::Subtract, 15));
        assert!(!carries(190, OpKind::Subtract, 50));
        assert!(carries(190, OpKind::Subtract, 55));
    }

    #[test]
    fn round_share_makes_round_numbers_and_zero_changes_nothing() {
        let numbers = |p: &Problem| {
            std::iter::once(p.start())
                .chain(p.ops().iter().map(|op| op.operand))
                .collect::<Vec<_>>()
        };
        // Share 0 draws exactly what `random` draws (held-out sets and old streams unchanged).
        let (mut a, mut b) = (ChaCha8Rng::seed_from_u64(4), ChaCha8Rng::seed_from_u64(4));
        for _ in 0..500 {
            assert_eq!(
                Problem::random(&mut a, 3),
                Problem::random_rounded(&mut b, 3, 0.0)
            );
        }
        // Share 0.5: about half the numbers are drawn round, plus a tenth of the rest.
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let (mut round, mut all) = (0usize, 0usize);
        for _ in 0..2000 {
            let p = Problem::random_rounded(&mut rng, 3, 0.5);
            // Within range and never negative (what `Problem::new` checks).
            assert!(Problem::new(p.start(), p.ops().to_vec()).is_ok(), "{p:?}");
            let ns = numbers(&p);
            round += ns.iter().filter(|&&n| n % 10 == 0).count();
            all += ns.len();
        }
        let share = round as f64 / all as f64;
        assert!((0.5..0.6).contains(&share), "{share}");
        // Share 1: every number round.
        let p = Problem::random_rounded(&mut rng, 4, 1.0);
        assert!(numbers(&p).iter().all(|n| n % 10 == 0), "{p:?}");
    }

    #[test]
    fn held_out_fraction_is_about_one_in_sixteen() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let n = 32_000;
        let held = (0..n)
            .filter(|_| Problem::random(&mut rng, 3).is_held_out())
            .count();
        let expected = n / 16;
        assert!(held.abs_diff(expected) < expected / 5, "{held} of {n}");
    }

    #[test]
    fn held_out_problems_respect_n_ops_and_are_distinct() {
        let probs = held_out_problems(5, 300, Some(4));
        assert_eq!(probs.len(), 300);
        assert!(probs.iter().all(|p| p.n_ops() == 4 && p.is_held_out()));
        let distinct: HashSet<_> = probs
            .iter()
            .map(|p| (p.start(), p.ops().to_vec()))
            .collect();
        assert_eq!(distinct.len(), 300);
    }

    #[test]
    fn parses_answers() {
        assert_eq!(parse_answer("66"), Some(66));
        assert_eq!(parse_answer(" 66<|eos|><|eos|>"), Some(66));
        assert_eq!(
            parse_answer("47 + 38 = 85. 85 - 19 = 66.\nAnswer: 66"),
            Some(66)
        );
        assert_eq!(parse_answer("495."), Some(495));
        assert_eq!(parse_answer("6<|mask|>6"), None);
        assert_eq!(parse_answer("sixty"), None);
        assert_eq!(parse_answer("<|eos|>"), None);
        assert_eq!(parse_answer("-3"), None);
    }

    #[test]
    fn templates_parse_to_the_documented_spans() {
        for layout in [Layout::ReasoningFirst, Layout::AnswerFirst] {
            let parts = parse_template(&layout.template()).unwrap();
            let spans: Vec<(String, usize)> = parts
                .iter()
                .filter_map(|p| match p {
                    TemplatePart::Span { name, len } => Some((name.clone(), *len)),
                    TemplatePart::Text(_) => None,
                })
                .collect();
            assert!(spans.contains(&(ANSWER_REGION.to_string(), ANSWER_SPAN_LEN)));
            assert!(spans.contains(&(REASONING_REGION.to_string(), REASONING_SPAN_LEN)));
        }
        assert_eq!(
            parse_template(&Layout::Plain.template_with_plain_len(30)).unwrap(),
            plain_template(30)
        );
        assert_eq!(
            Layout::AnswerFirst.render(&example()).unwrap(),
            "Answer: 66\n47 + 38 = 85. 85 - 19 = 66."
        );
    }
}
