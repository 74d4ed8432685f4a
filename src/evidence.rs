//! The evidence base: the article's claims and public facts in `seeds/claims.toml`, compiled into the binary so
//! that `realign explain` and the reports can quote them wherever the binary runs.

use std::sync::OnceLock;

use serde::Deserialize;

const CLAIMS_TOML: &str = include_str!("../seeds/claims.toml");

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub id: String,
    pub quote: String,
    /// Where a fact (not an article claim) comes from.
    #[serde(default)]
    pub source: Option<String>,
    pub informs: Vec<String>,
}

#[derive(Deserialize)]
struct ClaimsFile {
    claim: Vec<Claim>,
}

const BASE_RATES_TOML: &str = include_str!("../seeds/base_rates.toml");
const RECORD_TOML: &str = include_str!("../seeds/record.toml");
/// The record on the vantage dates of the shipped backtests (`seeds/record_backtests.toml`, ids `B..`;
/// docs/BACKTESTS.md): cited by the scenarios in `scenarios/backtests/`.
const RECORD_BACKTESTS_TOML: &str = include_str!("../seeds/record_backtests.toml");

/// A pre-2015 reference class (`seeds/base_rates.toml`, ids `R..`).
#[derive(Clone, Debug, Deserialize)]
pub struct ReferenceClass {
    pub id: String,
    pub anchors: String,
    pub what: String,
    pub unit: String,
    pub exposure: f64,
    pub count: f64,
    pub rate_per_year: f64,
    #[serde(default)]
    pub sources: Vec<String>,
}

#[derive(Deserialize)]
struct BaseRatesFile {
    reference_class: Vec<ReferenceClass>,
}

/// A fact of the public record on the vantage date (`seeds/record.toml`, ids `V..`).
#[derive(Clone, Debug, Deserialize)]
struct Fact {
    id: String,
    what: String,
    #[serde(default)]
    value: Option<toml::Value>,
    #[serde(default)]
    unit: Option<String>,
    source: String,
}

#[derive(Deserialize)]
struct RecordFile {
    fact: Vec<Fact>,
}

/// The reference classes, in file order.
pub fn base_rates() -> &'static [ReferenceClass] {
    static R: OnceLock<Vec<ReferenceClass>> = OnceLock::new();
    R.get_or_init(|| {
        toml::from_str::<BaseRatesFile>(BASE_RATES_TOML)
            .expect("seeds/base_rates.toml is checked by the test suite")
            .reference_class
    })
}

/// All evidence, in file order: the article's claims and public facts (`A..`, `F..`), the reference classes
/// (`R..`), the record on the vantage date (`V..`) and the record on the backtests' vantage dates (`B..`), each as
/// a quotable [`Claim`].
pub fn claims() -> &'static [Claim] {
    static CLAIMS: OnceLock<Vec<Claim>> = OnceLock::new();
    CLAIMS.get_or_init(|| {
        let mut all = toml::from_str::<ClaimsFile>(CLAIMS_TOML)
            .expect("seeds/claims.toml is checked by the test suite")
            .claim;
        all.extend(base_rates().iter().map(|r| Claim {
            id: r.id.clone(),
            quote: format!(
                "{}: {} in {} {} ({:.4} a year)",
                r.what, r.count, r.exposure, r.unit, r.rate_per_year
            ),
            source: Some(format!("seeds/base_rates.toml; {}", r.sources.join(", "))),
            informs: vec![r.anchors.clone()],
        }));
        let record = toml::from_str::<RecordFile>(RECORD_TOML)
            .expect("seeds/record.toml is checked by the test suite")
            .fact;
        let backtests = toml::from_str::<RecordFile>(RECORD_BACKTESTS_TOML)
            .expect("seeds/record_backtests.toml is checked by the test suite")
            .fact;
        all.extend(record.into_iter().chain(backtests).map(|f| {
            let unit = f
                .unit
                .as_deref()
                .map(|u| format!(" {u}"))
                .unwrap_or_default();
            // A string value prints without TOML's quotes.
            let value = match &f.value {
                Some(toml::Value::String(v)) => format!(": {v}{unit}"),
                Some(v) => format!(": {v}{unit}"),
                None => String::new(),
            };
            Claim {
                id: f.id,
                quote: format!("{}{value}", f.what),
                source: Some(f.source),
                informs: Vec::new(),
            }
        }));
        all
    })
}

pub fn claim(id: &str) -> Option<&'static Claim> {
    claims().iter().find(|c| c.id == id)
}

/// Where the article's claims come from, for reports.
pub const ARTICLE: &str = "\"Belarus and Kazakhstan: Ukraine Is Not Our Enemy\", Carnegie Endowment for International Peace, 26 December 2014";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::params::{PARAM_SPECS, Provenance};

    #[test]
    fn claims_parse_with_unique_ids_and_quotes_from_the_article() {
        let article = include_str!("../seeds/carnegie-2014-12-26-ukraine-is-not-our-enemy.txt");
        let all = claims();
        assert!(all.len() >= 20);
        assert!(base_rates().len() >= 11);
        for c in all {
            assert_eq!(all.iter().filter(|d| d.id == c.id).count(), 1, "{}", c.id);
            if c.id.starts_with('A') {
                // Quotes are verbatim: every article claim must be found in the article text.
                assert!(
                    article.contains(&c.quote),
                    "claim {} quote not in the article: {}",
                    c.id,
                    c.quote
                );
            } else {
                assert!(c.source.is_some(), "fact {} needs a source", c.id);
            }
        }
    }

    #[test]
    fn backtest_record_ids_are_b_ids_with_sources_and_an_episode() {
        #[derive(Deserialize)]
        struct Episode {
            id: String,
            episode: String,
            source: String,
        }
        #[derive(Deserialize)]
        struct File {
            fact: Vec<Episode>,
        }
        let facts = toml::from_str::<File>(RECORD_BACKTESTS_TOML).unwrap().fact;
        assert!(facts.len() >= 20, "{}", facts.len());
        for f in &facts {
            assert!(f.id.starts_with('B'), "{}", f.id);
            assert!(claim(&f.id).is_some(), "{} not in the evidence", f.id);
            assert!(!f.source.trim().is_empty(), "{} needs a source", f.id);
            // Each fact serves one shipped backtest scenario.
            let path = format!(
                "{}/scenarios/backtests/{}.toml",
                env!("CARGO_MANIFEST_DIR"),
                f.episode
            );
            assert!(std::path::Path::new(&path).is_file(), "{}: {path}", f.id);
        }
    }

    #[test]
    fn every_parameter_claim_id_exists() {
        for s in PARAM_SPECS {
            if let Provenance::Claim(ids) = s.provenance {
                for id in ids {
                    assert!(claim(id).is_some(), "{} cites unknown claim {id}", s.key);
                }
            }
        }
    }
}

/// Brent monthly averages 2014-01 .. 2017-12 (seeds/data/brent_monthly_2014_2017.csv), for drawing history.
pub fn history_oil() -> &'static [(crate::scenario::Month, f64)] {
    static S: OnceLock<Vec<(crate::scenario::Month, f64)>> = OnceLock::new();
    S.get_or_init(|| parse_series(include_str!("../seeds/data/brent_monthly_2014_2017.csv"), 1))
}

/// CBR month-end rouble rates 2014-01 .. 2017-02 (seeds/data/rub_per_usd_monthend_2014_2017.csv).
pub fn history_rouble() -> &'static [(crate::scenario::Month, f64)] {
    static S: OnceLock<Vec<(crate::scenario::Month, f64)>> = OnceLock::new();
    S.get_or_init(|| {
        parse_series(
            include_str!("../seeds/data/rub_per_usd_monthend_2014_2017.csv"),
            2,
        )
    })
}

/// `month,...` CSV text with the value in column `col`; rows that do not parse are skipped (the files are ours and
/// a test checks their length).
fn parse_series(text: &str, col: usize) -> Vec<(crate::scenario::Month, f64)> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((
                crate::scenario::Month::parse(f.first()?)?,
                f.get(col)?.trim().parse().ok()?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod history_tests {
    #[test]
    fn embedded_history_is_complete() {
        assert_eq!(super::history_oil().len(), 48);
        assert_eq!(super::history_rouble().len(), 38);
        assert_eq!(super::history_oil()[24].0.to_string(), "2016-01");
        assert_eq!(super::history_oil()[24].1, 30.70);
    }
}
