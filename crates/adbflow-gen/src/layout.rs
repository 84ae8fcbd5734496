//! The address plan: the hub takes 10.0.0.0/20, spoke `i` the `i`-th /22 after it. Every spoke
//! is the same shape, so the estate grows linearly and nothing overlaps.

use crate::elements::{net, offset};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

pub(crate) const HUB: &str = "hub-vnet";
pub(crate) const HUB_RANGE: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 0);
pub(crate) const FIREWALL_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 4);
pub(crate) const SHARED_SERVICES: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 0);
/// The Artifactory-style package mirror some workspaces install from.
pub(crate) const MIRROR_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 10);
pub(crate) const MANAGEMENT: Ipv4Addr = Ipv4Addr::new(10, 0, 3, 0);

const SPOKE_SIZE: u32 = 1024;
const FIRST_SPOKE: u32 = 4096;

/// (2^24 − hub) / 1024 spokes fit in 10.0.0.0/8; kept to a round number below that.
pub const MAX_WORKSPACES: usize = 16_000;

pub(crate) fn hub_range() -> Ipv4Net {
    net(HUB_RANGE, 20)
}

pub(crate) struct SpokeLayout {
    pub range: Ipv4Net,
    pub host: Ipv4Net,
    pub container: Ipv4Net,
    pub private_endpoints: Ipv4Net,
}

pub(crate) fn spoke(i: usize) -> SpokeLayout {
    let base = offset(HUB_RANGE, FIRST_SPOKE + SPOKE_SIZE * i as u32);
    SpokeLayout {
        range: net(base, 22),
        host: net(base, 24),
        container: net(offset(base, 256), 24),
        private_endpoints: net(offset(base, 512), 26),
    }
}

pub(crate) fn spoke_vnet(i: usize) -> String {
    format!("spoke-{i:05}")
}

pub(crate) fn workspace(i: usize) -> String {
    format!("adb-ws-{i:05}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spokes_do_not_overlap_the_hub_or_each_other_and_the_last_fits() {
        let (a, b) = (spoke(0), spoke(1));
        assert!(!hub_range().contains(&a.range.network()));
        assert_eq!(u32::from(b.range.network()) - u32::from(a.range.network()), 1024);
        for s in [&a, &b] {
            for sub in [s.host, s.container, s.private_endpoints] {
                assert!(s.range.contains(&sub));
            }
        }
        let last = spoke(MAX_WORKSPACES - 1);
        assert!(net(Ipv4Addr::new(10, 0, 0, 0), 8).contains(&last.range));
    }
}
