//! Routing scenarios, one documented rule each (section numbers refer to the domain notes on Azure
//! packet semantics).

#[path = "routes_support.rs"]
mod support;

use adbflow_model::{Estate, NextHopType, PrivateEndpointNetworkPolicies};
use adbflow_net::routes::{select, RouteOptions, RouteSource, RouteState};
use adbflow_net::{DestAddr, ServiceTags};
use support::*;
use NextHopType::{
    InterfaceEndpoint, Internet, VNetPeering, VirtualAppliance, VirtualNetworkGateway,
    VirtualNetworkServiceEndpoint, VnetLocal,
};

const FW: &str = "10.100.0.4";

fn sym(tag: &str, region: &str) -> DestAddr {
    DestAddr::symbolic(vec![tag.into()], Some(region.into()))
}

/// A spoke (10.0.0.0/16, subnet `host` with a route table `spoke-rt`) peered with a hub
/// (10.100.0.0/16) holding a firewall at 10.100.0.4.
fn hub_spoke(udrs: Vec<adbflow_model::Route>) -> Estate {
    let mut host = subnet("host", "10.0.1.0/24");
    host.route_table = Some("spoke-rt".into());
    let mut e = Estate {
        vnets: vec![
            vnet("spoke", &["10.0.0.0/16"], vec![host, subnet("other", "10.0.2.0/24")]),
            vnet("hub", &["10.100.0.0/16"], vec![subnet("AzureFirewallSubnet", "10.100.0.0/26")]),
        ],
        route_tables: vec![route_table("spoke-rt", udrs)],
        ..Estate::default()
    };
    peer(&mut e, "spoke", "hub");
    e
}

fn default_to_fw() -> adbflow_model::Route {
    udr("to-firewall", "0.0.0.0/0", VirtualAppliance, Some(FW))
}

// §1.7: the service-endpoint route is longer than 0/0, so storage bypasses the firewall while
// everything else (including other Azure services) follows the 0/0 UDR.
#[test]
fn service_endpoint_bypasses_default_udr_to_firewall() {
    let mut e = hub_spoke(vec![default_to_fw()]);
    subnet_mut(&mut e, "spoke/host").service_endpoints = vec!["Microsoft.Storage".into()];
    let routes = routes_of(&e, "spoke/host");
    let t = ServiceTags::symbolic();
    let se = select(&routes, &sym("Storage.EastUS2", "eastus2"), &t).unwrap();
    assert_eq!(se.next_hop_type, VirtualNetworkServiceEndpoint);
    assert_eq!(se.element.id, "subnet:spoke/host");
    assert!(se.element.name.contains("inferred"), "the regional-tag choice is marked: {}", se.element.name);
    // Storage in another region is not covered by the regional service endpoint.
    assert_eq!(select(&routes, &sym("Storage.WestEurope", "westeurope"), &t).unwrap().name, "to-firewall");
    assert_eq!(select(&routes, &sym("Sql.EastUS2", "eastus2"), &t).unwrap().name, "to-firewall");
    assert_eq!(pick(&routes, "8.8.8.8").unwrap().next_hop_ip, Some(ip(FW)));
    // The other subnet of the same VNet has no service endpoint route (§5: that subnet only).
    assert!(!routes_of(&e, "spoke/other").iter().any(|r| r.next_hop_type == VirtualNetworkServiceEndpoint));
}

// §1.6 (2024 rev.): "routes with a virtual network service endpoint as next hop can't be
// overridden": a UDR with the same prefix is the Invalid one.
#[test]
fn udr_with_service_endpoint_prefix_is_invalid() {
    let mut e = hub_spoke(vec![udr("storage-via-fw", "Storage.EastUS2", VirtualAppliance, Some(FW))]);
    subnet_mut(&mut e, "spoke/host").service_endpoints = vec!["Microsoft.Storage".into()];
    let routes = routes_of(&e, "spoke/host");
    let u = find(&routes, "Storage.EastUS2", VirtualAppliance);
    assert_eq!(u.state, RouteState::Invalid);
    let reason = u.invalid_reason.as_deref().unwrap();
    assert!(reason.contains("service endpoint route") && reason.contains("can't be overridden"), "{reason}");
    assert_eq!(find(&routes, "Storage.EastUS2", VirtualNetworkServiceEndpoint).state, RouteState::Active);
    let t = ServiceTags::symbolic();
    let chosen = select(&routes, &sym("Storage.EastUS2", "eastus2"), &t).unwrap();
    assert_eq!(chosen.next_hop_type, VirtualNetworkServiceEndpoint);

    // With tag data the conflict is on CIDRs: a UDR for one of the tag's prefixes loses too.
    let tags = tag_file(&[("Storage.EastUS2", "eastus2", &["20.38.0.0/16", "52.239.128.0/17"])]);
    let mut e = hub_spoke(vec![udr("one-block", "20.38.0.0/16", VirtualAppliance, Some(FW))]);
    subnet_mut(&mut e, "spoke/host").service_endpoints = vec!["Microsoft.Storage".into()];
    let routes = routes_with(&e, &tags, "spoke/host", RouteOptions::default());
    assert_eq!(find(&routes, "20.38.0.0/16", VirtualAppliance).state, RouteState::Invalid);
    let d = DestAddr::ip(ip("20.38.4.4"));
    assert_eq!(select(&routes, &d, &tags).unwrap().next_hop_type, VirtualNetworkServiceEndpoint);
}

/// Hub-spoke with a private endpoint in the hub's `pe` subnet (10.100.1.0/24) at 10.100.1.4.
fn with_pe(udrs: Vec<adbflow_model::Route>, policy: PrivateEndpointNetworkPolicies) -> Estate {
    let mut e = hub_spoke(udrs);
    let mut pe_subnet = subnet("pe", "10.100.1.0/24");
    pe_subnet.private_endpoint_network_policies = policy;
    e.vnets[1].subnets.push(pe_subnet);
    e.private_endpoints.push(private_endpoint("storage-blob-pe", "hub/pe", "10.100.1.4"));
    e
}

// §1.7 / §6: the PE /32 beats a 0/0 UDR, so PE traffic bypasses the firewall by default.
#[test]
fn private_endpoint_route_beats_default_udr() {
    let e = with_pe(vec![default_to_fw()], PrivateEndpointNetworkPolicies::Disabled);
    let routes = routes_of(&e, "spoke/host");
    let r = pick(&routes, "10.100.1.4").unwrap();
    assert_eq!(
        (r.source, r.next_hop_type, r.state),
        (RouteSource::Default, InterfaceEndpoint, RouteState::Active)
    );
    assert_eq!(r.prefix.to_string(), "10.100.1.4/32");
    assert_eq!(r.element.id, "private-endpoint:storage-blob-pe");
    assert_eq!(r.element.origin, origin("pe", "storage-blob-pe"));
}

// §1.7 twin rule: with route-table policies on the PE's subnet, a UDR covering the PE IP whose
// length is at least the PE VNet range's (/16 here) invalidates the /32.
#[test]
fn private_endpoint_route_invalidated_by_policy_and_covering_udr() {
    for policy in [PrivateEndpointNetworkPolicies::RouteTableEnabled, PrivateEndpointNetworkPolicies::Enabled]
    {
        for prefix in ["10.100.0.0/16", "10.100.1.0/24"] {
            let e =
                with_pe(vec![default_to_fw(), udr("hub-via-fw", prefix, VirtualAppliance, Some(FW))], policy);
            let routes = routes_of(&e, "spoke/host");
            let pe = find(&routes, "10.100.1.4/32", InterfaceEndpoint);
            assert_eq!(pe.state, RouteState::Invalid, "{policy:?} {prefix}");
            let reason = pe.invalid_reason.as_deref().unwrap();
            assert!(reason.contains("hub-via-fw") && reason.contains("hub/pe"), "{reason}");
            assert_eq!(pick(&routes, "10.100.1.4").unwrap().name, "hub-via-fw");
        }
    }
}

// §1.7: a 0.0.0.0/0 UDR never invalidates the /32, even with the policy on.
#[test]
fn private_endpoint_route_survives_default_udr_with_policy() {
    let e = with_pe(vec![default_to_fw()], PrivateEndpointNetworkPolicies::RouteTableEnabled);
    let routes = routes_of(&e, "spoke/host");
    assert_eq!(find(&routes, "10.100.1.4/32", InterfaceEndpoint).state, RouteState::Active);
    assert_eq!(pick(&routes, "10.100.1.4").unwrap().next_hop_type, InterfaceEndpoint);
}

// §1.7: without route-table policies on the PE's subnet, the covering UDR does not invalidate it.
#[test]
fn private_endpoint_route_survives_covering_udr_without_policy() {
    for policy in [
        PrivateEndpointNetworkPolicies::Disabled,
        PrivateEndpointNetworkPolicies::NetworkSecurityGroupEnabled,
    ] {
        let e = with_pe(vec![udr("hub-via-fw", "10.100.0.0/16", VirtualAppliance, Some(FW))], policy);
        let routes = routes_of(&e, "spoke/host");
        assert_eq!(find(&routes, "10.100.1.4/32", InterfaceEndpoint).state, RouteState::Active, "{policy:?}");
        assert_eq!(pick(&routes, "10.100.1.4").unwrap().next_hop_type, InterfaceEndpoint);
        // The UDR still takes the rest of the hub.
        assert_eq!(pick(&routes, "10.100.1.5").unwrap().name, "hub-via-fw");
    }
}

// §1.7: a UDR shorter than the PE VNet range (/8 < /16), or one that doesn't cover the PE IP at
// all, leaves the /32 Active.
#[test]
fn private_endpoint_route_survives_shorter_or_non_covering_udr() {
    for (name, prefix) in [("rfc1918-via-fw", "10.0.0.0/8"), ("elsewhere", "10.100.5.0/24")] {
        let e = with_pe(
            vec![udr(name, prefix, VirtualAppliance, Some(FW))],
            PrivateEndpointNetworkPolicies::RouteTableEnabled,
        );
        let routes = routes_of(&e, "spoke/host");
        assert_eq!(find(&routes, "10.100.1.4/32", InterfaceEndpoint).state, RouteState::Active, "{prefix}");
        assert_eq!(pick(&routes, "10.100.1.4").unwrap().next_hop_type, InterfaceEndpoint);
    }
}

/// A chain a – b – c (a peered with b, b with c), subnets `s` in each, a PE in c.
fn chain() -> Estate {
    let mut e = Estate {
        vnets: vec![
            vnet("a", &["10.1.0.0/16"], vec![subnet("s", "10.1.0.0/24")]),
            vnet("b", &["10.2.0.0/16"], vec![subnet("s", "10.2.0.0/24")]),
            vnet("c", &["10.3.0.0/16"], vec![subnet("s", "10.3.0.0/24")]),
        ],
        ..Estate::default()
    };
    peer(&mut e, "a", "b");
    peer(&mut e, "b", "c");
    e.private_endpoints.push(private_endpoint("pe-c", "c/s", "10.3.0.10"));
    e
}

// §6 / §7.1: the PE /32 propagates to directly peered VNets only; peering is not transitive.
#[test]
fn private_endpoint_route_reaches_direct_peer_but_not_two_hops() {
    let e = chain();
    let b = routes_of(&e, "b/s");
    assert_eq!(find(&b, "10.3.0.10/32", InterfaceEndpoint).state, RouteState::Active);
    assert_eq!(pick(&b, "10.3.0.10").unwrap().next_hop_type, InterfaceEndpoint);
    let c = routes_of(&e, "c/s");
    assert!(has(&c, "10.3.0.10/32", InterfaceEndpoint), "own VNet has the /32");
    let a = routes_of(&e, "a/s");
    assert!(!has(&a, "10.3.0.10/32", InterfaceEndpoint));
    assert!(!has(&a, "10.3.0.0/16", VNetPeering), "no peering route to c from a");
    // From a, c's space falls into the reserved 10/8 drop.
    assert_eq!(pick(&a, "10.3.0.10").unwrap().next_hop_type, NextHopType::None);
    assert_eq!(pick(&a, "10.2.0.5").unwrap().next_hop_type, VNetPeering);
}

// §7.1 / §1.2: a peering only carries traffic when both directions exist (Connected); a one-sided
// peering adds no peering route and no PE route on either side.
#[test]
fn one_sided_peering_gives_no_routes() {
    let mut e = chain();
    e.peerings.retain(|p| !(p.vnet == "c" && p.remote_vnet == "b"));
    let b = routes_of(&e, "b/s");
    assert!(!has(&b, "10.3.0.0/16", VNetPeering));
    assert!(!has(&b, "10.3.0.10/32", InterfaceEndpoint));
    assert!(has(&b, "10.1.0.0/16", VNetPeering), "the other, Connected peering still counts");
    let c = routes_of(&e, "c/s");
    assert!(!c.iter().any(|r| r.next_hop_type == VNetPeering));
}

/// VNet `v` 10.0.0.0/16 with a VPN gateway (on-prem 10.10.0.0/16, 10.20.0.0/16) and two subnets:
/// `plain` (no route table) and `routed` (route table `rt`).
fn with_gateway(udrs: Vec<adbflow_model::Route>) -> Estate {
    let mut routed = subnet("routed", "10.0.2.0/24");
    routed.route_table = Some("rt".into());
    Estate {
        vnets: vec![vnet("v", &["10.0.0.0/16"], vec![subnet("plain", "10.0.1.0/24"), routed])],
        gateways: vec![gateway("vpn", "v", "20.9.9.9", &["10.10.0.0/16", "10.20.0.0/16"])],
        route_tables: vec![route_table("rt", udrs)],
        ..Estate::default()
    }
}

// §1.4: disableBgpRoutePropagation removes every gateway route from the subnets of that table.
#[test]
fn gateway_routes_suppressed_by_disabled_propagation() {
    let mut e = with_gateway(vec![]);
    let before = routes_of(&e, "v/routed");
    assert_eq!(before.iter().filter(|r| r.source == RouteSource::VirtualNetworkGateway).count(), 2);
    e.route_tables[0].disable_bgp_route_propagation = true;
    let routed = routes_of(&e, "v/routed");
    assert!(!routed.iter().any(|r| r.source == RouteSource::VirtualNetworkGateway));
    assert_eq!(pick(&routed, "10.10.1.1").unwrap().next_hop_type, NextHopType::None, "falls to 10/8 None");
    // A subnet without that table still learns them.
    let plain = routes_of(&e, "v/plain");
    let r = pick(&plain, "10.10.1.1").unwrap();
    assert_eq!((r.source, r.next_hop_type), (RouteSource::VirtualNetworkGateway, VirtualNetworkGateway));
    assert_eq!(r.next_hop_ip, Some(ip("20.9.9.9")));
    assert_eq!(r.element.id, "gateway:vpn");
}

// §1.2 / §7.1: a spoke using the hub's gateway (useRemoteGateways on the spoke side,
// allowGatewayTransit on the hub side) learns the hub gateway's prefixes; either flag missing → none.
#[test]
fn remote_gateway_prefixes_need_both_transit_flags() {
    let build = |use_remote: bool, transit: bool| {
        let mut e = Estate {
            vnets: vec![
                vnet("hub", &["10.100.0.0/16"], vec![subnet("GatewaySubnet", "10.100.255.0/27")]),
                vnet("spoke", &["10.0.0.0/16"], vec![subnet("s", "10.0.1.0/24")]),
            ],
            gateways: vec![gateway("hub-vpn", "hub", "20.8.8.8", &["172.20.0.0/16"])],
            ..Estate::default()
        };
        let mut out = peering("spoke", "hub");
        out.use_remote_gateways = use_remote;
        let mut back = peering("hub", "spoke");
        back.allow_gateway_transit = transit;
        e.peerings = vec![out, back];
        e
    };
    let routes = routes_of(&build(true, true), "spoke/s");
    let r = pick(&routes, "172.20.1.1").unwrap();
    assert_eq!((r.source, r.next_hop_type), (RouteSource::VirtualNetworkGateway, VirtualNetworkGateway));
    assert_eq!((r.next_hop_ip, r.element.id.as_str()), (Some(ip("20.8.8.8")), "gateway:hub-vpn"));
    for (use_remote, transit) in [(true, false), (false, true), (false, false)] {
        let routes = routes_of(&build(use_remote, transit), "spoke/s");
        assert!(
            !routes.iter().any(|r| r.source == RouteSource::VirtualNetworkGateway),
            "use_remote={use_remote} transit={transit}"
        );
        assert_eq!(pick(&routes, "172.20.1.1").unwrap().next_hop_type, NextHopType::None);
    }
}

// §1.1: an address range exactly equal to a reserved prefix flips that route to Virtual network.
#[test]
fn vnet_range_equal_to_reserved_prefix_flips_none_to_vnet_local() {
    let e = Estate {
        vnets: vec![vnet("big", &["10.0.0.0/8", "100.64.0.0/10"], vec![subnet("s", "10.0.0.0/24")])],
        ..Estate::default()
    };
    let routes = routes_of(&e, "big/s");
    for prefix in ["10.0.0.0/8", "100.64.0.0/10"] {
        let same: Vec<_> = routes.iter().filter(|r| r.prefix.to_string() == prefix).collect();
        assert_eq!(same.len(), 1, "one route for {prefix}: {same:?}");
        assert_eq!((same[0].next_hop_type, same[0].state), (VnetLocal, RouteState::Active));
        assert_eq!(same[0].element.id, "vnet:big");
    }
    assert_eq!(pick(&routes, "10.200.0.1").unwrap().next_hop_type, VnetLocal);
    // Untouched reserved ranges keep their None route.
    assert_eq!(find(&routes, "192.168.0.0/16", NextHopType::None).state, RouteState::Active);
    assert_eq!(find(&routes, "172.16.0.0/12", NextHopType::None).state, RouteState::Active);
}

// §1.1: a range containing (but not equal to) a reserved prefix removes the reserved route.
#[test]
fn vnet_range_containing_reserved_prefix_removes_it() {
    let e = Estate {
        vnets: vec![vnet("wide", &["172.0.0.0/11", "192.168.0.0/15"], vec![subnet("s", "172.16.0.0/24")])],
        ..Estate::default()
    };
    let routes = routes_of(&e, "wide/s");
    for gone in ["172.16.0.0/12", "192.168.0.0/16"] {
        assert!(!routes.iter().any(|r| r.prefix.to_string() == gone), "{gone} should be removed");
    }
    assert_eq!(find(&routes, "172.0.0.0/11", VnetLocal).state, RouteState::Active);
    assert_eq!(pick(&routes, "172.20.0.1").unwrap().next_hop_type, VnetLocal);
    assert_eq!(pick(&routes, "192.168.1.1").unwrap().next_hop_type, VnetLocal);
    assert_eq!(find(&routes, "10.0.0.0/8", NextHopType::None).state, RouteState::Active);
}

// §1.6: equal prefix, UDR beats the gateway (BGP) route; the gateway route is shown Invalid.
#[test]
fn udr_beats_gateway_route_on_equal_prefix() {
    let e = with_gateway(vec![udr("onprem-via-fw", "10.10.0.0/16", VirtualAppliance, Some(FW))]);
    let routes = routes_of(&e, "v/routed");
    let g = find(&routes, "10.10.0.0/16", VirtualNetworkGateway);
    assert_eq!(g.state, RouteState::Invalid);
    assert_eq!(
        g.invalid_reason.as_deref(),
        Some("overridden by user route onprem-via-fw (route:rt/onprem-via-fw)")
    );
    assert_eq!(pick(&routes, "10.10.3.3").unwrap().name, "onprem-via-fw");
    // The other gateway prefix is untouched.
    assert_eq!(pick(&routes, "10.20.3.3").unwrap().next_hop_type, VirtualNetworkGateway);
}

// §1.6: precedence only settles equal prefixes; a more specific gateway route beats a UDR by LPM.
#[test]
fn more_specific_gateway_route_beats_udr_by_longest_prefix() {
    let mut e = with_gateway(vec![udr("onprem-via-fw", "10.10.0.0/16", VirtualAppliance, Some(FW))]);
    e.gateways[0].onprem_prefixes = vec![adbflow_model::Prefix(net("10.10.1.0/24"))];
    let routes = routes_of(&e, "v/routed");
    assert!(routes.iter().all(|r| r.prefix.to_string() != "10.10.1.0/24" || r.state == RouteState::Active));
    assert_eq!(pick(&routes, "10.10.1.9").unwrap().next_hop_type, VirtualNetworkGateway);
    assert_eq!(pick(&routes, "10.10.2.9").unwrap().name, "onprem-via-fw");
}

// §1.5 / §1.6: BGP beats system routes on equal prefix — an advertised 0.0.0.0/0 (forced
// tunnelling) overrides the Internet route, an advertised 10/8 the reserved None route.
#[test]
fn gateway_routes_beat_system_routes_on_equal_prefix() {
    let mut e = with_gateway(vec![]);
    e.gateways[0].onprem_prefixes =
        vec![adbflow_model::Prefix(net("0.0.0.0/0")), adbflow_model::Prefix(net("10.0.0.0/8"))];
    let routes = routes_of(&e, "v/plain");
    for (prefix, hop) in [("0.0.0.0/0", Internet), ("10.0.0.0/8", NextHopType::None)] {
        let sys = find(&routes, prefix, hop);
        assert_eq!(sys.state, RouteState::Invalid, "{prefix}");
        assert!(sys.invalid_reason.as_deref().unwrap().contains("gateway route"), "{prefix}");
    }
    assert_eq!(pick(&routes, "8.8.8.8").unwrap().next_hop_type, VirtualNetworkGateway);
    assert_eq!(pick(&routes, "10.99.0.1").unwrap().next_hop_type, VirtualNetworkGateway);
    assert_eq!(pick(&routes, "10.0.1.7").unwrap().next_hop_type, VnetLocal, "own VNet still longest");
}

// §1.6 exception: VNet (and peering) system routes are preferred over BGP routes even when the BGP
// route is more specific.
#[test]
fn vnet_route_preferred_over_more_specific_gateway_route() {
    let mut e = with_gateway(vec![]);
    e.gateways[0].onprem_prefixes = vec![adbflow_model::Prefix(net("10.0.1.0/24"))];
    let routes = routes_of(&e, "v/plain");
    let g = find(&routes, "10.0.1.0/24", VirtualNetworkGateway);
    assert_eq!(g.state, RouteState::Invalid);
    assert!(g.invalid_reason.as_deref().unwrap().contains("vnet:v"));
    assert_eq!(pick(&routes, "10.0.1.7").unwrap().next_hop_type, VnetLocal);
}

// §1.4 tag UDRs: on a tie regional tag > top-level tag > AzureCloud.<region> > AzureCloud; without
// tag data a tag match only beats 0.0.0.0/0.
#[test]
fn tag_udrs_rank_as_documented() {
    let mut s = subnet("s", "10.0.0.0/24");
    s.route_table = Some("rt".into());
    let e = Estate {
        vnets: vec![vnet("v", &["10.0.0.0/16"], vec![s])],
        route_tables: vec![route_table(
            "rt",
            vec![
                udr("cloud", "AzureCloud", VirtualAppliance, Some(FW)),
                udr("cloud-eastus2", "AzureCloud.eastus2", VirtualAppliance, Some("10.100.0.5")),
                udr("storage", "Storage", VirtualAppliance, Some("10.100.0.6")),
                udr("storage-eastus2", "Storage.EastUS2", Internet, None),
                udr("default", "0.0.0.0/0", VirtualAppliance, Some("10.100.0.7")),
            ],
        )],
        ..Estate::default()
    };
    let routes = routes_of(&e, "v/s");
    assert!(routes.iter().all(|r| r.state == RouteState::Active || r.source != RouteSource::User));
    let t = ServiceTags::symbolic();
    for (dest, want) in [
        (sym("Storage.EastUS2", "eastus2"), "storage-eastus2"),
        (sym("Storage.WestEurope", "westeurope"), "storage"),
        (sym("Sql.EastUS2", "eastus2"), "cloud-eastus2"),
        (sym("Sql.WestEurope", "westeurope"), "cloud"),
        (DestAddr::symbolic(vec![], None), "default"),
        (DestAddr::ip(ip("8.8.8.8")), "default"),
    ] {
        assert_eq!(select(&routes, &dest, &t).unwrap().name, want, "{dest}");
    }
}

// §1.4 with tag data: a tag UDR becomes CIDR routes; on the same CIDR an explicit UDR beats the
// tag-derived one, and a destination is ranked by the tag prefix that holds it.
#[test]
fn tag_udr_with_data_expands_and_explicit_cidr_wins_ties() {
    let tags = tag_file(&[("AzureDatabricks", "", &["20.1.0.0/16", "20.2.0.0/24"])]);
    let mut s = subnet("s", "10.0.0.0/24");
    s.route_table = Some("rt".into());
    let e = Estate {
        vnets: vec![vnet("v", &["10.0.0.0/16"], vec![s])],
        route_tables: vec![route_table(
            "rt",
            vec![
                udr("adb", "AzureDatabricks", Internet, None),
                udr("explicit", "20.1.0.0/16", VirtualAppliance, Some(FW)),
                udr("wide", "20.0.0.0/8", VirtualAppliance, Some(FW)),
            ],
        )],
        ..Estate::default()
    };
    let routes = routes_with(&e, &tags, "v/s", RouteOptions::default());
    let adb: Vec<_> = routes.iter().filter(|r| r.name == "adb").collect();
    assert_eq!(adb.len(), 2);
    assert!(adb.iter().all(|r| r.element.id == "route:rt/adb"));
    let lost = find(&routes, "20.1.0.0/16", Internet);
    assert_eq!(lost.state, RouteState::Invalid);
    assert!(lost.invalid_reason.as_deref().unwrap().contains("explicit"));
    let at = |a: &str| select(&routes, &DestAddr::ip(ip(a)), &tags).unwrap().name.clone();
    assert_eq!(at("20.1.5.5"), "explicit");
    assert_eq!(at("20.2.0.9"), "adb");
    assert_eq!(at("20.3.0.9"), "wide");
}

// §1.2 / §5: each endpoint type injects its own tag, regional ones in the VNet's own region.
#[test]
fn service_endpoint_types_map_to_tags_in_the_vnet_region() {
    let mut s = subnet("s", "10.0.0.0/24");
    s.service_endpoints =
        vec!["Microsoft.Storage.Global".into(), "Microsoft.Sql".into(), "Microsoft.KeyVault".into()];
    let mut v = vnet("v", &["10.0.0.0/16"], vec![s]);
    v.region = Some("westeurope".into());
    let e = Estate { region: Some("eastus2".into()), vnets: vec![v], ..Estate::default() };
    let routes = routes_of(&e, "v/s");
    let mut se: Vec<String> = routes
        .iter()
        .filter(|r| r.next_hop_type == VirtualNetworkServiceEndpoint)
        .map(|r| r.prefix.to_string())
        .collect();
    se.sort();
    assert_eq!(se, vec!["AzureKeyVault", "Sql.WestEurope", "Storage"]);
    let t = ServiceTags::symbolic();
    for tag in ["Storage.EastUS2", "Sql.WestEurope", "AzureKeyVault"] {
        let r = select(&routes, &sym(tag, "westeurope"), &t).unwrap();
        assert_eq!(r.next_hop_type, VirtualNetworkServiceEndpoint, "{tag}");
    }
    assert_eq!(select(&routes, &sym("Sql.EastUS2", "eastus2"), &t).unwrap().next_hop_type, Internet);
}

// §1.6: a gateway route inside a service-endpoint prefix loses to it, like VNet/peering routes.
#[test]
fn service_endpoint_route_preferred_over_gateway_route() {
    let tags = tag_file(&[("Storage.EastUS2", "eastus2", &["20.38.0.0/16"])]);
    let mut e = with_gateway(vec![]);
    e.gateways[0].onprem_prefixes = vec![adbflow_model::Prefix(net("20.38.4.0/24"))];
    subnet_mut(&mut e, "v/plain").service_endpoints = vec!["Microsoft.Storage".into()];
    let routes = routes_with(&e, &tags, "v/plain", RouteOptions::default());
    assert_eq!(find(&routes, "20.38.4.0/24", VirtualNetworkGateway).state, RouteState::Invalid);
    let d = DestAddr::ip(ip("20.38.4.4"));
    assert_eq!(select(&routes, &d, &tags).unwrap().next_hop_type, VirtualNetworkServiceEndpoint);
}

// §1.1 / §1.2 (inferred; Azure documents no such collision): a peered range equal to a reserved
// prefix is reachable — the peering route outranks the blanket None route.
#[test]
fn peered_range_equal_to_reserved_prefix_outranks_none() {
    let mut e = Estate {
        vnets: vec![
            vnet("a", &["172.16.0.0/12"], vec![subnet("s", "172.16.0.0/24")]),
            vnet("b", &["192.168.0.0/16"], vec![subnet("s", "192.168.0.0/24")]),
        ],
        ..Estate::default()
    };
    peer(&mut e, "a", "b");
    let routes = routes_of(&e, "a/s");
    let none = find(&routes, "192.168.0.0/16", NextHopType::None);
    assert_eq!(none.state, RouteState::Invalid);
    assert!(none.invalid_reason.as_deref().unwrap().contains("peering route"));
    assert_eq!(pick(&routes, "192.168.7.7").unwrap().next_hop_type, VNetPeering);
}

// §1.6: equal prefix UDR > system also applies to a /32 UDR for a PE IP, whatever the policy.
#[test]
fn exact_udr_for_private_endpoint_ip_overrides_it() {
    let e = with_pe(
        vec![udr("pe-via-fw", "10.100.1.4/32", VirtualAppliance, Some(FW))],
        PrivateEndpointNetworkPolicies::Disabled,
    );
    let routes = routes_of(&e, "spoke/host");
    assert_eq!(find(&routes, "10.100.1.4/32", InterfaceEndpoint).state, RouteState::Invalid);
    assert_eq!(pick(&routes, "10.100.1.4").unwrap().name, "pe-via-fw");
}

// Display order is documented and independent of the order UDRs were written in.
#[test]
fn route_order_is_deterministic() {
    let udrs = vec![
        udr("b", "10.50.0.0/16", VirtualAppliance, Some(FW)),
        udr("a", "0.0.0.0/0", VirtualAppliance, Some(FW)),
        udr("c", "10.10.0.0/16", NextHopType::None, None),
    ];
    let mut reversed = udrs.clone();
    reversed.reverse();
    let one = routes_of(&with_gateway(udrs), "v/routed");
    let two = routes_of(&with_gateway(reversed), "v/routed");
    assert_eq!(one, two);
    let sources: Vec<RouteSource> = one.iter().map(|r| r.source).collect();
    let first_gw = sources.iter().position(|s| *s == RouteSource::VirtualNetworkGateway).unwrap();
    let first_user = sources.iter().position(|s| *s == RouteSource::User).unwrap();
    assert!(sources[..first_gw].iter().all(|s| *s == RouteSource::Default));
    assert!(first_gw < first_user && sources[first_user..].iter().all(|s| *s == RouteSource::User));
    let user_prefixes: Vec<String> = one[first_user..].iter().map(|r| r.prefix.to_string()).collect();
    assert_eq!(user_prefixes, vec!["0.0.0.0/0", "10.10.0.0/16", "10.50.0.0/16"]);
}

// Inputs Azure would reject still give an answer, never a panic: a missing route table, a PE in an
// unknown subnet, a PE without a known IP.
#[test]
fn dangling_references_do_not_panic() {
    let mut e = with_gateway(vec![]);
    subnet_mut(&mut e, "v/plain").route_table = Some("missing".into());
    e.private_endpoints.push(private_endpoint("ghost", "v/nowhere", "10.0.9.9"));
    let mut no_ip = private_endpoint("no-ip", "v/plain", "10.0.1.9");
    no_ip.ip = None;
    e.private_endpoints.push(no_ip);
    let routes = routes_of(&e, "v/plain");
    assert!(!routes.iter().any(|r| r.source == RouteSource::User));
    assert!(has(&routes, "10.0.9.9/32", InterfaceEndpoint), "ghost PE sits in this VNet's range");
    assert!(!has(&routes, "10.0.1.9/32", InterfaceEndpoint));
}

/// A network may forget a subnet's computed routes (a check does, after walking each workspace);
/// asked again, it computes the same routes and picks the same ones.
#[test]
fn forgotten_routes_are_computed_again_alike() {
    let mut e = hub_spoke(vec![default_to_fw()]);
    subnet_mut(&mut e, "spoke/host").service_endpoints = vec!["Microsoft.Storage".into()];
    let net = adbflow_net::Network::new(e, ServiceTags::symbolic());
    let dest = DestAddr::ip(ip("8.8.8.8"));
    let before = net.routes("spoke/host").unwrap().to_vec();
    let picked = net.select_route("spoke/host", &dest);
    net.forget_routes("spoke/host");
    net.forget_routes("no/such-subnet");
    assert_eq!(&*net.routes("spoke/host").unwrap(), before.as_slice());
    assert_eq!(net.select_route("spoke/host", &dest), picked);
    assert_eq!(picked.map(|r| r.name.to_string()), Some("to-firewall".into()));
}

// Two subnets of one VNet with the same route table and service endpoints have the same routes
// but for the subnet their service-endpoint routes name. A Network copies the first one's routes
// for the second: what it lists and selects must be what computing the second's alone gives,
// invalid-route reasons that name the winning service-endpoint route included.
#[test]
fn a_twin_subnet_names_its_own_service_endpoint_routes() {
    let mut e =
        hub_spoke(vec![default_to_fw(), udr("storage-to-fw", "Storage.EastUS2", VirtualAppliance, Some(FW))]);
    for path in ["spoke/host", "spoke/other"] {
        let s = subnet_mut(&mut e, path);
        s.route_table = Some("spoke-rt".into());
        s.service_endpoints = vec!["Microsoft.Storage".into(), "Microsoft.Sql".into()];
    }
    let exact = tag_file(&[
        ("Storage.EastUS2", "eastus2", &["20.38.0.0/16", "20.60.0.0/15"]),
        ("Sql.EastUS2", "eastus2", &["20.42.0.0/16"]),
    ]);
    let mut reasons_checked = 0;
    for tags in [ServiceTags::symbolic(), exact] {
        // The first computed is the one the second copies, whichever order they are asked in.
        for (first, second) in [("spoke/host", "spoke/other"), ("spoke/other", "spoke/host")] {
            let net = adbflow_net::Network::new(e.clone(), tags.clone());
            for path in [first, second] {
                let alone = routes_with(&e, &tags, path, RouteOptions::default());
                assert_eq!(&*net.routes(path).unwrap(), alone.as_slice(), "{path} after {first}");
                let subnet = path.rsplit('/').next().unwrap();
                let se: Vec<_> =
                    alone.iter().filter(|r| r.next_hop_type == VirtualNetworkServiceEndpoint).collect();
                assert!(
                    !se.is_empty() && se.iter().all(|r| r.element.id == format!("subnet:spoke/{subnet}"))
                );
                let overridden =
                    alone.iter().find(|r| r.name == "storage-to-fw" && r.state == RouteState::Invalid);
                if let Some(r) = overridden {
                    reasons_checked += 1;
                    assert!(
                        r.invalid_reason.as_deref().unwrap().contains(&format!("(subnet:spoke/{subnet})")),
                        "{r:?}"
                    );
                }
                for dest in [
                    sym("Storage.EastUS2", "eastus2"),
                    sym("Sql.EastUS2", "eastus2"),
                    DestAddr::ip(ip("8.8.8.8")),
                ] {
                    assert_eq!(
                        net.select_route(path, &dest),
                        select(&alone, &dest, &tags).cloned(),
                        "{path} {dest}"
                    );
                }
            }
            net.forget_routes(first);
            net.forget_routes(second);
            assert_eq!(
                &*net.routes(second).unwrap(),
                routes_with(&e, &tags, second, RouteOptions::default()).as_slice()
            );
        }
    }
    assert!(reasons_checked > 0, "a reason names the winning service-endpoint route");
}

// An invalid estate can name two subnets of one VNet alike: the later one's twin (an earlier
// subnet with the same routes) then has its own path. Its routes are computed holding its cell,
// so taking the twin's there would wait for itself; it is computed on its own instead.
#[test]
fn a_subnet_named_like_an_earlier_one_of_its_vnet_gets_its_routes() {
    let mut e = hub_spoke(vec![default_to_fw()]);
    let namesake = subnet_mut(&mut e, "spoke/host").clone();
    e.vnets[0].subnets.push(namesake);
    let (done, answer) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let net = adbflow_net::Network::new(e, ServiceTags::symbolic());
        let routes = net.routes("spoke/host").map(|r| r.to_vec());
        let picked = net.select_route("spoke/host", &DestAddr::ip(ip("8.8.8.8"))).map(|r| r.name.to_string());
        let _ = done.send((routes, picked));
    });
    let (routes, picked) = answer
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the routes are computed, not waited for");
    assert!(routes.is_some_and(|r| !r.is_empty()));
    assert_eq!(picked.as_deref(), Some("to-firewall"));
}

// A check walks workspaces on every core while each core forgets its own subnets' routes: the
// answers must be those of one core asking alone, whichever core computed or forgot them.
#[test]
fn routes_asked_for_and_forgotten_on_several_cores_answer_alike() {
    let mut e =
        hub_spoke(vec![default_to_fw(), udr("onprem", "192.168.0.0/16", VirtualNetworkGateway, None)]);
    subnet_mut(&mut e, "spoke/host").service_endpoints = vec!["Microsoft.Storage".into()];
    let dests = [
        DestAddr::ip(ip("8.8.8.8")),
        DestAddr::ip(ip("192.168.1.1")),
        DestAddr::ip(ip("10.100.0.4")),
        sym("Storage.EastUS2", "eastus2"),
    ];
    let paths = ["spoke/host", "spoke/other", "hub/AzureFirewallSubnet"];
    let alone = adbflow_net::Network::new(e.clone(), ServiceTags::symbolic());
    let expected: Vec<_> =
        paths.iter().flat_map(|p| dests.iter().map(|d| alone.select_route(p, d))).collect::<Vec<_>>();
    let net = adbflow_net::Network::new(e, ServiceTags::symbolic());
    std::thread::scope(|s| {
        for core in 0..4 {
            let (net, expected, dests) = (&net, &expected, &dests);
            s.spawn(move || {
                for round in 0..200 {
                    let got: Vec<_> =
                        paths.iter().flat_map(|p| dests.iter().map(|d| net.select_route(p, d))).collect();
                    assert_eq!(&got, expected, "core {core}, round {round}");
                    if (round + core) % 3 == 0 {
                        drop(net.forget_routes(paths[round % 2]));
                    }
                }
            });
        }
    });
}

// `select_route_of` finds a subnet's cell by the subnet instead of by its path: it must answer
// what `select_route` answers for the subnet's path, namesakes included (the later one's routes
// answer for both, as the path finds the later), and for a subnet of another estate.
#[test]
fn a_route_selected_by_subnet_is_the_one_selected_by_its_path() {
    let mut e = hub_spoke(vec![default_to_fw()]);
    let mut namesake = subnet_mut(&mut e, "spoke/host").clone();
    namesake.route_table = None;
    e.vnets[0].subnets.push(namesake);
    let net = adbflow_net::Network::new(e.clone(), ServiceTags::symbolic());
    let dests =
        [DestAddr::ip(ip("8.8.8.8")), DestAddr::ip(ip("10.100.0.4")), sym("Storage.EastUS2", "eastus2")];
    let mut compared = 0;
    for estate in [net.estate(), &e] {
        for s in estate.subnets() {
            for d in &dests {
                assert_eq!(net.select_route_of(s, d), net.select_route(&s.path(), d), "{} {d:?}", s.path());
                compared += 1;
            }
        }
    }
    assert!(compared > 0);
    // The namesakes differ (one has the firewall's default route), so which one answers shows.
    let host: Vec<_> = net.estate().subnets().filter(|s| s.path() == "spoke/host").collect();
    assert_eq!(host.len(), 2);
    let first = net.select_route_of(host[0], &dests[0]).map(|r| r.name.to_string());
    assert_ne!(first.as_deref(), Some("to-firewall"), "the later namesake, without the UDR, answers");
}
