//! Microsoft's worked routing example from the UDR overview (domain notes §1.8): two peered VNets,
//! a VPN gateway, a storage service endpoint and a six-route table on Subnet1 only.

#[path = "routes_support.rs"]
mod support;

use adbflow_model::{Estate, NextHopType};
use adbflow_net::routes::{select, RouteOptions, RouteSource, RouteState};
use adbflow_net::{DestAddr, ServiceTags};
use std::net::Ipv4Addr;
use support::*;
use NextHopType::{
    Internet, VNetPeering, VirtualAppliance, VirtualNetworkGateway, VirtualNetworkServiceEndpoint, VnetLocal,
};
use RouteSource::{Default as Dflt, User, VirtualNetworkGateway as Vng};
use RouteState::{Active, Invalid};

const NVA: &str = "10.0.100.4";
/// The doc only says "the public IP of the VPN gateway" (X.X.X.X); any address will do.
const GW_IP: &str = "20.10.10.10";

fn example() -> Estate {
    let mut s1 = subnet("Subnet1", "10.0.0.0/24");
    s1.service_endpoints = vec!["Microsoft.Storage".into()];
    s1.route_table = Some("Subnet1-routes".into());
    let mut e = Estate {
        region: Some("eastus2".into()),
        vnets: vec![
            vnet("Virtual-network-1", &["10.0.0.0/16"], vec![s1, subnet("Subnet2", "10.0.1.0/24")]),
            vnet(
                "Virtual-network-2",
                &["10.1.0.0/16", "10.2.0.0/16"],
                vec![subnet("default", "10.1.0.0/24")],
            ),
        ],
        gateways: vec![gateway("vpn-gateway", "Virtual-network-1", GW_IP, &["10.10.0.0/16"])],
        // The table's IDs 2, 3, 6, 7, 9, 12, in the doc's order.
        route_tables: vec![route_table(
            "Subnet1-routes",
            vec![
                udr("Within-VNet1", "10.0.0.0/16", VirtualAppliance, Some(NVA)),
                udr("Within-Subnet1", "10.0.0.0/24", VnetLocal, None),
                udr("ToVNet2-1-Drop", "10.1.0.0/16", NextHopType::None, None),
                udr("ToVNet2-2-Drop", "10.2.0.0/16", NextHopType::None, None),
                udr("To-On-Prem", "10.10.0.0/16", VirtualAppliance, Some(NVA)),
                udr("Default-NVA", "0.0.0.0/0", VirtualAppliance, Some(NVA)),
            ],
        )],
        ..Estate::default()
    };
    peer(&mut e, "Virtual-network-1", "Virtual-network-2");
    e
}

fn row(
    source: RouteSource,
    state: RouteState,
    prefix: &str,
    hop: NextHopType,
    next_hop_ip: Option<&str>,
    name: &str,
) -> Row {
    (source, state, prefix.to_string(), hop, next_hop_ip.map(ip), name.to_string())
}

fn storage() -> DestAddr {
    DestAddr::symbolic(vec!["Storage.EastUS2".into()], Some("eastus2".into()))
}

// §1.8 Subnet1 table, in this crate's documented order (Default, gateway, user; then prefix).
#[test]
fn subnet1_effective_routes_match_the_documented_table() {
    let e = example();
    let routes = routes_of(&e, "Virtual-network-1/Subnet1");
    let expected = vec![
        row(Dflt, Invalid, "10.0.0.0/16", VnetLocal, None, ""), // ID 1, loses to ID 2
        row(Dflt, Invalid, "10.1.0.0/16", VNetPeering, None, ""), // ID 4, loses to ID 6
        row(Dflt, Invalid, "10.2.0.0/16", VNetPeering, None, ""), // ID 5, loses to ID 7
        row(Dflt, Invalid, "0.0.0.0/0", Internet, None, ""),    // ID 11, loses to ID 12
        // Not in the doc's table: the doc says these are removed once a 0/0 UDR exists; the twin
        // keeps them visible as Invalid (RouteOptions::drop_reserved_none_routes_under_default_udr).
        row(Dflt, Invalid, "10.0.0.0/8", NextHopType::None, None, ""),
        row(Dflt, Invalid, "100.64.0.0/10", NextHopType::None, None, ""),
        row(Dflt, Invalid, "172.16.0.0/12", NextHopType::None, None, ""),
        row(Dflt, Invalid, "192.168.0.0/16", NextHopType::None, None, ""),
        // ID 10: the doc shows "[X.X.X.X] (storage prefixes)"; without a tag file the prefix is the tag.
        row(Dflt, Active, "Storage.EastUS2", VirtualNetworkServiceEndpoint, None, ""),
        // ID 8: the doc's table prints source "Default", but §1.2 (and the API) name gateway routes'
        // source "Virtual network gateway"; the twin follows §1.2.
        row(Vng, Invalid, "10.10.0.0/16", VirtualNetworkGateway, Some(GW_IP), ""),
        row(User, Active, "0.0.0.0/0", VirtualAppliance, Some(NVA), "Default-NVA"), // ID 12
        row(User, Active, "10.0.0.0/16", VirtualAppliance, Some(NVA), "Within-VNet1"), // ID 2
        row(User, Active, "10.0.0.0/24", VnetLocal, None, "Within-Subnet1"),        // ID 3
        row(User, Active, "10.1.0.0/16", NextHopType::None, None, "ToVNet2-1-Drop"), // ID 6
        row(User, Active, "10.2.0.0/16", NextHopType::None, None, "ToVNet2-2-Drop"), // ID 7
        row(User, Active, "10.10.0.0/16", VirtualAppliance, Some(NVA), "To-On-Prem"), // ID 9
    ];
    assert_eq!(rows(&routes), expected);
}

// §1.8 "doc-stated reasons": each Invalid route names the UDR that overrode it.
#[test]
fn subnet1_invalid_routes_name_their_winner() {
    let e = example();
    let routes = routes_of(&e, "Virtual-network-1/Subnet1");
    let reason = |prefix: &str, hop: NextHopType| find(&routes, prefix, hop).invalid_reason.clone().unwrap();
    assert_eq!(
        reason("10.0.0.0/16", VnetLocal),
        "overridden by user route Within-VNet1 (route:Subnet1-routes/Within-VNet1)"
    );
    assert!(reason("10.1.0.0/16", VNetPeering).contains("ToVNet2-1-Drop"));
    assert!(reason("10.2.0.0/16", VNetPeering).contains("ToVNet2-2-Drop"));
    assert!(reason("10.10.0.0/16", VirtualNetworkGateway).contains("To-On-Prem"));
    assert!(reason("0.0.0.0/0", Internet).contains("Default-NVA"));
    assert!(reason("10.0.0.0/8", NextHopType::None).contains("Default-NVA"));
    // Every row names the element that put it there.
    assert_eq!(find(&routes, "10.0.0.0/16", VnetLocal).element.id, "vnet:Virtual-network-1");
    assert_eq!(
        find(&routes, "10.1.0.0/16", VNetPeering).element.id,
        "peering:Virtual-network-1/Virtual-network-1-to-Virtual-network-2"
    );
    assert_eq!(find(&routes, "10.10.0.0/16", VirtualNetworkGateway).element.id, "gateway:vpn-gateway");
    assert_eq!(
        find(&routes, "Storage.EastUS2", VirtualNetworkServiceEndpoint).element.id,
        "subnet:Virtual-network-1/Subnet1"
    );
    let internet = find(&routes, "0.0.0.0/0", Internet);
    assert_eq!(internet.element.id, "system-route:0.0.0.0/0");
    assert_eq!(internet.element.origin, Some(adbflow_model::Origin::platform("Azure")));
    let udr = find(&routes, "10.0.0.0/24", VnetLocal);
    assert_eq!(udr.element.id, "route:Subnet1-routes/Within-Subnet1");
    assert_eq!(udr.element.origin, origin("route", "Within-Subnet1"));
}

// §1.8 Subnet2 table: every optional route Active, no UDRs, no service endpoint (Subnet1 only).
#[test]
fn subnet2_effective_routes_match_the_documented_table() {
    let e = example();
    let routes = routes_of(&e, "Virtual-network-1/Subnet2");
    let expected = vec![
        row(Dflt, Active, "10.0.0.0/16", VnetLocal, None, ""),
        row(Dflt, Active, "10.1.0.0/16", VNetPeering, None, ""),
        row(Dflt, Active, "10.2.0.0/16", VNetPeering, None, ""),
        row(Dflt, Active, "0.0.0.0/0", Internet, None, ""),
        row(Dflt, Active, "10.0.0.0/8", NextHopType::None, None, ""),
        row(Dflt, Active, "100.64.0.0/10", NextHopType::None, None, ""),
        // Absent from the doc's Subnet2 table, which predates Microsoft re-adding 172.16/12 to the
        // default routes (§1.1 CHANGED); the current default-route list includes it.
        row(Dflt, Active, "172.16.0.0/12", NextHopType::None, None, ""),
        row(Dflt, Active, "192.168.0.0/16", NextHopType::None, None, ""),
        row(Vng, Active, "10.10.0.0/16", VirtualNetworkGateway, Some(GW_IP), ""),
    ];
    assert_eq!(rows(&routes), expected);
    assert!(routes.iter().all(|r| r.invalid_reason.is_none()));
}

/// (next hop type, next hop IP, UDR name) of a chosen route.
type Hop = (NextHopType, Option<Ipv4Addr>, String);

fn hop(routes: &[adbflow_net::routes::EffectiveRoute], dest: &DestAddr) -> Hop {
    let r = select(routes, dest, &ServiceTags::symbolic()).unwrap_or_else(|| panic!("no route for {dest}"));
    (r.next_hop_type, r.next_hop_ip, r.name.to_string())
}

// §1.8 derived next-hop table, every row, both subnets.
#[test]
fn derived_next_hops_for_every_destination() {
    let e = example();
    let s1 = routes_of(&e, "Virtual-network-1/Subnet1");
    let s2 = routes_of(&e, "Virtual-network-1/Subnet2");
    let nva = Some(ip(NVA));
    let udr = |hop: NextHopType, ip: Option<Ipv4Addr>, name: &str| (hop, ip, name.to_string());
    let sys = |hop: NextHopType, ip: Option<Ipv4Addr>| (hop, ip, String::new());
    let gw = Some(ip(GW_IP));
    #[rustfmt::skip]
    let table: Vec<(DestAddr, Hop, Hop)> = vec![
        (DestAddr::ip(ip("10.0.0.5")), udr(VnetLocal, None, "Within-Subnet1"), sys(VnetLocal, None)),
        (DestAddr::ip(ip("10.0.1.5")), udr(VirtualAppliance, nva, "Within-VNet1"), sys(VnetLocal, None)),
        (DestAddr::ip(ip("10.1.2.3")), udr(NextHopType::None, None, "ToVNet2-1-Drop"), sys(VNetPeering, None)),
        (DestAddr::ip(ip("10.2.2.3")), udr(NextHopType::None, None, "ToVNet2-2-Drop"), sys(VNetPeering, None)),
        (DestAddr::ip(ip("10.10.1.1")), udr(VirtualAppliance, nva, "To-On-Prem"), sys(VirtualNetworkGateway, gw)),
        (storage(), sys(VirtualNetworkServiceEndpoint, None), sys(Internet, None)),
        (DestAddr::ip(ip("8.8.8.8")), udr(VirtualAppliance, nva, "Default-NVA"), sys(Internet, None)),
        (DestAddr::ip(ip("10.200.0.1")), udr(VirtualAppliance, nva, "Default-NVA"), sys(NextHopType::None, None)),
        (DestAddr::ip(ip("192.168.1.1")), udr(VirtualAppliance, nva, "Default-NVA"), sys(NextHopType::None, None)),
        // The doc's Subnet2 table (no 172.16/12) would send this to the Internet; with the current
        // default routes it is dropped.
        (DestAddr::ip(ip("172.16.1.1")), udr(VirtualAppliance, nva, "Default-NVA"), sys(NextHopType::None, None)),
    ];
    for (dest, want1, want2) in table {
        assert_eq!(hop(&s1, &dest), want1, "Subnet1 -> {dest}");
        assert_eq!(hop(&s2, &dest), want2, "Subnet2 -> {dest}");
    }
}

// §1.8 quirk made switchable: keeping the reserved None routes drops unused private ranges from
// Subnet1 instead of sending them to the NVA (10/8 is longer than the 0/0 UDR).
#[test]
fn keeping_reserved_routes_drops_unused_private_ranges() {
    let e = example();
    let keep = RouteOptions { drop_reserved_none_routes_under_default_udr: false };
    let s1 = routes_with(&e, &ServiceTags::symbolic(), "Virtual-network-1/Subnet1", keep);
    for prefix in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"] {
        assert_eq!(find(&s1, prefix, NextHopType::None).state, Active, "{prefix}");
    }
    for dest in ["10.200.0.1", "192.168.1.1", "172.16.1.1", "100.64.0.1"] {
        let r = pick(&s1, dest).unwrap();
        assert_eq!((r.source, r.next_hop_type), (Dflt, NextHopType::None), "{dest}");
    }
    // Routes inside the VNet are still decided by the UDRs.
    assert_eq!(pick(&s1, "10.0.1.5").unwrap().name, "Within-VNet1");
}

// §1.2 / §1.7 with a service-tags file: the service endpoint carries the tag's CIDRs, exact storage
// addresses take it on Subnet1 and the Internet route on Subnet2.
#[test]
fn storage_row_with_tag_data() {
    let e = example();
    let tags = tag_file(&[
        ("Storage.EastUS2", "eastus2", &["20.38.0.0/16", "52.239.128.0/17"]),
        ("Storage", "", &["20.38.0.0/16", "52.239.128.0/17", "20.150.0.0/16"]),
    ]);
    let s1 = routes_with(&e, &tags, "Virtual-network-1/Subnet1", RouteOptions::default());
    let s2 = routes_with(&e, &tags, "Virtual-network-1/Subnet2", RouteOptions::default());
    let se: Vec<_> = s1.iter().filter(|r| r.next_hop_type == VirtualNetworkServiceEndpoint).collect();
    assert_eq!(se.len(), 2);
    assert!(se.iter().all(|r| r.state == Active));
    let dest = DestAddr::ip(ip("20.38.1.1"));
    assert_eq!(select(&s1, &dest, &tags).unwrap().next_hop_type, VirtualNetworkServiceEndpoint);
    assert_eq!(select(&s2, &dest, &tags).unwrap().next_hop_type, Internet);
    // Storage in another region is not in the regional tag: it follows the 0/0 UDR to the NVA.
    let other = DestAddr::ip(ip("20.150.1.1"));
    assert_eq!(select(&s1, &other, &tags).unwrap().name, "Default-NVA");
    // A storage address known only by its tag still takes the service endpoint.
    assert_eq!(select(&s1, &storage(), &tags).unwrap().next_hop_type, VirtualNetworkServiceEndpoint);
    assert_eq!(select(&s2, &storage(), &tags).unwrap().next_hop_type, Internet);
}
