//! Builders shared by the route tests (included with `#[path]`); keeps each scenario to the lines
//! that matter for the rule it encodes.
#![allow(dead_code)]

use adbflow_model::{
    Estate, Gateway, GatewayKind, NextHopType, Origin, Peering, Prefix, PrivateEndpoint,
    PrivateEndpointNetworkPolicies, Route, RouteDestination, RouteTable, Subnet, VNet,
};
use adbflow_net::routes::{effective_routes, select, EffectiveRoute, RouteOptions, RouteSource, RouteState};
use adbflow_net::{DestAddr, ServiceTags};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

pub fn origin(kind: &str, name: &str) -> Option<Origin> {
    Some(Origin::Address { file: "estate.toml".into(), address: format!("{kind}.{name}").into() })
}

/// Parsed as Azure would (host bits rejected), so fixtures can't hold prefixes Azure refuses.
pub fn net(s: &str) -> Ipv4Net {
    adbflow_model::spec::parse_prefix(s).unwrap()
}

pub fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

pub fn subnet(name: &str, prefix: &str) -> Subnet {
    Subnet {
        name: name.into(),
        prefix: Prefix(net(prefix)),
        nsg: None,
        route_table: None,
        nat_gateway: None,
        service_endpoints: Vec::new(),
        service_endpoint_policies: Vec::new(),
        delegation: None,
        default_outbound_access: true,
        private_endpoint_network_policies: PrivateEndpointNetworkPolicies::Disabled,
        instance_public_ip: None,
        load_balancer: None,
        application_security_groups: Vec::new(),
        origin: origin("subnet", name),
    }
}

pub fn vnet(name: &str, ranges: &[&str], subnets: Vec<Subnet>) -> VNet {
    VNet {
        name: name.into(),
        region: None,
        address_space: ranges.iter().map(|r| Prefix(net(r))).collect(),
        dns_servers: Vec::new(),
        subnets,
        origin: origin("vnet", name),
    }
}

/// One direction of a peering, named `<from>-to-<to>`.
pub fn peering(from: &str, to: &str) -> Peering {
    let name = format!("{from}-to-{to}");
    Peering {
        origin: origin("peering", &name),
        name,
        vnet: from.into(),
        remote_vnet: to.into(),
        allow_virtual_network_access: true,
        allow_forwarded_traffic: false,
        allow_gateway_transit: false,
        use_remote_gateways: false,
    }
}

/// Both directions, so the peering is Connected.
pub fn peer(estate: &mut Estate, a: &str, b: &str) {
    estate.peerings.push(peering(a, b));
    estate.peerings.push(peering(b, a));
}

pub fn udr(name: &str, prefix: &str, hop: NextHopType, next_hop_ip: Option<&str>) -> Route {
    Route {
        name: name.into(),
        address_prefix: RouteDestination::try_from(prefix.to_string()).unwrap(),
        next_hop_type: hop,
        next_hop_ip: next_hop_ip.map(ip),
        origin: origin("route", name),
    }
}

pub fn route_table(name: &str, routes: Vec<Route>) -> RouteTable {
    RouteTable { name: name.into(), disable_bgp_route_propagation: false, routes, origin: origin("rt", name) }
}

pub fn gateway(name: &str, vnet: &str, public_ip: &str, onprem: &[&str]) -> Gateway {
    Gateway {
        name: name.into(),
        vnet: vnet.into(),
        kind: GatewayKind::Vpn,
        public_ip: Some(ip(public_ip)),
        onprem_prefixes: onprem.iter().map(|p| Prefix(net(p))).collect(),
        origin: origin("gateway", name),
    }
}

pub fn private_endpoint(name: &str, subnet_path: &str, addr: &str) -> PrivateEndpoint {
    PrivateEndpoint {
        name: name.into(),
        subnet: subnet_path.into(),
        ip: Some(ip(addr)),
        target: "mystorage".into(),
        subresource: "blob".into(),
        connection_state: Default::default(),
        origin: origin("pe", name),
    }
}

pub fn subnet_mut<'a>(estate: &'a mut Estate, path: &str) -> &'a mut Subnet {
    let (v, s) = path.split_once('/').unwrap();
    let vnet = estate.vnets.iter_mut().find(|x| x.name == v).unwrap();
    vnet.subnets.iter_mut().find(|x| x.name == s).unwrap()
}

pub fn routes_with(
    estate: &Estate,
    tags: &ServiceTags,
    path: &str,
    options: RouteOptions,
) -> Vec<EffectiveRoute> {
    let subnet = estate.subnet(path).unwrap_or_else(|| panic!("no subnet {path}"));
    effective_routes(estate, tags, subnet, options)
}

pub fn routes_of(estate: &Estate, path: &str) -> Vec<EffectiveRoute> {
    routes_with(estate, &ServiceTags::symbolic(), path, RouteOptions::default())
}

/// The route `select` picks for an exact IP, symbolic tags.
pub fn pick<'r>(routes: &'r [EffectiveRoute], dest: &str) -> Option<&'r EffectiveRoute> {
    select(routes, &DestAddr::ip(ip(dest)), &ServiceTags::symbolic())
}

/// The one route with this prefix (CIDR or tag, as displayed) and next hop type.
pub fn find<'r>(routes: &'r [EffectiveRoute], prefix: &str, hop: NextHopType) -> &'r EffectiveRoute {
    let hits: Vec<_> =
        routes.iter().filter(|r| r.prefix.to_string() == prefix && r.next_hop_type == hop).collect();
    assert_eq!(hits.len(), 1, "expected one {prefix} -> {hop} route in {routes:#?}");
    hits[0]
}

pub fn has(routes: &[EffectiveRoute], prefix: &str, hop: NextHopType) -> bool {
    routes.iter().any(|r| r.prefix.to_string() == prefix && r.next_hop_type == hop)
}

/// A compact, comparable view of a route: source, state, prefix, next hop, next hop IP, UDR name.
pub type Row = (RouteSource, RouteState, String, NextHopType, Option<Ipv4Addr>, String);

pub fn rows(routes: &[EffectiveRoute]) -> Vec<Row> {
    routes
        .iter()
        .map(|r| {
            (r.source, r.state, r.prefix.to_string(), r.next_hop_type, r.next_hop_ip, r.name.to_string())
        })
        .collect()
}

/// A small service-tags file in Microsoft's JSON shape.
pub fn tag_file(tags: &[(&str, &str, &[&str])]) -> ServiceTags {
    let values: Vec<serde_json::Value> = tags
        .iter()
        .map(|(name, region, prefixes)| {
            serde_json::json!({"name": name, "id": name,
                "properties": {"region": region, "addressPrefixes": prefixes}})
        })
        .collect();
    let doc = serde_json::json!({"changeNumber": 1, "cloud": "Public", "values": values});
    ServiceTags::from_json("fixture.json", &doc.to_string()).unwrap()
}
