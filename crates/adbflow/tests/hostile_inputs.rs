//! Hostile and malformed input through the real binary (issue 10): every entry of the corpus in
//! `tests/bad-inputs/`, a 100 MB name and a plan of a million resources (these two written into a
//! named pipe as adbflow reads it) each end with exit 2 and a message that names the file and the
//! place, within bounded time and memory — measured on the child process (wall time, and peak RSS
//! from `wait4`), not assumed.

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Run {
    code: i32,
    stderr: String,
    wall: Duration,
    peak_rss_mib: f64,
}

/// Run `adbflow args`, reading its output while it runs, and measure it.
// The child is reaped by wait4 (which also gives its resource usage), not Child::wait.
#[allow(clippy::zombie_processes)]
fn measured(args: &[&str]) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_adbflow"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("adbflow runs");
    let mut err = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut status = 0;
    // SAFETY: rusage is plain old data, and wait4 writes it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 failed");
    let stderr = reader.join().expect("stderr read");
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    // Linux reports ru_maxrss in KiB.
    Run { code, stderr, wall: started.elapsed(), peak_rss_mib: usage.ru_maxrss as f64 / 1024.0 }
}

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bad-inputs");
    dir.canonicalize().unwrap_or(dir)
}

fn scratch() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_corpus_entry_exits_2_naming_its_file_within_bounds() {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(corpus()).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    assert!(entries.len() >= 60, "{} corpus entries", entries.len());
    for path in entries {
        let shown = path.display().to_string();
        let r = measured(&["check", &shown]);
        assert_eq!(r.code, 2, "{shown}: exit {}\n{}", r.code, r.stderr);
        assert!(r.stderr.contains(&shown), "{shown}: the message does not name the input:\n{}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{shown}: {}", r.stderr);
        assert!(r.wall < Duration::from_secs(20), "{shown}: {:?}", r.wall);
        assert!(r.peak_rss_mib < 512.0, "{shown}: peak RSS {:.0} MiB", r.peak_rss_mib);
    }
}

/// Run `adbflow check PIPE`, where PIPE is a named pipe (ending in `.json`) that `fill` writes
/// while adbflow reads it, and measure the run. The inputs of hundreds of megabytes go through a
/// pipe, not a file: machines CI runs on have had under 300 MB of free disk. A pipe also gives
/// the reader no size up front, the case where only the limit on what it reads keeps it bounded.
fn measured_through_pipe(
    name: &str,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()> + Send + 'static,
) -> (Run, String) {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::OpenOptionsExt;
    let pipe = scratch().join(name);
    let _ = std::fs::remove_file(&pipe);
    let c_path = std::ffi::CString::new(pipe.as_os_str().as_bytes()).unwrap();
    // SAFETY: a NUL-terminated path that lives across the call.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo {}", pipe.display());
    let writer = {
        let pipe = pipe.clone();
        std::thread::spawn(move || {
            // Opening for writing waits until adbflow opens the pipe for reading. Errors end the
            // writing quietly: adbflow may stop reading early, and what it says is what is tested.
            let Ok(end) = std::fs::OpenOptions::new().write(true).open(&pipe) else { return };
            let mut out = BufWriter::with_capacity(1 << 20, end);
            let _ = fill(&mut out).and_then(|()| out.flush());
        })
    };
    let shown = pipe.display().to_string();
    let run = measured(&["check", &shown]);
    // Had adbflow ended without opening the pipe, the writer would wait for a reader forever: be
    // one for a moment, so that its open returns and its first write fails.
    drop(std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(&pipe));
    writer.join().expect("the writer thread ends");
    std::fs::remove_file(&pipe).unwrap();
    (run, shown)
}

// A 100 MB VNet name: Azure's naming rule refuses it at its line and column, and the message shows
// the name's start and length rather than 100 MB of it.
#[test]
fn a_100_mb_name_is_refused_at_its_position_with_a_short_message() {
    let (r, shown) = measured_through_pipe("name-100mb.json", |out| {
        out.write_all(b"{\"vnets\": [{\"name\": \"")?;
        let run = [b'a'; 1 << 16];
        let mut left = 100_000_000usize;
        while left > 0 {
            let n = left.min(run.len());
            out.write_all(&run[..n])?;
            left -= n;
        }
        out.write_all(b"\", \"address_space\": [\"10.0.0.0/16\"]}]}")
    });
    assert_eq!(r.code, 2, "{}", &r.stderr[..r.stderr.len().min(500)]);
    assert!(
        r.stderr.contains(&format!("{shown}:1:12: error[invalid-name]")),
        "{}",
        &r.stderr[..r.stderr.len().min(500)]
    );
    assert!(r.stderr.contains("…[100000002 characters]"), "{}", &r.stderr[..r.stderr.len().min(500)]);
    assert!(r.stderr.len() < 4096, "{} bytes of error message", r.stderr.len());
    assert!(r.wall < Duration::from_secs(60), "{:?}", r.wall);
    assert!(r.peak_rss_mib < 1536.0, "peak RSS {:.0} MiB for a 100 MB input", r.peak_rss_mib);
    eprintln!("100 MB name: {:?}, peak RSS {:.0} MiB", r.wall, r.peak_rss_mib);
}

// A plan JSON of a million resources (175 MB) is read in bounded time and memory and ends with a
// clear input error. Figures measured on the development machine: docs/robustness.md.
#[test]
fn a_plan_of_a_million_resources_is_read_within_bounds() {
    let (r, _) = measured_through_pipe("plan-1e6.json", |out| {
        out.write_all(br#"{"format_version":"1.2","terraform_version":"1.9.0","planned_values":{"root_module":{"resources":["#)?;
        for i in 0..1_000_000u32 {
            if i > 0 {
                out.write_all(b",")?;
            }
            write!(
                out,
                r#"{{"address":"azurerm_resource_group.rg[{i}]","mode":"managed","type":"azurerm_resource_group","name":"rg","index":{i},"values":{{"name":"rg-{i}","location":"eastus2"}}}}"#
            )?;
        }
        out.write_all(b"]}}}")
    });
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no workspace"), "{}", r.stderr);
    assert!(r.wall < Duration::from_secs(180), "{:?}", r.wall);
    assert!(r.peak_rss_mib < 3072.0, "peak RSS {:.0} MiB", r.peak_rss_mib);
    eprintln!("1e6-resource plan: {:?}, peak RSS {:.0} MiB", r.wall, r.peak_rss_mib);
}

/// `ADBFLOW_MAX_INPUT_MIB` moves the input size limit both ways, and a value it cannot use is an
/// error naming the setting, not a silent fallback to the default.
#[test]
fn the_input_limit_is_set_by_environment_and_a_bad_value_is_an_error() {
    let dir = scratch();
    let estate = dir.join("limit-estate.json");
    let gen = Command::new(env!("CARGO_BIN_EXE_adbflow"))
        .args(["gen", "--workspaces", "40", "--seed", "3", "--force", "-o"])
        .arg(&estate)
        .output()
        .unwrap();
    assert!(gen.status.success(), "{}", String::from_utf8_lossy(&gen.stderr));
    let size = std::fs::metadata(&estate).unwrap().len();
    assert!(size > 1024 * 1024, "the estate is over 1 MiB: {size}");
    let check = |limit: &str| {
        Command::new(env!("CARGO_BIN_EXE_adbflow"))
            .args(["check", "--format", "json"])
            .arg(&estate)
            .env("ADBFLOW_MAX_INPUT_MIB", limit)
            .output()
            .unwrap()
    };
    let small = check("1");
    let err = String::from_utf8_lossy(&small.stderr);
    assert_eq!(small.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("the file is {size} bytes")) && err.contains("at most 1048576 bytes"),
        "{err}"
    );
    assert!(err.contains("ADBFLOW_MAX_INPUT_MIB"), "the message says how to raise it: {err}");
    // The generated estate has planted mistakes: exit 1 is a complete answer.
    let enough = check("2");
    assert_eq!(enough.status.code(), Some(1), "{}", String::from_utf8_lossy(&enough.stderr));
    for bad in ["0", "lots", "-5", "1.5"] {
        let o = check(bad);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{bad}: {err}");
        assert!(
            err.contains(&format!("ADBFLOW_MAX_INPUT_MIB={bad}: expected a whole number")),
            "{bad}: {err}"
        );
    }
}
