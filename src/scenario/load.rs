//! Reading scenario files: the chain of bases, merging each variant over what its bases built, and `remove_actors`.

use std::path::{Path, PathBuf};

use super::access::{self, MAX_SCENARIO_BYTES, Roots};
use super::tree::{self, Entry, Loc, Node, Sources, Table, Value};
use super::{MAX_BASE_DEPTH, ScenarioError};

/// Reads `path` and its bases (appending each file to `sources`) and merges them into one tree. Bases are read
/// only inside the folders [`Roots::for_file`] allows for `path`.
pub(super) fn load_chain(
    path: &Path,
    sources: &mut Sources,
    chain: &mut Vec<PathBuf>,
) -> Result<Table, ScenarioError> {
    let text = access::read_text(path, MAX_SCENARIO_BYTES).map_err(|e| e.named(path))?;
    let roots = Roots::for_file(path);
    chain_from(path, text, None, sources, chain, &roots)
}

/// [`load_chain`] for a scenario given as text (the library's [`super::Scenario::from_toml`]): `path` names it in
/// errors and places it, so its bases and replayed files are found and allowed as for a file at `path`.
pub(super) fn load_text(
    path: &Path,
    text: String,
    sources: &mut Sources,
    chain: &mut Vec<PathBuf>,
) -> Result<Table, ScenarioError> {
    if text.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(ScenarioError::Read {
            path: path.to_path_buf(),
            source: std::io::Error::other(format!(
                "{} bytes of scenario text, more than the {MAX_SCENARIO_BYTES} a scenario may have",
                text.len()
            )),
        });
    }
    let roots = Roots::for_file(path);
    chain_from(path, text, None, sources, chain, &roots)
}

/// `via` is the `base` key that named `path` (none for the file given).
fn chain_from(
    path: &Path,
    text: String,
    via: Option<&Loc>,
    sources: &mut Sources,
    chain: &mut Vec<PathBuf>,
    roots: &Roots,
) -> Result<Table, ScenarioError> {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let file = sources.files.len();
    sources.files.push(tree::SourceFile {
        path: path.to_path_buf(),
        text,
    });
    chain.push(canonical);
    let mut table = match via {
        None => tree::parse(sources, file)?,
        Some(via) => tree::parse_base(sources, file, via)?,
    };
    let Some(base) = tree::take(&mut table, "base") else {
        if let Some(r) = tree::get(&table, "remove_actors") {
            return Err(invalid(
                sources,
                &r.key_loc,
                "remove_actors",
                "removes actors a base declares: this file has no base",
            ));
        }
        return Ok(table);
    };
    let Value::Str(rel) = &base.node.value else {
        return Err(invalid(
            sources,
            &base.node.loc,
            "base",
            "must be a string: the path of the base scenario",
        ));
    };
    let base_path = path.parent().unwrap_or(Path::new(".")).join(rel);
    let base_canonical = base_path
        .canonicalize()
        .unwrap_or_else(|_| base_path.clone());
    if chain.contains(&base_canonical) {
        return Err(invalid(
            sources,
            &base.node.loc,
            "base",
            format!(
                "{} is already in this scenario's chain of bases (a cycle)",
                base_path.display()
            ),
        ));
    }
    if chain.len() > MAX_BASE_DEPTH {
        return Err(invalid(
            sources,
            &base.node.loc,
            "base",
            format!("bases nest deeper than {MAX_BASE_DEPTH}"),
        ));
    }
    if !base_path.exists() {
        return Err(invalid(
            sources,
            &base.node.loc,
            "base",
            format!("base scenario {} does not exist", base_path.display()),
        ));
    }
    // Inside the allowed folders and named like a scenario, so `base` cannot read (and echo) any other file.
    let refused = roots.admit(&base_path).err().or_else(|| {
        (!access::has_extension(&base_path, "toml"))
            .then(|| format!("{}: a base scenario is a .toml file", base_path.display()))
    });
    if let Some(msg) = refused {
        return Err(invalid(sources, &base.node.loc, "base", msg));
    }
    let base_text = access::read_text(&base_path, MAX_SCENARIO_BYTES).map_err(|e| {
        invalid(
            sources,
            &base.node.loc,
            "base",
            format!("cannot read the base scenario: {}", e.reason(&base_path)),
        )
    })?;
    let mut merged = chain_from(
        &base_path,
        base_text,
        Some(&base.node.loc),
        sources,
        chain,
        roots,
    )?;
    // Each file removes from what its bases built, before its own actors are merged in; the list stays in the
    // tree as a record of what this file and its bases removed (so that a base's election for an actor a base
    // removed is dropped, not refused): the bases' names first, each with its own location.
    if let Some(r) = tree::get(&table, "remove_actors") {
        remove_actors(sources, &mut merged, r)?;
    }
    if let (
        Some(Value::Array(before)),
        Some(Entry {
            node: Node {
                value: Value::Array(own),
                ..
            },
            ..
        }),
    ) = (
        tree::get(&merged, "remove_actors").map(|e| e.node.value.clone()),
        table.iter_mut().find(|e| e.key == "remove_actors"),
    ) {
        own.splice(0..0, before);
    }
    // name and description belong to each file; the base's never carry over.
    tree::take(&mut merged, "name");
    tree::take(&mut merged, "description");
    super::priors::drop_overridden(&mut merged, &table);
    tree::merge(&mut merged, table);
    Ok(merged)
}

/// Removes the actors `r` names from the merged `actors` table; every name must be there.
fn remove_actors(sources: &Sources, merged: &mut Table, r: &Entry) -> Result<(), ScenarioError> {
    let Value::Array(items) = &r.node.value else {
        return Err(invalid(
            sources,
            &r.node.loc,
            "remove_actors",
            "must be an array of actor names",
        ));
    };
    let actors = merged
        .iter_mut()
        .find(|e| e.key == "actors")
        .map(|e| &mut e.node.value);
    let Some(Value::Table(actors)) = actors else {
        return Err(invalid(
            sources,
            &r.key_loc,
            "remove_actors",
            "the base declares no actors",
        ));
    };
    let mut problems = Vec::new();
    for item in items {
        match &item.value {
            Value::Str(name) if tree::take(actors, name).is_some() => {}
            Value::Str(name) => {
                let names: Vec<&str> = actors.iter().map(|e| e.key.as_str()).collect();
                problems.push(sources.error(
                    &item.loc,
                    "remove_actors",
                    format!("no actor named {name:?}; actors: {}", names.join(", ")),
                ));
            }
            other => problems.push(sources.error(
                &item.loc,
                "remove_actors",
                format!(
                    "must list actor names as strings, found {}",
                    other.type_name()
                ),
            )),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ScenarioError::Invalid(problems))
    }
}

fn invalid(sources: &Sources, loc: &Loc, key: &str, msg: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid(vec![sources.error(loc, key, msg)])
}
