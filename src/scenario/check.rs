//! Typed reading of spanned TOML values for the input files that are not scenarios (sweeps, claims): every
//! problem is collected with its file, line:column and key path, like the scenario loader's.

use std::path::Path;

use super::tree::{self, Entry, Loc, Node, Sources, Table, Value};
use super::{Located, ScenarioError};

/// Reads a file into its sources and spanned table (syntax errors already located).
pub fn read(path: &Path) -> Result<(Sources, Table), ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        path: path.into(),
        source,
    })?;
    let mut sources = Sources::default();
    sources.files.push(tree::SourceFile {
        path: path.to_path_buf(),
        text,
    });
    let table = tree::parse(&sources, 0)?;
    Ok((sources, table))
}

/// Collects located problems while reading values.
pub struct Checker<'a> {
    pub sources: &'a Sources,
    pub errors: Vec<Located>,
}

impl<'a> Checker<'a> {
    pub fn new(sources: &'a Sources) -> Checker<'a> {
        Checker {
            sources,
            errors: Vec::new(),
        }
    }

    /// `Ok(value)` when no problem was recorded, else every problem.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, ScenarioError> {
        match value {
            Some(v) if self.errors.is_empty() => Ok(v),
            _ => Err(ScenarioError::Invalid(self.errors)),
        }
    }

    pub fn err(&mut self, loc: &Loc, key: &str, msg: impl Into<String>) {
        self.errors.push(self.sources.error(loc, key, msg));
    }

    pub fn str(&mut self, n: &Node, key: &str) -> Option<String> {
        match &n.value {
            Value::Str(s) => Some(s.clone()),
            other => {
                self.err(
                    &n.loc,
                    key,
                    format!("must be a string, found {}", other.type_name()),
                );
                None
            }
        }
    }

    pub fn num(&mut self, n: &Node, key: &str) -> Option<f64> {
        match n.value {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) if f.is_finite() => Some(f),
            ref other => {
                self.err(
                    &n.loc,
                    key,
                    format!("must be a finite number, found {}", other.type_name()),
                );
                None
            }
        }
    }

    pub fn int(&mut self, n: &Node, key: &str, min: u64, max: u64) -> Option<u64> {
        match n.value {
            Value::Int(i) if i >= 0 && (i as u64) >= min && (i as u64) <= max => Some(i as u64),
            _ => {
                self.err(
                    &n.loc,
                    key,
                    format!("must be a whole number in [{min}, {max}]"),
                );
                None
            }
        }
    }

    pub fn unknown(&mut self, e: &Entry, key: &str, allowed: &[&str]) {
        self.err(
            &e.key_loc,
            key,
            format!("unknown key; allowed here: {}", allowed.join(", ")),
        );
    }
}
