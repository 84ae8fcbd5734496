//! Name and address indexes over one estate, built once per `Network`. The model's own finders
//! scan lists, which is right for one question and quadratic for a check of every flow of a
//! thousand workspaces. Every lookup here answers exactly what the corresponding `Estate` method
//! answers (first match in estate order), only without the scan.

use crate::fast_map::{FastMap, FastSet};
use adbflow_model::{Estate, Nsg, Peering, RouteTable, SubnetRef, VNet};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// Prefixes → the positions of the elements that hold them, to find every element whose prefix
/// contains an address with one hash lookup per distinct prefix length.
#[derive(Debug, Clone, Default)]
struct PrefixIndex {
    by_prefix: FastMap<(u32, u8), Vec<usize>>,
    lengths: Vec<u8>,
}

impl PrefixIndex {
    fn insert(&mut self, net: Ipv4Net, position: usize) {
        let net = net.trunc();
        self.by_prefix.entry((u32::from(net.network()), net.prefix_len())).or_default().push(position);
        if !self.lengths.contains(&net.prefix_len()) {
            self.lengths.push(net.prefix_len());
        }
    }

    /// The first position (in insertion order) whose prefix contains `ip`.
    fn first_containing(&self, ip: Ipv4Addr) -> Option<usize> {
        let ip = u32::from(ip);
        self.lengths
            .iter()
            .filter_map(|&len| {
                let mask = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) };
                self.by_prefix.get(&(ip & mask, len)).and_then(|v| v.first().copied())
            })
            .min()
    }
}

#[derive(Debug, Clone, Default)]
pub struct EstateIndex {
    vnets: FastMap<String, usize>,
    /// Per VNet, its subnets by name.
    subnets: Vec<FastMap<String, usize>>,
    nsgs: FastMap<String, usize>,
    route_tables: FastMap<String, usize>,
    /// (VNet, remote VNet) → the first peering between them in that direction.
    peering_pairs: FastMap<(String, String), usize>,
    /// VNet name (the first part of the endpoint's `VNET/SUBNET`) → its private endpoints' positions.
    private_endpoints: FastMap<String, Vec<usize>>,
    /// VNet name → its Connected peerings (both directions exist), by position, in estate order.
    connected: FastMap<String, Vec<usize>>,
    /// Every subnet as (VNet, subnet) position, in `Estate::subnets` order.
    flat_subnets: Vec<(usize, usize)>,
    subnet_prefixes: PrefixIndex,
    vnet_prefixes: PrefixIndex,
}

impl EstateIndex {
    pub fn new(estate: &Estate) -> Self {
        let mut ix = EstateIndex::default();
        for (vi, v) in estate.vnets.iter().enumerate() {
            ix.vnets.entry(v.name.clone()).or_insert(vi);
            let mut names = FastMap::default();
            for (si, s) in v.subnets.iter().enumerate() {
                names.entry(s.name.clone()).or_insert(si);
                ix.subnet_prefixes.insert(s.prefix.0, ix.flat_subnets.len());
                ix.flat_subnets.push((vi, si));
            }
            ix.subnets.push(names);
            for p in &v.address_space {
                ix.vnet_prefixes.insert(p.0, vi);
            }
        }
        for (i, n) in estate.nsgs.iter().enumerate() {
            ix.nsgs.entry(n.name.clone()).or_insert(i);
        }
        for (i, t) in estate.route_tables.iter().enumerate() {
            ix.route_tables.entry(t.name.clone()).or_insert(i);
        }
        for (i, p) in estate.peerings.iter().enumerate() {
            ix.peering_pairs.entry((p.vnet.clone(), p.remote_vnet.clone())).or_insert(i);
        }
        for (i, pe) in estate.private_endpoints.iter().enumerate() {
            ix.private_endpoints.entry(pe_vnet(&pe.subnet).to_string()).or_default().push(i);
        }
        let pairs: FastSet<(&str, &str)> =
            estate.peerings.iter().map(|p| (p.vnet.as_str(), p.remote_vnet.as_str())).collect();
        for (i, p) in estate.peerings.iter().enumerate() {
            if pairs.contains(&(p.remote_vnet.as_str(), p.vnet.as_str())) {
                ix.connected.entry(p.vnet.clone()).or_default().push(i);
            }
        }
        ix
    }

    /// `Estate::vnet`.
    pub fn vnet<'e>(&self, estate: &'e Estate, name: &str) -> Option<&'e VNet> {
        self.vnets.get(name).map(|&i| &estate.vnets[i])
    }

    /// The position in `estate.vnets` of the first VNet named `name`.
    pub fn vnet_position(&self, name: &str) -> Option<usize> {
        self.vnets.get(name).copied()
    }

    /// `Estate::subnet`: `VNET/SUBNET`.
    pub fn subnet<'e>(&self, estate: &'e Estate, path: &str) -> Option<SubnetRef<'e>> {
        let (v, s) = path.split_once('/')?;
        let vi = *self.vnets.get(v)?;
        let si = *self.subnets[vi].get(s)?;
        let vnet = &estate.vnets[vi];
        Some(SubnetRef { vnet, subnet: &vnet.subnets[si] })
    }

    /// `Estate::nsg`.
    pub fn nsg<'e>(&self, estate: &'e Estate, name: &str) -> Option<&'e Nsg> {
        self.nsgs.get(name).map(|&i| &estate.nsgs[i])
    }

    /// The position in `estate.nsgs` of the NSG `Estate::nsg` finds.
    pub fn nsg_position(&self, name: &str) -> Option<usize> {
        self.nsgs.get(name).copied()
    }

    /// `Estate::route_table`.
    pub fn route_table<'e>(&self, estate: &'e Estate, name: &str) -> Option<&'e RouteTable> {
        self.route_tables.get(name).map(|&i| &estate.route_tables[i])
    }

    /// `Estate::reverse_peering`.
    pub fn reverse_peering<'e>(&self, estate: &'e Estate, p: &Peering) -> Option<&'e Peering> {
        // Borrowed-tuple lookups need owned keys; the names are short and this is not per packet.
        let key = (p.remote_vnet.clone(), p.vnet.clone());
        self.peering_pairs.get(&key).map(|&i| &estate.peerings[i])
    }

    /// Positions in `estate.private_endpoints` of the endpoints whose subnet path names `vnet`,
    /// in estate order.
    pub fn private_endpoints_in(&self, vnet: &str) -> &[usize] {
        self.private_endpoints.get(vnet).map_or(&[], Vec::as_slice)
    }

    /// `Estate::connected_peerings`.
    pub fn connected_peerings<'e>(
        &'e self,
        estate: &'e Estate,
        vnet: &str,
    ) -> impl Iterator<Item = &'e Peering> + 'e {
        self.connected.get(vnet).into_iter().flatten().map(move |&i| &estate.peerings[i])
    }

    /// `Estate::vnet_containing`.
    pub fn vnet_containing<'e>(&self, estate: &'e Estate, ip: Ipv4Addr) -> Option<&'e VNet> {
        self.vnet_prefixes.first_containing(ip).map(|i| &estate.vnets[i])
    }

    /// `Estate::subnet_containing`.
    pub fn subnet_containing<'e>(&self, estate: &'e Estate, ip: Ipv4Addr) -> Option<SubnetRef<'e>> {
        let (vi, si) = self.flat_subnets[self.subnet_prefixes.first_containing(ip)?];
        let vnet = &estate.vnets[vi];
        Some(SubnetRef { vnet, subnet: &vnet.subnets[si] })
    }
}

/// The VNet part of a `VNET/SUBNET` path (the whole string when it has no `/`).
pub fn pe_vnet(subnet_path: &str) -> &str {
    subnet_path.split_once('/').map_or(subnet_path, |(v, _)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estate() -> Estate {
        serde_json::from_str(
            r#"{
              "vnets": [
                {"name": "a", "address_space": ["10.0.0.0/16"], "subnets": [
                    {"name": "s1", "prefix": "10.0.1.0/24"}, {"name": "s2", "prefix": "10.0.2.0/24"}]},
                {"name": "b", "address_space": ["10.0.0.0/8"], "subnets": [{"name": "wide", "prefix": "10.0.0.0/12"}]},
                {"name": "c", "address_space": ["192.168.0.0/16", "0.0.0.0/0"]}
              ],
              "nsgs": [{"name": "n"}, {"name": "n"}],
              "route_tables": [{"name": "t"}, {"name": "t"}],
              "private_endpoints": [
                {"name": "pe1", "subnet": "a/s1", "target": "x", "subresource": "blob"},
                {"name": "pe2", "subnet": "b/wide", "target": "x", "subresource": "blob"},
                {"name": "pe3", "subnet": "a/s2", "target": "x", "subresource": "blob"}
              ],
              "peerings": [
                {"name": "ab", "vnet": "a", "remote_vnet": "b"},
                {"name": "ac", "vnet": "a", "remote_vnet": "c"},
                {"name": "ba", "vnet": "b", "remote_vnet": "a"},
                {"name": "ba2", "vnet": "b", "remote_vnet": "a"}
              ]
            }"#,
        )
        .unwrap()
    }

    // Every lookup must give what the estate's own linear finders give, overlaps and duplicates included.
    #[test]
    fn lookups_agree_with_the_estate_finders() {
        let e = estate();
        let ix = EstateIndex::new(&e);
        for path in ["a/s1", "a/s2", "b/wide", "a/wide", "x/s1", "a", "c/"] {
            let want = e.subnet(path).map(|s| s.path());
            assert_eq!(ix.subnet(&e, path).map(|s| s.path()), want, "{path}");
        }
        for ip in ["10.0.1.7", "10.0.9.9", "10.3.0.0", "10.200.0.1", "192.168.1.1", "8.8.8.8"] {
            let ip: Ipv4Addr = ip.parse().unwrap();
            assert_eq!(
                ix.vnet_containing(&e, ip).map(|v| &v.name),
                e.vnet_containing(ip).map(|v| &v.name),
                "{ip}"
            );
            assert_eq!(
                ix.subnet_containing(&e, ip).map(|s| s.path()),
                e.subnet_containing(ip).map(|s| s.path()),
                "{ip}"
            );
        }
        for v in ["a", "b", "c", "x"] {
            let got: Vec<&str> = ix.connected_peerings(&e, v).map(|p| p.name.as_str()).collect();
            let want: Vec<&str> = e.connected_peerings(v).map(|p| p.name.as_str()).collect();
            assert_eq!(got, want, "{v}");
        }
        for p in &e.peerings {
            assert_eq!(
                ix.reverse_peering(&e, p).map(|b| &b.name),
                e.reverse_peering(p).map(|b| &b.name),
                "{}",
                p.name
            );
        }
        assert!(std::ptr::eq(ix.nsg(&e, "n").unwrap(), e.nsg("n").unwrap()), "the first of two namesakes");
        assert!(std::ptr::eq(ix.route_table(&e, "t").unwrap(), e.route_table("t").unwrap()));
        assert!(ix.route_table(&e, "u").is_none());
        assert_eq!(ix.private_endpoints_in("a"), &[0, 2]);
        assert_eq!(ix.private_endpoints_in("b"), &[1]);
        assert!(ix.private_endpoints_in("c").is_empty());
        assert!(ix.nsg(&e, "m").is_none());
    }
}
