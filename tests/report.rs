//! report.html: self-contained, well-formed, escapes hostile text, and renders in a real headless Chromium
//! without loading anything from outside. The Chromium checks are `#[ignore]`d, so a plain `cargo test` reports
//! them as ignored (never as passed) on a machine without Chromium; `cargo test --release -- --ignored` runs them
//! and fails if Chromium is missing. `.ci/run` installs Chromium and runs them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn run_report(dir: &Path, scenario: &Path) -> PathBuf {
    let out = dir.join("out");
    common::realign_ok(&[
        "run",
        scenario.to_str().unwrap(),
        "-q",
        "--runs",
        "600",
        "--out",
        out.to_str().unwrap(),
    ]);
    out.join("report.html")
}

const HOSTILE: &str = "<script>alert(1)</script><img src=x onerror=alert(2)> & \\\"quoted\\\"";

fn hostile_scenario(dir: &Path) -> PathBuf {
    common::write(
        dir,
        "hostile.toml",
        &format!(
            "base = \"{}\"\nname = \"hostile\"\ndescription = \"{HOSTILE}\"\n[actors.Belarus.sources]\nthreat = \"assumption: <b>bold</b> claim\"\n",
            common::scenario("baseline.toml").display()
        ),
    )
}

/// Tags of a void or self-closing kind need no end tag; every other opened tag must be closed in order.
fn check_well_formed(html: &str) {
    let void = ["meta", "br", "img", "hr", "input", "link"];
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        if rest.starts_with('!') || rest.starts_with('?') {
            continue;
        }
        let end = rest.find('>').expect("unclosed tag");
        let tag = &rest[..end];
        let self_closing = tag.ends_with('/');
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == ':')
            .collect::<String>()
            .to_lowercase();
        if closing {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name, "</{name}> closes <{open}>");
        } else if !self_closing && !void.contains(&name.as_str()) {
            stack.push(name);
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

#[test]
fn report_is_self_contained_well_formed_and_escapes_scenario_text() {
    let dir = tempfile::tempdir().unwrap();
    let html =
        std::fs::read_to_string(run_report(dir.path(), &hostile_scenario(dir.path()))).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    check_well_formed(&html);
    assert!(
        !html.contains("<script"),
        "markup from the scenario reached the page"
    );
    assert!(
        !html.contains("<img"),
        "markup from the scenario reached the page"
    );
    assert!(!html.contains("<b>bold</b>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;"));
    // Nothing to fetch: no external references of any kind (the SVG namespace is a name, not a fetch).
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    // Scenario text was escaped, so any `src="` or `href="` left would be a real attribute.
    for needle in [
        "http://",
        "https://",
        "src=\"",
        "href=\"",
        "<link",
        "@import",
        "url(",
        "@font-face",
    ] {
        assert!(!without_ns.contains(needle), "report contains {needle}");
    }
    // The charts are inline, with the claims' quotes and the manifest.
    assert_eq!(html.matches("<svg").count(), 6);
    assert!(html.contains("Moscow\u{2019}s irritation with Minsk is now at its peak"));
    assert!(html.contains("scenario_hash"));
}

/// A hostile string for TOML basic strings: both markup payloads of the brief, quotes included.
const HOSTILE2: &str = "<script>alert(1)</script>\\\"><img src=x onerror=alert(3)>";

/// `compare` of the baseline and a hostile-described copy of it; returns the report's path.
fn compare_report(dir: &Path) -> PathBuf {
    let hostile = common::write(
        dir,
        "hostile-c.toml",
        &format!(
            "base = \"{}\"\nname = \"hostile\"\ndescription = \"{HOSTILE2}\"\n",
            common::scenario("baseline.toml").display()
        ),
    );
    let out = dir.join("cmp");
    common::realign_ok(&[
        "compare",
        common::scenario("baseline.toml").to_str().unwrap(),
        hostile.to_str().unwrap(),
        "-q",
        "--runs",
        "300",
        "--out",
        out.to_str().unwrap(),
    ]);
    out.join("report.html")
}

/// A 2 x 2 grid sweep with a hostile description; returns the report's path.
fn sweep_report(dir: &Path) -> PathBuf {
    let file = common::write(
        dir,
        "hostile-s.toml",
        &format!(
            "name = \"hostile\"\ndescription = \"{HOSTILE2}\"\nbase = \"{}\"\nreplicates = 200\noutcomes = [\"union_fracture\", \"alignment:Belarus\"]\n[design]\nkind = \"grid\"\n[[parameters]]\nkey = \"drivers.oil.long_run_usd_per_bbl\"\nvalues = [40.0, 80.0]\n[[parameters]]\nkey = \"actors.Russia.pressure\"\nvalues = [0.5, 1.5]\n",
            common::scenario("baseline.toml").display()
        ),
    );
    let out = dir.join("sweep");
    common::realign_ok(&[
        "sweep",
        file.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    out.join("report.html")
}

/// One claims experiment with a hostile statement; returns the report's path.
fn claims_report(dir: &Path) -> PathBuf {
    let file = common::write(
        dir,
        "hostile-x.toml",
        &format!(
            "scenario = \"{}\"\n[[experiment]]\nid = \"x\"\nclaim = \"A07\"\nstatement = \"{HOSTILE2}\"\noutcome = \"alignment:Kazakhstan\"\nexpect = \"decrease\"\n[[experiment.change]]\nkey = \"drivers.rouble.oil_elasticity\"\nfrom = 0.2\nto = 1.0\n",
            common::scenario("baseline.toml").display()
        ),
    );
    let out = dir.join("claims");
    common::realign_ok(&[
        "claims",
        file.to_str().unwrap(),
        "-q",
        "--runs",
        "300",
        "--out",
        out.to_str().unwrap(),
    ]);
    out.join("report.html")
}

/// `robust` on a 2 x 2 grid sweep whose engagement is a lever; returns the report's path. Nothing from an input
/// file but checked names reaches this page (the escaping of names is tested in tests/robust.rs).
fn robust_report(dir: &Path) -> PathBuf {
    let file = common::write(
        dir,
        "levers.toml",
        &format!(
            "name = \"levers\"\nbase = \"{}\"\nreplicates = 200\noutcomes = [\"ceasefire\"]\n[design]\nkind = \"grid\"\n[[parameters]]\nkey = \"drivers.west.engagement\"\nrole = \"lever\"\nvalues = [0.2, 0.8]\n[[parameters]]\nkey = \"drivers.oil.long_run_usd_per_bbl\"\nvalues = [40.0, 100.0]\n",
            common::scenario("baseline.toml").display()
        ),
    );
    let sweep = dir.join("levers");
    common::realign_ok(&[
        "sweep",
        file.to_str().unwrap(),
        "-q",
        "--out",
        sweep.to_str().unwrap(),
    ]);
    let out = dir.join("robust");
    common::realign_ok(&[
        "robust",
        sweep.to_str().unwrap(),
        "--outcome",
        "ceasefire",
        "--maximize",
        "--threshold",
        "0.5",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    out.join("report.html")
}

/// `discover` on a 2 x 2 grid sweep whose parameter name was rewritten, in analysis.json and sweep.csv, to the
/// hostile text (a folder is only files: a name read back must be escaped); returns the report's path.
fn discover_report(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let sweep = sweep_report(dir).parent().unwrap().to_path_buf();
    let hostile = HOSTILE2.replace("\\\"", "\"");
    let key = "drivers.oil.long_run_usd_per_bbl";
    // A sweep folder altered to carry markup in a parameter name (analysis.json and sweep.csv alike) is refused
    // before anything is printed or written...
    let tampered = dir.join("tampered");
    std::fs::create_dir_all(&tampered).unwrap();
    for f in ["manifest.json", "analysis.json", "sweep.csv"] {
        std::fs::copy(sweep.join(f), tampered.join(f)).unwrap();
    }
    let analysis = std::fs::read_to_string(tampered.join("analysis.json")).unwrap();
    let as_json = serde_json::to_string(&hostile).unwrap();
    std::fs::write(
        tampered.join("analysis.json"),
        analysis.replace(&format!("\"{key}\""), &as_json),
    )
    .unwrap();
    let csv = std::fs::read_to_string(tampered.join("sweep.csv")).unwrap();
    let as_csv = format!("\"{}\"", hostile.replace('"', "\"\""));
    std::fs::write(tampered.join("sweep.csv"), csv.replacen(key, &as_csv, 1)).unwrap();
    let refused = common::realign(&[
        "discover",
        tampered.to_str().unwrap(),
        "--outcome",
        "union_fracture",
        "--above",
        "0.0001",
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(common::stderr(&refused).contains("is not a key path realign writes"));
    assert!(!tampered.join("discover-union_fracture").exists());
    // ...and the page escapes names all the same: the real sweep's discovery with that name put in by hand.
    let mut table = realign::discover::load(&sweep, "union_fracture").unwrap();
    let k = table.parameters.iter().position(|p| p == key).unwrap();
    table.parameters[k] = hostile;
    let opts = realign::discover::Options {
        min_leaf: 1,
        ..Default::default()
    };
    let d = realign::discover::discover(&table, realign::discover::Direction::Above, 0.0001, &opts)
        .unwrap();
    let fig =
        realign::charts::render(&realign::charts::discover::Trajectory { discovery: &d }).unwrap();
    let out = dir.join("discover");
    std::fs::create_dir_all(&out).unwrap();
    let page = out.join("report.html");
    std::fs::write(&page, realign::output::reports::discover_html(&d, &[fig])).unwrap();
    page
}

#[test]
fn robust_report_is_well_formed_and_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(robust_report(dir.path())).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    check_well_formed(&html);
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for needle in [
        "<script",
        "http://",
        "https://",
        "src=\"",
        "href=\"",
        "<link",
        "@import",
        "url(",
        "@font-face",
    ] {
        assert!(!without_ns.contains(needle), "report contains {needle}");
    }
    assert_eq!(html.matches("<svg").count(), 1, "inline figure");
    // A header row and the two lever settings, one marked most robust by minimax regret.
    let table = &html[html.find("<h2>Robustness</h2>").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr>").count(), 3);
    assert!(table.contains("minimax regret"));
}

/// The hostile text is on the page, escaped, and nothing on it could run or fetch.
fn check_escaped_and_self_contained(html: &str, svgs: usize) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    check_well_formed(html);
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "hostile text missing or unescaped"
    );
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(3)&gt;"));
    for needle in ["<script", "<img", "onerror=alert(3)>"] {
        assert!(
            !html.contains(needle),
            "markup from the input reached the page: {needle}"
        );
    }
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for needle in [
        "http://",
        "https://",
        "src=\"",
        "href=\"",
        "<link",
        "@import",
        "url(",
        "@font-face",
    ] {
        assert!(!without_ns.contains(needle), "report contains {needle}");
    }
    assert_eq!(html.matches("<svg").count(), svgs, "inline figures");
}

#[test]
fn compare_report_escapes_descriptions_and_is_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(compare_report(dir.path())).unwrap();
    check_escaped_and_self_contained(&html, 2);
    assert!(html.contains("difference from the first"));
    assert!(html.contains(" pp ("), "differences carry their interval");
}

#[test]
fn sweep_report_escapes_the_description_and_lists_every_grid_point() {
    let dir = tempfile::tempdir().unwrap();
    let page = sweep_report(dir.path());
    let html = std::fs::read_to_string(&page).unwrap();
    let svgs = std::fs::read_dir(page.parent().unwrap())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "svg")
        })
        .count();
    assert!(svgs > 0);
    check_escaped_and_self_contained(&html, svgs);
    // A header row plus the four points of the 2 x 2 grid.
    let points = html.split("<h2>Points</h2>").nth(1).unwrap();
    let table = &points[..points.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr>").count(), 5);
}

#[test]
fn discover_report_escapes_parameter_names_and_shows_box_leaves_and_replicates() {
    let dir = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(discover_report(dir.path())).unwrap();
    check_escaped_and_self_contained(&html, 1);
    for needle in [
        "<h2>PRIM box</h2>",
        "<h2>CART leaves</h2>",
        "Needed: ",
        "95% interval",
    ] {
        assert!(html.contains(needle), "{needle} missing");
    }
}

#[test]
fn claims_report_escapes_the_statement_and_shows_the_quote_and_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(claims_report(dir.path())).unwrap();
    check_escaped_and_self_contained(&html, 1);
    assert!(html.contains("<blockquote>"));
    assert!(
        ["holds", "contradicted", "inconclusive"]
            .iter()
            .any(|v| html.contains(&format!("<td>{v}</td>")))
    );
}

/// Chromium, which an ignored test asked to run must have: a missing browser fails the check, never skips it.
fn chromium() -> PathBuf {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("Chromium is not installed (apt-get install chromium; .ci/run installs it)")
}

/// Opens `page` headless, writes a screenshot and a network log; returns the URLs the page itself requested.
/// All traffic goes to a dead proxy on loopback, so nothing leaves the machine whatever the page asks for.
fn open_in_chromium(chrome: &Path, page: &Path, shot: &Path, work: &Path) -> Vec<String> {
    let netlog = work.join("netlog.json");
    let status = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--proxy-server=http://127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            "--window-size=1280,3000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.join("profile").display()
        ))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("start chromium");
    assert!(status.success(), "chromium failed");
    let log: serde_json::Value = serde_json::from_slice(&std::fs::read(&netlog).unwrap()).unwrap();
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_i64()
        .unwrap();
    let mut urls = Vec::new();
    for e in log["events"].as_array().unwrap() {
        let p = &e["params"];
        // Requests made on behalf of the page carry the file:// page in their network isolation key; the
        // browser's own housekeeping requests do not.
        if e["type"].as_i64() == Some(start_job)
            && p["network_isolation_key"]
                .as_str()
                .is_some_and(|k| k.contains("file://"))
        {
            let url = p["url"].as_str().unwrap_or_default();
            if !url.starts_with("file:") && !url.starts_with("data:") {
                urls.push(url.to_string());
            }
        }
    }
    urls
}

#[test]
#[ignore = "needs Chromium: run with `cargo test --release -- --ignored` (.ci/run does)"]
fn report_renders_in_headless_chromium_and_loads_nothing_external() {
    let chrome = chromium();
    let dir = tempfile::tempdir().unwrap();
    let page = run_report(dir.path(), &common::scenario("baseline.toml"));
    let shot = dir.path().join("shot.png");
    let external = open_in_chromium(&chrome, &page, &shot, dir.path());
    assert!(external.is_empty(), "the report requested {external:?}");

    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let px: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let non_white =
        px.iter().filter(|p| p[..3] != [255, 255, 255]).count() as f64 / px.len() as f64;
    let colours: std::collections::HashSet<&[u8]> = px.iter().copied().collect();
    eprintln!(
        "screenshot {}x{}: {:.1}% non-white, {} colours",
        info.width,
        info.height,
        100.0 * non_white,
        colours.len()
    );
    assert!(non_white > 0.05, "screenshot nearly blank");
    assert!(
        colours.len() > 50,
        "screenshot has too few colours to hold the charts"
    );
}

#[test]
#[ignore = "needs Chromium: run with `cargo test --release -- --ignored` (.ci/run does)"]
fn compare_sweep_and_claims_reports_render_in_headless_chromium_and_load_nothing_external() {
    let chrome = chromium();
    let dir = tempfile::tempdir().unwrap();
    let pages = [
        compare_report(dir.path()),
        sweep_report(dir.path()),
        claims_report(dir.path()),
        robust_report(dir.path()),
        discover_report(&dir.path().join("d")),
    ];
    for (i, page) in pages.iter().enumerate() {
        let work = dir.path().join(format!("chrome-{i}"));
        std::fs::create_dir_all(&work).unwrap();
        let shot = work.join("shot.png");
        let external = open_in_chromium(&chrome, page, &shot, &work);
        assert!(
            external.is_empty(),
            "{} requested {external:?}",
            page.display()
        );
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        let channels = info.color_type.samples();
        let px: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
        let non_white =
            px.iter().filter(|p| p[..3] != [255, 255, 255]).count() as f64 / px.len() as f64;
        let colours: std::collections::HashSet<&[u8]> = px.iter().copied().collect();
        eprintln!(
            "{}: screenshot {}x{}: {:.1}% non-white, {} colours",
            page.display(),
            info.width,
            info.height,
            100.0 * non_white,
            colours.len()
        );
        assert!(
            non_white > 0.02,
            "{} screenshot nearly blank",
            page.display()
        );
        assert!(
            colours.len() > 50,
            "{} has too few colours to hold its charts",
            page.display()
        );
    }
}

#[test]
#[ignore = "needs Chromium: run with `cargo test --release -- --ignored` (.ci/run does)"]
fn the_external_resource_check_can_fail() {
    // Negative control: a page that asks for a loopback image is caught by the same check.
    let chrome = chromium();
    let dir = tempfile::tempdir().unwrap();
    let page = common::write(
        dir.path(),
        "bad.html",
        "<html><body><img src=\"http://127.0.0.1:9/x.png\"><p>x</p></body></html>",
    );
    let external = open_in_chromium(&chrome, &page, &dir.path().join("s.png"), dir.path());
    assert_eq!(external, ["http://127.0.0.1:9/x.png"]);
}
