//! Shared by the renderer tests: the built-in patterns assessed through the real twin, and a
//! broken variant (no NAT gateway on a private subnet) so blocked flows appear.
#![allow(dead_code)]

use adbflow_databricks::{assess, patterns, Assessment, CheckOptions};
use adbflow_model::Estate;
use adbflow_net::ServiceTags;

pub fn pattern(name: &str) -> Estate {
    let text = patterns::render(name, "eastus2").unwrap();
    adbflow_import::load_str(&text, &format!("pattern:{name}"), adbflow_import::Format::NativeToml)
        .unwrap()
        .estate
}

pub fn assessed(e: &Estate) -> Assessment {
    assess(e, &ServiceTags::symbolic(), &CheckOptions::default()).unwrap()
}

/// non-pl with the NAT gateway removed from the container subnet: every internet-bound flow from
/// it is blocked (azure-net-semantics §3: a private subnet without NAT has no egress).
pub fn broken() -> Estate {
    let mut e = pattern("non-pl");
    let s = e.vnets[0].subnets.iter_mut().find(|s| s.name == "container").unwrap();
    s.nat_gateway = None;
    e
}

pub const PATTERNS: [&str; 3] = ["non-pl", "full-private", "hub-spoke"];
