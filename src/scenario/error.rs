//! Errors a scenario file can have. Each names the file, the line and column, the key path and what is allowed.

use std::fmt;

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{}: cannot read scenario: {source}", printable(&path.display().to_string(), false))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", format_all(.0))]
    Invalid(Vec<Located>),
}

/// One problem at one place in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    /// Dotted key path, e.g. `actors.Belarus.dependence`; empty for a syntax error.
    pub key_path: String,
    pub message: String,
    /// The source line as shown: at most [`ECHO_CHARS`] characters around the column, control characters replaced.
    pub source_line: String,
    /// Column of the caret within `source_line` (1-based); 0 when no line is shown (a file that is not text, or one
    /// reached through `base` that is not a scenario, is never echoed).
    pub caret: usize,
}

/// The most characters of a source line an error shows: a 50 MB one-line file must not print 50 MB.
pub const ECHO_CHARS: usize = 200;

impl Located {
    /// The part of `line` around byte `at` (a char boundary) that an error shows, and the caret's column in it.
    pub fn window(line: &str, at: usize) -> (String, usize) {
        let at = at.min(line.len());
        let half = ECHO_CHARS / 2;
        let before: Vec<char> = line[..at].chars().rev().take(half + 1).collect();
        let cut_before = before.len() > half;
        let before: String = before.into_iter().take(half).rev().collect();
        let mut after: String = line[at..].chars().take(ECHO_CHARS - half + 1).collect();
        let cut_after = after.chars().count() > ECHO_CHARS - half;
        if cut_after {
            after.pop();
        }
        let mut shown = String::new();
        if cut_before {
            shown.push_str("...");
        }
        shown.push_str(&before);
        let caret = shown.chars().count() + 1;
        shown.push_str(&after);
        if cut_after {
            shown.push_str("...");
        }
        // One character for one, so the caret stays under the column.
        let shown = shown
            .chars()
            .map(|c| match c {
                '\t' => ' ',
                c if is_unsafe(c) => '\u{fffd}',
                c => c,
            })
            .collect();
        (shown, caret)
    }
}

/// Control characters (C0, DEL, C1) and the bidirectional overrides: a terminal acts on them instead of showing them.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every control character written as an escape (`\u{1b}`), for text from input printed to a terminal;
/// `keep_newlines` keeps line breaks (a report's own layout).
pub fn printable(s: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_unsafe(c) && !(keep_newlines && c == '\n') {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display().to_string();
        write!(
            f,
            "{}:{}:{}: ",
            printable(&file, false),
            self.line,
            self.column
        )?;
        if !self.key_path.is_empty() {
            write!(f, "{}: ", printable(&self.key_path, false))?;
        }
        write!(f, "{}", printable(&self.message, false))?;
        if self.caret == 0 {
            return Ok(());
        }
        let gutter = self.line.to_string();
        writeln!(f)?;
        writeln!(f, "{gutter} | {}", printable(&self.source_line, false))?;
        write!(
            f,
            "{} | {}^",
            " ".repeat(gutter.len()),
            " ".repeat(self.caret.saturating_sub(1))
        )
    }
}

fn format_all(errors: &[Located]) -> String {
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    let mut s = shown.join("\n");
    if errors.len() > 1 {
        s.push_str(&format!("\n{} problems found", errors.len()));
    }
    s
}

impl ScenarioError {
    /// The located problems (empty for a read error).
    pub fn problems(&self) -> &[Located] {
        match self {
            ScenarioError::Invalid(v) => v,
            ScenarioError::Read { .. } => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let line = "x".repeat(1000) + "^here" + &"y".repeat(1000);
        let (shown, caret) = Located::window(&line, 1000);
        assert!(shown.starts_with("...") && shown.ends_with("..."));
        assert_eq!(shown.chars().count(), ECHO_CHARS + 6);
        assert_eq!(shown.chars().nth(caret - 1), Some('^'));
        let (short, caret) = Located::window("a = 1", 4);
        assert_eq!((short.as_str(), caret), ("a = 1", 5));
        // Multi-byte characters are cut on their boundaries.
        let wide = "\u{e9}".repeat(500);
        let (shown, caret) = Located::window(&wide, 500);
        assert_eq!(shown.chars().nth(caret - 1), Some('\u{e9}'));
        let (ctl, _) = Located::window("a\u{1b}[2J\tb", 0);
        assert_eq!(ctl, "a\u{fffd}[2J b");
        assert_eq!(printable("a\u{1b}]0;t\u{7}", false), "a\\u{1b}]0;t\\u{7}");
    }
}
