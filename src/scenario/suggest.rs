//! Spelling help for unknown keys: the keys allowed under a table path and the allowed key nearest to a misspelt one.

use crate::model::params::PARAM_SPECS;

/// Keys of the top level and of structural tables, beside the parameter table's.
const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "base",
    "start_month",
    "remove_actors",
    "run",
    "actors",
    "sources",
    "calendar",
    "priors",
];

/// Keys under the parameter tables that are schedules or replays, not parameters.
const STRUCTURAL: [&str; 4] = [
    "drivers.oil.shocks",
    "drivers.oil.replay",
    "drivers.rouble.replay",
    "drivers.west.changes",
];

pub(super) fn is_structural(key: &str) -> bool {
    STRUCTURAL.contains(&key)
}

pub(super) fn parent_of(key: &str) -> &str {
    key.rsplit_once('.').map_or("", |(p, _)| p)
}

/// The keys allowed directly under a table path.
pub(super) fn allowed_children(prefix: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let keys = PARAM_SPECS.iter().map(|s| s.key).chain(STRUCTURAL);
    for k in keys {
        let rest = if prefix.is_empty() {
            Some(k)
        } else {
            k.strip_prefix(prefix).and_then(|r| r.strip_prefix('.'))
        };
        if let Some(rest) = rest {
            let child = rest.split('.').next().unwrap_or(rest).to_string();
            if !out.contains(&child) {
                out.push(child);
            }
        }
    }
    if prefix.is_empty() {
        for k in TOP_KEYS {
            if !out.iter().any(|o| o == k) {
                out.push((*k).to_string());
            }
        }
    }
    out
}

/// The allowed key nearest to a misspelt one (edit distance at most 3).
pub fn closest<'k>(word: &str, allowed: &[&'k str]) -> Option<&'k str> {
    allowed
        .iter()
        .map(|a| (levenshtein(word, a), *a))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_suggests_misspellings() {
        assert_eq!(
            closest("dependance", &["dependence", "threat"]),
            Some("dependence")
        );
        assert_eq!(closest("zzzzzzzz", &["dependence"]), None);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }
}
