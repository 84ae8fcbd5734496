//! `Network`: an estate prepared for questions — effective routes computed once per subnet.

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
        Network { estate, tags, options, routes }
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

    /// Walk one flow hop by hop.
    pub fn trace(&self, flow: &FlowSpec) -> Trace {
        crate::walk::walk(self, flow)
    }
}
