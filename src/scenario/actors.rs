//! Actors: `[actors.NAME]` tables with their role, attributes and the provenance of each value (`sources`).

use super::check::Checker;
use super::tree::{self, Entry, Loc, Value};
use super::{AttrOrigins, MAX_PARTNERS, Origin, valid_actor_name};
use crate::evidence;
use crate::model::params::{ACTOR_ATTRS, fmt_num};
use crate::model::{ActorDef, Role};

impl Checker<'_> {
    /// The declared actors in name order with where each attribute came from; `remove` is reported as a change.
    pub(super) fn actors(
        &mut self,
        entry: Option<Entry>,
        remove: Option<Entry>,
        changes: &mut Vec<(String, String)>,
    ) -> (Vec<ActorDef>, Vec<AttrOrigins>) {
        let whole = Loc {
            file: 0,
            span: 0..0,
        };
        let Some(entry) = entry else {
            self.err(&whole, "actors", "missing: declare actors as [actors.NAME] tables with a `role` (patron, partner, contested)");
            return (Vec::new(), Vec::new());
        };
        let Value::Table(mut table) = entry.node.value else {
            self.err(
                &entry.node.loc,
                "actors",
                "must be a table of [actors.NAME] tables",
            );
            return (Vec::new(), Vec::new());
        };
        let remove_loc = remove
            .as_ref()
            .filter(|r| r.key_loc.file == 0)
            .map(|r| r.key_loc.clone());
        // The removals were applied while the bases were merged (load_chain); here they are only reported.
        if let Some(Value::Array(items)) = remove.as_ref().map(|r| &r.node.value) {
            for item in items {
                if let (Value::Str(name), 0) = (&item.value, item.loc.file) {
                    changes.push(("remove_actors".into(), name.clone()));
                }
            }
        }
        // Where a wrong actor set is reported: this file's own actor or `remove_actors` line, not its base's.
        let here = if entry.key_loc.file == 0 {
            entry.key_loc.clone()
        } else {
            table
                .iter()
                .find(|a| a.key_loc.file == 0)
                .map(|a| a.key_loc.clone())
                .or(remove_loc)
                .unwrap_or_else(|| whole.clone())
        };
        // One order whatever the files: by name (the TOML reader sorts a file's keys; merged bases append).
        table.sort_by(|a, b| a.key.cmp(&b.key));
        let mut actors = Vec::new();
        let mut origins = Vec::new();
        let mut seen: Vec<(String, Loc)> = Vec::new();
        for a in table {
            let key = format!("actors.{}", a.key);
            if !valid_actor_name(&a.key) {
                self.err(&a.key_loc, &key, "an actor name is 1 to 40 characters: ASCII letters, digits, single spaces, '-', '_' or '.', starting with a letter and not ending with a space");
                continue;
            }
            // Names that differ only in case print alike in tables and charts.
            if let Some((other, at)) = seen
                .iter()
                .find(|(n, _): &&(String, Loc)| n.eq_ignore_ascii_case(&a.key))
            {
                let (l, c) = self.sources.line_col(at);
                let msg = format!(
                    "the same name as actor {other:?} (line {l}, column {c} of {}) but for case; actor names must differ in more than case",
                    self.sources.path(at).display()
                );
                self.err(&a.key_loc, &key, msg);
                continue;
            }
            seen.push((a.key.clone(), a.key_loc.clone()));
            let Value::Table(fields) = &a.node.value else {
                self.err(
                    &a.node.loc,
                    &key,
                    format!(
                        "must be a table ([{key}]), found {}",
                        a.node.value.type_name()
                    ),
                );
                continue;
            };
            let role = match tree::get(fields, "role") {
                Some(r) => match &r.node.value {
                    Value::Str(s) => match Role::parse(s) {
                        Some(role) => role,
                        None => {
                            self.err(
                                &r.node.loc,
                                &format!("{key}.role"),
                                format!("unknown role {s:?}; roles: {}", Role::NAMES.join(", ")),
                            );
                            continue;
                        }
                    },
                    other => {
                        self.err(
                            &r.node.loc,
                            &format!("{key}.role"),
                            format!(
                                "must be a string ({}), found {}",
                                Role::NAMES.join(", "),
                                other.type_name()
                            ),
                        );
                        continue;
                    }
                },
                None => {
                    self.err(
                        &a.key_loc,
                        &key,
                        format!("missing `role`; roles: {}", Role::NAMES.join(", ")),
                    );
                    continue;
                }
            };
            let mut attrs: Vec<f64> = ACTOR_ATTRS.iter().map(|s| s.default_for(role)).collect();
            let mut attr_origin: Vec<(Origin, Option<String>)> =
                vec![(Origin::Default, None); ACTOR_ATTRS.len()];
            let allowed: Vec<&str> = ["role", "sources"]
                .into_iter()
                .chain(
                    ACTOR_ATTRS
                        .iter()
                        .filter(|s| s.applies_to(role))
                        .map(|s| s.key),
                )
                .collect();
            let mut sources_entry = None;
            for f in fields {
                let fkey = format!("{key}.{}", f.key);
                if f.key == "role" {
                    continue;
                }
                if f.key == "sources" {
                    sources_entry = Some(f);
                    continue;
                }
                let Some(i) = ACTOR_ATTRS.iter().position(|s| s.key == f.key) else {
                    self.unknown(f, &fkey, &allowed);
                    continue;
                };
                let spec = &ACTOR_ATTRS[i];
                if !spec.applies_to(role) {
                    self.err(
                        &f.key_loc,
                        &fkey,
                        format!(
                            "`{}` is not an attribute of a {}; allowed here: {}",
                            f.key,
                            role.as_str(),
                            allowed.join(", ")
                        ),
                    );
                    continue;
                }
                let value = if spec.boolean {
                    match f.node.value {
                        Value::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
                        ref other => {
                            self.err(
                                &f.node.loc,
                                &fkey,
                                format!("must be true or false, found {}", other.type_name()),
                            );
                            None
                        }
                    }
                } else {
                    self.number(&f.node, &fkey).and_then(|n| {
                        if n.value >= spec.min && n.value <= spec.max {
                            Some(n.value)
                        } else {
                            self.err(
                                &n.loc,
                                &fkey,
                                format!(
                                    "{} is out of range: must be in {} ({})",
                                    fmt_num(n.value),
                                    spec.range_text(),
                                    spec.unit
                                ),
                            );
                            None
                        }
                    })
                };
                if let Some(v) = value {
                    attrs[i] = v;
                    attr_origin[i].0 = Origin::File(f.node.loc.file);
                    if f.node.loc.file == 0 {
                        changes.push((
                            fkey,
                            if spec.boolean {
                                (v != 0.0).to_string()
                            } else {
                                fmt_num(v)
                            },
                        ));
                    }
                }
            }
            if let Some(s) = sources_entry {
                self.actor_sources(s, &key, role, &mut attr_origin);
            }
            actors.push(ActorDef {
                name: a.key.clone(),
                role,
                attrs,
            });
            origins.push(attr_origin);
        }
        let count = |r: Role| actors.iter().filter(|a| a.role == r).count();
        let summary = format!(
            "{} patron, {} partner(s), {} contested",
            count(Role::Patron),
            count(Role::Partner),
            count(Role::Contested)
        );
        let shape_ok =
            count(Role::Patron) == 1 && count(Role::Contested) == 1 && count(Role::Partner) > 0;
        if count(Role::Partner) > MAX_PARTNERS {
            self.err(&here, "actors", format!("at most {MAX_PARTNERS} partners (each has six events, tracked in one 64-bit mask with the four global ones); found {}", count(Role::Partner)));
        }
        // An actor already refused above would only make this count misleading.
        if !shape_ok && self.errors.is_empty() {
            self.err(&here, "actors", format!("needs exactly one patron, exactly one contested state and at least one partner; found {summary}"));
        }
        (actors, origins)
    }

    fn actor_sources(
        &mut self,
        s: &Entry,
        key: &str,
        role: Role,
        origin: &mut [(Origin, Option<String>)],
    ) {
        let skey = format!("{key}.sources");
        let Value::Table(t) = &s.node.value else {
            self.err(
                &s.node.loc,
                &skey,
                "must be a table: attribute = \"claim ids\", \"data: ...\" or \"assumption: ...\"",
            );
            return;
        };
        for e in t {
            let k = format!("{skey}.{}", e.key);
            let Some(i) = ACTOR_ATTRS
                .iter()
                .position(|a| a.key == e.key && a.applies_to(role))
            else {
                let allowed: Vec<&str> = ACTOR_ATTRS
                    .iter()
                    .filter(|a| a.applies_to(role))
                    .map(|a| a.key)
                    .collect();
                self.unknown(e, &k, &allowed);
                continue;
            };
            let Some(text) = self.string(&e.node, &k) else {
                continue;
            };
            match check_provenance(&text) {
                Ok(()) => origin[i].1 = Some(text),
                Err(msg) => self.err(&e.node.loc, &k, msg),
            }
        }
    }
}

/// A provenance text: claim ids (`A09`, `A09, F01`), `data: FILE ROWS`, or `assumption: REASON`.
pub(super) fn check_provenance(text: &str) -> Result<(), String> {
    let t = text.trim();
    if let Some(rest) = t
        .strip_prefix("data:")
        .or_else(|| t.strip_prefix("assumption:"))
    {
        return if rest.trim().is_empty() {
            Err("needs a file and rows (data:) or a reason (assumption:)".into())
        } else {
            Ok(())
        };
    }
    for id in t.split(',').map(str::trim) {
        if evidence::claim(id).is_none() {
            return Err(format!(
                "{id:?} is not an evidence id; write ids from seeds/claims.toml (A01..A22, F01..F06), seeds/base_rates.toml (R01..), seeds/record.toml (V01..) or seeds/record_backtests.toml (B01..), \"data: FILE ROWS\" or \"assumption: REASON\""
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_texts() {
        assert!(check_provenance("A09, F01").is_ok());
        assert!(check_provenance("assumption: because").is_ok());
        assert!(check_provenance("data: x.csv rows 1-3").is_ok());
        assert!(check_provenance("Z99").is_err());
        assert!(check_provenance("assumption:  ").is_err());
    }
}
