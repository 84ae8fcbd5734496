//! `Network`: an estate prepared for questions — effective routes computed once per subnet.

use crate::firewall::{CompiledFirewall, FirewallDecision, FirewallPacket};
use crate::routes::{self, EffectiveRoute, RouteOptions};
use crate::tags::ServiceTags;
use crate::trace::{FlowSpec, Trace};
use adbflow_model::Estate;
use std::collections::BTreeMap;

pub struct Network {
    estate: Estate,
    tags: ServiceTags,
    options: RouteOptions,
    routes: BTreeMap<String, Vec<EffectiveRoute>>,
    /// One per `estate.firewalls` entry, same order.
    firewalls: Vec<CompiledFirewall>,
}

impl Network {
    pub fn new(estate: Estate, tags: ServiceTags) -> Self {
        Self::with_options(estate, tags, RouteOptions::default())
    }

    pub fn with_options(estate: Estate, tags: ServiceTags, options: RouteOptions) -> Self {
        let routes = estate
            .subnets()
            .map(|s| (s.path(), routes::effective_routes(&estate, &tags, s, options)))
            .collect();
        let firewalls = estate.firewalls.iter().map(|fw| CompiledFirewall::new(&estate, fw)).collect();
        Network { estate, tags, options, routes, firewalls }
    }

    pub fn estate(&self) -> &Estate {
        &self.estate
    }

    pub fn tags(&self) -> &ServiceTags {
        &self.tags
    }

    pub fn route_options(&self) -> RouteOptions {
        self.options
    }

    /// Effective routes of `VNET/SUBNET`, computed once.
    pub fn routes(&self, subnet: &str) -> Option<&[EffectiveRoute]> {
        self.routes.get(subnet).map(|v| v.as_slice())
    }

    /// What firewall `fw` (an element of this network's estate) does with `pkt`.
    pub fn firewall_decision(
        &self,
        fw: &adbflow_model::Firewall,
        pkt: &FirewallPacket<'_>,
    ) -> FirewallDecision {
        match self.estate.firewalls.iter().position(|f| std::ptr::eq(f, fw)) {
            Some(i) => self.firewalls[i].evaluate(&self.estate, &self.tags, fw, pkt),
            None => crate::firewall::evaluate(&self.estate, &self.tags, fw, pkt),
        }
    }

    /// Walk one flow hop by hop.
    pub fn trace(&self, flow: &FlowSpec) -> Trace {
        crate::walk::walk(self, flow)
    }
}
