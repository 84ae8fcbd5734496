//! Name indexes over one estate, for questions asked once per workspace or per flow.
//!
//! `Estate`'s finders scan their list, which is right for one question. Checking a thousand
//! workspaces asks for storage accounts, subnets and private endpoints a thousand times each,
//! and the scans made preparing a 5,000-workspace check quadratic. A `Lookup` borrows the estate
//! (so it cannot go stale) and answers exactly what the corresponding `Estate` method answers —
//! the first match in estate order — without the scan.

use crate::{
    Endpoint, Estate, FirewallPolicy, FirewallRule, NatGateway, Nsg, Peering, PrivateDnsZone,
    PrivateEndpoint, RouteTable, RuleCollection, RuleCollectionGroup, StorageAccount, SubnetRef, VNet,
    Workspace,
};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The indexes' maps. A check builds a `Lookup` of the whole estate three times (for Databricks'
/// additions, for planning, and for the walk); with the standard library's SipHash, hashing the
/// names into them was most of building one (~100,000 entries at 5,000 workspaces). foldhash is
/// hashbrown's own default; the keys come from the user's files, so resistance to crafted
/// collisions buys nothing, and its fixed seed keeps any iteration order the same in every run.
type Map<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// Lower-cased target FQDN → the first rule naming it, as (group, collection, rule) positions.
type FqdnRules = Map<String, (usize, usize, usize)>;

pub struct Lookup<'e> {
    estate: &'e Estate,
    vnets: Map<&'e str, usize>,
    /// Per VNet (by position), its subnets by name.
    subnets: Vec<Map<&'e str, usize>>,
    storage_accounts: Map<&'e str, usize>,
    nsgs: Map<&'e str, usize>,
    route_tables: Map<&'e str, usize>,
    workspaces: Map<&'e str, usize>,
    /// (local VNet, remote VNet) → the first peering between them in that direction.
    peerings: Map<(&'e str, &'e str), usize>,
    private_dns_zones: Map<&'e str, usize>,
    /// Lower-cased FQDN → the first endpoint with it (host names compare without case).
    endpoints: Map<String, usize>,
    private_endpoints: Map<&'e str, usize>,
    nat_gateways: Map<&'e str, usize>,
    /// Target name → its private endpoints' positions, in estate order.
    private_endpoints_to: Map<&'e str, Vec<usize>>,
    /// Per firewall policy name (the first policy of each name), its rules by target FQDN; built
    /// when first asked, since only a firewall-blocked flow's fix asks.
    fqdn_rules: OnceLock<Map<&'e str, FqdnRules>>,
}

/// A firewall rule with the group and collection it is written in.
pub type RuleIn<'e> = (&'e RuleCollectionGroup, &'e RuleCollection, &'e FirewallRule);

fn fqdn_rules(policy: &FirewallPolicy) -> FqdnRules {
    let mut map = FqdnRules::default();
    for (gi, g) in policy.rule_collection_groups.iter().enumerate() {
        for (ci, c) in g.rule_collections.iter().enumerate() {
            for (ri, r) in c.rules.iter().enumerate() {
                for f in &r.target_fqdns {
                    map.entry(f.to_ascii_lowercase()).or_insert((gi, ci, ri));
                }
            }
        }
    }
    map
}

fn first_by_name<'e>(names: impl ExactSizeIterator<Item = &'e str>) -> Map<&'e str, usize> {
    let mut map = Map::with_capacity_and_hasher(names.len(), Default::default());
    for (i, name) in names.enumerate() {
        map.entry(name).or_insert(i);
    }
    map
}

impl<'e> Lookup<'e> {
    pub fn new(estate: &'e Estate) -> Self {
        let mut private_endpoints_to: Map<&str, Vec<usize>> = Map::default();
        for (i, pe) in estate.private_endpoints.iter().enumerate() {
            private_endpoints_to.entry(pe.target.as_str()).or_default().push(i);
        }
        let mut endpoints = Map::with_capacity_and_hasher(estate.endpoints.len(), Default::default());
        for (i, e) in estate.endpoints.iter().enumerate() {
            endpoints.entry(e.fqdn.to_ascii_lowercase()).or_insert(i);
        }
        Lookup {
            estate,
            endpoints,
            vnets: first_by_name(estate.vnets.iter().map(|v| v.name.as_str())),
            subnets: estate
                .vnets
                .iter()
                .map(|v| first_by_name(v.subnets.iter().map(|s| s.name.as_str())))
                .collect(),
            storage_accounts: first_by_name(estate.storage_accounts.iter().map(|s| s.name.as_str())),
            nsgs: first_by_name(estate.nsgs.iter().map(|n| n.name.as_str())),
            route_tables: first_by_name(estate.route_tables.iter().map(|t| t.name.as_str())),
            workspaces: first_by_name(estate.workspaces.iter().map(|w| w.name.as_str())),
            peerings: {
                let mut map = Map::with_capacity_and_hasher(estate.peerings.len(), Default::default());
                for (i, p) in estate.peerings.iter().enumerate() {
                    map.entry((p.vnet.as_str(), p.remote_vnet.as_str())).or_insert(i);
                }
                map
            },
            private_dns_zones: first_by_name(estate.private_dns_zones.iter().map(|z| z.name.as_str())),
            private_endpoints: first_by_name(estate.private_endpoints.iter().map(|p| p.name.as_str())),
            nat_gateways: first_by_name(estate.nat_gateways.iter().map(|n| n.name.as_str())),
            private_endpoints_to,
            fqdn_rules: OnceLock::new(),
        }
    }

    pub fn estate(&self) -> &'e Estate {
        self.estate
    }

    /// [`Estate::vnet`].
    pub fn vnet(&self, name: &str) -> Option<&'e VNet> {
        self.vnets.get(name).map(|&i| &self.estate.vnets[i])
    }

    /// [`Estate::subnet`]: by `VNET/SUBNET`.
    pub fn subnet(&self, path: &str) -> Option<SubnetRef<'e>> {
        let (v, s) = path.split_once('/')?;
        let vi = *self.vnets.get(v)?;
        let si = *self.subnets[vi].get(s)?;
        let vnet = &self.estate.vnets[vi];
        Some(SubnetRef { vnet, subnet: &vnet.subnets[si] })
    }

    /// [`Estate::storage_account`].
    pub fn storage_account(&self, name: &str) -> Option<&'e StorageAccount> {
        self.storage_accounts.get(name).map(|&i| &self.estate.storage_accounts[i])
    }

    /// [`Estate::nsg`].
    pub fn nsg(&self, name: &str) -> Option<&'e Nsg> {
        self.nsgs.get(name).map(|&i| &self.estate.nsgs[i])
    }

    /// [`Estate::nsg`], with the NSG's position in `estate.nsgs`.
    pub fn nsg_at(&self, name: &str) -> Option<(usize, &'e Nsg)> {
        self.nsgs.get(name).map(|&i| (i, &self.estate.nsgs[i]))
    }

    /// [`Estate::route_table`].
    pub fn route_table(&self, name: &str) -> Option<&'e RouteTable> {
        self.route_tables.get(name).map(|&i| &self.estate.route_tables[i])
    }

    /// [`Estate::workspace`].
    pub fn workspace(&self, name: &str) -> Option<&'e Workspace> {
        self.workspaces.get(name).map(|&i| &self.estate.workspaces[i])
    }

    /// [`Estate::reverse_peering`]: the first peering from `p`'s remote VNet back to its own.
    pub fn reverse_peering(&self, p: &Peering) -> Option<&'e Peering> {
        self.peerings.get(&(p.remote_vnet.as_str(), p.vnet.as_str())).map(|&i| &self.estate.peerings[i])
    }

    /// [`Estate::private_dns_zone`].
    pub fn private_dns_zone(&self, name: &str) -> Option<&'e PrivateDnsZone> {
        self.private_dns_zones.get(name).map(|&i| &self.estate.private_dns_zones[i])
    }

    /// [`Estate::private_endpoint`].
    pub fn private_endpoint(&self, name: &str) -> Option<&'e PrivateEndpoint> {
        self.private_endpoints.get(name).map(|&i| &self.estate.private_endpoints[i])
    }

    /// [`Estate::nat_gateway`].
    pub fn nat_gateway(&self, name: &str) -> Option<&'e NatGateway> {
        self.nat_gateways.get(name).map(|&i| &self.estate.nat_gateways[i])
    }

    /// The first endpoint whose FQDN is `host`, ignoring ASCII case.
    pub fn endpoint(&self, host: &str) -> Option<&'e Endpoint> {
        self.endpoints.get(&host.to_ascii_lowercase()).map(|&i| &self.estate.endpoints[i])
    }

    /// The first rule of firewall policy `policy` (the first policy of that name) whose target
    /// FQDNs include `fqdn`, ignoring ASCII case, in the order the rules are written.
    pub fn firewall_rule_naming(&self, policy: &str, fqdn: &str) -> Option<RuleIn<'e>> {
        let estate = self.estate;
        let by_policy = self.fqdn_rules.get_or_init(|| {
            let mut m = Map::default();
            for p in &estate.firewall_policies {
                m.entry(p.name.as_str()).or_insert_with(|| fqdn_rules(p));
            }
            m
        });
        let &(gi, ci, ri) = by_policy.get(policy)?.get(&fqdn.to_ascii_lowercase())?;
        let p = estate.firewall_policy(policy)?;
        let g = &p.rule_collection_groups[gi];
        let c = &g.rule_collections[ci];
        Some((g, c, &c.rules[ri]))
    }

    /// The private endpoints whose target is `name`, in estate order.
    pub fn private_endpoints_to(&self, name: &str) -> impl Iterator<Item = &'e PrivateEndpoint> + '_ {
        let estate = self.estate;
        self.private_endpoints_to.get(name).into_iter().flatten().map(move |&i| &estate.private_endpoints[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_what_the_estate_finders_answer() {
        let e: Estate = serde_json::from_value(serde_json::json!({
            "vnets": [
                {"name": "a", "address_space": ["10.0.0.0/16"], "subnets": [
                    {"name": "s", "prefix": "10.0.1.0/24"}, {"name": "s", "prefix": "10.0.2.0/24"}]},
                {"name": "a", "address_space": ["10.1.0.0/16"], "subnets": [{"name": "t", "prefix": "10.1.1.0/24"}]}
            ],
            "storage_accounts": [{"name": "st1"}, {"name": "st2"}],
            "private_endpoints": [
                {"name": "pe1", "subnet": "a/s", "target": "st1", "subresource": "blob"},
                {"name": "pe2", "subnet": "a/s", "target": "st2", "subresource": "blob"},
                {"name": "pe3", "subnet": "a/s", "target": "st1", "subresource": "dfs"}
            ]
        }))
        .unwrap();
        let l = Lookup::new(&e);
        for path in ["a/s", "a/t", "b/s", "a", ""] {
            assert_eq!(
                l.subnet(path).map(|s| s.subnet.prefix),
                e.subnet(path).map(|s| s.subnet.prefix),
                "{path}"
            );
        }
        assert!(
            std::ptr::eq(l.vnet("a").unwrap(), e.vnet("a").unwrap()),
            "the first of two same-named VNets"
        );
        for name in ["st1", "st2", "st3"] {
            assert_eq!(l.storage_account(name).map(|s| &s.name), e.storage_account(name).map(|s| &s.name));
        }
        let to_st1: Vec<&str> = l.private_endpoints_to("st1").map(|p| p.name.as_str()).collect();
        assert_eq!(to_st1, ["pe1", "pe3"]);
        assert_eq!(l.private_endpoints_to("nothing").count(), 0);
        assert!(l.nsg("x").is_none() && l.private_dns_zone("x").is_none());
    }

    #[test]
    fn route_tables_workspaces_and_reverse_peerings_as_the_estate_finds_them() {
        let e: Estate = serde_json::from_value(serde_json::json!({
            "route_tables": [{"name": "rt", "routes": []}, {"name": "rt", "routes": []}],
            "peerings": [
                {"name": "a-b", "vnet": "a", "remote_vnet": "b"},
                {"name": "b-a", "vnet": "b", "remote_vnet": "a"},
                {"name": "b-a-again", "vnet": "b", "remote_vnet": "a"},
                {"name": "a-c", "vnet": "a", "remote_vnet": "c"}
            ]
        }))
        .unwrap();
        let l = Lookup::new(&e);
        for name in ["rt", "other"] {
            let (ours, theirs) = (l.route_table(name), e.route_table(name));
            assert_eq!(ours.map(|t| t as *const _), theirs.map(|t| t as *const _), "{name}");
        }
        for p in &e.peerings {
            let (ours, theirs) = (l.reverse_peering(p), e.reverse_peering(p));
            assert_eq!(ours.map(|b| &b.name), theirs.map(|b| &b.name), "{}", p.name);
        }
        assert_eq!(l.reverse_peering(&e.peerings[0]).map(|b| b.name.as_str()), Some("b-a"));
        assert!(l.reverse_peering(&e.peerings[3]).is_none());
        assert!(l.workspace("w").is_none() && e.workspace("w").is_none());
    }

    #[test]
    fn private_endpoints_and_nat_gateways_by_name_the_first_of_each() {
        let e: Estate = serde_json::from_value(serde_json::json!({
            "nat_gateways": [{"name": "nat", "idle_timeout_minutes": 4}, {"name": "nat", "idle_timeout_minutes": 9}],
            "private_endpoints": [
                {"name": "pe", "subnet": "a/s", "target": "st1", "subresource": "blob"},
                {"name": "pe", "subnet": "a/s", "target": "st2", "subresource": "blob"}
            ]
        }))
        .unwrap();
        let l = Lookup::new(&e);
        for name in ["pe", "nat", "other"] {
            assert_eq!(
                l.private_endpoint(name).map(|p| p as *const _),
                e.private_endpoint(name).map(|p| p as *const _),
                "{name}"
            );
            assert_eq!(
                l.nat_gateway(name).map(|n| n as *const _),
                e.nat_gateway(name).map(|n| n as *const _),
                "{name}"
            );
        }
        assert_eq!(l.private_endpoint("pe").map(|p| p.target.as_str()), Some("st1"));
        assert_eq!(l.nat_gateway("nat").map(|n| n.idle_timeout_minutes), Some(4));
    }

    #[test]
    fn finds_the_first_rule_naming_an_fqdn_in_written_order() {
        let rule = |name: &str, fqdns: &[&str]| serde_json::json!({"name": name, "target_fqdns": fqdns});
        let e: Estate = serde_json::from_value(serde_json::json!({
            "firewall_policies": [{"name": "p", "rule_collection_groups": [
                {"name": "g1", "priority": 200, "rule_collections": [
                    {"name": "c1", "priority": 100, "kind": "Application", "action": "Allow",
                     "rules": [rule("a", &["x.example"]), rule("b", &["*.PyPI.org", "y"])]}]},
                {"name": "g2", "priority": 100, "rule_collections": [
                    {"name": "c2", "priority": 100, "kind": "Application", "action": "Allow",
                     "rules": [rule("c", &["*.pypi.org"])]}]}
            ]}]
        }))
        .unwrap();
        let l = Lookup::new(&e);
        let (g, c, r) = l.firewall_rule_naming("p", "*.pypi.ORG").unwrap();
        assert_eq!((g.name.as_str(), c.name.as_str(), r.name.as_str()), ("g1", "c1", "b"));
        assert!(l.firewall_rule_naming("p", "pypi.org").is_none());
        assert!(l.firewall_rule_naming("q", "x.example").is_none());
    }
}
