//! The walk: DNS → NSG outbound → route → egress / firewall → destination → NSG inbound.

use crate::network::Network;
use crate::trace::{BlockedBy, Egress, FlowSpec, ReasonCode, Trace, Verdict, TRACE_SCHEMA_VERSION};
use adbflow_model::ElementRef;

pub fn walk(net: &Network, flow: &FlowSpec) -> Trace {
    let _ = net;
    Trace {
        schema_version: TRACE_SCHEMA_VERSION,
        flow: flow.clone(),
        verdict: Verdict::Blocked,
        egress: Egress::None,
        snat_ip: None,
        source_seen_as: String::new(),
        resolved: Vec::new(),
        hops: Vec::new(),
        blocked_by: Some(BlockedBy {
            reason_code: ReasonCode::NextHopUnreachable,
            element: ElementRef::new("", "", None),
            message: String::new(),
        }),
        meters: Vec::new(),
    }
}
