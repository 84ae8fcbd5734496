//! A walk selects each subnet's route from its compact route list (`routes::subnet_routes`,
//! through the network's route index); `adbflow routes` shows the full list. On a generated
//! enterprise estate — a hub whose firewall subnet sees every spoke and private endpoint, spokes
//! with a storage service endpoint and tag-written UDRs — both must pick the same route, element
//! and all, for every destination, with and without tag data.

use adbflow_gen::{generate, service_tags_json, to_native_json, GenOptions};
use adbflow_import::{load_str, Format};
use adbflow_net::index::EstateIndex;
use adbflow_net::routes::{self, RouteList, RouteOptions, RoutePrefix};
use adbflow_net::{DestAddr, Network, ServiceTags};
use std::net::Ipv4Addr;

/// Addresses at the edges of each CIDR route (first, last, one past the last), so that every
/// route is asked about where it starts to matter and where it stops. Long lists are sampled.
fn edges(routes: &[routes::EffectiveRoute]) -> Vec<DestAddr> {
    let step = (routes.len() / 60).max(1);
    let mut out = Vec::new();
    for r in routes.iter().step_by(step) {
        let RoutePrefix::Cidr(net) = r.prefix else { continue };
        let first = u32::from(net.network());
        let last = u32::from(net.broadcast());
        for a in [first, last, last.wrapping_add(1)] {
            out.push(DestAddr::ip(Ipv4Addr::from(a)));
        }
    }
    out
}

/// Destinations known only by their service tags, as a check asks about Azure services.
fn symbolic() -> Vec<DestAddr> {
    let region = Some("eastus2".to_string());
    let mut out: Vec<DestAddr> =
        ["Storage.EastUS2", "Storage", "AzureActiveDirectory", "EventHub", "Sql.EastUS2"]
            .iter()
            .map(|t| DestAddr::symbolic(vec![t.to_string()], region.clone()))
            .collect();
    out.push(DestAddr::symbolic(Vec::new(), None));
    let mut tagged = DestAddr::ip(Ipv4Addr::new(20, 38, 1, 1));
    tagged.tags = vec!["Storage.EastUS2".into()];
    out.push(tagged);
    out
}

#[test]
fn the_walks_route_is_the_one_the_shown_routes_select() {
    let generated = generate(&GenOptions::new(12, 4)).expect("generates");
    let text = to_native_json(&generated.estate);
    let loaded = load_str(&text, "gen.json", Format::NativeJson).unwrap_or_else(|e| panic!("{e}"));
    let stand_in = service_tags_json(1);
    let exact = ServiceTags::from_json("tags.json", &stand_in).unwrap_or_else(|e| panic!("{e}"));
    let mut compared = 0usize;
    let mut longest = 0usize;
    for tags in [ServiceTags::symbolic(), exact] {
        let net = Network::new(loaded.estate.clone(), tags.clone());
        let ix = EstateIndex::new(&loaded.estate);
        // One set of sections for every subnet, as a network shares them.
        let sections = routes::TagSections::default();
        for subnet in loaded.estate.subnets() {
            let path = &subnet.path();
            let shown = net.routes(path).expect("every subnet has routes").to_vec();
            longest = longest.max(shown.len());
            // What selection reads, position by position: the compact list and the shown one.
            let compact =
                routes::subnet_routes(&loaded.estate, &ix, &tags, subnet, RouteOptions::default(), &sections);
            assert_eq!(compact.route_count(), shown.len(), "{path}");
            for (i, r) in shown.iter().enumerate() {
                assert_eq!(compact.prefix(i), &r.prefix, "{path} #{i}");
                assert_eq!(compact.is_active(i), r.is_active(), "{path} #{i}");
                assert_eq!(compact.precedence(i), shown.as_slice().precedence(i), "{path} #{i}");
                assert_eq!(&compact.route(i), r, "{path} #{i}");
            }
            let mut dests = edges(&shown);
            dests.extend(symbolic());
            for dest in dests {
                let want = routes::select(&shown, &dest, &tags).cloned();
                assert_eq!(net.select_route(path, &dest), want, "{path}: {dest}");
                compared += 1;
            }
        }
    }
    // The estate must exercise what the compact list exists for: hundreds of tag-expanded
    // routes on one subnet, and many questions.
    assert!(longest > 200, "a subnet with tag data has hundreds of routes, got {longest}");
    assert!(compared > 5_000, "{compared} comparisons");
}
