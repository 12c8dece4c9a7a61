//! The one rule for control characters in text that enters canyu.
//!
//! PostgreSQL cannot store NUL in `text` (SQLite can), and the other C0 controls are never
//! meant in a name, a title or a note: they are refused everywhere text comes in, with
//! `control_character`. Text that may span lines keeps `\n`, `\r` and `\t`.

use crate::ErrorCode;

/// Whether `c` is a C0 control character (U+0000–U+001F) or DEL.
fn is_c0(c: char) -> bool {
    c <= '\u{1f}' || c == '\u{7f}'
}

/// Refuses any C0 control character (NUL included) or DEL: for single-line text.
pub fn refuse_controls(raw: &str) -> Result<(), ErrorCode> {
    if raw.chars().any(is_c0) { Err(ErrorCode::ControlCharacter) } else { Ok(()) }
}

/// Refuses C0 control characters and DEL except line breaks and tabs: for multi-line text.
pub fn refuse_controls_multiline(raw: &str) -> Result<(), ErrorCode> {
    if raw.chars().any(|c| is_c0(c) && !matches!(c, '\n' | '\r' | '\t')) {
        Err(ErrorCode::ControlCharacter)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_other_controls_are_refused() {
        for bad in ["a\0b", "\u{1}", "x\u{1b}[31m", "del\u{7f}"] {
            assert_eq!(refuse_controls(bad), Err(ErrorCode::ControlCharacter), "{bad:?}");
            assert_eq!(refuse_controls_multiline(bad), Err(ErrorCode::ControlCharacter), "{bad:?}");
        }
        assert_eq!(refuse_controls("two\nlines"), Err(ErrorCode::ControlCharacter));
        assert_eq!(refuse_controls_multiline("two\r\nlines\tand a tab"), Ok(()));
        assert_eq!(refuse_controls("米粉 fan_1"), Ok(()));
    }
}
