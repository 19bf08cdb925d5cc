//! Tooltips of the controls: one sentence per parameter.

pub const PROMPT: &str = "The question or text the model answers; it is wrapped in the model's chat format unless \"raw prompt\" is on.";
pub const TEMPLATE: &str = "The response canvas: plain text is pinned (never changes), {name:N} is N masks in a region called name, {N} is N unnamed masks.";
pub const GEN_LENGTH: &str = "How many masks follow the prompt when no template is used.";
pub const RAW_PROMPT: &str = "Send the prompt exactly as typed, without the model's chat format.";
pub const EOS_LAST: &str = "Decide where each span ends last: a cell whose guess is EOS/EOT is committed only once every cell before it in its span is written, so early padding cannot fix the length before the content is known (e.g. force a two-digit result where one digit is right).";
pub const SUPPRESS_EOS: &str = "Never let the model write end-of-sequence (EOS/EOT): their logits are set to −∞ at every mask, so every cell gets content instead of EOS padding. Shows what the model says at the full length.";
pub const STOP_AT_EOS: &str = "Text output ends at the first EOS of each masked span; the rest is summarised as ⟨eos: N cells cut⟩. Decoding is unchanged and the canvas still shows every cell.";
pub const COUNT_RULE: &str = "How many masks each step turns into tokens: all that are confident enough, a Fast-dLLM factor rule, or a fixed number of steps.";
pub const THRESHOLD: &str = "Each step writes every mask whose top token has at least this probability (at least one per step); lower = fewer, bolder steps.";
pub const FACTOR: &str = "Fast-dLLM factor f: write the longest run of candidates, surest first, whose r-th confidence is at least 1 − f/(r+1); higher = more per step.";
pub const STEPS: &str =
    "Total denoising steps; fewer steps = more tokens written in parallel per step.";
pub const ONE_PER_MASK: &str = "Use as many steps as there are masks, so each step writes exactly one token (LLaDA's default).";
pub const SCHEDULE: &str = "How the steps are shared out: quota (LLaDA) writes the same number each step, timestep (Dream) follows a noise schedule that writes more at the end.";
pub const EPS: &str =
    "Where Dream's time grid stops (it runs from 1 down to eps); 0.001 is Dream's value.";
pub const REMASKING: &str = "Which masks are written first: the most confident, random ones, the largest margin between the top two tokens, or the lowest entropy.";
pub const ORDER: &str = "Which masks may be written: anywhere (free), always the leftmost (left-to-right), or one named region after another.";
pub const REGIONS: &str = "Region names in the order they are finished, separated by commas; regions not named follow in canvas order.";
pub const BLOCK: &str = "Semi-autoregressive blocks: finish the first N masks before starting the next N (0 = the whole canvas is one block).";
pub const TEMPERATURE: &str = "Randomness of the chosen tokens: 0 always takes the most likely one, higher values take more surprising ones.";
pub const TOP_P: &str =
    "Only sample among the most likely tokens that together hold this much probability (1 = off).";
pub const TOP_K: &str = "Only sample among the k most likely tokens (0 = off).";
pub const ALG_TEMP: &str = "Pick which masks to write at random, weighted by softmax(score / this temperature), instead of the best scores (0 = off).";
pub const CFG: &str = "Classifier-free guidance: push the prediction away from what the model would say without the prompt (0 = off; costs a second forward pass).";
pub const SEED: &str = "Seed of every random choice: the same seed and settings give the same run.";
pub const TRACE_TOP_K: &str =
    "How many candidate tokens per mask the run records for the hover popup.";
pub const GENERATE: &str = "Start a run with these settings (the canvas shows it live).";
pub const CANCEL: &str = "Stop the run after the current step; what it wrote so far stays visible.";
