//! `realign explain`: every parameter and actor attribute with its value, unit, allowed range and provenance,
//! marking what the scenario itself changed.

use std::fmt::Write;

use crate::evidence;
use crate::model::params::{ACTOR_ATTRS, PARAM_SPECS, Provenance, fmt_num};
use crate::scenario::error::printable;
use crate::scenario::{Origin, Scenario};

/// Provenance with the claims' quotes spelt out.
pub fn provenance_text(p: &Provenance) -> String {
    match p {
        Provenance::Claim(ids) => quote_claims(&ids.join(", ")),
        other => other.to_string(),
    }
}

/// A scenario's own provenance text (`A09, F01`, `data: ...`, `assumption: ...`) with quotes for claim ids.
pub fn quote_claims(text: &str) -> String {
    if text.starts_with("data:") || text.starts_with("assumption:") {
        return text.to_string();
    }
    text.split(',')
        .map(str::trim)
        .map(|id| match evidence::claim(id) {
            Some(c) => format!("claim {id}: \u{201c}{}\u{201d}", c.quote),
            None => format!("claim {id}"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn origin_text(s: &Scenario, o: &Origin) -> String {
    match o {
        Origin::Default => "default".into(),
        Origin::File(0) => format!("set here ({})", s.files[0].display()),
        Origin::File(i) => format!("from base {}", s.files[*i].display()),
    }
}

pub fn explain(s: &Scenario) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Scenario {} ({})", s.name, s.files[0].display());
    if s.files.len() > 1 {
        let bases: Vec<String> = s.files[1..]
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let _ = writeln!(out, "Bases: {}", bases.join(" <- "));
    }
    if !s.description.is_empty() {
        let _ = writeln!(out, "{}", s.description);
    }
    let _ = writeln!(
        out,
        "Start {} (month 0), {} months simulated, {} runs, seed {}",
        s.start,
        s.horizon_months(),
        s.runs,
        s.seed
    );
    let _ = writeln!(
        out,
        "\n'*' marks a value this scenario file sets itself.\n\nPARAMETERS"
    );
    let values = s.config.params.values();
    for (i, spec) in PARAM_SPECS.iter().enumerate() {
        let mark = if s.param_origin[i] == Origin::File(0) {
            '*'
        } else {
            ' '
        };
        let _ = writeln!(
            out,
            "{mark} {} = {} {}   range {}   {}",
            spec.key,
            fmt_num(values[i]),
            spec.unit,
            spec.range_text(),
            origin_text(s, &s.param_origin[i])
        );
        let _ = writeln!(out, "      {}", spec.doc);
        let _ = writeln!(
            out,
            "      provenance of the default: {}",
            provenance_text(&spec.provenance)
        );
        if let Some(text) = &s.param_source[i] {
            let _ = writeln!(out, "      this scenario: {}", quote_claims(text));
        }
        let _ = writeln!(
            out,
            "      prior (run --uncertainty): {}",
            prior_text(s, i, values[i])
        );
    }
    for (a, origins) in s.config.actors.iter().zip(&s.actor_attr_origin) {
        let _ = writeln!(out, "\nACTOR {} (role {})", a.name, a.role.as_str());
        for (i, spec) in ACTOR_ATTRS
            .iter()
            .enumerate()
            .filter(|(_, sp)| sp.applies_to(a.role))
        {
            let (origin, source) = &origins[i];
            let mark = if *origin == Origin::File(0) { '*' } else { ' ' };
            let value = if spec.boolean {
                (a.attrs[i] != 0.0).to_string()
            } else {
                fmt_num(a.attrs[i])
            };
            let _ = writeln!(
                out,
                "{mark} actors.{}.{} = {} {}   range {}   {}",
                a.name,
                spec.key,
                value,
                spec.unit,
                spec.range_text(),
                origin_text(s, origin)
            );
            let _ = writeln!(out, "      {}", spec.doc);
            let prov = match source {
                Some(text) => quote_claims(text),
                None if *origin == Origin::Default => provenance_text(&spec.provenance),
                None => "none given in the scenario (add it under sources)".into(),
            };
            let _ = writeln!(out, "      provenance: {prov}");
            let target = crate::scenario::Target::Attr(a_index(s, &a.name), i);
            if let Some(p) = s.priors.iter().find(|p| p.target == target) {
                let _ = writeln!(
                    out,
                    "      prior (run --uncertainty): {}",
                    scenario_prior(p)
                );
            }
        }
    }
    if !s.oil_shocks.is_empty() || !s.west_changes.is_empty() || !s.replays.is_empty() {
        let _ = writeln!(out, "\nSCHEDULES");
        for (m, f) in &s.oil_shocks {
            let _ = writeln!(out, "  oil shock in {m}: price x {}", fmt_num(*f));
        }
        for (m, w) in &s.west_changes {
            let _ = writeln!(out, "  Western engagement from {m}: {}", fmt_num(*w));
        }
        for r in &s.replays {
            let span = match (&r.first_month, &r.last_month) {
                (Some(a), Some(b)) => format!("{a} .. {b}"),
                _ => "no simulated month".into(),
            };
            let _ = writeln!(
                out,
                "  {} replayed from {} column {} for {span}; the process runs free after",
                r.driver, r.file, r.column
            );
        }
    }
    // Descriptions, provenance texts and paths come from input: a terminal must show their control characters,
    // not act on them (clear the screen, retitle the window).
    printable(&out, true)
}

fn a_index(s: &Scenario, name: &str) -> usize {
    s.config
        .actors
        .iter()
        .position(|a| a.name == name)
        .unwrap_or(usize::MAX)
}

fn scenario_prior(p: &crate::scenario::priors::Prior) -> String {
    let (lo, hi) = p.dist.range90();
    let at = match &p.origin {
        crate::scenario::priors::PriorOrigin::Scenario(at) => at.as_str(),
        crate::scenario::priors::PriorOrigin::Default => "default",
    };
    format!(
        "{} (5-95%: {} .. {}), set at {at}",
        p.dist.describe(),
        fmt_num(crate::output::round6(lo)),
        fmt_num(crate::output::round6(hi))
    )
}

/// The prior `run --uncertainty` draws parameter `i` from: the scenario's, the default rule's, or why none.
fn prior_text(s: &Scenario, i: usize, value: f64) -> String {
    use crate::scenario::priors::default_prior;
    let spec = &PARAM_SPECS[i];
    if let Some(p) = s
        .priors
        .iter()
        .find(|p| p.target == crate::scenario::Target::Param(i))
    {
        return scenario_prior(p);
    }
    if let Some(sh) = crate::scenario::shadowed(spec.key, s) {
        return format!("none: overridden by {} ({})", sh.schedule, sh.at);
    }
    match default_prior(i, value) {
        Some(d) => format!("default {} (unless --priors scenario-only)", d.describe()),
        None if spec.integer || crate::scenario::NOT_SWEEPABLE.contains(&spec.key) => {
            "none (it sets the shape of a run)".into()
        }
        None if crate::model::params::REPORTING_ONLY
            .iter()
            .any(|(k, _)| *k == spec.key) =>
        {
            "none (reporting only)".into()
        }
        None => "none by default (its value rests on evidence; give one in [priors])".into(),
    }
}

/// The parameter table as Markdown, for docs/MODEL.md.
pub fn markdown_table() -> String {
    let mut out =
        String::from("| key | unit | range | default | provenance |\n|---|---|---|---|---|\n");
    for p in PARAM_SPECS {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            p.key,
            p.unit,
            p.range_text(),
            fmt_num(p.default),
            p.provenance.to_string().replace('|', "/")
        );
    }
    out.push_str("\nPer-actor attributes (`[actors.NAME]`):\n\n| key | roles | unit | range | generic default |\n|---|---|---|---|---|\n");
    for a in ACTOR_ATTRS {
        let default = match a.role_defaults {
            _ if a.boolean => (a.default != 0.0).to_string(),
            Some([p, q, c]) => format!(
                "patron {}, partner {}, contested {}",
                fmt_num(p),
                fmt_num(q),
                fmt_num(c)
            ),
            None => fmt_num(a.default),
        };
        let _ = writeln!(
            out,
            "| `{}` | {:?} | {} | {} | {} |",
            a.key,
            a.roles,
            a.unit,
            a.range_text(),
            default
        );
    }
    out
}
