//! Origins that point into the `.tf` files: the mapper names each element by its resource
//! address; here every address becomes the `file.tf:line:column` of the resource block, and the
//! address moves into the warning's element so the instance key (`[0]`, `["blob"]`) is not lost.

use adbflow_model::{Diagnostic, Estate, Origin};
use std::collections::BTreeMap;

/// Resource instance address → where its block is written.
pub(crate) type Places = BTreeMap<String, Origin>;

fn place(o: &mut Option<Origin>, places: &Places) {
    if let Some(Origin::Address { address, .. }) = o {
        if let Some(p) = places.get(address.as_str()) {
            *o = Some(p.clone());
        }
    }
}

macro_rules! each {
    ($places:expr, $items:expr) => {
        for x in $items.iter_mut() {
            place(&mut x.origin, $places);
        }
    };
}

pub(crate) fn rewrite(estate: &mut Estate, places: &Places) {
    for v in &mut estate.vnets {
        place(&mut v.origin, places);
        each!(places, v.subnets);
    }
    for n in &mut estate.nsgs {
        place(&mut n.origin, places);
        each!(places, n.rules);
    }
    for t in &mut estate.route_tables {
        place(&mut t.origin, places);
        each!(places, t.routes);
    }
    for z in &mut estate.private_dns_zones {
        place(&mut z.origin, places);
        each!(places, z.records);
        each!(places, z.links);
    }
    for p in &mut estate.firewall_policies {
        place(&mut p.origin, places);
        for g in &mut p.rule_collection_groups {
            place(&mut g.origin, places);
            for c in &mut g.rule_collections {
                place(&mut c.origin, places);
                each!(places, c.rules);
            }
        }
    }
    for w in &mut estate.workspaces {
        place(&mut w.origin, places);
        each!(places, w.external_locations);
        each!(places, w.ip_access_lists);
    }
    each!(places, estate.application_security_groups);
    each!(places, estate.nat_gateways);
    each!(places, estate.public_ips);
    each!(places, estate.public_ip_prefixes);
    each!(places, estate.load_balancers);
    each!(places, estate.peerings);
    each!(places, estate.gateways);
    each!(places, estate.private_endpoints);
    each!(places, estate.endpoints);
    each!(places, estate.service_endpoint_policies);
    each!(places, estate.firewalls);
    each!(places, estate.ip_groups);
    each!(places, estate.storage_accounts);
}

pub(crate) fn rewrite_warnings(warnings: &mut [Diagnostic], places: &Places) {
    for w in warnings {
        let Some(Origin::Address { address, .. }) = &w.origin else { continue };
        let Some(p) = places.get(address.as_str()) else { continue };
        let address = address.to_string();
        let rtype = address.rsplit_once('.').map(|(a, _)| a).unwrap_or_default();
        let is_type = rtype.ends_with(&w.element) || w.code == "terraform-ignored-type";
        if w.code != "terraform-ignored-type" {
            w.element = if is_type { address } else { format!("{address}.{}", w.element) };
        }
        w.origin = Some(p.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_positions_and_keep_the_instance_in_the_element() {
        let places: Places = BTreeMap::from([(
            "azurerm_subnet.host[0]".to_string(),
            Origin::File { file: "main.tf".into(), line: 7, column: 1 },
        )]);
        let mut w = vec![Diagnostic::warning(
            "c",
            "address_prefixes",
            "m",
            Some(&Origin::Address { file: "dir".into(), address: "azurerm_subnet.host[0]".into() }),
        )];
        rewrite_warnings(&mut w, &places);
        assert_eq!(w[0].to_string(), "main.tf:7:1: warning[c]: azurerm_subnet.host[0].address_prefixes: m");
    }
}
