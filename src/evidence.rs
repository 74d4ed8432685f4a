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

/// All claims, in file order.
pub fn claims() -> &'static [Claim] {
    static CLAIMS: OnceLock<Vec<Claim>> = OnceLock::new();
    CLAIMS.get_or_init(|| {
        toml::from_str::<ClaimsFile>(CLAIMS_TOML)
            .expect("seeds/claims.toml is checked by the test suite")
            .claim
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
