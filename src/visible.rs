//! Control characters made visible: user and model text (prompts, tokens, traces from anywhere)
//! reaches a terminal or the screen only through [`visible_controls`], so an `ESC]0;…` in a prompt
//! cannot retitle a terminal or clear it, and the app never needs a glyph no font has.

use std::borrow::Cow;

/// `text` with every control character except newline and tab in caret notation (`ESC` → `^[`,
/// `BEL` → `^G`, `DEL` → `^?`) and the C1 controls as `<U+009B>`. Borrowed when there is none.
pub fn visible_controls(text: &str) -> Cow<'_, str> {
    let hidden = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !hidden(c) => out.push(c),
            '\u{7f}' => out.push_str("^?"),
            c if (c as u32) < 0x20 => {
                out.push('^');
                out.push(char::from(b'@' + c as u8));
            }
            c => out.push_str(&format!("<U+{:04X}>", c as u32)),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_other_controls_become_visible_text() {
        assert_eq!(visible_controls("plain\ttext\n"), "plain\ttext\n");
        assert!(matches!(visible_controls("plain"), Cow::Borrowed(_)));
        assert_eq!(
            visible_controls("a\x1b]0;owned\x07b\x1b[2J\r\x7f\u{9b}"),
            "a^[]0;owned^Gb^[[2J^M^?<U+009B>"
        );
    }
}
