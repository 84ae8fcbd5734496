//! `adbflow routes`: effective routes as a table, or as JSON in the shape of Azure CLI's
//! `az network nic show-effective-route-table` so the twin can be diffed against the cloud.

use crate::table::{new_table, render};
use adbflow_model::{ElementRef, NextHopType};
use adbflow_net::routes::{EffectiveRoute, RoutePrefix, RouteSource, RouteState};
use serde::Serialize;

#[derive(Serialize)]
struct AzRouteTable<'a> {
    value: Vec<AzRoute<'a>>,
}

/// Field names and value spellings as Azure returns them; `x-adbflow` carries the twin's
/// explanation and can be dropped before diffing (`jq 'del(.value[]."x-adbflow")'`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AzRoute<'a> {
    address_prefix: Vec<String>,
    /// Tag-prefixed routes without tag data list their tag here and no address prefix.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    destination_service_tags: Vec<String>,
    disable_bgp_route_propagation: bool,
    has_bgp_override: bool,
    name: Option<&'a str>,
    next_hop_ip_address: Vec<String>,
    next_hop_type: &'static str,
    source: &'static str,
    state: &'static str,
    #[serde(rename = "x-adbflow")]
    explanation: Explanation<'a>,
}

#[derive(Serialize)]
struct Explanation<'a> {
    element: &'a ElementRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    invalid_reason: Option<&'a str>,
}

/// Like Azure, one service endpoint (or one tag-prefixed UDR) is one row listing all its
/// prefixes; every other route is its own row.
pub fn json(routes: &[EffectiveRoute], disable_bgp_route_propagation: bool) -> String {
    // Rows that may absorb further prefixes carry the identity of the element that added them.
    type GroupKey<'a> = Option<(RouteSource, RouteState, &'a str)>;
    let mut rows: Vec<(GroupKey<'_>, AzRoute<'_>)> = Vec::new();
    for r in routes {
        let groupable =
            r.source == RouteSource::User || r.next_hop_type == NextHopType::VirtualNetworkServiceEndpoint;
        let group = groupable.then_some((r.source, r.state, r.element.id.as_str()));
        let idx = match rows.iter().position(|(g, _)| group.is_some() && *g == group) {
            Some(i) => i,
            None => {
                rows.push((
                    group,
                    AzRoute {
                        address_prefix: Vec::new(),
                        destination_service_tags: Vec::new(),
                        disable_bgp_route_propagation,
                        has_bgp_override: false,
                        name: (!r.name.is_empty()).then_some(r.name.as_str()),
                        next_hop_ip_address: r.next_hop_ip.iter().map(|i| i.to_string()).collect(),
                        next_hop_type: r.next_hop_type.as_str(),
                        source: r.source.as_str(),
                        state: r.state.as_str(),
                        explanation: Explanation {
                            element: &r.element,
                            invalid_reason: r.invalid_reason.as_deref(),
                        },
                    },
                ));
                rows.len() - 1
            }
        };
        let row = &mut rows[idx].1;
        match &r.prefix {
            RoutePrefix::Cidr(n) => row.address_prefix.push(n.to_string()),
            RoutePrefix::Tag(t) => row.destination_service_tags.push(t.clone()),
        }
    }
    crate::to_json(&AzRouteTable { value: rows.into_iter().map(|(_, r)| r).collect() })
}

pub fn table(subnet: &str, routes: &[EffectiveRoute]) -> String {
    let mut t = new_table(&[
        "Source",
        "State",
        "Address prefix",
        "Next hop type",
        "Next hop IP",
        "Name",
        "Defined by",
    ]);
    for r in routes {
        let mut by = r.element.to_string();
        if let Some(why) = &r.invalid_reason {
            by.push_str(&format!("\n{why}"));
        }
        t.add_row(vec![
            r.source.as_str().to_string(),
            r.state.as_str().to_string(),
            r.prefix.to_string(),
            r.next_hop_type.to_string(),
            r.next_hop_ip.map(|i| i.to_string()).unwrap_or_default(),
            r.name.to_string(),
            by,
        ]);
    }
    format!("Effective routes of {subnet}\n{}", render(&t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(source: RouteSource, prefix: RoutePrefix, hop: NextHopType, element: &str) -> EffectiveRoute {
        EffectiveRoute {
            source,
            state: RouteState::Active,
            prefix,
            next_hop_type: hop,
            next_hop_ip: None,
            name: Default::default(),
            element: ElementRef::new(element, element, None),
            invalid_reason: None,
        }
    }

    // Azure lists one service endpoint as one row with all its prefixes; a tag route without tag
    // data carries the tag in destinationServiceTags.
    #[test]
    fn service_endpoint_prefixes_group_into_one_row() {
        let se = |p: &str| {
            route(
                RouteSource::Default,
                RoutePrefix::Cidr(p.parse().unwrap()),
                NextHopType::VirtualNetworkServiceEndpoint,
                "subnet:v/s",
            )
        };
        let mut udr = route(
            RouteSource::User,
            RoutePrefix::Cidr("0.0.0.0/0".parse().unwrap()),
            NextHopType::VirtualAppliance,
            "route:rt/fw",
        );
        udr.name = "fw".into();
        udr.next_hop_ip = Some("10.0.1.4".parse().unwrap());
        let tag = route(
            RouteSource::Default,
            RoutePrefix::Tag("Sql.EastUS2".into()),
            NextHopType::VirtualNetworkServiceEndpoint,
            "subnet:v/s2",
        );
        let v: serde_json::Value =
            serde_json::from_str(&json(&[se("20.38.0.0/16"), se("20.60.0.0/16"), udr, tag], false)).unwrap();
        let rows = v["value"].as_array().unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["addressPrefix"], serde_json::json!(["20.38.0.0/16", "20.60.0.0/16"]));
        assert_eq!(rows[1]["name"], "fw");
        assert_eq!(rows[1]["nextHopIpAddress"], serde_json::json!(["10.0.1.4"]));
        assert_eq!(rows[2]["addressPrefix"], serde_json::json!([]));
        assert_eq!(rows[2]["destinationServiceTags"], serde_json::json!(["Sql.EastUS2"]));
        assert_eq!(rows[2]["x-adbflow"]["element"]["id"], "subnet:v/s2");
    }
}
