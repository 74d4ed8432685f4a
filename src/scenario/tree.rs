//! A scenario file as a tree of values that remember where they were written (file and byte span), so that a
//! variant merged over its base still reports errors at the line and column a person typed.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::error::{Located, ScenarioError};

/// The files a scenario was read from: the scenario itself first, then its bases.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    pub files: Vec<SourceFile>,
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// Where a value was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub file: usize,
    pub span: Range<usize>,
}

impl Sources {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, loc: &Loc) -> (usize, usize) {
        let text = &self.files[loc.file].text;
        let at = floor_boundary(text, loc.span.start.min(text.len()));
        let before = &text[..at];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, text[line_start..at].chars().count() + 1)
    }

    pub fn path(&self, loc: &Loc) -> &Path {
        &self.files[loc.file].path
    }

    /// An error at `loc` about `key_path`, showing the part of its line around the column.
    pub fn error(&self, loc: &Loc, key_path: &str, message: impl Into<String>) -> Located {
        let (line, column) = self.line_col(loc);
        let text = &self.files[loc.file].text;
        let at = floor_boundary(text, loc.span.start.min(text.len()));
        let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let line_text = text[start..end]
            .strip_suffix('\r')
            .unwrap_or(&text[start..end]);
        let (source_line, caret) = Located::window(line_text, at - start);
        Located {
            file: self.path(loc).to_path_buf(),
            line,
            column,
            key_path: key_path.to_string(),
            message: message.into(),
            source_line,
            caret,
        }
    }
}

/// The largest char boundary at or below `i`.
fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[derive(Debug, Clone)]
pub enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Array(Vec<Node>),
    Table(Table),
}

/// Entries in key order of the file (the TOML library sorts them; the order carries no meaning).
pub type Table = Vec<Entry>;

#[derive(Debug, Clone)]
pub struct Entry {
    pub key: String,
    pub key_loc: Loc,
    pub node: Node,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    pub loc: Loc,
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Bool(_) => "a boolean",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

/// Parses one file into a tree; syntax errors carry line and column.
pub fn parse(sources: &Sources, file: usize) -> Result<Table, ScenarioError> {
    parse_with(sources, file, |e| e)
}

/// Parses a file reached through the `base` key at `via`: a syntax error is reported there, with the line and
/// column in the base but none of its text (the file may not be a scenario at all).
pub fn parse_base(sources: &Sources, file: usize, via: &Loc) -> Result<Table, ScenarioError> {
    parse_with(sources, file, |e| {
        sources.error(
            via,
            "base",
            format!(
                "{}:{}:{}: {} (the base is not a valid TOML scenario; its lines are not shown)",
                e.file.display(),
                e.line,
                e.column,
                e.message
            ),
        )
    })
}

fn parse_with(
    sources: &Sources,
    file: usize,
    syntax: impl FnOnce(Located) -> Located,
) -> Result<Table, ScenarioError> {
    let text = &sources.files[file].text;
    let doc = DeTable::parse(text).map_err(|e| {
        // The parser's key-depth limit comes without a place: find the key that hit it.
        let span = e.span().or_else(|| deep_key(text)).unwrap_or(0..0);
        let loc = Loc { file, span };
        let message = match e.message().trim() {
            "recursion limit" => format!(
                "a key has {KEY_DEPTH_LIMIT} or more dotted parts (the TOML reader's nesting limit)"
            ),
            m => m.to_string(),
        };
        ScenarioError::Invalid(vec![syntax(sources.error(
            &loc,
            "",
            format!("TOML syntax: {message}"),
        ))])
    })?;
    let mut errors = Vec::new();
    let table = convert_table(sources, file, doc.into_inner(), &mut errors, "");
    if errors.is_empty() {
        Ok(table)
    } else {
        Err(ScenarioError::Invalid(errors))
    }
}

/// Keys of more parts than this are refused by the TOML parser (its recursion limit, without a span).
const KEY_DEPTH_LIMIT: usize = 80;

/// Where the first key with at least [`KEY_DEPTH_LIMIT`] dotted parts starts (a table header or a dotted key),
/// counting dots outside quotes; `None` if there is none.
fn deep_key(text: &str) -> Option<Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let start = offset + (line.len() - trimmed.len());
        let (mut dots, mut quote) = (0, None);
        for c in trimmed.chars() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '.') => dots += 1,
                (None, '=' | ']' | '#' | '\n') => break,
                _ => {}
            }
        }
        if dots + 1 >= KEY_DEPTH_LIMIT {
            return Some(start..start + 1);
        }
        offset += line.len();
    }
    None
}

/// `prefix` is the key path of the table (empty at the top), so errors name the full path.
fn convert_table(
    sources: &Sources,
    file: usize,
    t: DeTable<'_>,
    errors: &mut Vec<Located>,
    prefix: &str,
) -> Table {
    t.into_iter()
        .map(|(k, v)| {
            let key_loc = Loc {
                file,
                span: k.span(),
            };
            let key = k.into_inner().into_owned();
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            let node = convert(sources, file, v, errors, &path);
            Entry { key, key_loc, node }
        })
        .collect()
}

fn convert(
    sources: &Sources,
    file: usize,
    v: toml::Spanned<DeValue<'_>>,
    errors: &mut Vec<Located>,
    key: &str,
) -> Node {
    let loc = Loc {
        file,
        span: v.span(),
    };
    let value = match v.into_inner() {
        DeValue::String(s) => Value::Str(s.into_owned()),
        DeValue::Integer(i) => {
            match i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok() {
                Some(n) => Value::Int(n),
                None => {
                    errors.push(sources.error(&loc, key, "integer out of range"));
                    Value::Int(0)
                }
            }
        }
        DeValue::Float(f) => match f.as_str().replace('_', "").parse::<f64>() {
            Ok(x) => Value::Float(x),
            Err(_) => {
                errors.push(sources.error(&loc, key, "not a number"));
                Value::Float(f64::NAN)
            }
        },
        DeValue::Boolean(b) => Value::Bool(b),
        DeValue::Datetime(d) => {
            errors.push(sources.error(
                &loc,
                key,
                format!("dates are written as quoted strings such as \"2015-06\", found the TOML date {d}"),
            ));
            Value::Str(d.to_string())
        }
        DeValue::Array(a) => Value::Array(
            a.into_iter()
                .enumerate()
                .map(|(i, e)| convert(sources, file, e, errors, &format!("{key}[{i}]")))
                .collect(),
        ),
        DeValue::Table(t) => Value::Table(convert_table(sources, file, t, errors, key)),
    };
    Node { value, loc }
}

/// Lays `over` on top of `base`: tables merge key by key, everything else (numbers, strings, arrays) replaces.
pub fn merge(base: &mut Table, over: Table) {
    for entry in over {
        match base.iter_mut().find(|e| e.key == entry.key) {
            Some(existing) => match (&mut existing.node.value, entry.node.value) {
                (Value::Table(b), Value::Table(o)) => merge(b, o),
                (_, value) => {
                    existing.node = Node {
                        value,
                        loc: entry.node.loc,
                    };
                    existing.key_loc = entry.key_loc;
                }
            },
            None => base.push(entry),
        }
    }
}

pub fn get<'a>(table: &'a Table, key: &str) -> Option<&'a Entry> {
    table.iter().find(|e| e.key == key)
}

pub fn take(table: &mut Table, key: &str) -> Option<Entry> {
    let i = table.iter().position(|e| e.key == key)?;
    Some(table.remove(i))
}
