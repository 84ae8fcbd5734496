//! Private endpoints and private DNS zones: where they sit, what they target, which VNets they link.

use super::dangling;
use crate::diagnostic::Diagnostic;
use crate::lookup::Lookup;
use crate::origin::ids;
use crate::privatelink::PrivateEndpoint;
use std::net::Ipv4Addr;

/// Group IDs a storage account's private endpoint may name.
const STORAGE_SUBRESOURCES: &[&str] = &[
    "blob",
    "blob_secondary",
    "dfs",
    "dfs_secondary",
    "file",
    "queue",
    "queue_secondary",
    "table",
    "table_secondary",
    "web",
    "web_secondary",
];

pub(super) fn check(lx: &Lookup<'_>, out: &mut Vec<Diagnostic>) {
    let e = lx.estate();
    for pe in &e.private_endpoints {
        placement(lx, pe, out);
        target(lx, pe, out);
    }
    for z in &e.private_dns_zones {
        for l in &z.links {
            if lx.vnet(&l.vnet).is_none() {
                dangling(
                    out,
                    ids::dns_link(&z.name, &l.vnet),
                    l.origin.as_ref(),
                    "vnet",
                    "virtual network",
                    &l.vnet,
                );
            }
        }
    }
}

fn placement(lx: &Lookup<'_>, pe: &PrivateEndpoint, out: &mut Vec<Diagnostic>) {
    let id = || ids::private_endpoint(&pe.name);
    let origin = pe.origin.as_ref();
    let Some(s) = lx.subnet(&pe.subnet) else {
        let kind = if pe.subnet.contains('/') { "subnet" } else { "subnet (written VNET/SUBNET)" };
        dangling(out, id(), origin, "subnet", kind, &pe.subnet);
        return;
    };
    let Some(ip) = pe.ip else { return };
    let net = s.subnet.prefix.0;
    if !net.contains(&ip) {
        out.push(Diagnostic::error(
            "private-endpoint-ip",
            id(),
            format!(
                "private endpoint '{}' has IP address {ip}, which is not in subnet '{}' ({net})",
                pe.name,
                s.path()
            ),
            origin,
        ));
        return;
    }
    let offset = u32::from(ip) - u32::from(net.network());
    if offset < 4 || ip == net.broadcast() {
        let first = net.network();
        let reserved_last = Ipv4Addr::from(u32::from(first) + 3);
        out.push(Diagnostic::error(
            "private-endpoint-ip",
            id(),
            format!(
                "private endpoint '{}' has IP address {ip}, which Azure reserves in subnet '{}' (the first \
                 four addresses {first}-{reserved_last} and the last address {} are not assignable)",
                pe.name,
                s.path(),
                net.broadcast()
            ),
            origin,
        ));
    }
}

fn target(lx: &Lookup<'_>, pe: &PrivateEndpoint, out: &mut Vec<Diagnostic>) {
    let e = lx.estate();
    let id = || ids::private_endpoint(&pe.name);
    let origin = pe.origin.as_ref();
    if let Some(sa) = lx.storage_account(&pe.target) {
        if !STORAGE_SUBRESOURCES.contains(&pe.subresource.as_str()) {
            out.push(Diagnostic::error(
                "private-endpoint-subresource",
                id(),
                format!(
                    "'{}' is not a valid group ID for a private endpoint to storage account '{}'; valid group \
                     IDs are {}",
                    pe.subresource,
                    sa.name,
                    STORAGE_SUBRESOURCES.join(", ")
                ),
                origin,
            ));
        }
        return;
    }
    if e.endpoints.iter().any(|x| x.resource.as_deref() == Some(pe.target.as_str())) {
        return;
    }
    if lx.workspace(&pe.target).is_some() {
        // Workspace sub-resources (databricks_ui_api, browser_authentication) are checked with the
        // workspace, where the Databricks rules live.
        return;
    }
    // Other resources may be modelled later, so an unknown target is reported but not fatal.
    out.push(Diagnostic::warning(
        "private-endpoint-target-not-modelled",
        id(),
        format!(
            "target '{}' is neither a storage account, a workspace, nor the `resource` of an endpoint in this estate; the \
             private endpoint is kept, but nothing can resolve to it until the target is modelled",
            pe.target
        ),
        origin,
    ));
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::diagnostic::Severity;
    use serde_json::{json, Value};

    fn with_pe(pe: Value) -> crate::estate::Estate {
        let mut v = one_vnet();
        v["storage_accounts"] = json!([{"name": "acct"}]);
        v["endpoints"] =
            json!([{"fqdn": "db.database.windows.net", "resource": "sqlsrv", "subresource": "sqlServer"}]);
        v["private_endpoints"] = json!([pe]);
        estate(v)
    }

    #[test]
    fn pe_subnet_must_exist() {
        let e =
            with_pe(json!({"name": "pe", "subnet": "spoke/nope", "target": "acct", "subresource": "blob"}));
        expect_one(&e, "dangling-reference", Severity::Error, "private-endpoint:pe", &["'spoke/nope'"]);
        let e = with_pe(json!({"name": "pe", "subnet": "host", "target": "acct", "subresource": "blob"}));
        expect_one(&e, "dangling-reference", Severity::Error, "private-endpoint:pe", &["VNET/SUBNET"]);
        let e =
            with_pe(json!({"name": "pe", "subnet": "spoke/host", "target": "acct", "subresource": "blob"}));
        expect_none(&e, "dangling-reference");
    }

    #[test]
    fn pe_ip_inside_subnet_and_not_reserved() {
        let outside = with_pe(
            json!({"name": "pe", "subnet": "spoke/host", "ip": "10.0.9.5", "target": "acct", "subresource": "blob"}),
        );
        expect_one(
            &outside,
            "private-endpoint-ip",
            Severity::Error,
            "private-endpoint:pe",
            &["not in subnet"],
        );
        let reserved = with_pe(
            json!({"name": "pe", "subnet": "spoke/host", "ip": "10.0.1.3", "target": "acct", "subresource": "blob"}),
        );
        expect_one(&reserved, "private-endpoint-ip", Severity::Error, "private-endpoint:pe", &["reserves"]);
        let ok = with_pe(
            json!({"name": "pe", "subnet": "spoke/host", "ip": "10.0.1.4", "target": "acct", "subresource": "blob"}),
        );
        expect_none(&ok, "private-endpoint-ip");
    }

    #[test]
    fn pe_target_storage_subresource_is_checked() {
        let e =
            with_pe(json!({"name": "pe", "subnet": "spoke/host", "target": "acct", "subresource": "blobs"}));
        expect_one(
            &e,
            "private-endpoint-subresource",
            Severity::Error,
            "private-endpoint:pe",
            &["'blobs'", "dfs"],
        );
    }

    #[test]
    fn unknown_pe_target_is_only_a_warning() {
        let e = with_pe(
            json!({"name": "pe", "subnet": "spoke/host", "target": "my-workspace", "subresource": "databricks_ui_api"}),
        );
        expect_one(
            &e,
            "private-endpoint-target-not-modelled",
            Severity::Warning,
            "private-endpoint:pe",
            &["'my-workspace'"],
        );
        let known = with_pe(
            json!({"name": "pe", "subnet": "spoke/host", "target": "sqlsrv", "subresource": "sqlServer"}),
        );
        expect_none(&known, "private-endpoint-target-not-modelled");
    }

    #[test]
    fn dns_zone_links_must_name_a_vnet() {
        let mut v = one_vnet();
        v["private_dns_zones"] = json!([{"name": "privatelink.blob.core.windows.net",
            "links": [{"vnet": "spoke"}, {"vnet": "hub"}]}]);
        expect_one(
            &estate(v),
            "dangling-reference",
            Severity::Error,
            "dns-link:privatelink.blob.core.windows.net/hub",
            &["'hub'"],
        );
    }
}
