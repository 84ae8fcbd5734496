//! Times the phases of `adbflow check` in one process, for `scripts/bench`:
//!
//!   phases ESTATE [TAGS]        prints `flows=… parse_model_s=… prepared_s=… check_s=…`
//!   phases --write-tags FILE    writes the stand-in service-tag file
//!
//! With `PHASES_READ_ONLY` set it stops after reading and prints `parse_model_s` alone: run under
//! callgrind beside a whole run, the difference is what the check costs after reading. With
//! `PHASES_PREPARE_ONLY` it stops once the check is prepared and the network built, to tell
//! preparing from walking the same way.
//!
//! `parse_model_s` is reading and validating the estate plus reading the tag file and the
//! built-in region data: what any question costs before it is asked. `prepared_s` is that plus
//! preparing the check and building the network (while the estate as read is freed on the other
//! core, as the command does). `check_s` is that plus the whole check and its JSON output, walked
//! and written workspace by workspace in order as `adbflow check --format json` does.
//! `parse_model_cpu`, `prepared_cpu` and `check_cpu` are the process's CPU seconds (user and
//! system, every thread) at the same three points: against the wall times they tell how busy the
//! two cores were in each phase.
//! Uses the allocator the `adbflow` binary uses, so the figures are the command's.

use adbflow_databricks::{CheckOptions, CheckRun};
use adbflow_net::ServiceTags;
use std::path::Path;
use std::time::Instant;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--write-tags") {
        let path = args.get(1).expect("--write-tags FILE");
        std::fs::write(path, adbflow_gen::service_tags_json(1)).expect("writes the stand-in");
        return;
    }
    let estate_path = args.first().expect("usage: phases ESTATE [TAGS]");
    let start = Instant::now();
    // As the command does: the estate on one core, the tag file and the built-in data on the other.
    let (loaded, (tags, regions)) = rayon::join(
        || adbflow_import::load_path(Path::new(estate_path)).unwrap_or_else(|e| panic!("{e}")),
        || {
            let tags = match args.get(1) {
                Some(t) => {
                    let text = std::fs::read_to_string(t).expect("reads the tag file");
                    ServiceTags::from_json(t, &text).unwrap_or_else(|e| panic!("{e}"))
                }
                None => ServiceTags::symbolic(),
            };
            adbflow_databricks::limits::builtin();
            (tags, adbflow_databricks::builtin_regions())
        },
    );
    let parse_model = start.elapsed();
    let parse_model_cpu = cpu_seconds();
    if std::env::var_os("PHASES_READ_ONLY").is_some() {
        println!("parse_model_s={:.4} parse_model_cpu={parse_model_cpu:.4}", parse_model.as_secs_f64());
        return;
    }
    // As the command does it: prepared, then walked while the JSON is written (to a sink that
    // counts the bytes), workspace by workspace in order.
    let options = CheckOptions { regions, workspace: None };
    let run = CheckRun::start_owned(loaded.estate, &tags, &options).unwrap_or_else(|e| panic!("{e}"));
    let prepared = start.elapsed();
    let prepared_cpu = cpu_seconds();
    if std::env::var_os("PHASES_PREPARE_ONLY").is_some() {
        println!("parse_model_s={:.4} prepared_s={:.4}", parse_model.as_secs_f64(), prepared.as_secs_f64());
        // As the check does once it is done: the network and the plans are freed off the clock.
        std::mem::forget(run);
        return;
    }
    let mut sink = Counter(0);
    let report = adbflow_report::check::write_check_run_json(run, &mut sink).expect("renders");
    let total = start.elapsed();
    let check_cpu = cpu_seconds();
    println!(
        "flows={} parse_model_s={:.4} prepared_s={:.4} check_s={:.4} output_bytes={} \
         parse_model_cpu={parse_model_cpu:.4} prepared_cpu={prepared_cpu:.4} check_cpu={check_cpu:.4}",
        report.summary.flows,
        parse_model.as_secs_f64(),
        prepared.as_secs_f64(),
        total.as_secs_f64(),
        sink.0
    );
}

/// User and system CPU seconds of the whole process so far.
fn cpu_seconds() -> f64 {
    // SAFETY: rusage is plain old data that getrusage fills for this process.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return f64::NAN;
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
