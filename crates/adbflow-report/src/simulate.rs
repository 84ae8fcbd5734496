//! `simulate` output: a table (summary, clusters, the first cluster's timeline and events), the JSON
//! report (its `events` in the Clusters API event shape; docs/output.md), and a mermaid gantt chart
//! of the launch phases with T+ offsets.

use crate::table::{new_table, render};
use adbflow_databricks::simulate::{Cluster, SimReport};
use std::fmt::Write;

/// Clusters listed one by one in the table and drawn in the gantt chart; the rest are counted.
pub const LISTED_CLUSTERS: usize = 50;

/// `T+m:ss.s` of a virtual time in ms (`T+h:mm:ss.s` from an hour on).
pub fn t_plus(ms: u64) -> String {
    let tenths = ms / 100;
    let minutes = tenths / 600;
    let rest = format!("{:02}.{}", tenths / 10 % 60, tenths % 10);
    if minutes < 60 {
        format!("T+{minutes}:{rest}")
    } else {
        format!("T+{}:{:02}:{rest}", minutes / 60, minutes % 60)
    }
}

fn seconds(ms: u64) -> String {
    format!("{:.1}s", ms as f64 / 1000.0)
}

fn opt_s(v: Option<f64>) -> String {
    v.map(|s| format!("{s:.1}s")).unwrap_or_else(|| "-".into())
}

fn outcome(c: &Cluster) -> String {
    if let Some(r) = &c.termination_reason {
        let inferred = if c.termination_inferred { " (inferred)" } else { "" };
        return format!("{} ({}){inferred}", r.code, r.kind);
    }
    let failed: Vec<&str> =
        c.libraries.iter().filter(|l| l.status == "FAILED").map(|l| l.library.as_str()).collect();
    if failed.is_empty() {
        "ok".into()
    } else {
        format!("library FAILED: {}", failed.join(", "))
    }
}

pub fn render_simulate_table(r: &SimReport) -> String {
    let mut out = String::new();
    let s = &r.summary;
    let _ = writeln!(out, "Simulation — {}", r.name.as_deref().unwrap_or("(unnamed deployment)"));
    let _ = writeln!(out, "Seed {}, timing {}, ended at {}", r.seed, r.timing, t_plus(r.ended_ms));
    let _ = writeln!(
        out,
        "{} cluster(s): {} running, {} terminated; startup p50 {} p95 {}; ready p50 {} p95 {}",
        s.clusters,
        s.running,
        s.terminated,
        opt_s(s.startup_p50_s),
        opt_s(s.startup_p95_s),
        opt_s(s.ready_p50_s),
        opt_s(s.ready_p95_s)
    );
    let _ = writeln!(
        out,
        "Peak: {} nodes, {} addresses, {} SNAT ports; {} heartbeats",
        s.peak_nodes, s.peak_ips, s.peak_snat_ports, s.heartbeats
    );
    for (code, n) in &s.failed {
        let _ = writeln!(out, "Failed launches: {n} × {code}");
    }
    if s.libraries_failed > 0 {
        let _ = writeln!(out, "Clusters with a FAILED library: {}", s.libraries_failed);
    }
    out.push('\n');
    let mut t = new_table(&["cluster", "name", "state", "created", "RUNNING", "ready", "workers", "outcome"]);
    for c in r.clusters.iter().take(LISTED_CLUSTERS) {
        t.add_row(vec![
            c.cluster_id.clone(),
            c.spec.cluster_name.clone(),
            c.state.as_str().into(),
            t_plus(c.created_ms),
            c.running_ms.map(t_plus).unwrap_or_else(|| "-".into()),
            c.ready_ms.map(t_plus).unwrap_or_else(|| "-".into()),
            format!("{}/{}", c.current_num_workers, c.spec.num_workers),
            outcome(c),
        ]);
    }
    out.push_str(&render(&t));
    if r.clusters.len() > LISTED_CLUSTERS {
        let _ =
            writeln!(out, "({} more clusters; --format json lists all)", r.clusters.len() - LISTED_CLUSTERS);
    }
    if let Some(c) = r.clusters.first() {
        let _ = writeln!(out, "\nTimeline of {} ({})", c.cluster_id, c.spec.cluster_name);
        let mut t = new_table(&["phase", "flow", "start", "end", "duration", "outcome"]);
        for p in &c.phases {
            t.add_row(vec![
                p.phase.to_string(),
                p.flow.map(|f| f.to_string()).unwrap_or_default(),
                t_plus(p.start_ms),
                t_plus(p.end_ms),
                seconds(p.end_ms - p.start_ms),
                p.outcome.to_string(),
            ]);
        }
        out.push_str(&render(&t));
        for p in c.phases.iter().filter(|p| p.note.is_some()) {
            let _ = writeln!(out, "  {}: {}", p.phase, p.note.as_deref().unwrap_or(""));
        }
        let _ = writeln!(out, "\nEvents of {}", c.cluster_id);
        let mut t = new_table(&["time", "type", "details"]);
        for e in &c.events {
            let mut d = Vec::new();
            if let (Some(cur), Some(target)) = (e.details.current_num_workers, e.details.target_num_workers) {
                d.push(format!("workers {cur}/{target}"));
            } else if let Some(target) = e.details.target_num_workers {
                d.push(format!("target workers {target}"));
            }
            if let Some(reason) = &e.details.reason {
                d.push(format!("{} ({})", reason.code, reason.kind));
            }
            t.add_row(vec![t_plus(e.timestamp - r.epoch_ms), e.kind.as_str().into(), d.join("; ")]);
        }
        out.push_str(&render(&t));
        if let Some(reason) = &c.termination_reason {
            if let Some(m) = reason.parameters.get("databricks_error_message") {
                let _ = writeln!(out, "Termination message: {m}");
            }
            if let Some(el) = &c.decided_by {
                let _ = writeln!(out, "Decided by: {el}");
            }
        }
        for l in &c.libraries {
            let _ = writeln!(out, "Library {}: {}", l.library, l.status);
            for m in &l.messages {
                let _ = writeln!(out, "  {m}");
            }
        }
    }
    out
}

pub fn render_simulate_json(r: &SimReport) -> String {
    crate::to_json(r)
}

/// Mermaid gantt: one section per cluster, one bar per phase; blocked or failed phases are `crit`.
/// Times are milliseconds after T+0 (`dateFormat x`), shown as minutes:seconds.
pub fn render_simulate_mermaid(r: &SimReport) -> String {
    let mut out = String::from("gantt\n");
    let _ = writeln!(out, "    title Cluster launches — {}", r.name.as_deref().unwrap_or("simulation"));
    out.push_str("    dateFormat x\n    axisFormat %M:%S\n");
    for (i, c) in r.clusters.iter().take(LISTED_CLUSTERS).enumerate() {
        let _ = writeln!(out, "    section {} {}", c.spec.cluster_name, c.state.as_str());
        for (j, p) in c.phases.iter().enumerate() {
            let tag = match p.outcome {
                "ok" => "done",
                _ => "crit",
            };
            let _ = writeln!(
                out,
                "    {} :{tag}, c{i}p{j}, {}, {}",
                p.phase,
                p.start_ms,
                p.end_ms.max(p.start_ms + 1)
            );
        }
    }
    if r.clusters.len() > LISTED_CLUSTERS {
        let _ = writeln!(out, "    %% {} more clusters not drawn", r.clusters.len() - LISTED_CLUSTERS);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_plus_is_minutes_seconds_tenths() {
        assert_eq!(t_plus(0), "T+0:00.0");
        assert_eq!(t_plus(125_460), "T+2:05.4");
        assert_eq!(t_plus(3_599_900), "T+59:59.9");
        assert_eq!(t_plus(3_600_000), "T+1:00:00.0");
        assert_eq!(t_plus(90_061_000), "T+25:01:01.0");
    }
}
