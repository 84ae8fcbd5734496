//! Property: `select` agrees with a brute-force longest-prefix oracle (domain notes §1.6: longest
//! prefix over Active routes; equal prefix User > gateway > system; Invalid routes never carry).

use adbflow_model::{ElementRef, NextHopType};
use adbflow_net::routes::{select, EffectiveRoute, RoutePrefix, RouteSource, RouteState};
use adbflow_net::{DestAddr, ServiceTags};
use ipnet::Ipv4Net;
use proptest::prelude::*;
use proptest::sample::Index;
use std::net::Ipv4Addr;

const SOURCES: [RouteSource; 3] =
    [RouteSource::Default, RouteSource::User, RouteSource::VirtualNetworkGateway];
// Service-endpoint next hops are left out: their precedence is a separate rule, tested elsewhere.
const HOPS: [NextHopType; 5] = [
    NextHopType::VnetLocal,
    NextHopType::Internet,
    NextHopType::None,
    NextHopType::VirtualAppliance,
    NextHopType::VirtualNetworkGateway,
];

fn route(base: u32, len: u8, source: usize, hop: usize, active: bool, n: usize) -> EffectiveRoute {
    EffectiveRoute {
        source: SOURCES[source],
        state: if active { RouteState::Active } else { RouteState::Invalid },
        prefix: RoutePrefix::Cidr(Ipv4Net::new(Ipv4Addr::from(base), len).unwrap().trunc()),
        next_hop_type: HOPS[hop],
        next_hop_ip: None,
        name: format!("r{n}").into(),
        element: ElementRef::new(format!("route:t/r{n}"), format!("r{n}"), None),
        invalid_reason: None,
    }
}

/// Scan everything: keep Active routes holding the IP, take the longest prefix, then the strongest
/// source, then the first such route.
fn oracle(routes: &[EffectiveRoute], ip: Ipv4Addr) -> Option<usize> {
    let mut best: Option<((u8, u8), usize)> = None;
    for (i, r) in routes.iter().enumerate() {
        let RoutePrefix::Cidr(net) = r.prefix else { continue };
        if r.state != RouteState::Active || !net.contains(&ip) {
            continue;
        }
        let strength = match r.source {
            RouteSource::User => 3,
            RouteSource::VirtualNetworkGateway => 2,
            RouteSource::Default => 1,
        };
        let key = (net.prefix_len(), strength);
        if best.is_none() || best.is_some_and(|(b, _)| key > b) {
            best = Some((key, i));
        }
    }
    best.map(|(_, i)| i)
}

fn routes_strategy() -> impl Strategy<Value = Vec<EffectiveRoute>> {
    // Few distinct base addresses, so prefixes nest and collide often.
    let base = prop_oneof![
        Just(0x0A00_0000u32),
        Just(0x0A00_0100),
        Just(0x0A01_0000),
        Just(0xC0A8_0000),
        any::<u32>()
    ];
    prop::collection::vec((base, 0u8..=32, 0usize..3, 0usize..5, prop::bool::weighted(0.8)), 0..24).prop_map(
        |v| {
            v.into_iter()
                .enumerate()
                .map(|(n, (base, len, source, hop, active))| route(base, len, source, hop, active, n))
                .collect()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn select_agrees_with_brute_force(
        routes in routes_strategy(),
        random_ip in any::<u32>(),
        pick in any::<Index>(),
        low_bits in any::<u32>(),
        near_a_route in any::<bool>(),
    ) {
        // Half the destinations sit inside one of the routes, so matches are not rare.
        let ip = match (near_a_route, routes.is_empty()) {
            (true, false) => {
                let RoutePrefix::Cidr(net) = routes[pick.index(routes.len())].prefix else { unreachable!() };
                let host_mask = u32::MAX.checked_shr(u32::from(net.prefix_len())).unwrap_or(0);
                Ipv4Addr::from(u32::from(net.network()) | (low_bits & host_mask))
            }
            _ => Ipv4Addr::from(random_ip),
        };
        let got = select(&routes, &DestAddr::ip(ip), &ServiceTags::symbolic())
            .map(|r| routes.iter().position(|x| std::ptr::eq(x, r)).unwrap());
        prop_assert_eq!(got, oracle(&routes, ip), "destination {}", ip);
    }
}
