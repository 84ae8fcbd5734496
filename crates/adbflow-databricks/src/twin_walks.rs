//! A workspace's walks, two at a time where its subnets send the same flow.
//!
//! Why: a workspace's host and container subnets send most flows alike (same destination,
//! port and protocol), and with the same settings their walks make the same decisions; walking
//! each in full was ~45 % of the check's walking. The network walks such a pair once
//! ([`Network::trace_twins`]) and the second trace waits here for its flow's turn. Each trace is
//! the one [`Network::trace`] gives, so the report does not depend on which flow came first.

use crate::plan::{FlowSource, PlannedFlow};
use adbflow_model::{Protocol, SharedStr};
use adbflow_net::walk::TwinSubnets;
use adbflow_net::{FlowSpec, Network, Trace};

pub(crate) struct TwinWalks<'a> {
    net: &'a Network,
    /// The workspace's flows that may be walked along with another's: which other subnet will
    /// ask for the same walk.
    askers: Vec<Asker<'a>>,
    /// Traces walked along with an earlier flow's, each until its own flow asks for it.
    waiting: Vec<Trace>,
    /// The pairs of subnets walked together so far, looked up once for all their flows (a
    /// workspace has one or two: host with container, and the other way round).
    pairs: Vec<TwinSubnets<'a>>,
}

impl<'a> TwinWalks<'a> {
    pub(crate) fn new(net: &'a Network, planned: &'a [PlannedFlow]) -> Self {
        let askers = planned
            .iter()
            .filter_map(|pf| match &pf.source {
                FlowSource::Subnet(path) if pf.pre_blocked.is_none() => {
                    Some(Asker { path, host: pf.host.as_str(), ports: &pf.ports, protocol: pf.protocol })
                }
                _ => None,
            })
            .collect();
        TwinWalks { net, askers, waiting: Vec::new(), pairs: Vec::new() }
    }

    /// `Network::trace(flow)`.
    pub(crate) fn trace(&mut self, flow: &FlowSpec) -> Trace {
        if let Some(i) = self.waiting.iter().position(|t| t.flow == *flow) {
            return self.waiting.swap_remove(i);
        }
        match self.twin_asking(flow) {
            Some(twin) => {
                let found = self.pairs.iter().position(|p| *p.from() == flow.from_subnet && p.twin() == twin);
                let at = found.unwrap_or_else(|| {
                    self.pairs.push(self.net.twin_subnets(&flow.from_subnet, twin));
                    self.pairs.len() - 1
                });
                let (trace, twins) = self.net.trace_twin_subnets(flow, &self.pairs[at]);
                self.waiting.push(twins);
                trace
            }
            None => self.net.trace(flow),
        }
    }

    /// Another subnet one of the workspace's flows walks `flow`'s destination, port and
    /// protocol from.
    fn twin_asking(&self, flow: &FlowSpec) -> Option<&'a SharedStr> {
        let host = flow.to_host.as_str();
        self.askers
            .iter()
            .find(|a| {
                a.protocol == flow.protocol
                    && a.host == host
                    && *a.path != flow.from_subnet
                    && a.ports.contains(&flow.port)
            })
            .map(|a| a.path)
    }
}

/// What [`TwinWalks::twin_asking`] compares of a planned flow, kept together: each flow searches
/// its workspace's others, and reading them from the whole `PlannedFlow`s (248 bytes each then,
/// their fields apart) missed the first-level cache ~23 times a flow, ~10 since (cachegrind, 100
/// workspaces).
struct Asker<'a> {
    path: &'a SharedStr,
    host: &'a str,
    ports: &'a [u16],
    protocol: Protocol,
}
