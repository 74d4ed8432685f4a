//! report.html: one self-contained page per run (inline SVG and CSS, no scripts, no network, no external fonts).
//! Every string that comes from a scenario file passes through [`esc`].

use std::fmt::Write;

use crate::charts::Rendered;
use crate::explain::{provenance_text, quote_claims};
use crate::model::params::{ACTOR_ATTRS, PARAM_SPECS, fmt_num};
use crate::output::tables::{BANDS, Summary};
use crate::scenario::{Origin, Scenario};

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A percentage with one decimal, or two below 1% (so a Wilson bound of 0.04% does not read as 0.0%).
pub(crate) fn pct(p: f64) -> String {
    if p > 0.0 && p < 0.01 {
        format!("{:.2}%", 100.0 * p)
    } else {
        format!("{:.1}%", 100.0 * p)
    }
}

pub(crate) const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;max-width:1240px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ccc;padding-bottom:.2em}\
table{border-collapse:collapse;margin:1em 0;font-size:.92em}th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}\
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
figure{margin:1.5em 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#444;font-size:.95em;margin-top:.3em}\
.meta{color:#555}.changed{background:#fff6d5}pre{background:#f7f7f7;padding:1em;overflow:auto;font-size:.8em;max-height:30em}\
blockquote{margin:.2em 0;color:#444;font-style:italic}";

/// What each figure answers, by file stem prefix.
fn caption(stem: &str) -> &'static str {
    if stem.starts_with("fan-") {
        "Where is this actor heading? The line is the median alignment across runs; the dark band holds the middle 50% of runs, the light band 90%. Dashed lines mark the band thresholds."
    } else if stem == "bands" {
        "How likely is each stance? The share of runs in which each actor is West-leaning, multi-vector or Russia-aligned, month by month."
    } else if stem == "events" {
        "Has it happened yet? The probability that each event has happened by each month, with its 95% Monte Carlo interval as a ribbon."
    } else if stem == "drivers" {
        "What drives it? Oil, the rouble and the patron's integration budget across runs; the black line is the historical path where the data cover it."
    } else {
        ""
    }
}

/// Strips the XML declaration so the SVG can sit inside HTML.
pub(crate) fn inline_svg(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

/// `html` (a page of [`report_html`]) with `section` inserted after the headline events, before the actors.
pub fn insert_section(mut html: String, section: &str) -> String {
    let at = html.find("<h2>Actors in").unwrap_or(html.len());
    html.insert_str(at, section);
    html
}

pub fn report_html(
    s: &Scenario,
    summary: &Summary,
    figures: &[Rendered],
    manifest_json: &str,
) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>realign: {}</title><style>{STYLE}</style></head><body>\n",
        esc(&s.name)
    );
    let _ = writeln!(h, "<h1>Scenario <code>{}</code></h1>", esc(&s.name));
    if !s.description.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(&s.description));
    }
    let _ = writeln!(
        h,
        "<p class=\"meta\">{} runs, seed {}, months {} to {} (month 0 is {}). Every probability carries its 95% Monte Carlo interval (Wilson score).</p>",
        summary.runs,
        summary.seed,
        esc(&s.month_label(1)),
        esc(&summary.horizon_month),
        esc(&summary.start_month)
    );

    // Headline numbers.
    let _ = writeln!(h, "<h2>Events by {}</h2>", esc(&summary.horizon_month));
    h.push_str("<table><tr><th>event</th><th>probability</th><th>95% interval</th><th>runs</th><th>median first month</th></tr>\n");
    for e in &summary.events {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{} &ndash; {}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&e.description),
            pct(e.p.probability),
            pct(e.p.ci_low),
            pct(e.p.ci_high),
            e.p.count,
            esc(e.median_first_month.as_deref().unwrap_or("never"))
        );
    }
    h.push_str("</table>\n");
    let _ = writeln!(h, "<h2>Actors in {}</h2>", esc(&summary.horizon_month));
    h.push_str("<table><tr><th>actor</th><th>role</th><th>median alignment [90% of runs]</th>");
    for b in BANDS {
        let _ = write!(h, "<th>{}</th>", b.replace('_', " "));
    }
    h.push_str("</tr>\n");
    for a in &summary.actors {
        let q = |k: &str| a.alignment.quantiles.get(k).map_or(f64::NAN, |e| e.value);
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{:.2} [{:.2}, {:.2}]</td>",
            esc(&a.name),
            esc(&a.role),
            q("q50"),
            q("q05"),
            q("q95")
        );
        for b in &a.bands {
            let _ = write!(
                h,
                "<td class=\"num\">{} ({} &ndash; {})</td>",
                pct(b.p.probability),
                pct(b.p.ci_low),
                pct(b.p.ci_high)
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n<h2>Charts</h2>\n");
    for f in figures {
        let _ = writeln!(
            h,
            "<figure id=\"{}\">{}<figcaption>{}</figcaption></figure>",
            esc(&f.stem),
            inline_svg(&f.svg),
            caption(&f.stem)
        );
    }

    // What the scenario changes.
    let _ = writeln!(h, "<h2>What this scenario changes</h2>");
    if s.files.len() > 1 {
        let bases: Vec<String> = s.files[1..]
            .iter()
            .map(|p| format!("<code>{}</code>", esc(&p.display().to_string())))
            .collect();
        let _ = writeln!(h, "<p>Based on {}; it changes:</p>", bases.join(" &larr; "));
    } else {
        let _ = writeln!(
            h,
            "<p>A base scenario. It sets these values itself (everything else is the parameter table's default):</p>"
        );
    }
    if s.changes.is_empty()
        && s.oil_shocks.is_empty()
        && s.west_changes.is_empty()
        && s.replays.is_empty()
    {
        let _ = writeln!(h, "<p>Nothing: it only renames its base.</p>");
    } else {
        h.push_str("<table><tr><th>key</th><th>value</th></tr>\n");
        for (k, v) in &s.changes {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
                esc(k),
                esc(v)
            );
        }
        for (m, f) in &s.oil_shocks {
            let _ = writeln!(
                h,
                "<tr><td>oil shock in {}</td><td class=\"num\">price &times; {}</td></tr>",
                esc(&m.to_string()),
                fmt_num(*f)
            );
        }
        for (m, w) in &s.west_changes {
            let _ = writeln!(
                h,
                "<tr><td>Western engagement from {}</td><td class=\"num\">{}</td></tr>",
                esc(&m.to_string()),
                fmt_num(*w)
            );
        }
        for r in &s.replays {
            let _ = writeln!(
                h,
                "<tr><td>{} replayed</td><td>{} ({}), {} .. {}</td></tr>",
                esc(&r.driver),
                esc(&r.file),
                esc(&r.column),
                esc(r.first_month.as_deref().unwrap_or("-")),
                esc(r.last_month.as_deref().unwrap_or("-"))
            );
        }
        h.push_str("</table>\n");
    }

    // Parameters with provenance.
    let _ = writeln!(
        h,
        "<h2>Parameters</h2>\n<p>Highlighted rows are set by this scenario file itself.</p>"
    );
    h.push_str("<table><tr><th>key</th><th>value</th><th>unit</th><th>range</th><th>set by</th><th>provenance of the default</th></tr>\n");
    let values = s.config.params.values();
    for (i, p) in PARAM_SPECS.iter().enumerate() {
        let (class, by) = origin(s, &s.param_origin[i]);
        let _ = writeln!(
            h,
            "<tr{class}><td><code>{}</code><br><small>{}</small></td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(p.key),
            esc(p.doc),
            fmt_num(values[i]),
            esc(p.unit),
            esc(&p.range_text()),
            esc(&by),
            match &s.param_source[i] {
                Some(text) => format!(
                    "{}<br>this scenario: {}",
                    esc(&provenance_text(&p.provenance)),
                    esc(&quote_claims(text))
                ),
                None => esc(&provenance_text(&p.provenance)),
            }
        );
    }
    h.push_str("</table>\n");
    for (a, origins) in s.config.actors.iter().zip(&s.actor_attr_origin) {
        let _ = writeln!(h, "<h3>{} ({})</h3>", esc(&a.name), a.role.as_str());
        h.push_str("<table><tr><th>attribute</th><th>value</th><th>range</th><th>set by</th><th>provenance</th></tr>\n");
        for (i, spec) in ACTOR_ATTRS
            .iter()
            .enumerate()
            .filter(|(_, sp)| sp.applies_to(a.role))
        {
            let (o, source) = &origins[i];
            let (class, by) = origin(s, o);
            let value = if spec.boolean {
                (a.attrs[i] != 0.0).to_string()
            } else {
                fmt_num(a.attrs[i])
            };
            let prov = match source {
                Some(t) => quote_claims(t),
                None if *o == Origin::Default => provenance_text(&spec.provenance),
                None => "none given".into(),
            };
            let _ = writeln!(
                h,
                "<tr{class}><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(spec.key),
                esc(&value),
                esc(&spec.range_text()),
                esc(&by),
                esc(&prov)
            );
        }
        h.push_str("</table>\n");
    }
    let _ = writeln!(h, "<h2>Manifest</h2>\n<pre>{}</pre>", esc(manifest_json));
    let _ = writeln!(
        h,
        "<p class=\"meta\">Claims: {}. Quotes are verbatim.</p>\n</body></html>",
        esc(crate::evidence::ARTICLE)
    );
    h
}

fn origin(s: &Scenario, o: &Origin) -> (&'static str, String) {
    match o {
        Origin::Default => ("", "default".into()),
        Origin::File(0) => (" class=\"changed\"", "this scenario".into()),
        Origin::File(i) => ("", format!("base {}", s.files[*i].display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
