//! The destination of a packet as the engine knows it: an exact IP, or a symbolic public Azure or
//! internet address known only by its region and the service tags it belongs to.

use crate::text::Piece;
use ipnet::Ipv4Net;
use serde::Serialize;
use std::net::Ipv4Addr;

/// RFC 1918 and RFC 6598 ranges: addresses that are never on the public internet.
pub const PRIVATE_RANGES: [Ipv4Net; 4] = [
    Ipv4Net::new_assert(Ipv4Addr::new(10, 0, 0, 0), 8),
    Ipv4Net::new_assert(Ipv4Addr::new(172, 16, 0, 0), 12),
    Ipv4Net::new_assert(Ipv4Addr::new(192, 168, 0, 0), 16),
    Ipv4Net::new_assert(Ipv4Addr::new(100, 64, 0, 0), 10),
];

pub fn is_private(ip: Ipv4Addr) -> bool {
    PRIVATE_RANGES.iter().any(|r| r.contains(&ip))
}

/// Azure's host virtual IP (DHCP, DNS, health probes); the NSG exception applies to it.
pub const AZURE_HOST_VIP: Ipv4Addr = Ipv4Addr::new(168, 63, 129, 16);
/// The instance metadata service address.
pub const AZURE_IMDS: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);

/// Where a packet is going.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct DestAddr {
    /// The exact address, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<Ipv4Addr>,
    /// Service tags the address is declared to belong to (most specific first, e.g.
    /// `Storage.EastUS2`); parents (`Storage`, `AzureCloud.eastus2`, `AzureCloud`) are implied.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The Azure region of the address, when it is an Azure public endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl DestAddr {
    pub fn ip(ip: Ipv4Addr) -> Self {
        DestAddr { ip: Some(ip), tags: Vec::new(), region: None }
    }

    /// A public address known only symbolically.
    pub fn symbolic(tags: Vec<String>, region: Option<String>) -> Self {
        DestAddr { ip: None, tags, region }
    }

    /// Private (RFC 1918 / RFC 6598) addresses are never reached over the internet.
    pub fn is_private(&self) -> bool {
        self.ip.is_some_and(is_private)
    }

    /// Whether `prefix` covers this destination. A symbolic destination is a public address
    /// somewhere in Azure or on the internet: only `0.0.0.0/0` is known to cover it.
    pub fn in_prefix(&self, prefix: &Ipv4Net) -> bool {
        match self.ip {
            Some(ip) => prefix.contains(&ip),
            None => prefix.prefix_len() == 0,
        }
    }
}

impl std::fmt::Display for DestAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::text!(self))
    }
}

/// How a destination reads in a sentence: its address, else its first tag, else that it is public.
impl Piece for DestAddr {
    fn size(&self) -> usize {
        match (self.ip, self.tags.first()) {
            (Some(ip), _) => ip.size(),
            (None, Some(tag)) => "<address in >".len() + tag.len(),
            (None, None) => "<public address>".len(),
        }
    }
    fn push_to(&self, out: &mut String) {
        match (self.ip, self.tags.first()) {
            (Some(ip), _) => ip.push_to(out),
            (None, Some(tag)) => {
                out.push_str("<address in ");
                out.push_str(tag);
                out.push('>');
            }
            (None, None) => out.push_str("<public address>"),
        }
    }
}
