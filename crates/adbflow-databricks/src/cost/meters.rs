//! How the bytes of a path meter become priced quantities: which direction each meter charges,
//! and which price rows it reads. Sources: pricing notes A1 (ingress is free; internet egress and
//! inter-region transfer charge the sending side), A2 (NAT processing covers outbound and the
//! responses), A3 (firewall data processed), A4 (private endpoints bill inbound and outbound
//! processing separately; peering bills egress on the sender and ingress on the receiver).

use adbflow_net::walk::meters as path;
use serde::Serialize;

/// Which of a flow's bytes a charge counts. `up` leaves the node (or user), `down` comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bytes {
    Up,
    Down,
    #[serde(rename = "up+down")]
    Both,
}

impl Bytes {
    pub fn of(self, up_gb: f64, down_gb: f64) -> f64 {
        match self {
            Bytes::Up => up_gb,
            Bytes::Down => down_gb,
            Bytes::Both => up_gb + down_gb,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Bytes::Up => "up",
            Bytes::Down => "down",
            Bytes::Both => "up+down",
        }
    }
}

/// Which region keys a charge's price is looked up with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceRegion {
    /// The region the bytes are processed in, its geography, then `global`.
    Local,
    /// `FROM->TO` geographies in the direction the bytes travel.
    Transfer,
}

/// One priced consequence of crossing a path meter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    /// The price table's meter.
    pub meter: &'static str,
    pub bytes: Bytes,
    pub region: PriceRegion,
    /// Charged only when the destination belongs to the customer: the other side's outbound
    /// transfer is billed to whoever owns the sending resource.
    pub customer_destination_only: bool,
}

const fn charge(meter: &'static str, bytes: Bytes, region: PriceRegion) -> Charge {
    Charge { meter, bytes, region, customer_destination_only: false }
}

pub const NAT_DATA: &str = "nat-gateway-data-processed";
pub const FIREWALL_DATA: &str = "firewall-data-processed";
pub const PE_INBOUND: &str = "private-endpoint-inbound-data-processed";
pub const PE_OUTBOUND: &str = "private-endpoint-outbound-data-processed";
pub const PEERING_REGIONAL_EGRESS: &str = "vnet-peering-regional-egress";
pub const PEERING_REGIONAL_INGRESS: &str = "vnet-peering-regional-ingress";
pub const PEERING_GLOBAL_EGRESS: &str = "vnet-peering-global-egress";
pub const PEERING_GLOBAL_INGRESS: &str = "vnet-peering-global-ingress";
pub const INTERNET_EGRESS: &str = "internet-egress";
pub const INTER_REGION: &str = "inter-region-transfer";

const NAT: &[Charge] = &[charge(NAT_DATA, Bytes::Both, PriceRegion::Local)];
const FIREWALL: &[Charge] = &[charge(FIREWALL_DATA, Bytes::Both, PriceRegion::Local)];
const PRIVATE_ENDPOINT: &[Charge] = &[
    charge(PE_OUTBOUND, Bytes::Up, PriceRegion::Local),
    charge(PE_INBOUND, Bytes::Down, PriceRegion::Local),
];
const PEERING_REGIONAL: &[Charge] = &[
    charge(PEERING_REGIONAL_EGRESS, Bytes::Both, PriceRegion::Local),
    charge(PEERING_REGIONAL_INGRESS, Bytes::Both, PriceRegion::Local),
];
const PEERING_GLOBAL: &[Charge] = &[
    charge(PEERING_GLOBAL_EGRESS, Bytes::Both, PriceRegion::Local),
    charge(PEERING_GLOBAL_INGRESS, Bytes::Both, PriceRegion::Local),
];
const INTERNET: &[Charge] = &[charge(INTERNET_EGRESS, Bytes::Up, PriceRegion::Local)];
const TRANSFER: &[Charge] = &[
    charge(INTER_REGION, Bytes::Up, PriceRegion::Transfer),
    Charge {
        meter: INTER_REGION,
        bytes: Bytes::Down,
        region: PriceRegion::Transfer,
        customer_destination_only: true,
    },
];

/// The charges of a path meter; `None` for a meter the cost model does not know.
pub fn charges(path_meter: &str) -> Option<&'static [Charge]> {
    Some(match path_meter {
        path::NAT_GATEWAY => NAT,
        path::FIREWALL => FIREWALL,
        path::PRIVATE_ENDPOINT => PRIVATE_ENDPOINT,
        path::PEERING_REGIONAL => PEERING_REGIONAL,
        path::PEERING_GLOBAL => PEERING_GLOBAL,
        path::INTERNET_EGRESS => INTERNET,
        path::INTER_REGION => TRANSFER,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charged(path_meter: &str, up: f64, down: f64) -> Vec<(&'static str, f64)> {
        charges(path_meter).unwrap().iter().map(|c| (c.meter, c.bytes.of(up, down))).collect()
    }

    // DESIGN.md "Where the seed is wrong" 2: downloads are ingress; NAT and firewall processing
    // charge both directions.
    #[test]
    fn processing_meters_charge_both_directions() {
        assert_eq!(charged(path::NAT_GATEWAY, 1.0, 10.0), [(NAT_DATA, 11.0)]);
        assert_eq!(charged(path::FIREWALL, 1.0, 10.0), [(FIREWALL_DATA, 11.0)]);
    }

    #[test]
    fn internet_egress_charges_only_what_leaves() {
        assert_eq!(charged(path::INTERNET_EGRESS, 1.0, 10.0), [(INTERNET_EGRESS, 1.0)]);
        assert_eq!(
            charged(path::INTERNET_EGRESS, 0.0, 500.0),
            [(INTERNET_EGRESS, 0.0)],
            "a pure download is free"
        );
    }

    // pricing notes A4: PE inbound (towards the consumer) and outbound are separate meters.
    #[test]
    fn private_endpoints_split_inbound_and_outbound() {
        assert_eq!(charged(path::PRIVATE_ENDPOINT, 2.0, 30.0), [(PE_OUTBOUND, 2.0), (PE_INBOUND, 30.0)]);
    }

    // pricing notes A4: every GB crossing a peering pays egress at the sender and ingress at the receiver.
    #[test]
    fn peering_charges_both_sides_for_every_byte() {
        assert_eq!(
            charged(path::PEERING_REGIONAL, 1.0, 10.0),
            [(PEERING_REGIONAL_EGRESS, 11.0), (PEERING_REGIONAL_INGRESS, 11.0)]
        );
        assert_eq!(
            charged(path::PEERING_GLOBAL, 1.0, 10.0),
            [(PEERING_GLOBAL_EGRESS, 11.0), (PEERING_GLOBAL_INGRESS, 11.0)]
        );
    }

    #[test]
    fn inter_region_downloads_count_only_from_customer_resources() {
        let c = charges(path::INTER_REGION).unwrap();
        assert_eq!(c.len(), 2);
        assert!(!c[0].customer_destination_only && c[0].bytes == Bytes::Up);
        assert!(c[1].customer_destination_only && c[1].bytes == Bytes::Down);
        assert!(c.iter().all(|x| x.region == PriceRegion::Transfer));
        assert!(charges("teleport").is_none());
    }
}
