//! User-defined routes: next hop types a UDR may use, next hop IPs, unique prefixes per table.

use super::defined_at;
use crate::diagnostic::Diagnostic;
use crate::estate::Estate;
use crate::origin::ids;
use crate::routing::{NextHopType, Route, RouteDestination, RouteTable};

/// Azure's limit on service-tag address prefixes in one route table.
const MAX_TAG_ROUTES: usize = 25;

pub(super) fn check(e: &Estate, out: &mut Vec<Diagnostic>) {
    for table in &e.route_tables {
        for (i, route) in table.routes.iter().enumerate() {
            next_hop(table, route, out);
            prefix_conflict(table, &table.routes[..i], route, out);
        }
        let tags =
            table.routes.iter().filter(|r| matches!(r.address_prefix, RouteDestination::Tag(_))).count();
        if tags > MAX_TAG_ROUTES {
            out.push(Diagnostic::error(
                "route-table-tag-limit",
                ids::route_table(&table.name),
                format!(
                    "route table '{}' has {tags} routes with a service tag as address prefix; Azure allows at \
                     most {MAX_TAG_ROUTES}",
                    table.name
                ),
                table.origin.as_ref(),
            ));
        }
    }
}

fn next_hop(table: &RouteTable, r: &Route, out: &mut Vec<Diagnostic>) {
    let id = || ids::route(&table.name, &r.name);
    let origin = r.origin.as_ref();
    if !r.next_hop_type.allowed_in_udr() {
        out.push(Diagnostic::error(
            "udr-next-hop-type",
            id(),
            format!(
                "Route '{}' has next hop type {}, which Azure does not allow in a user-defined route; \
                 allowed next hop types are VirtualNetworkGateway, VnetLocal, Internet, VirtualAppliance and \
                 None ({} routes are created by Azure itself)",
                r.name, r.next_hop_type, r.next_hop_type
            ),
            origin,
        ));
    }
    match (r.next_hop_type, r.next_hop_ip) {
        (NextHopType::VirtualAppliance, None) => out.push(Diagnostic::error(
            "udr-next-hop-ip-missing",
            id(),
            format!(
                "Route '{}' has next hop type VirtualAppliance but no next_hop_ip; Azure requires the \
                 appliance's private IP address for this next hop type",
                r.name
            ),
            origin,
        )),
        (t, Some(ip)) if t != NextHopType::VirtualAppliance => out.push(Diagnostic::error(
            "udr-next-hop-ip-not-allowed",
            id(),
            format!(
                "Route '{}' has next_hop_ip {ip} with next hop type {t}; Azure allows a next hop IP address \
                 only when the next hop type is VirtualAppliance",
                r.name
            ),
            origin,
        )),
        _ => {}
    }
}

fn prefix_conflict(table: &RouteTable, earlier: &[Route], r: &Route, out: &mut Vec<Diagnostic>) {
    if let Some(other) = earlier.iter().find(|o| o.address_prefix == r.address_prefix) {
        out.push(Diagnostic::error(
            "route-prefix-conflict",
            ids::route(&table.name, &r.name),
            format!(
                "Route {} conflicts with Route {}{}. Routes cannot have the same AddressPrefix ({}).",
                r.name,
                other.name,
                defined_at(other.origin.as_ref()),
                r.address_prefix
            ),
            r.origin.as_ref(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::diagnostic::Severity;
    use serde_json::{json, Value};

    fn table(routes: Value) -> crate::estate::Estate {
        estate(json!({"route_tables": [{"name": "rt", "routes": routes}]}))
    }

    #[test]
    fn udr_next_hop_types_azure_creates_itself_are_rejected() {
        let e = table(json!([
            {"name": "peer", "address_prefix": "10.1.0.0/16", "next_hop_type": "VNetPeering"},
            {"name": "se", "address_prefix": "Storage", "next_hop_type": "VirtualNetworkServiceEndpoint"},
            {"name": "pe", "address_prefix": "10.2.0.4/32", "next_hop_type": "InterfaceEndpoint"},
            {"name": "ok", "address_prefix": "0.0.0.0/0", "next_hop_type": "Internet"}]));
        let found = with_code(&e, "udr-next-hop-type");
        let elements: Vec<&str> = found.iter().map(|d| d.element.as_str()).collect();
        assert_eq!(elements, vec!["route:rt/pe", "route:rt/peer", "route:rt/se"]);
        assert!(found[1].message.contains("VNetPeering, which Azure does not allow in a user-defined route"));
    }

    #[test]
    fn virtual_appliance_needs_a_next_hop_ip() {
        let e = table(json!([
            {"name": "fw", "address_prefix": "0.0.0.0/0", "next_hop_type": "VirtualAppliance"},
            {"name": "fw2", "address_prefix": "10.0.0.0/8", "next_hop_type": "VirtualAppliance",
             "next_hop_ip": "10.1.0.4"}]));
        expect_one(&e, "udr-next-hop-ip-missing", Severity::Error, "route:rt/fw", &["VirtualAppliance"]);
    }

    #[test]
    fn next_hop_ip_only_for_virtual_appliance() {
        let e = table(json!([
            {"name": "inet", "address_prefix": "0.0.0.0/0", "next_hop_type": "Internet", "next_hop_ip": "10.1.0.4"}]));
        expect_one(
            &e,
            "udr-next-hop-ip-not-allowed",
            Severity::Error,
            "route:rt/inet",
            &["10.1.0.4", "Internet"],
        );
    }

    #[test]
    fn two_routes_with_the_same_prefix_conflict() {
        let e = table(json!([
            {"name": "a", "address_prefix": "0.0.0.0/0", "next_hop_type": "Internet"},
            {"name": "b", "address_prefix": "10.0.0.0/8", "next_hop_type": "None"},
            {"name": "c", "address_prefix": "0.0.0.0/0", "next_hop_type": "None"}]));
        expect_one(&e, "route-prefix-conflict", Severity::Error, "route:rt/c", &["conflicts with Route a"]);
    }

    #[test]
    fn at_most_25_service_tag_routes() {
        let mk = |n: usize| -> Value {
            (0..n)
                .map(|i| json!({"name": format!("t{i}"), "address_prefix": format!("Tag{i}"), "next_hop_type": "Internet"}))
                .collect()
        };
        expect_none(&table(mk(25)), "route-table-tag-limit");
        expect_one(&table(mk(26)), "route-table-tag-limit", Severity::Error, "route-table:rt", &["26"]);
    }
}
