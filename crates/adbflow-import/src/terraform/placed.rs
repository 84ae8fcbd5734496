//! Where each named element is in the estate being built.
//!
//! Mappers ask, for nearly every resource, whether the estate already holds an element of a name
//! (a duplicate, a link's target) and for that element to change it. The estate's own finders scan
//! a list, so a plan's import grew with its square. Mappers only append to the estate's lists and
//! never rename or remove, so an index per list that takes in the list's new tail when asked
//! answers as the scan did: the first element of the name. Should an answer ever point at an
//! element of another name (a list changed behind the index's back), the list is indexed afresh.

use adbflow_model::{
    ApplicationSecurityGroup, Estate, Firewall, FirewallPolicy, Gateway, IpGroup, NatGateway, Nsg,
    PrivateDnsZone, PrivateEndpoint, PublicIp, PublicIpPrefix, RouteTable, ServiceEndpointPolicy,
    StorageAccount, VNet, Workspace,
};
use std::collections::HashMap;

/// An element kind the estate keeps a list of, by name.
pub(crate) trait Listed: Sized {
    /// Which of [`Placed`]'s indexes is this kind's.
    const LIST: usize;
    fn list(estate: &Estate) -> &[Self];
    fn list_mut(estate: &mut Estate) -> &mut [Self];
    fn name(&self) -> &str;
}

macro_rules! listed {
    ($($ty:ty => $field:ident),* $(,)?) => {
        listed!(@each 0usize; $($ty => $field),*);
        const LISTS: usize = [$(stringify!($field)),*].len();
    };
    (@each $n:expr; $ty:ty => $field:ident $(, $rest_ty:ty => $rest_field:ident)*) => {
        impl Listed for $ty {
            const LIST: usize = $n;
            fn list(estate: &Estate) -> &[Self] {
                &estate.$field
            }
            fn list_mut(estate: &mut Estate) -> &mut [Self] {
                &mut estate.$field
            }
            fn name(&self) -> &str {
                &self.name
            }
        }
        listed!(@each $n + 1usize; $($rest_ty => $rest_field),*);
    };
    (@each $n:expr;) => {};
}

listed! {
    VNet => vnets,
    Nsg => nsgs,
    ApplicationSecurityGroup => application_security_groups,
    RouteTable => route_tables,
    NatGateway => nat_gateways,
    PublicIp => public_ips,
    PublicIpPrefix => public_ip_prefixes,
    Gateway => gateways,
    PrivateDnsZone => private_dns_zones,
    PrivateEndpoint => private_endpoints,
    Firewall => firewalls,
    FirewallPolicy => firewall_policies,
    IpGroup => ip_groups,
    StorageAccount => storage_accounts,
    ServiceEndpointPolicy => service_endpoint_policies,
    Workspace => workspaces,
}

/// One list's index: each name's first position among the first `indexed` elements.
#[derive(Debug, Default)]
struct NameIndex {
    indexed: usize,
    first: HashMap<String, usize>,
}

impl NameIndex {
    fn take_in<T: Listed>(&mut self, items: &[T]) {
        if self.indexed > items.len() {
            *self = NameIndex::default();
        }
        for (i, item) in items.iter().enumerate().skip(self.indexed) {
            self.first.entry(item.name().to_owned()).or_insert(i);
        }
        self.indexed = items.len();
    }
}

/// The estate's elements by list and name; see the module comment.
#[derive(Debug, Default)]
pub(crate) struct Placed {
    lists: [NameIndex; LISTS],
}

impl Placed {
    /// The position of the first `T` named `name` in the estate's list of them.
    pub(crate) fn position<T: Listed>(&mut self, estate: &Estate, name: &str) -> Option<usize> {
        let items = T::list(estate);
        let index = &mut self.lists[T::LIST];
        index.take_in(items);
        let at = *index.first.get(name)?;
        if items.get(at).map(Listed::name) == Some(name) {
            return Some(at);
        }
        *index = NameIndex::default();
        index.take_in(items);
        index.first.get(name).copied()
    }

    pub(crate) fn holds<T: Listed>(&mut self, estate: &Estate, name: &str) -> bool {
        self.position::<T>(estate, name).is_some()
    }

    /// The first `T` named `name`, to change it.
    pub(crate) fn get_mut<'e, T: Listed>(&mut self, estate: &'e mut Estate, name: &str) -> Option<&'e mut T> {
        let at = self.position::<T>(estate, name)?;
        T::list_mut(estate).get_mut(at)
    }

    /// Where subnet `VNET/SUBNET` is: its VNet's position and its own in that VNet. It is looked
    /// for in the first VNet of that name, as [`Estate::subnet`] looks.
    pub(crate) fn subnet_position(&mut self, estate: &Estate, path: &str) -> Option<(usize, usize)> {
        let (vnet, subnet) = path.split_once('/')?;
        let v = self.position::<VNet>(estate, vnet)?;
        let s = estate.vnets.get(v)?.subnets.iter().position(|s| s.name == subnet)?;
        Some((v, s))
    }

    pub(crate) fn holds_subnet(&mut self, estate: &Estate, path: &str) -> bool {
        self.subnet_position(estate, path).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn vnet(name: &str, subnets: &[&str]) -> VNet {
        let subnets: Vec<_> =
            subnets.iter().map(|s| serde_json::json!({"name": s, "prefix": "10.1.1.0/24"})).collect();
        serde_json::from_value(
            serde_json::json!({"name": name, "address_space": ["10.1.0.0/16"], "subnets": subnets}),
        )
        .unwrap()
    }

    proptest! {
        /// Asked between appends, the index answers what a scan of the list answers.
        #[test]
        fn answers_as_a_scan_does(steps in proptest::collection::vec((0usize..6, any::<bool>()), 1..60)) {
            let mut estate = Estate::default();
            let mut placed = Placed::default();
            for (name, append) in steps {
                let name = format!("v{name}");
                if append {
                    estate.vnets.push(vnet(&name, &[]));
                }
                let scanned = estate.vnets.iter().position(|v| v.name == name);
                prop_assert_eq!(placed.position::<VNet>(&estate, &name), scanned);
                prop_assert_eq!(placed.holds::<Nsg>(&estate, &name), false);
            }
        }
    }

    #[test]
    fn a_list_changed_behind_its_back_is_indexed_afresh() {
        let mut estate = Estate::default();
        let mut placed = Placed::default();
        estate.vnets.extend([vnet("a", &[]), vnet("b", &[]), vnet("c", &[])]);
        assert_eq!(placed.position::<VNet>(&estate, "c"), Some(2));
        estate.vnets.remove(0);
        assert_eq!(placed.position::<VNet>(&estate, "c"), Some(1));
        estate.vnets.truncate(1);
        assert_eq!(placed.position::<VNet>(&estate, "c"), None);
        assert_eq!(placed.position::<VNet>(&estate, "b"), Some(0));
    }

    #[test]
    fn subnets_are_found_in_the_first_vnet_of_their_name() {
        let mut estate = Estate::default();
        let mut placed = Placed::default();
        estate.vnets.extend([vnet("v", &["host"]), vnet("v", &["container"])]);
        assert!(placed.holds_subnet(&estate, "v/host"));
        assert!(!placed.holds_subnet(&estate, "v/container"));
        assert!(!placed.holds_subnet(&estate, "w/host"));
        assert!(!placed.holds_subnet(&estate, "v"));
        assert_eq!(placed.holds_subnet(&estate, "v/host"), estate.subnet("v/host").is_some());
    }
}
