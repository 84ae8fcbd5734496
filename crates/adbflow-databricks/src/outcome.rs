//! One flow's evaluated path, whether it came from the twin's walk or from the workspace's own rules.

use crate::block::{BlockReason, FlowBlock};
use adbflow_net::{DnsAnswer, Hop, Trace};
use std::net::Ipv4Addr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub port: u16,
    pub egress: String,
    pub snat_ip: Option<Ipv4Addr>,
    pub source_seen_as: String,
    pub resolved: Vec<DnsAnswer>,
    pub hops: Vec<Hop>,
    pub block: Option<FlowBlock>,
    pub meters: Vec<&'static str>,
    /// Ports of a multi-port flow that are blocked (the reported trace is the first of them).
    pub blocked_ports: Vec<u16>,
}

impl Outcome {
    pub fn delivered(port: u16, egress: &str) -> Self {
        Outcome {
            port,
            egress: egress.to_string(),
            snat_ip: None,
            source_seen_as: String::new(),
            resolved: Vec::new(),
            hops: Vec::new(),
            block: None,
            meters: Vec::new(),
            blocked_ports: Vec::new(),
        }
    }

    /// The outcome of one walk, taking its hops and answers over (they are most of a check's memory).
    pub fn from_trace(t: Trace) -> Self {
        let block = match (t.is_delivered(), &t.blocked_by) {
            (true, _) => None,
            (false, Some(b)) => Some(FlowBlock {
                reason_code: BlockReason::Net(b.reason_code),
                element: b.element.clone(),
                message: b.message.clone(),
                inferred: t.hops.iter().any(|h| h.inferred && h.decided_by == b.element),
            }),
            (false, None) => Some(FlowBlock {
                reason_code: BlockReason::Net(adbflow_net::ReasonCode::NextHopUnreachable),
                element: adbflow_model::ElementRef::new("", "", None),
                message: "the walk reported a block without naming it".into(),
                inferred: true,
            }),
        };
        Outcome {
            port: t.flow.port,
            egress: t.egress.as_str().to_string(),
            snat_ip: t.snat_ip,
            source_seen_as: t.source_seen_as,
            resolved: t.resolved,
            hops: t.hops,
            block,
            meters: t.meters,
            blocked_ports: Vec::new(),
        }
    }

    /// One outcome for a flow walked on several ports: the first blocked port's trace when any is
    /// blocked (with every blocked port listed), else the first port's.
    ///
    /// `traces` are the walks made, in port order; `verdicts` is every port of the flow with
    /// whether it is delivered (ports that walk alike share one walk, so there can be fewer
    /// traces than ports). The first blocked port is always one that was walked: a port that
    /// shares an earlier port's walk shares its verdict.
    pub fn combine(traces: Vec<Trace>, verdicts: &[(u16, bool)]) -> Option<Self> {
        let blocked: Vec<u16> =
            verdicts.iter().filter(|(_, delivered)| !delivered).map(|(p, _)| *p).collect();
        let several = verdicts.len() > 1;
        let rep = traces.iter().position(|t| !t.is_delivered()).unwrap_or(0);
        let mut o = Outcome::from_trace(traces.into_iter().nth(rep)?);
        o.blocked_ports = if several { blocked } else { Vec::new() };
        Some(o)
    }
}
