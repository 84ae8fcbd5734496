//! A subnet's service-endpoint routes from the tag data file are kept in a section shared by the
//! subnets with the same endpoints (`routes::TagSections`). The routes a subnet shows and
//! the route a packet takes must be exactly those of the same routes expanded into the subnet's
//! own list, whatever else has their prefixes: endpoints whose tags share prefixes, a tag that
//! lists one twice, UDRs (written or tag-expanded) and system, peering, gateway and
//! private-endpoint routes of equal or narrower prefixes.

#[path = "routes_support.rs"]
mod support;

use adbflow_model::{Estate, NextHopType, PrivateEndpointNetworkPolicies};
use adbflow_net::index::EstateIndex;
use adbflow_net::routes::{self, RouteOptions, RoutePrefix, RouteState, TagSections};
use adbflow_net::{DestAddr, Network, ServiceTags};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use std::net::Ipv4Addr;
use support::*;

/// Prefixes the tags, UDRs and gateways draw from: nested, equal to the VNet's, the hub's and a
/// reserved range, a /32 equal to a private endpoint's address, and unrelated ones.
const POOL: [&str; 14] = [
    "20.38.0.0/16",
    "20.38.1.0/24",
    "20.38.1.128/25",
    "20.38.0.0/15",
    "20.40.0.0/16",
    "52.0.0.0/8",
    "10.0.0.0/16",
    "10.0.5.0/24",
    "10.0.5.7/32",
    "10.100.0.0/16",
    "192.168.0.0/16",
    "172.16.0.0/12",
    "40.64.0.0/10",
    "20.38.1.7/32",
];

const TAGS: [&str; 4] = ["Storage.EastUS2", "Storage", "Sql.EastUS2", "AzureKeyVault"];

/// Endpoint types: four whose tags the data file lists, one it does not (a tag route).
const ENDPOINTS: [&str; 5] = [
    "Microsoft.Storage",
    "Microsoft.Storage.Global",
    "Microsoft.Sql",
    "Microsoft.KeyVault",
    "Microsoft.Shiny",
];

const HOPS: [NextHopType; 4] =
    [NextHopType::VirtualAppliance, NextHopType::Internet, NextHopType::None, NextHopType::VnetLocal];

#[derive(Debug, Clone)]
struct Case {
    /// Each tag's prefixes, repeats allowed.
    tags: Vec<Vec<&'static str>>,
    endpoints: Vec<&'static str>,
    /// (prefix or tag, next hop)
    udrs: Vec<(&'static str, NextHopType)>,
    gateway: Vec<&'static str>,
    pe_policy: bool,
    /// A second subnet with the same endpoints, to share the section.
    twin: bool,
}

fn case() -> impl Strategy<Value = Case> {
    let tag_prefixes = prop::collection::vec(select(&POOL[..]), 0..6);
    let udr_prefix = prop_oneof![select(&POOL[..]), select(&TAGS[..])];
    (
        prop::collection::vec(tag_prefixes, TAGS.len()),
        subsequence(&ENDPOINTS[..], 0..=ENDPOINTS.len()).prop_shuffle(),
        prop::collection::vec((udr_prefix, select(&HOPS[..])), 0..5),
        subsequence(&POOL[..], 0..4),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(tags, endpoints, udrs, gateway, pe_policy, twin)| Case {
            tags,
            endpoints,
            udrs,
            gateway,
            pe_policy,
            twin,
        })
}

fn tag_data(case: &Case) -> ServiceTags {
    let listed: Vec<(&str, &str, &[&str])> =
        TAGS.iter().zip(&case.tags).map(|(name, ps)| (*name, "eastus2", ps.as_slice())).collect();
    tag_file(&listed)
}

/// A spoke (10.0.0.0/16) in eastus2 with subnets `a` (and `b`, its twin) on one route table,
/// with a gateway and a private endpoint at 10.0.5.7, peered with a hub (10.100.0.0/16).
fn estate(case: &Case) -> Estate {
    let mut subnets = vec![subnet("a", "10.0.1.0/24")];
    if case.twin {
        subnets.push(subnet("b", "10.0.2.0/24"));
    }
    let mut pe = subnet("pe", "10.0.5.0/24");
    if case.pe_policy {
        pe.private_endpoint_network_policies = PrivateEndpointNetworkPolicies::Enabled;
    }
    for s in &mut subnets {
        s.route_table = Some("rt".into());
        s.service_endpoints = case.endpoints.iter().map(|e| e.to_string()).collect();
    }
    subnets.push(pe);
    let mut spoke = vnet("spoke", &["10.0.0.0/16"], subnets);
    spoke.region = Some("eastus2".into());
    let udrs = (0..)
        .zip(&case.udrs)
        .map(|(i, (prefix, hop))| {
            let next = (*hop == NextHopType::VirtualAppliance).then_some("10.100.0.4");
            udr(&format!("udr{i}"), prefix, *hop, next)
        })
        .collect();
    let mut e = Estate {
        region: Some("eastus2".into()),
        vnets: vec![
            spoke,
            vnet("hub", &["10.100.0.0/16"], vec![subnet("AzureFirewallSubnet", "10.100.0.0/26")]),
        ],
        route_tables: vec![route_table("rt", udrs)],
        private_endpoints: vec![private_endpoint("pe1", "spoke/pe", "10.0.5.7")],
        ..Estate::default()
    };
    if !case.gateway.is_empty() {
        e.gateways.push(gateway("gw", "spoke", "51.1.1.1", &case.gateway));
    }
    peer(&mut e, "spoke", "hub");
    e
}

/// Addresses at the edges of every CIDR route, and a symbolic destination per tag.
fn destinations(routes: &[routes::EffectiveRoute]) -> Vec<DestAddr> {
    let mut out = Vec::new();
    for r in routes {
        let RoutePrefix::Cidr(net) = r.prefix else { continue };
        let (first, last) = (u32::from(net.network()), u32::from(net.broadcast()));
        for a in [first, last, last.wrapping_add(1)] {
            out.push(DestAddr::ip(Ipv4Addr::from(a)));
        }
    }
    for tag in TAGS.iter().chain(&["AzureCloud"]) {
        out.push(DestAddr::symbolic(vec![tag.to_string()], Some("eastus2".into())));
    }
    out.push(DestAddr::symbolic(
        vec!["Storage.EastUS2".into(), "Sql.EastUS2".into()],
        Some("eastus2".into()),
    ));
    out
}

fn check(case: &Case) -> Result<(), TestCaseError> {
    let tags = tag_data(case);
    let e = estate(case);
    let ix = EstateIndex::new(&e);
    let net = Network::new(e.clone(), tags.clone());
    let shared = TagSections::default();
    let paths: &[&str] = if case.twin { &["spoke/a", "spoke/b"] } else { &["spoke/a"] };
    for path in paths {
        let subnet = e.subnet(path).unwrap();
        let options = RouteOptions::default();
        let want =
            routes::subnet_routes(&e, &ix, &tags, subnet, options, &TagSections::expanded()).to_routes();
        let got = routes::subnet_routes(&e, &ix, &tags, subnet, options, &shared).to_routes();
        prop_assert_eq!(&got, &want, "{}", path);
        let shown = net.routes(path).unwrap().to_vec();
        prop_assert_eq!(&shown, &want, "{} through the network", path);
        for dest in destinations(&want) {
            let linear = routes::select(&want, &dest, &tags).cloned();
            // Twice: the second answer comes from what the first remembered.
            for _ in 0..2 {
                prop_assert_eq!(net.select_route(path, &dest), linear.clone(), "{}: {}", path, dest);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn shared_sections_show_and_select_as_expanded_routes(case in case()) {
        check(&case)?;
    }
}

/// The cases the property test must reach, written out: endpoints whose tags share a prefix (the
/// later one's route Invalid, overridden by the earlier's), a tag listing a prefix twice, a UDR
/// and a peering route equal to a service-endpoint prefix, and a gateway route inside one.
#[test]
fn overlapping_endpoints_udrs_and_gateways_agree() {
    let case = Case {
        tags: vec![
            vec!["20.38.1.0/24", "20.38.0.0/16", "20.38.1.0/24"],
            vec!["20.38.0.0/16", "52.0.0.0/8", "10.100.0.0/16"],
            vec!["20.40.0.0/16"],
            vec![],
        ],
        endpoints: vec!["Microsoft.Storage.Global", "Microsoft.Storage", "Microsoft.Shiny", "Microsoft.Sql"],
        udrs: vec![("20.38.0.0/16", NextHopType::VirtualAppliance), ("Storage", NextHopType::Internet)],
        gateway: vec!["20.38.1.128/25", "40.64.0.0/10"],
        pe_policy: false,
        twin: true,
    };
    check(&case).unwrap();
    let routes = routes_with(&estate(&case), &tag_data(&case), "spoke/a", RouteOptions::default());
    let se = |prefix: &str| -> Vec<RouteState> {
        routes
            .iter()
            .filter(|r| {
                r.prefix.to_string() == prefix
                    && r.next_hop_type == NextHopType::VirtualNetworkServiceEndpoint
            })
            .map(|r| r.state)
            .collect()
    };
    // `Storage` (the first endpoint's tag) adds 20.38.0.0/16 before `Storage.EastUS2` does, which
    // lists 20.38.1.0/24 twice. The gateway route is inside both, and said to lose to the earlier.
    assert_eq!(se("20.38.0.0/16"), vec![RouteState::Active, RouteState::Invalid]);
    assert_eq!(se("20.38.1.0/24"), vec![RouteState::Active, RouteState::Invalid]);
    let udr = routes.iter().find(|r| r.name.as_str() == "udr0").unwrap();
    assert_eq!(udr.state, RouteState::Invalid);
    assert!(udr.invalid_reason.as_deref().unwrap().contains("can't be overridden"), "{udr:?}");
    let gw = find(&routes, "20.38.1.128/25", NextHopType::VirtualNetworkGateway);
    assert_eq!(gw.state, RouteState::Invalid);
    assert!(gw.invalid_reason.as_deref().unwrap().contains("service endpoint route 20.38.0.0/16"), "{gw:?}");
    assert_eq!(find(&routes, "40.64.0.0/10", NextHopType::VirtualNetworkGateway).state, RouteState::Active);
    assert_eq!(find(&routes, "10.100.0.0/16", NextHopType::VNetPeering).state, RouteState::Invalid);
    assert!(has(&routes, "Shiny", NextHopType::VirtualNetworkServiceEndpoint));
}

/// Tag UDRs shared in a section: between two of equal prefix the regional tag wins whatever the
/// table order (§1.4), and a subnet whose own routes clash with them (an explicit UDR of equal
/// prefix) expands them and still agrees.
#[test]
fn tag_udrs_settle_by_class_in_a_section() {
    let mut case = Case {
        tags: vec![vec!["20.38.1.0/24", "20.40.0.0/16"], vec!["20.38.1.0/24", "52.0.0.0/8"], vec![], vec![]],
        endpoints: vec![],
        udrs: vec![("Storage", NextHopType::Internet), ("Storage.EastUS2", NextHopType::VirtualAppliance)],
        gateway: vec![],
        pe_policy: true,
        twin: true,
    };
    check(&case).unwrap();
    let routes = routes_with(&estate(&case), &tag_data(&case), "spoke/a", RouteOptions::default());
    let regional =
        routes.iter().find(|r| r.prefix.to_string() == "20.38.1.0/24" && r.name.as_str() == "udr1").unwrap();
    assert_eq!(regional.state, RouteState::Active);
    let top =
        routes.iter().find(|r| r.prefix.to_string() == "20.38.1.0/24" && r.name.as_str() == "udr0").unwrap();
    assert_eq!(top.state, RouteState::Invalid);
    assert!(top.invalid_reason.as_deref().unwrap().contains("user route udr1"), "{top:?}");
    case.udrs.push(("52.0.0.0/8", NextHopType::None));
    check(&case).unwrap();
}
