//! The one typed reader of spanned TOML values, for scenarios, sweeps and claims files alike: every problem is
//! collected with its file, line:column and key path, and a misspelt key gets the same "did you mean".

use std::path::Path;

use super::access::{self, MAX_SCENARIO_BYTES};
use super::month::Month;
use super::suggest::closest;
use super::tree::{self, Entry, Loc, Node, Sources, Table, Value};
use super::{Located, ScenarioError};

/// Reads a file into its sources and spanned table (syntax errors already located). A sweep's top-level `base` is
/// held here to the rule every scenario's `base` follows: a `.toml` file inside the allowed folders.
pub fn read(path: &Path) -> Result<(Sources, Table), ScenarioError> {
    let text = access::read_text(path, MAX_SCENARIO_BYTES).map_err(|e| e.named(path))?;
    let mut sources = Sources::default();
    sources.files.push(tree::SourceFile {
        path: path.to_path_buf(),
        text,
    });
    let table = tree::parse(&sources, 0)?;
    if let Some(e) = tree::get(&table, "base")
        && let Value::Str(rel) = &e.node.value
    {
        let named = path.parent().unwrap_or(Path::new(".")).join(rel);
        if let Err(msg) = admit_named(path, &named, "base scenario") {
            return Err(ScenarioError::Invalid(vec![sources.error(
                &e.node.loc,
                "base",
                msg,
            )]));
        }
    }
    Ok((sources, table))
}

/// `named` (a file that `from` names) may be read: absent files pass (the reader says they do not exist), others
/// must be `.toml` files inside the folders allowed for `from`.
pub fn admit_named(from: &Path, named: &Path, what: &str) -> Result<(), String> {
    if !named.exists() {
        return Ok(());
    }
    access::Roots::for_file(from).admit(named)?;
    if !access::has_extension(named, "toml") {
        return Err(format!("{}: a {what} is a .toml file", named.display()));
    }
    Ok(())
}

/// A number read from the tree, with where it was written.
pub struct Num {
    pub value: f64,
    pub loc: Loc,
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

    /// A key not in `allowed`, with the nearest allowed spelling when there is one.
    pub fn unknown(&mut self, entry: &Entry, key: &str, allowed: &[&str]) {
        let leaf = key.rsplit('.').next().unwrap_or(key);
        let hint = closest(leaf, allowed)
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        self.err(
            &entry.key_loc,
            key,
            format!("unknown key{hint}; allowed here: {}", allowed.join(", ")),
        );
    }

    /// A finite number (an integer is read as one).
    pub fn number(&mut self, node: &Node, key: &str) -> Option<Num> {
        match node.value {
            Value::Int(i) => Some(Num {
                value: i as f64,
                loc: node.loc.clone(),
            }),
            Value::Float(f) if f.is_finite() => Some(Num {
                value: f,
                loc: node.loc.clone(),
            }),
            Value::Float(_) => {
                self.err(&node.loc, key, "must be a finite number (not nan or inf)");
                None
            }
            ref other => {
                self.err(
                    &node.loc,
                    key,
                    format!("must be a number, found {}", other.type_name()),
                );
                None
            }
        }
    }

    /// A whole number in `[min, max]`.
    pub fn integer(&mut self, node: &Node, key: &str, min: u64, max: u64) -> Option<u64> {
        match node.value {
            Value::Int(i) if i >= 0 && (i as u64) >= min && (i as u64) <= max => Some(i as u64),
            Value::Int(i) => {
                self.err(
                    &node.loc,
                    key,
                    format!("{i} is out of range: must be a whole number in [{min}, {max}]"),
                );
                None
            }
            ref other => {
                self.err(
                    &node.loc,
                    key,
                    format!(
                        "must be a whole number in [{min}, {max}], found {}",
                        other.type_name()
                    ),
                );
                None
            }
        }
    }

    pub fn string(&mut self, node: &Node, key: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            other => {
                self.err(
                    &node.loc,
                    key,
                    format!("must be a string, found {}", other.type_name()),
                );
                None
            }
        }
    }

    pub fn boolean(&mut self, node: &Node, key: &str) -> Option<bool> {
        match &node.value {
            Value::Bool(b) => Some(*b),
            other => {
                self.err(
                    &node.loc,
                    key,
                    format!(
                        "must be a boolean (true or false), found {}",
                        other.type_name()
                    ),
                );
                None
            }
        }
    }

    pub fn table<'n>(&mut self, node: &'n Node, key: &str) -> Option<&'n Table> {
        match &node.value {
            Value::Table(t) => Some(t),
            other => {
                self.err(
                    &node.loc,
                    key,
                    format!("must be a table, found {}", other.type_name()),
                );
                None
            }
        }
    }

    /// A month written as the string `"YYYY-MM"`.
    pub fn month(&mut self, node: &Node, key: &str) -> Option<Month> {
        let s = self.string(node, key)?;
        let m = Month::parse(&s);
        if m.is_none() {
            self.err(
                &node.loc,
                key,
                format!("{s:?} is not a month: write it as \"YYYY-MM\""),
            );
        }
        m
    }
}
