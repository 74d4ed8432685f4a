//! report.html for `compare`, `sweep` (and `merge`), `claims` and `discover`: one self-contained page each, built like the
//! run's (report.rs): inline SVG and CSS, no scripts, no network, no external fonts. Every string that comes from an
//! input file (scenario names and descriptions, sweep descriptions, claim statements) passes through [`esc`].

use std::fmt::Write;

use super::report::{STYLE, esc, inline_svg, pct};
use crate::charts::Rendered;
use crate::claims::{ClaimResult, EffectUnit};
use crate::compare::{CompareRow, Shared};
use crate::scenario::Scenario;
use crate::stats::Interval;
use crate::sweep::results::Analysis;
use crate::sweep::run::{PointEstimate, Points};
use crate::sweep::spec::Sweep;

/// Grids up to this many points get a table of every point; larger designs a summary per outcome (the full table
/// is sweep.csv).
const MAX_POINT_ROWS: usize = 200;

fn head(h: &mut String, title: &str) {
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>realign: {}</title><style>{STYLE}</style></head><body>\n",
        esc(title)
    );
}

fn figures(h: &mut String, figs: &[Rendered]) {
    if figs.is_empty() {
        return;
    }
    h.push_str("<h2>Charts</h2>\n");
    for f in figs {
        let _ = writeln!(
            h,
            "<figure id=\"{}\">{}<figcaption>{}</figcaption></figure>",
            esc(&f.stem),
            inline_svg(&f.svg),
            esc(&f.stem)
        );
    }
}

fn tail(h: &mut String) {
    h.push_str("</body></html>\n");
}

/// A probability with its 95% interval, as percentages.
fn p_ci(i: &Interval) -> String {
    format!(
        "{} ({} &ndash; {})",
        pct(i.value),
        pct(i.ci_low),
        pct(i.ci_high)
    )
}

/// A difference of probabilities in percentage points, with its interval.
fn pp_ci(i: &Interval) -> String {
    format!(
        "{:+.1} pp ({:+.1} &ndash; {:+.1})",
        100.0 * i.value,
        100.0 * i.ci_low,
        100.0 * i.ci_high
    )
}

/// An alignment (or a difference of alignments) with its interval.
fn a_ci(i: &Interval) -> String {
    format!(
        "{:+.3} ({:+.3} &ndash; {:+.3})",
        i.value, i.ci_low, i.ci_high
    )
}

/// `compare`'s page: the scenarios, the comparison table, what was left out, the figures.
pub fn compare_html(
    scenarios: &[Scenario],
    shared: &Shared,
    rows: &[CompareRow],
    figs: &[Rendered],
) -> String {
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    let mut h = String::new();
    head(&mut h, &format!("compare {}", names.join(", ")));
    let _ = writeln!(h, "<h1>Comparison of {} scenarios</h1>", scenarios.len());
    let _ = writeln!(
        h,
        "<p class=\"meta\">Months {} to {}, the span all scenarios cover. Every probability carries its 95% Monte Carlo interval (Wilson score); differences are from the first scenario, with Newcombe&#39;s interval.</p>",
        esc(&shared.first.to_string()),
        esc(&shared.last.to_string())
    );
    h.push_str("<h2>Scenarios</h2>\n<table><tr><th>scenario</th><th>description</th><th>runs</th><th>seed</th></tr>\n");
    for s in scenarios {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&s.name),
            esc(&s.description),
            s.runs,
            s.seed
        );
    }
    h.push_str("</table>\n<h2>Events</h2>\n<table><tr><th>event</th><th>scenario</th><th>probability (95% interval)</th><th>difference from the first (95% interval)</th></tr>\n");
    for r in rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&r.description),
            esc(&r.scenario),
            p_ci(&r.probability),
            r.difference.as_ref().map_or("&ndash;".into(), pp_ci)
        );
    }
    h.push_str("</table>\n<h2>What was left out</h2>\n");
    if shared.left_out.is_empty() {
        h.push_str("<p>Nothing: every scenario covers the same months, events and actors.</p>\n");
    } else {
        h.push_str("<ul>\n");
        for n in &shared.left_out {
            let _ = writeln!(h, "<li>{}</li>", esc(n));
        }
        h.push_str("</ul>\n");
    }
    figures(&mut h, figs);
    tail(&mut h);
    h
}

/// `sweep`'s (and `merge`'s) page: the design, the outcomes, the analysis with the indices' intervals, the points
/// (a table for a grid that fits, else a summary) and the figures.
pub fn sweep_html(
    s: &Sweep,
    pts: &Points,
    table: &[Vec<PointEstimate>],
    analysis: &Analysis,
    figs: &[Rendered],
) -> String {
    let mut h = String::new();
    head(&mut h, &format!("sweep {}", s.name));
    let _ = writeln!(h, "<h1>Sweep <code>{}</code></h1>", esc(&s.name));
    if !s.description.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(&s.description));
    }
    let _ = writeln!(
        h,
        "<p class=\"meta\">Base scenario <code>{}</code>; {} design, {} points, {} replicates per point asked ({:.1} run on average), seed {}. Every estimate carries its 95% interval.</p>",
        esc(&s.scenario.name),
        esc(s.design.name()),
        pts.values.len(),
        s.replicates,
        analysis.mean_replicates,
        s.seed
    );
    h.push_str(
        "<h2>Parameters</h2>\n<table><tr><th>key</th><th>role</th><th>values swept</th></tr>\n",
    );
    for p in &s.params {
        let range = if p.values.is_empty() {
            format!(
                "{} to {}",
                crate::model::params::fmt_num(p.lower),
                crate::model::params::fmt_num(p.upper)
            )
        } else {
            p.values
                .iter()
                .map(|v| crate::model::params::fmt_num(*v))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let role = if p.lever {
            "lever (a choice)"
        } else {
            "uncertainty"
        };
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{role}</td><td class=\"num\">{}</td></tr>",
            esc(&p.key),
            esc(&range)
        );
    }
    h.push_str("</table>\n");
    if s.params.iter().any(|p| p.lever) {
        h.push_str("<p>Each lever takes its listed values, crossed with every future of the uncertainties; <code>realign robust</code> ranks the levers across those futures.</p>\n");
    }
    h.push_str("<h2>Outcomes</h2>\n<table><tr><th>outcome</th><th>variance across points</th><th>noise share (upper bound)</th><th>verdict</th></tr>\n");
    for o in &analysis.outcomes {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td class=\"num\">{:.6}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&o.outcome),
            o.variance_across_points,
            pct(o.noise_share),
            esc(&o.verdict)
        );
    }
    h.push_str("</table>\n");
    for o in &analysis.outcomes {
        if !o.morris.is_empty() {
            let _ = writeln!(
                h,
                "<h3>Morris elementary effects: <code>{}</code></h3>\n<table><tr><th>parameter</th><th>&mu;* (95% interval)</th><th>&mu;</th><th>&sigma; (95% interval)</th></tr>",
                esc(&o.outcome)
            );
            for m in &o.morris {
                let _ = writeln!(
                    h,
                    "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{:+.4}</td><td class=\"num\">{}</td></tr>",
                    esc(&m.parameter),
                    a_ci(&m.mu_star),
                    m.mu,
                    a_ci(&m.sigma)
                );
            }
            h.push_str("</table>\n");
        }
        if !o.sobol.is_empty() {
            let _ = writeln!(
                h,
                "<h3>Sobol indices: <code>{}</code></h3>\n<table><tr><th>parameter</th><th>first order (95% interval)</th><th>total (95% interval)</th></tr>",
                esc(&o.outcome)
            );
            for r in &o.sobol {
                let _ = writeln!(
                    h,
                    "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    esc(&r.parameter),
                    a_ci(&r.first_order),
                    a_ci(&r.total)
                );
            }
            h.push_str("</table>\n");
        }
    }
    let labels: Vec<String> = s.outcomes.iter().map(|o| o.label()).collect();
    let fmt = |label: &str, i: &Interval| {
        if label.starts_with("alignment:") {
            a_ci(i)
        } else {
            p_ci(i)
        }
    };
    if s.design.name() == "grid" && table.len() <= MAX_POINT_ROWS {
        h.push_str("<h2>Points</h2>\n<table><tr><th>point</th>");
        for p in &s.params {
            let _ = write!(h, "<th><code>{}</code></th>", esc(&p.key));
        }
        for l in &labels {
            let _ = write!(h, "<th><code>{}</code> (95% interval)</th>", esc(l));
        }
        h.push_str("</tr>\n");
        for (i, row) in table.iter().enumerate() {
            let _ = write!(h, "<tr><td class=\"num\">{i}</td>");
            for v in pts.values.get(i).into_iter().flatten() {
                let _ = write!(
                    h,
                    "<td class=\"num\">{}</td>",
                    crate::model::params::fmt_num(*v)
                );
            }
            for (l, e) in labels.iter().zip(row) {
                let _ = write!(h, "<td class=\"num\">{}</td>", fmt(l, &e.estimate));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
    } else {
        let _ = writeln!(
            h,
            "<h2>Points</h2>\n<p>{} points; every point is in sweep.csv. The lowest and highest point estimate of each outcome:</p>\n<table><tr><th>outcome</th><th>lowest (95% interval)</th><th>highest (95% interval)</th></tr>",
            table.len()
        );
        for (k, l) in labels.iter().enumerate() {
            let col: Vec<&Interval> = table
                .iter()
                .filter_map(|r| r.get(k))
                .map(|e| &e.estimate)
                .collect();
            let lo = col.iter().min_by(|a, b| a.value.total_cmp(&b.value));
            let hi = col.iter().max_by(|a, b| a.value.total_cmp(&b.value));
            if let (Some(lo), Some(hi)) = (lo, hi) {
                let _ = writeln!(
                    h,
                    "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    esc(l),
                    fmt(l, lo),
                    fmt(l, hi)
                );
            }
        }
        h.push_str("</table>\n");
    }
    figures(&mut h, figs);
    tail(&mut h);
    h
}

/// `claims`'s page: each experiment with its claim, the article's quote, the effect with its interval and the
/// verdict, and the forest chart.
pub fn claims_html(
    scenario: &str,
    seed: u64,
    results: &[ClaimResult],
    figs: &[Rendered],
) -> String {
    let mut h = String::new();
    head(&mut h, &format!("claims on {scenario}"));
    let _ = writeln!(
        h,
        "<h1>The article&#39;s claims on <code>{}</code></h1>",
        esc(scenario)
    );
    let _ = writeln!(
        h,
        "<p class=\"meta\">Seed {seed}. Each claim is a paired experiment (common random numbers); the effect is the mean per-run difference (to &minus; from) with its 95% interval. Probabilities are in percentage points, alignments on the model&#39;s scale.</p>"
    );
    h.push_str("<table><tr><th>experiment</th><th>claim</th><th>statement and quote</th><th>outcome</th><th>expected</th><th>runs</th><th>effect (95% interval)</th><th>verdict</th></tr>\n");
    for r in results {
        let effect = match r.unit {
            EffectUnit::Probability => pp_ci(&r.effect),
            EffectUnit::Alignment => a_ci(&r.effect),
        };
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}<blockquote>{}</blockquote></td><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&r.id),
            esc(&r.claim),
            esc(&r.statement),
            esc(&r.quote),
            esc(&r.outcome),
            r.expect.as_str(),
            r.runs,
            effect,
            r.verdict.as_str()
        );
    }
    h.push_str("</table>\n");
    figures(&mut h, figs);
    let _ = writeln!(
        h,
        "<p class=\"meta\">Claims: {}. Quotes are verbatim.</p>",
        esc(crate::evidence::ARTICLE)
    );
    tail(&mut h);
    h
}

/// A regret (a difference of outcomes) with its interval: pp for probabilities, plain for alignments.
fn regret_ci(i: &Interval, probability: bool) -> String {
    if probability {
        format!(
            "{:.1} pp ({:.1} &ndash; {:.1})",
            100.0 * i.value,
            100.0 * i.ci_low,
            100.0 * i.ci_high
        )
    } else {
        format!("{:.3} ({:.3} &ndash; {:.3})", i.value, i.ci_low, i.ci_high)
    }
}

/// `robust`'s page: the question, the robustness table (distribution, regret, satisficing per lever setting, the
/// most robust marked), the method, the figure. Lever keys, labels and names pass through [`esc`].
pub fn robust_html(r: &crate::robust::Robustness, figs: &[Rendered]) -> String {
    let mut h = String::new();
    head(&mut h, &format!("robust {} {}", r.sweep, r.outcome));
    let _ = writeln!(
        h,
        "<h1>Which setting holds up? <code>{}</code> in sweep <code>{}</code></h1>",
        esc(&r.outcome),
        esc(&r.sweep)
    );
    let goal = match r.goal {
        crate::robust::Goal::Maximize => "higher is better",
        crate::robust::Goal::Minimize => "lower is better",
    };
    let _ = writeln!(
        h,
        "<p class=\"meta\">{} lever settings ({}) across {} futures of the uncertainties ({}); {goal}{}. Intervals: {}, {} resamples.</p>",
        r.settings.len(),
        esc(&r.levers.join(", ")),
        r.futures,
        esc(&r.uncertainties.join(", ")),
        r.threshold.map_or(String::new(), |p| format!(
            "; satisficing threshold {}",
            esc(&crate::output::num(p))
        )),
        esc(r.method),
        r.bootstrap
    );
    let value = |v: f64| {
        if r.probability {
            pct(v)
        } else {
            format!("{v:+.3}")
        }
    };
    h.push_str("<h2>Robustness</h2>\n<table><tr><th>setting</th><th>mean</th><th>5th &ndash; 95th percentile</th><th>min &ndash; max</th><th>max regret (95% interval)</th><th>mean regret (95% interval)</th><th>satisficing (95% interval)</th><th>most robust</th></tr>\n");
    for (i, s) in r.settings.iter().enumerate() {
        let d = &s.distribution;
        let mut marks = Vec::new();
        if i == r.most_robust_regret {
            marks.push("minimax regret");
        }
        if r.most_robust_satisficing == Some(i) {
            marks.push("satisficing");
        }
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{} &ndash; {}</td><td class=\"num\">{} &ndash; {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&s.label),
            value(d.mean),
            value(d.p5),
            value(d.p95),
            value(d.min),
            value(d.max),
            regret_ci(&s.max_regret.rounded(), r.probability),
            regret_ci(&s.mean_regret.rounded(), r.probability),
            s.satisficing
                .map_or("&ndash;".into(), |x| p_ci(&x.rounded())),
            esc(&marks.join(", "))
        );
    }
    h.push_str("</table>\n");
    figures(&mut h, figs);
    tail(&mut h);
    h
}

/// One box's parameter ranges (restricted ones only) as a list, in the parameters' units.
fn box_limits(h: &mut String, limits: &[crate::discover::Limit]) {
    let restricted: Vec<_> = limits.iter().filter(|l| l.restricted).collect();
    if restricted.is_empty() {
        h.push_str("no parameter restricted (the whole swept range)");
        return;
    }
    for (k, l) in restricted.iter().enumerate() {
        let _ = write!(
            h,
            "{}<code>{}</code> in [{}, {}]",
            if k > 0 { "<br>" } else { "" },
            esc(&l.parameter),
            esc(&crate::output::num(l.lower)),
            esc(&crate::output::num(l.upper))
        );
    }
}

/// `discover`'s page: the cases of interest, the PRIM box in the parameters' units with coverage and density and
/// their intervals, the CART leaves, the replicates the box needs, and the trajectory chart.
pub fn discover_html(d: &crate::discover::Discovery, figs: &[Rendered]) -> String {
    let side = match d.direction {
        crate::discover::Direction::Above => "above",
        crate::discover::Direction::Below => "below",
    };
    let mut h = String::new();
    head(&mut h, &format!("discover {} in {}", d.outcome, d.sweep));
    let _ = writeln!(
        h,
        "<h1>Where is <code>{}</code> {side} {}? Sweep <code>{}</code></h1>",
        esc(&d.outcome),
        esc(&crate::output::num(d.threshold)),
        esc(&d.sweep)
    );
    let _ = writeln!(
        h,
        "<p class=\"meta\">{} points; expected cases of interest {:.1}: each point counts with the probability that its true outcome is {side} the threshold, from its estimate and 95% interval. Coverage is the share of the cases inside a box, density the share of a box&#39;s points that are cases; both carry bootstrap 95% intervals ({} resamples of the points, each drawn point&#39;s case status from its weight).</p>",
        d.points, d.expected_cases, d.bootstrap
    );
    if let Some(p) = &d.prim {
        let _ = writeln!(
            h,
            "<h2>PRIM box</h2>\n<p>From peeling step {} of {}{}, {} points ({} added by pasting), support {}.</p>\n<table><tr><th>parameter</th><th>lower</th><th>upper</th><th>restricted</th></tr>",
            p.chosen_step,
            p.trajectory.len() - 1,
            if p.chosen_by_flag { " (--box)" } else { "" },
            p.box_points,
            p.pasted_points,
            pct(p.support)
        );
        for l in &p.limits {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&l.parameter),
                esc(&crate::output::num(l.lower)),
                esc(&crate::output::num(l.upper)),
                if l.restricted { "yes" } else { "no" }
            );
        }
        let _ = writeln!(
            h,
            "</table>\n<table><tr><th>coverage (95% interval)</th><th>density (95% interval)</th></tr><tr><td class=\"num\">{}</td><td class=\"num\">{}</td></tr></table>",
            p_ci(&p.coverage.rounded()),
            p_ci(&p.density.rounded())
        );
    }
    if let Some(c) = &d.cart {
        let _ = writeln!(
            h,
            "<h2>CART leaves</h2>\n<p>A classification tree (depth at most {}, at least {} points a leaf); each point counts as a case with mass its weight. A leaf is of interest when most of its weight is cases.</p>\n<table><tr><th>leaf</th><th>of interest</th><th>splits</th><th>box</th><th>points</th><th>coverage (95% interval)</th><th>density (95% interval)</th></tr>",
            c.max_depth, c.min_leaf
        );
        for l in &c.leaves {
            let mut b = String::new();
            box_limits(&mut b, &l.limits);
            let _ = writeln!(
                h,
                "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                l.leaf,
                if l.of_interest { "yes" } else { "no" },
                esc(&l.rule),
                b,
                l.points,
                p_ci(&l.coverage.rounded()),
                p_ci(&l.density.rounded())
            );
        }
        h.push_str("</table>\n");
    }
    let stability = |h: &mut String, title: &str, what: &str, s: &crate::discover::Stability| {
        let _ = writeln!(
            h,
            "<h2>{title}</h2>\n<p>Each point&#39;s estimate re-drawn {} times per level with its interval widened as if it had fewer replicates, and {what}; a re-simulation is stable when it agrees with this one on at least {} of the points either flags (Jaccard), and a level is stable when at least {} of the re-simulations are.</p>\n<table><tr><th>replicates per point (median point)</th><th>share stable (95% interval)</th><th>mean Jaccard overlap</th></tr>",
            s.resamples,
            pct(s.jaccard_tolerance),
            pct(s.stable_share)
        );
        for l in &s.levels {
            let _ = writeln!(
                h,
                "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.3}</td></tr>",
                l.replicates,
                p_ci(&l.stable.rounded()),
                l.mean_jaccard
            );
        }
        h.push_str("</table>\n");
        let _ = match s.needed {
            Some(r) => writeln!(
                h,
                "<p><strong>Needed: {r} replicates per point</strong> (the sweep has {}).</p>",
                s.sweep_replicates
            ),
            None => writeln!(
                h,
                "<p><strong>Needed: more than the sweep&#39;s {} replicates per point.</strong></p>",
                s.sweep_replicates
            ),
        };
        if !s.borderline.is_empty() {
            let at = crate::discover::list_and(&s.borderline);
            let _ = writeln!(
                h,
                "<p>Borderline: at {} replicates per point the share&#39;s 95% interval holds {}, so the verdict rests on the estimate; more re-simulations or replicates would settle it.</p>",
                at,
                pct(s.stable_share)
            );
        }
    };
    if let Some(s) = &d.replicates_needed {
        stability(&mut h, "Replicates the PRIM box needs", "PRIM rerun", s);
    }
    if let Some(s) = d.cart.as_ref().and_then(|c| c.replicates_needed.as_ref()) {
        stability(
            &mut h,
            "Replicates the CART leaves of interest need",
            "the tree regrown",
            s,
        );
    }
    figures(&mut h, figs);
    tail(&mut h);
    h
}
