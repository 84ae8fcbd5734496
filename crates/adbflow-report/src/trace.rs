//! `adbflow trace`: a flow's path hop by hop.

use crate::table::{new_table, render};
use adbflow_net::trace::{Trace, Verdict};

pub fn json(trace: &Trace) -> String {
    crate::to_json(trace)
}

pub fn table(trace: &Trace) -> String {
    let f = &trace.flow;
    let mut out = format!(
        "Trace {} → {}:{} ({})\n",
        f.from_subnet,
        f.to_host,
        f.port,
        f.protocol.to_string().to_ascii_lowercase()
    );
    if !trace.resolved.is_empty() {
        out.push_str("DNS:\n");
        for a in &trace.resolved {
            out.push_str(&format!("  {} {} {}  [{}]\n", a.name, a.record_type, a.data.join(", "), a.source));
        }
    }
    let mut t = new_table(&["#", "Step", "Decided by", "Defined at", "Detail"]);
    for (i, h) in trace.hops.iter().enumerate() {
        let mut detail = h.detail.clone();
        if h.inferred {
            detail.push_str(" [inferred]");
        }
        t.add_row(vec![
            (i + 1).to_string(),
            h.kind.as_str().to_string(),
            h.decided_by.id.to_string(),
            h.decided_by.origin.as_ref().map(|o| o.to_string()).unwrap_or_default(),
            detail,
        ]);
    }
    out.push_str(&render(&t));
    match (&trace.verdict, &trace.blocked_by) {
        (Verdict::Delivered, _) => out.push_str(&format!(
            "Verdict: DELIVERED via {} — the destination sees {}\n",
            trace.egress, trace.source_seen_as
        )),
        (Verdict::Blocked, Some(b)) => {
            out.push_str(&format!("Verdict: BLOCKED [{}] by {}\n  {}\n", b.reason_code, b.element, b.message))
        }
        (Verdict::Blocked, None) => out.push_str("Verdict: BLOCKED\n"),
    }
    if !trace.meters.is_empty() {
        out.push_str(&format!("Meters: {}\n", trace.meters.join(", ")));
    }
    out
}
