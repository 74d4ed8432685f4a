//! Errors a scenario file can have. Each names the file, the line and column, the key path and what is allowed.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{}: cannot read scenario: {source}", path.display())]
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
    pub source_line: String,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        if !self.key_path.is_empty() {
            write!(f, "{}: ", self.key_path)?;
        }
        writeln!(f, "{}", self.message)?;
        let gutter = self.line.to_string();
        writeln!(f, "{gutter} | {}", self.source_line)?;
        write!(
            f,
            "{} | {}^",
            " ".repeat(gutter.len()),
            " ".repeat(self.column.saturating_sub(1))
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
