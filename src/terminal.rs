//! What realign prints on the terminal: the short summaries of `run`, `compare`, `sweep`, `merge` and `claims`,
//! and the tables of `bench`. Text only; the files a command writes are rendered beside their results.

use std::fmt::Write;

use crate::app::{ClaimsOutcome, CompareOutcome, RunOutcome, ScoreOutcome, SweepOutcome};
use crate::bench::{BenchReport, ScalingRow};
use crate::claims::EffectUnit;
use crate::stats::Interval;

// One convention on screen, whichever command prints: probabilities in percent ("29.7%"), differences of
// probabilities in percentage points ("+3.4 pp"), alignments as plain numbers on the -1..+1 scale, every interval
// labelled "95% CI", and never a negative zero. Files keep plain fractions.

/// `v` with `decimals` decimals; a value that rounds to zero prints as zero, never "-0.0".
fn fixed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// `v` with its sign and `decimals` decimals; zero prints unsigned ("0.0"), never "-0.0".
fn signed(v: f64, decimals: usize) -> String {
    let s = fixed(v, decimals);
    if s.starts_with('-') || s.chars().all(|c| c == '0' || c == '.') {
        s
    } else {
        format!("+{s}")
    }
}

/// Decimals for a fraction shown as percent or pp: one, two below 1 (a Wilson bound of 0.04% must not read as 0.0).
fn decimals(fraction: f64) -> usize {
    if fraction != 0.0 && fraction.abs() < 0.01 {
        2
    } else {
        1
    }
}

/// A probability on screen: "29.7%".
fn percent(p: f64) -> String {
    format!("{}%", fixed(100.0 * p, decimals(p)))
}

/// A difference of probabilities on screen: "+3.4 pp".
fn pp(d: f64) -> String {
    format!("{} pp", signed(100.0 * d, decimals(d)))
}

/// A probability with its interval: "29.7%  95% CI [28.8%, 30.6%]", the value right-aligned in `width`.
fn percent_ci(i: &Interval, width: usize) -> String {
    format!(
        "{:>width$}  95% CI [{}, {}]",
        percent(i.value),
        percent(i.ci_low),
        percent(i.ci_high)
    )
}

/// A difference of probabilities with its interval: "+3.4 pp  95% CI [+1.0 pp, +5.8 pp]".
fn pp_ci(i: &Interval, width: usize) -> String {
    format!(
        "{:>width$}  95% CI [{}, {}]",
        pp(i.value),
        pp(i.ci_low),
        pp(i.ci_high)
    )
}

/// A difference of alignments with its interval: "-0.0750  95% CI [-0.0829, -0.0672]".
fn alignment_ci(i: &Interval, width: usize) -> String {
    format!(
        "{:>width$}  95% CI [{}, {}]",
        signed(i.value, 4),
        signed(i.ci_low, 4),
        signed(i.ci_high, 4)
    )
}

/// `realign run`: the events at the horizon with their intervals, the actors' alignments, the widest interval.
pub fn run_brief(outcome: &RunOutcome) -> String {
    let s = &outcome.scenario;
    let ens = &outcome.ensemble;
    let l = &ens.layout;
    let h = l.months - 1;
    let mut out = format!(
        "{}: {} runs, {} .. {}, seed {}\n",
        s.name,
        ens.acc.runs,
        s.month_label(1),
        s.month_label(h),
        s.seed,
    );
    if let Some(o) = &s.origin {
        let _ = writeln!(
            out,
            "Re-issued at {}: {} month(s) from {} replayed the drivers' data; each run starts from {}{}.",
            o.origin_month,
            o.months_before_origin,
            o.scenario_start_month,
            o.state,
            if o.observed.is_empty() {
                String::new()
            } else {
                format!(", with {} observed value(s) set", o.observed.len())
            }
        );
        for n in &o.notes {
            let _ = writeln!(out, "  note: {n}");
        }
    }
    let _ = write!(out, "\nBy {} (probability, 95% CI):\n", s.month_label(h));
    for (e, def) in l.events.iter().enumerate() {
        let p = ens.acc.event_by(l, e, h).interval();
        let _ = writeln!(out, "  {:<64} {}", def.description, percent_ci(&p, 6));
    }
    let _ = write!(
        out,
        "\nAlignment in {} (-1 West .. +1 Russia; median [middle 90% of runs]):\n",
        s.month_label(h)
    );
    for (j, a) in s.config.actors.iter().enumerate() {
        let k = l.band_metrics[j];
        let q = |q| ens.acc.quantile(l, h, k, q).map_or(f64::NAN, |e| e.value);
        let _ = writeln!(
            out,
            "  {:<12} {:>6}  [{:>5}, {:>5}]",
            a.name,
            fixed(q(0.5), 2),
            fixed(q(0.05), 2),
            fixed(q(0.95), 2)
        );
    }
    let _ = write!(
        out,
        "\nWidest 95% CI of any reported probability: +-{} ({} runs)\n",
        pp(ens.widest_half_width()).trim_start_matches('+'),
        ens.acc.runs
    );
    for note in crate::output::tables::meaningless_events(s) {
        let _ = writeln!(out, "Not meaningful here: {note}");
    }
    if let Some(u) = &outcome.uncertainty {
        out.push_str(&uncertainty_table(outcome, u));
    }
    let _ = write!(out, "\nWrote {}\n", outcome.out_dir.display());
    out
}

/// `realign run --uncertainty`: per event at the horizon, the pooled estimate, its Monte Carlo 95% CI, the
/// assumption range and the share due to assumptions; then the priors and the five that matter most.
fn uncertainty_table(outcome: &RunOutcome, u: &crate::app::UncertaintyOutcome) -> String {
    use crate::uncertainty::percent_honest as pc;
    let s = &outcome.scenario;
    let h = outcome.ensemble.layout.months - 1;
    let mut out = format!(
        "\nLuck and assumptions by {} ({} outer draws of the priors x {} runs each, common random numbers):\n  {:<64} {:>7}  {:<17}  {:<19}  {}\n",
        s.month_label(h),
        u.nested.outer,
        u.nested.inner,
        "event",
        "est.",
        "MC 95% CI",
        "assumption range",
        "share due to assumptions"
    );
    for r in u
        .rows
        .iter()
        .filter(|r| r.month == h && r.statistic == "probability")
    {
        let d = r.degenerate();
        let _ = writeln!(
            out,
            "  {:<64} {:>7}  {:<17}  {:<19}  {:>5}%",
            r.description,
            pc(r.estimate.value, d),
            format!(
                "[{}, {}]",
                pc(r.estimate.ci_low, true),
                pc(r.estimate.ci_high, true)
            ),
            format!("[{}, {}]", pc(r.assumption_p05, d), pc(r.assumption_p95, d)),
            fixed(100.0 * r.share_assumptions, 1)
        );
    }
    let scenario_priors = u
        .nested
        .priors
        .iter()
        .filter(|p| p.origin != crate::scenario::priors::PriorOrigin::Default)
        .count();
    let _ = write!(
        out,
        "\n{} parameters drawn from priors ({} from the scenario, {} default priors on assumptions). Most influential \
         (rank correlation of an event's outer estimate with the parameter's draw):\n",
        u.nested.priors.len(),
        scenario_priors,
        u.nested.priors.len() - scenario_priors
    );
    let ranked = crate::uncertainty::ranked_priors(&u.nested, &u.stats, &outcome.ensemble.layout);
    for (j, r, event) in ranked.into_iter().take(5) {
        let p = &u.nested.priors[j];
        let _ = writeln!(
            out,
            "  {:<48} {:>6} on {:<28} prior {}",
            p.key,
            signed(r, 2),
            event,
            p.dist.describe()
        );
    }
    out
}

/// Text read back from a file (a ledger line, a folder's file names) as it may be shown: control characters
/// escaped, so a file cannot move the cursor or recolour the terminal.
fn plain(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// A probability read back with its interval, compact for a table cell: "76.4% [75.5%, 77.2%]".
fn percent_cell(p: f64, lo: f64, hi: f64) -> String {
    format!("{} [{}, {}]", percent(p), percent(lo), percent(hi))
}

/// `realign verify`: which files match the rerun, which differ, are missing or extra, and what was left out.
pub fn verify_report(v: &crate::verify::Verification) -> String {
    use crate::verify::Status;
    let short = |h: &str| h.chars().take(12).collect::<String>();
    let mut out = format!(
        "{}: rerun of {} (scenario hash {}, seed {}, {} runs)\n  made by {}; rerun by {}\n",
        plain(&v.dir.display().to_string()),
        plain(&v.scenario),
        plain(&short(&v.scenario_hash)),
        v.seed,
        v.runs,
        plain(&v.recorded_build),
        plain(&v.this_build)
    );
    if !v.same_arithmetic {
        out.push_str(
            "  this machine's arithmetic probe differs from the one recorded: files may differ for that reason alone\n",
        );
    }
    for (status, title) in [
        (Status::Differs, "Differ from the rerun"),
        (Status::Missing, "Missing (the rerun wrote them)"),
        (Status::Extra, "Extra (the rerun did not write them)"),
        (Status::Match, "Match"),
        (Status::Excluded, "Excluded"),
    ] {
        let these: Vec<_> = v.checks.iter().filter(|c| c.status == status).collect();
        if these.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title} ({}):", these.len());
        for c in these {
            match &c.note {
                Some(n) => {
                    let _ = writeln!(out, "  {}: {n}", plain(&c.name));
                }
                None => {
                    let _ = writeln!(out, "  {}", plain(&c.name));
                }
            }
        }
    }
    let _ = write!(
        out,
        "\n{}\n",
        match v.problems() {
            0 => "Every file matches the rerun.".to_string(),
            n => format!("{n} file(s) differ, are missing or are extra."),
        }
    );
    out
}

/// `realign ledger`: every run recorded in a folder's ledger, and the probabilities of the last `last` side by
/// side, so the forecast's moves between issues show.
pub fn ledger_table(
    dir: &std::path::Path,
    ledger: &crate::output::ledger::Ledger,
    last: usize,
) -> String {
    let entries = &ledger.entries;
    let mut out = format!(
        "{}: {} run(s) recorded\n\n",
        plain(
            &dir.join(crate::output::ledger::LEDGER_FILE)
                .display()
                .to_string()
        ),
        entries.len()
    );
    let _ = writeln!(
        out,
        "  {:>3}  {:<20}  {:<16}  {:<12}  {:<18}  {:>8}  {:>10}  {:<7}  options",
        "#", "finished (UTC)", "scenario", "hash", "revision", "runs", "seed", "horizon"
    );
    for (i, e) in entries.iter().enumerate() {
        // The options that were given, as flags; the scenario path is in the manifest.
        let flags: Vec<String> = e
            .options
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, v)| {
                        k.as_str() != "scenario" && !v.is_null() && **v != serde_json::json!(0)
                    })
                    .map(|(k, v)| format!("--{} {v}", k.replace('_', "-")))
                    .collect()
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:>3}  {:<20}  {:<16}  {:<12}  {:<18}  {:>8}  {:>10}  {:<7}  {}",
            i + 1,
            plain(&e.time),
            plain(&e.scenario),
            plain(&e.scenario_hash.chars().take(12).collect::<String>()),
            plain(&e.git_revision),
            e.runs,
            e.seed,
            plain(&e.horizon_month),
            plain(&flags.join(" "))
        );
        // No trailing blanks where no option was given.
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push('\n');
    }
    let from = entries.len().saturating_sub(last);
    let shown = &entries[from..];
    if shown.is_empty() {
        return out;
    }
    // Events in the order they first appear; a run without one shows "-".
    let mut keys: Vec<(String, String)> = Vec::new();
    for e in shown {
        for ev in &e.events {
            let k = (ev.actor.clone(), ev.event.clone());
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    let _ = write!(
        out,
        "\nProbability by each run's horizon (95% CI){}:\n",
        if from > 0 {
            format!(", the last {} of {} runs", shown.len(), entries.len())
        } else {
            String::new()
        }
    );
    let label = |(actor, event): &(String, String)| {
        plain(&if actor.is_empty() {
            event.clone()
        } else {
            format!("{actor} {event}")
        })
    };
    let width = keys
        .iter()
        .map(|k| label(k).chars().count())
        .max()
        .unwrap_or(0);
    let _ = write!(out, "  {:<width$}", "");
    for i in from..entries.len() {
        let _ = write!(out, "  {:<22}", format!("#{}", i + 1));
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out.push('\n');
    for k in &keys {
        let _ = write!(out, "  {:<width$}", label(k));
        for e in shown {
            let cell = e
                .events
                .iter()
                .find(|ev| ev.actor == k.0 && ev.event == k.1)
                .map_or("-".to_string(), |ev| {
                    percent_cell(ev.probability, ev.ci_low, ev.ci_high)
                });
            let _ = write!(out, "  {cell:<22}");
        }
        // No trailing blanks.
        while out.ends_with(' ') {
            out.pop();
        }
        out.push('\n');
    }
    out
}

/// `realign compare`: each shared event in each scenario, with its difference from the first.
pub fn compare_brief(c: &CompareOutcome) -> String {
    let mut out = format!(
        "Events by {} (probability, 95% CI; difference from {} in percentage points, 95% CI)\n",
        c.shared.last, c.names[0]
    );
    let mut last_key = (String::new(), String::new());
    for r in &c.rows {
        if (r.event.clone(), r.actor.clone()) != last_key {
            let _ = write!(out, "\n  {}\n", r.description);
            last_key = (r.event.clone(), r.actor.clone());
        }
        // The numbers as the files hold them.
        let p = percent_ci(&r.probability.rounded(), 6);
        let diff = r
            .difference
            .map_or(String::new(), |d| format!("   {}", pp_ci(&d.rounded(), 9)));
        let _ = writeln!(out, "    {:<24} {p}{diff}", r.scenario);
    }
    if !c.shared.left_out.is_empty() {
        out.push_str("\nLeft out (not shared by all scenarios):\n");
        for n in &c.shared.left_out {
            let _ = writeln!(out, "  {n}");
        }
    }
    let _ = write!(out, "\nWrote {}\n", c.out_dir.display());
    out
}

/// `realign sweep` and `realign merge`: the design, and per outcome its verdict and leading indices.
pub fn sweep_brief(o: &SweepOutcome) -> String {
    let mut out = format!(
        "{}: {} design, {} points x {} replicates ({} computed now)\n",
        o.sweep.name,
        o.sweep.design.name(),
        o.points,
        o.sweep.replicates,
        o.computed
    );
    if let Some(a) = &o.analysis {
        if !a.prcc.is_empty() {
            out.push_str(
                "\n  PRCC: partial rank correlation of the outcome on each parameter, -1 to 1, with its 95% \
                 interval; ~0: the interval includes 0\n",
            );
        }
        for oa in &a.outcomes {
            let _ = write!(out, "\n  {}: {}\n", oa.outcome, oa.verdict);
            for m in oa.morris.iter().take(5) {
                let (mu, sigma) = (m.mu_star.rounded(), m.sigma.rounded());
                let _ = writeln!(
                    out,
                    "    mu* {:>8.4} [{:.4}, {:.4}]  sigma {:>8.4}  {}",
                    mu.value, mu.ci_low, mu.ci_high, sigma.value, m.parameter
                );
            }
            for x in oa.sobol.iter().take(8) {
                let (s1, st) = (x.first_order.rounded(), x.total.rounded());
                let _ = writeln!(
                    out,
                    "    S1 {:>7.3} [{:.3}, {:.3}]  ST {:>7.3} [{:.3}, {:.3}]  {}",
                    s1.value, s1.ci_low, s1.ci_high, st.value, st.ci_low, st.ci_high, x.parameter
                );
            }
            // Latin hypercube sweeps: every parameter's PRCC on this outcome, strongest first (prcc.csv has them in
            // the sweep file's order); an interval across 0 says the sweep cannot tell the sign.
            let mut prcc: Vec<_> = a.prcc.iter().filter(|r| r.outcome == oa.outcome).collect();
            prcc.sort_by(|x, y| y.value.abs().total_cmp(&x.value.abs()));
            for r in prcc {
                let i = r.interval().rounded();
                let _ = writeln!(
                    out,
                    "    PRCC {:>7.3} [{:.3}, {:.3}]{}  {}",
                    i.value,
                    i.ci_low,
                    i.ci_high,
                    if i.ci_low > 0.0 || i.ci_high < 0.0 {
                        "   "
                    } else {
                        " ~0"
                    },
                    r.parameter
                );
            }
        }
    } else {
        out.push_str("part finished; combine the parts with `realign merge`\n");
    }
    let _ = write!(out, "\nWrote {}\n", o.out_dir.display());
    out
}

/// `realign claims`: each claim's verdict and effect, beside the width independent streams would give. Effects on
/// a probability are in percentage points, effects on an alignment plain numbers.
pub fn claims_brief(c: &ClaimsOutcome) -> String {
    let mut out = format!(
        "Claims tested on {} (paired arms, common random numbers; effect with its 95% CI: on a probability in \
         percentage points (pp), on an alignment on the -1..+1 scale)\n",
        c.scenario
    );
    for r in &c.results {
        let (effect, independent) = (r.effect.rounded(), r.effect_independent.rounded());
        let (effect, half) = match r.unit {
            EffectUnit::Probability => (
                pp_ci(&effect, 9),
                pp(independent.half_width())
                    .trim_start_matches('+')
                    .to_string(),
            ),
            EffectUnit::Alignment => (alignment_ci(&effect, 9), fixed(independent.half_width(), 4)),
        };
        let _ = write!(
            out,
            "\n  {:<30} {:<13} {} {effect}  runs {}  (independent streams: +-{half}, {:.1}x wider)\n    {} \u{201c}{}\u{201d}\n    {} (expected to {})\n",
            r.id,
            r.verdict.as_str().to_uppercase(),
            r.outcome,
            r.runs,
            crate::output::round6(r.width_ratio),
            r.claim,
            r.quote,
            r.statement,
            r.expect.as_str(),
        );
    }
    let _ = write!(
        out,
        "\n{} of {} contradicted. Wrote {}\n",
        c.contradicted(),
        c.results.len(),
        c.out_dir.display()
    );
    out
}

/// An estimated amount of memory: KiB below a MiB, else MiB with one decimal.
fn memory(bytes: u64) -> String {
    if bytes < 1 << 20 {
        format!("{} KiB", bytes.div_ceil(1 << 10))
    } else {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    }
}

/// `realign validate`: one line per valid file; for a sweep, what it would take (points, runs, memory), and for a
/// claims file its experiments and runs.
pub fn validated(path: &std::path::Path, v: &crate::app::Validated) -> String {
    use crate::app::Validated;
    match v {
        Validated::Scenario(s) => format!(
            "{}: ok ({}, {} actors, {} months)\n",
            path.display(),
            s.name,
            s.config.actors.len(),
            s.horizon_months()
        ),
        Validated::Sweep(s) => {
            let size = &s.size;
            format!(
                "{}: ok (sweep {} on {}, {} design: {} points x {} replicates = {} runs, {} parameters, {} outcomes, about {} of points and results)\n",
                path.display(),
                s.name,
                s.scenario.name,
                s.design.name(),
                size.points,
                s.replicates,
                size.most_runs(s.replicates),
                size.parameters,
                size.outcomes,
                memory(size.memory_bytes)
            )
        }
        Validated::Claims(c) => {
            let n = c.experiments.len() as u64;
            let per_arm = crate::claims::DEFAULT_RUNS;
            // Each experiment runs both arms on common streams and again on independent ones.
            let per_experiment = 4 * per_arm;
            format!(
                "{}: ok (claims on {}, {} experiments x {} runs per arm by default; both arms run paired and on independent streams: {} model runs an experiment, {} in all)\n",
                path.display(),
                c.scenario.name,
                n,
                per_arm,
                per_experiment,
                n * per_experiment
            )
        }
    }
}

/// `realign bench SCENARIO`: runs per second of the draws alone, and of the model alone and of full runs for the
/// scalar reference and the lanes.
pub fn bench_table(name: &str, r: &BenchReport, repeats: usize) -> String {
    let us = |rate: f64| 1e6 / rate;
    let mut out = format!(
        "scenario {} ({} draws per run, {} actor-months), {} runs, best of {}; lanes: {} runs a block, {}\n",
        name,
        r.draws_per_run,
        r.actor_months_per_run,
        r.runs,
        repeats,
        crate::model::lanes::LANES,
        r.lanes_engine.as_str()
    );
    let _ = writeln!(
        out,
        "random draws alone, 1 thread : {:>10.0} runs/s {:>7.2} us a run",
        r.draws_only_runs_per_s,
        us(r.draws_only_runs_per_s)
    );
    for (label, e) in [("scalar", &r.scalar), ("lanes", &r.lanes)] {
        let _ = writeln!(
            out,
            "{label:<6} model, no statistics : {:>10.0} runs/s {:>7.2} us a run",
            e.model_only_runs_per_s,
            us(e.model_only_runs_per_s)
        );
        let _ = writeln!(
            out,
            "{label:<6} full runs, 1 thread : {:>10.0} runs/s {:>7.2} us a run {:>6.1} ns an actor-month",
            e.single_thread_runs_per_s,
            us(e.single_thread_runs_per_s),
            r.ns_per_actor_month(e.single_thread_runs_per_s)
        );
        let _ = writeln!(
            out,
            "{label:<6} full runs, {:>2} thr.  : {:>10.0} runs/s",
            r.all_threads, e.all_threads_runs_per_s
        );
    }
    let _ = writeln!(
        out,
        "lanes / scalar, full, 1 thr. : {:>10.2} (best times; target >= 2)",
        r.lanes_speedup()
    );
    let paired = |out: &mut String, ratios: &[f64]| {
        if let Some((median, low, high)) = BenchReport::spread(ratios) {
            let _ = writeln!(
                out,
                "  repeat by repeat (paired)  : {median:>10.2} median, {low:.2} to {high:.2} over {}",
                ratios.len()
            );
        }
    };
    paired(&mut out, &r.paired_full_ratios);
    let _ = writeln!(
        out,
        "lanes / scalar, model alone  : {:>10.2}",
        r.lanes_model_speedup()
    );
    paired(&mut out, &r.paired_model_ratios);
    let _ = writeln!(
        out,
        "draws' share of a lane run   : {:>10.2}",
        r.draws_share_of_lane_run()
    );
    if let Some(m) = r.peak_rss_mib {
        let _ = writeln!(out, "peak resident memory         : {m:>10.1} MiB");
    }
    out
}

/// `realign bench --sweep`: how a sweep scales with threads, beside a pure compute loop's ceiling.
pub fn scaling_table(
    sweep: &crate::sweep::spec::Sweep,
    points: usize,
    rows: &[ScalingRow],
    repeats: usize,
    cores: usize,
) -> String {
    let mut out = format!(
        "sweep {} ({} points x {} replicates), best of {repeats}, {cores} cores\n",
        sweep.name, points, sweep.replicates
    );
    let _ = writeln!(
        out,
        "{:>7} {:>10} {:>12} {:>11} {:>11} {:>11}",
        "threads", "sweep s", "runs/s", "efficiency", "ceiling", "of ceiling"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:>7} {:>10.3} {:>12.0} {:>10.1}% {:>10.1}% {:>10.1}%",
            r.threads,
            r.sweep_seconds,
            r.sweep_runs_per_s,
            100.0 * r.sweep_efficiency,
            100.0 * r.ceiling_efficiency,
            100.0 * r.sweep_efficiency / r.ceiling_efficiency
        );
    }
    out
}

/// A score or skill with its interval: "0.123  95% CI [0.081, 0.170]"; "n/a" where undefined (no questions, or a
/// reference that scores 0).
fn score_ci(i: &Interval, decimals: usize, sign: bool) -> String {
    let f = |v: f64| {
        if !v.is_finite() {
            "n/a".to_string()
        } else if sign {
            signed(v, decimals)
        } else {
            fixed(v, decimals)
        }
    };
    if !i.value.is_finite() {
        return "n/a".into();
    }
    format!(
        "{:>7}  95% CI [{}, {}]",
        f(i.value),
        f(i.ci_low),
        f(i.ci_high)
    )
}

/// `realign score`: per run folder, the Brier score and skills with their bootstrap intervals, the log score, the
/// CRPS, and every question it could not answer with the reason.
pub fn score_brief(o: &ScoreOutcome) -> String {
    use crate::scenario::error::printable;
    let mut out = format!(
        "Scored against {} (intervals: 95% bootstrap over questions)\n",
        o.name
    );
    for r in &o.results {
        let t = &r.totals;
        let _ = write!(
            out,
            "\n{} ({}, {} runs): {} of {} questions scored ({} events, {} quantities), {} unanswerable\n",
            r.scenario,
            printable(&r.run_dir, false),
            r.runs,
            t.events_scored + t.quantities_scored,
            t.questions,
            t.events_scored,
            t.quantities_scored,
            t.unanswerable
        );
        let _ = writeln!(
            out,
            "  Brier score              {}  (0 is perfect)",
            score_ci(&t.brier, 3, false)
        );
        let _ = writeln!(
            out,
            "  skill vs even odds       {}",
            score_ci(&t.skill_vs_even_odds, 2, true)
        );
        let _ = writeln!(
            out,
            "  skill vs nothing changes {}",
            score_ci(&t.skill_vs_nothing_changes, 2, true)
        );
        let _ = writeln!(
            out,
            "  skill vs base rates      {}  ({} events with a reference class)",
            score_ci(&t.skill_vs_base_rates, 2, true),
            t.with_reference
        );
        let _ = writeln!(
            out,
            "  log score                {}  (mean ln of the probability given to what happened; 0 is perfect)",
            score_ci(&t.log_score, 3, true)
        );
        if t.quantities_scored > 0 {
            let _ = writeln!(
                out,
                "  CRPS                     {:>7}  (nothing changes {}; skill {}) over {} quantities",
                fixed(t.crps, 3),
                fixed(t.crps_nothing_changes, 3),
                if t.crps_skill.is_finite() {
                    signed(t.crps_skill, 2)
                } else {
                    "n/a".into()
                },
                t.quantities_scored
            );
        }
        for u in &r.unanswerable {
            let _ = writeln!(
                out,
                "  unanswerable: {}: {}",
                printable(&u.question, false),
                printable(&u.reason, false)
            );
        }
    }
    let _ = write!(out, "\nWrote {}\n", o.out_dir.display());
    out
}

/// `realign condition`: what was observed, how many runs survived, and every event by the horizon, conditioned
/// beside unconditioned.
pub fn condition_brief(o: &crate::app::ConditionOutcome) -> String {
    let c = &o.result;
    let mut out = format!(
        "{}: {} stored runs, conditioned on {}:\n",
        c.scenario,
        c.runs,
        if c.observations.len() == 1 {
            "one observation".to_string()
        } else {
            format!("{} observations", c.observations.len())
        }
    );
    for obs in &c.observations {
        let _ = writeln!(out, "  {obs}");
    }
    if c.weighted {
        let _ = writeln!(
            out,
            "{} runs keep a weight; effective runs (Kish) {}",
            c.survivors,
            fixed(c.effective_runs, 1)
        );
    } else {
        let _ = writeln!(
            out,
            "{} of {} runs survive ({})",
            c.survivors,
            c.runs,
            percent(c.survivors as f64 / c.runs as f64)
        );
    }
    let _ = write!(
        out,
        "\nBy {} (probability, 95% CI):\n  {:<64} {:<32}|  unconditioned\n",
        c.horizon, "", "conditioned"
    );
    for r in &c.at_horizon {
        let _ = writeln!(
            out,
            "  {:<64} {:<32}|  {}",
            r.description,
            percent_ci(&r.conditioned.rounded(), 6),
            percent_ci(&r.unconditioned.rounded(), 6)
        );
    }
    if let Some(w) = &c.warning {
        let _ = write!(out, "\nWarning: {w}\n");
    }
    let _ = write!(out, "\nWrote {}\n", o.out_dir.display());
    out
}

/// `realign discover`: the PRIM box and the CART leaves of interest in the parameters' units (restricted parameters
/// only), with coverage and density, and the replicates per point the PRIM box needs to be stable.
pub fn discover_brief(o: &crate::app::DiscoverOutcome) -> String {
    let d = &o.result;
    let side = match d.direction {
        crate::discover::Direction::Above => "above",
        crate::discover::Direction::Below => "below",
    };
    let mut out = format!(
        "{}: {} points; cases of interest: {} {side} {} (expected {} cases, each point weighted by the probability \
         that its true outcome is {side} the threshold)\n",
        d.sweep,
        d.points,
        d.outcome,
        crate::output::num(d.threshold),
        fixed(d.expected_cases, 1)
    );
    let limits = |out: &mut String, ls: &mut dyn Iterator<Item = &crate::discover::Limit>| {
        let mut any = false;
        for l in ls {
            any = true;
            let _ = writeln!(
                out,
                "  {} in [{}, {}]",
                l.parameter,
                crate::output::num(l.lower),
                crate::output::num(l.upper)
            );
        }
        if !any {
            let _ = writeln!(
                out,
                "  (no parameter restricted: the box is the whole swept range)"
            );
        }
    };
    if let Some(p) = &d.prim {
        let _ = writeln!(
            out,
            "PRIM box from peeling step {} of {}{}, {} points ({} added by pasting), support {}:",
            p.chosen_step,
            p.trajectory.len() - 1,
            if p.chosen_by_flag { " (--box)" } else { "" },
            p.box_points,
            p.pasted_points,
            percent(p.support)
        );
        limits(&mut out, &mut p.restricted());
        let _ = writeln!(out, "  coverage {}", percent_ci(&p.coverage.rounded(), 6));
        let _ = writeln!(out, "  density  {}", percent_ci(&p.density.rounded(), 6));
    }
    if let Some(c) = &d.cart {
        let n = c.of_interest().count();
        let _ = writeln!(
            out,
            "CART (depth <= {}, leaves >= {} points): {n} of {} leaves mostly cases{}",
            c.max_depth,
            c.min_leaf,
            c.leaves.len(),
            if n == 0 { " (none)" } else { ":" }
        );
        for l in c.of_interest() {
            let _ = writeln!(out, " leaf {}: {}, {} points:", l.leaf, l.rule, l.points);
            limits(&mut out, &mut l.restricted());
            let _ = writeln!(out, "  coverage {}", percent_ci(&l.coverage.rounded(), 6));
            let _ = writeln!(out, "  density  {}", percent_ci(&l.density.rounded(), 6));
        }
    }
    // `what`: what is stable; `(found, shared)`: what a re-simulated sweep gives, and whose points it shares.
    let stability = |out: &mut String,
                     what: &str,
                     (found, shared): (&str, &str),
                     s: &crate::discover::Stability| {
        let _ = writeln!(
            out,
            "Replicates per point for {what} (at least {} of {} re-simulated sweeps give {found} sharing {} of \
             {shared}):",
            percent(s.stable_share),
            s.resamples,
            percent(s.jaccard_tolerance)
        );
        for l in &s.levels {
            let _ = writeln!(
                out,
                "  {:>6} per point: stable in {}",
                l.replicates,
                percent_ci(&l.stable.rounded(), 6)
            );
        }
        let _ = match s.needed {
            Some(r) => writeln!(
                out,
                "  needed: {r} per point (the sweep has {})",
                s.sweep_replicates
            ),
            None => writeln!(
                out,
                "  needed: more than the sweep's {} per point",
                s.sweep_replicates
            ),
        };
        if !s.borderline.is_empty() {
            let at = crate::discover::list_and(&s.borderline);
            let _ = writeln!(
                out,
                "  borderline: at {} per point the share's 95% interval holds {}; the verdict rests on the estimate",
                at,
                percent(s.stable_share)
            );
        }
    };
    if let Some(s) = &d.replicates_needed {
        stability(
            &mut out,
            "a stable PRIM box",
            ("a box", "its points with this one"),
            s,
        );
    }
    if let Some(s) = d.cart.as_ref().and_then(|c| c.replicates_needed.as_ref()) {
        stability(
            &mut out,
            "stable CART leaves of interest",
            ("leaves of interest", "their points with these"),
            s,
        );
    }
    let _ = writeln!(out, "Written to {}", o.out_dir.display());
    out
}

/// `realign robust`: one row per lever setting with the outcome's spread, regret and satisficing, intervals
/// labelled; the most robust settings marked.
pub fn robust_brief(o: &crate::app::RobustOutcome) -> String {
    let r = &o.result;
    let value = |v: f64| {
        if r.probability {
            percent(v)
        } else {
            signed(v, 3)
        }
    };
    let regret = |i: &Interval| {
        if r.probability {
            format!(
                "{} pp [{}, {}]",
                fixed(100.0 * i.value, 1),
                fixed(100.0 * i.ci_low, 1),
                fixed(100.0 * i.ci_high, 1)
            )
        } else {
            format!(
                "{} [{}, {}]",
                fixed(i.value, 3),
                fixed(i.ci_low, 3),
                fixed(i.ci_high, 3)
            )
        }
    };
    let mut out = format!(
        "{}: {} ({}) for {} lever settings across {} futures; 95% CI in brackets (bootstrap over the points' noise and the futures)\n",
        r.sweep,
        r.outcome,
        match r.goal {
            crate::robust::Goal::Maximize => "higher is better",
            crate::robust::Goal::Minimize => "lower is better",
        },
        r.settings.len(),
        r.futures
    );
    let width = r
        .settings
        .iter()
        .map(|s| s.label.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let sat_head = r.threshold.map_or(String::new(), |p| {
        format!(
            "  satisficing ({} {})",
            if r.goal == crate::robust::Goal::Maximize {
                ">="
            } else {
                "<="
            },
            crate::output::num(p)
        )
    });
    let _ = writeln!(
        out,
        "{:<width$}  {:>7}  {:>15}  {:<24}  {:<24}{sat_head}",
        "setting", "mean", "5th-95th pct", "max regret 95% CI", "mean regret 95% CI"
    );
    for (i, s) in r.settings.iter().enumerate() {
        let d = &s.distribution;
        let mut line = format!(
            "{:<width$}  {:>7}  {:>15}  {:<24}  {:<24}",
            s.label,
            value(d.mean),
            format!("{}-{}", value(d.p5), value(d.p95)),
            regret(&s.max_regret.rounded()),
            regret(&s.mean_regret.rounded()),
        );
        if let Some(sat) = &s.satisficing {
            let sat = sat.rounded();
            let _ = write!(
                line,
                "  {} [{}, {}]",
                percent(sat.value),
                percent(sat.ci_low),
                percent(sat.ci_high)
            );
        }
        if i == r.most_robust_regret {
            line.push_str("  <- minimax regret");
        }
        if r.most_robust_satisficing == Some(i) {
            line.push_str("  <- satisficing");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let _ = writeln!(out, "Written to {}", o.out_dir.display());
    out
}

/// `realign signposts`: the top K signposts of an outcome.
pub fn signposts_brief(o: &crate::app::SignpostsOutcome) -> String {
    let s = &o.result;
    let mut out = format!(
        "{}: {} stored runs. Signposts of \"{}\" by {}, read in {}\n",
        s.scenario,
        s.runs,
        s.outcome_description,
        s.by,
        s.candidate_months.join(", ")
    );
    let _ = writeln!(
        out,
        "(runs where the outcome had already happened by a signpost's month are left out of that signpost; \
         {} candidates that every or no remaining run showed are not listed)\n",
        s.not_discriminating
    );
    for p in s.signposts.iter().take(o.top) {
        let _ = writeln!(out, "{:>3}. {}", p.rank, p.label);
        let _ = writeln!(
            out,
            "     P(outcome | signpost)   {}   prevalence {}",
            percent_ci(&p.p_given.rounded(), 6),
            percent_ci(&p.prevalence.rounded(), 6)
        );
        let _ = writeln!(
            out,
            "     P(outcome | not)        {}   lift {}",
            percent_ci(&p.p_given_not.rounded(), 6),
            if p.lift.is_finite() {
                fixed(p.lift, 2)
            } else {
                "-".into()
            }
        );
        let _ = writeln!(
            out,
            "     difference              {}   lead time {}",
            pp_ci(&p.difference.rounded(), 9),
            p.lead_time_months
                .map_or("-".to_string(), |m| format!("{m} months (median)"))
        );
    }
    let _ = write!(
        out,
        "\n{} signposts ranked in signposts.csv\nWrote {}\n",
        s.signposts.len(),
        o.out_dir.display()
    );
    out
}

/// `realign export-ema`: the archive written and how to load it.
pub fn export_ema_brief(file: &std::path::Path) -> String {
    format!(
        "wrote {} (EMA Workbench results: ema_workbench.load_results reads it)\n",
        crate::scenario::error::printable(&file.display().to_string(), false)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_numbers_follow_one_convention_and_never_show_a_negative_zero() {
        assert_eq!(percent(0.297), "29.7%");
        assert_eq!(percent(0.0004), "0.04%");
        assert_eq!(percent(0.0), "0.0%");
        assert_eq!(percent(-0.0), "0.0%");
        assert_eq!(pp(0.034), "+3.4 pp");
        assert_eq!(pp(-0.034), "-3.4 pp");
        assert_eq!(pp(0.0), "0.0 pp");
        assert_eq!(pp(-0.0), "0.0 pp");
        assert_eq!(pp(-0.000_000_1), "0.00 pp");
        assert_eq!(pp(-0.0004), "-0.04 pp");
        assert_eq!(signed(-0.000_01, 4), "0.0000");
        assert_eq!(signed(0.25, 2), "+0.25");
        assert_eq!(fixed(-0.001, 2), "0.00");
        let i = Interval {
            value: 0.0,
            ci_low: -0.000_001,
            ci_high: 0.000_001,
        };
        let text = pp_ci(&i, 0);
        assert_eq!(text, "0.0 pp  95% CI [0.00 pp, 0.00 pp]");
    }
}
