//! The HTML report in a real browser: Debian's Chromium, headless, renders each pattern's report
//! (and a broken variant). The DOM it builds must hold what a person looks for — the topology, the
//! path summary with one row per flow, blocked flows marked — the page must log nothing to the
//! console (a blocked request would: the report's CSP forbids every fetch), and the screenshot
//! must not be blank. In CI (CI=true) a missing Chromium fails the test; locally it is skipped with
//! a notice. `ADBFLOW_UPDATE_SCREENSHOTS=1` copies the screenshots to docs/screenshots/.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    let candidates = [std::env::var("CHROMIUM").ok(), Some("/usr/bin/chromium".into())];
    for c in candidates.into_iter().flatten() {
        let p = PathBuf::from(c);
        if p.exists() {
            return Some(p);
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("Chromium is required in CI: .ci/run installs Debian's chromium package");
    }
    eprintln!("notice: /usr/bin/chromium not found; skipping the browser test (CI runs it)");
    None
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// How long one Chromium run may take. A report renders in a few seconds, but headless Chromium
/// has been seen to hang (once, 2026-12-07, with another Chromium busy on the machine), and an
/// unbounded wait would hold CI until its time limit.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// Chromium with a fresh profile and nothing running in the background, as root-safe flags. A
/// run that does not finish within [`RUN_LIMIT`] is killed and run once more with another fresh
/// profile; hanging twice fails the test.
fn browser(bin: &Path, profile: &Path, args: &[&str]) -> Output {
    for attempt in 1..=2 {
        if let Some(out) = browser_run(bin, &profile.join(format!("attempt-{attempt}")), args) {
            return out;
        }
        eprintln!("notice: Chromium did not finish within {RUN_LIMIT:?} (attempt {attempt} of 2): killed");
    }
    panic!("Chromium hung twice ({RUN_LIMIT:?} each) running {args:?}");
}

/// One run, its output in files beside the profile (a pipe could be held open by Chromium's own
/// children after a kill); `None` when it outlived [`RUN_LIMIT`].
fn browser_run(bin: &Path, profile: &Path, args: &[&str]) -> Option<Output> {
    std::fs::create_dir_all(profile).unwrap();
    let (out_path, err_path) = (profile.join("stdout.txt"), profile.join("stderr.txt"));
    let mut c = Command::new(bin);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-default-apps",
        "--enable-logging=stderr",
        "--v=0",
    ]);
    c.arg(format!("--user-data-dir={}", profile.join("data").display()));
    c.args(args);
    c.stdout(std::fs::File::create(&out_path).unwrap());
    c.stderr(std::fs::File::create(&err_path).unwrap());
    let mut child = c.spawn().expect("run chromium");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Some(Output {
        status,
        stdout: std::fs::read(&out_path).unwrap(),
        stderr: std::fs::read(&err_path).unwrap(),
    })
}

fn adbflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adbflow")).args(args).output().expect("run adbflow")
}

fn console_lines(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr).lines().filter(|l| l.contains(":CONSOLE")).map(String::from).collect()
}

/// Share of pixels that differ from the page background, and the number of distinct colours.
fn ink(png_path: &Path) -> (f64, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png_path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    let data = &buf[..info.buffer_size()];
    let bg = &data[..3];
    let mut differ = 0usize;
    let mut colours = std::collections::BTreeSet::new();
    let pixels = data.len() / px;
    for p in data.chunks(px) {
        if &p[..3] != bg {
            differ += 1;
        }
        if colours.len() < 10_000 {
            colours.insert((p[0] >> 3, p[1] >> 3, p[2] >> 3));
        }
    }
    (differ as f64 / pixels as f64, colours.len())
}

struct Rendered {
    dom: String,
    console: Vec<String>,
    ink: f64,
    colours: usize,
    screenshot: PathBuf,
}

fn render(bin: &Path, name: &str, report_args: &[&str]) -> (Rendered, serde_json::Value) {
    let dir = scratch(name);
    let html = dir.join("report.html");
    let mut args = vec!["report"];
    args.extend_from_slice(report_args);
    args.extend_from_slice(&["-o", html.to_str().unwrap()]);
    let o = adbflow(&args);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&o.stderr));
    let mut check = vec!["check", "--format", "json"];
    check.extend_from_slice(report_args);
    let c: serde_json::Value = serde_json::from_slice(&adbflow(&check).stdout).unwrap();

    let url = format!("file://{}", html.display());
    let dom = browser(bin, &dir.join("profile-dom"), &["--dump-dom", &url]);
    assert!(dom.status.success(), "{}", String::from_utf8_lossy(&dom.stderr));
    let shot = dir.join("report.png");
    let s = browser(
        bin,
        &dir.join("profile-shot"),
        &["--hide-scrollbars", "--window-size=1366,2400", &format!("--screenshot={}", shot.display()), &url],
    );
    assert!(shot.exists(), "no screenshot: {}", String::from_utf8_lossy(&s.stderr));
    let mut console = console_lines(&dom.stderr);
    console.extend(console_lines(&s.stderr));
    let (ink, colours) = ink(&shot);
    (Rendered { dom: String::from_utf8(dom.stdout).unwrap(), console, ink, colours, screenshot: shot }, c)
}

fn keep_screenshot(r: &Rendered, name: &str) {
    if std::env::var("ADBFLOW_UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::copy(&r.screenshot, docs.join(format!("report-{name}.png"))).unwrap();
    }
}

#[test]
fn every_pattern_report_renders_in_chromium() {
    let Some(bin) = chromium() else { return };
    for p in ["non-pl", "full-private", "hub-spoke"] {
        let (r, check) = render(&bin, p, &["--pattern", p]);
        assert!(r.console.is_empty(), "{p}: console output (a blocked request or error): {:?}", r.console);
        // What a person looks for, in the DOM the browser built.
        assert!(r.dom.contains("<table class=\"flows\" id=\"path-summary\">"), "{p}: path summary");
        let flows = check["flows"].as_array().unwrap().len();
        assert_eq!(r.dom.matches("<tr class=\"verdict-").count(), flows, "{p}: one row per flow");
        assert!(r.dom.contains("class=\"adbflow-topology\""), "{p}: topology diagram");
        assert!(r.dom.matches("class=\"node ").count() >= 6, "{p}: diagram nodes");
        assert!(r.dom.contains("Phase 3 — Secure tunnel establishment"), "{p}: startup sequence");
        assert!(r.dom.contains("<table class=\"attack-surface\">"), "{p}: security tables");
        assert!(!r.dom.contains("<script"), "{p}");
        // A screenshot with content, not a blank page.
        assert!(r.ink > 0.05, "{p}: only {:.3} of the screenshot differs from the background", r.ink);
        assert!(r.colours > 20, "{p}: {} colours", r.colours);
        keep_screenshot(&r, p);
    }
}

#[test]
fn blocked_flows_are_marked_in_the_browser() {
    let Some(bin) = chromium() else { return };
    // non-pl without the NAT gateway on the container subnet: internet-bound flows from it are blocked.
    let dir = scratch("broken-input");
    let input = dir.join("broken.toml");
    let text = String::from_utf8(adbflow(&["init", "--pattern", "non-pl"]).stdout).unwrap();
    let mut out = String::new();
    let mut in_container = false;
    for line in text.lines() {
        if line.starts_with("name = ") {
            in_container = line.contains("\"container\"");
        }
        if in_container && line.starts_with("nat_gateway = ") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    assert_ne!(out, text, "the edit removed the NAT gateway");
    std::fs::write(&input, out).unwrap();
    let (r, check) = render(&bin, "broken", &[input.to_str().unwrap()]);
    assert!(r.console.is_empty(), "{:?}", r.console);
    let blocked = check["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["verdict"] == "blocked" && f["requirement"] != "optional")
        .count();
    assert!(blocked > 0);
    assert_eq!(r.dom.matches("<tr class=\"verdict-blocked\"").count(), blocked);
    assert!(r.dom.contains("✗ BLOCKED"));
    assert!(r.dom.contains("class=\"status bad\""));
    assert!(r.dom.contains("class=\"edge flow blocked\""), "red edge in the diagram");
    assert!(r.ink > 0.05);
    keep_screenshot(&r, "non-pl-broken");
}
