//! Public DNS names of everything a workspace's flows reach, as estate `endpoints`: the FQDN, the
//! region and service tags its addresses belong to (so NSG tag rules, service endpoints and firewall
//! rules can match), known addresses, and — for the control plane — the workspace resource and
//! `privatelink.azuredatabricks.net` zone that private endpoints and private DNS attach to.

use crate::regions::{Cloud, DataEndpoint, Region};
use crate::validate::{BROWSER_AUTH, UI_API};
use adbflow_model::{Endpoint, Origin, Workspace};
use adbflow_net::tags::regional_tag;

/// Who added the endpoints built from the region data.
pub const DATA_ORIGIN: &str = "adbflow region data";
/// Who added the public library repositories.
pub const CATALOG_ORIGIN: &str = "adbflow flow catalog";

pub const PYPI: &str = "pypi.org";
pub const PYPI_FILES: &str = "files.pythonhosted.org";
pub const MAVEN: &str = "repo1.maven.org";
pub const MAVEN_ALT: &str = "repo.maven.apache.org";
pub const CRAN: &str = "cran.r-project.org";

pub fn private_link_zone(cloud: &Cloud) -> String {
    format!("privatelink.{}", cloud.databricks_suffix)
}

/// The workspace URL, and whether it was made up because the input does not give it.
pub fn workspace_url(ws: &Workspace, cloud: &Cloud) -> (String, bool) {
    match &ws.workspace_url {
        Some(u) => (u.trim_end_matches('/').trim_start_matches("https://").to_ascii_lowercase(), false),
        None => (
            format!("{}.{}", adbflow_model::workspace::stand_in_url_label(&ws.name), cloud.databricks_suffix),
            true,
        ),
    }
}

fn endpoint(fqdn: &str, region: Option<&str>, tags: Vec<String>, description: String, by: &str) -> Endpoint {
    Endpoint {
        fqdn: fqdn.to_ascii_lowercase(),
        region: region.map(str::to_string),
        service_tags: tags,
        ips: Vec::new(),
        resource: None,
        subresource: None,
        private_link_zone: None,
        description: Some(description),
        public_network_access: Default::default(),
        allowed_source_ips: Vec::new(),
        origin: Some(Origin::platform(by)),
    }
}

fn control_plane(
    fqdn: &str,
    region: &Region,
    description: String,
    private_link: Option<(&str, &str, String)>,
) -> Endpoint {
    let mut e = endpoint(fqdn, Some(&region.name), vec!["AzureDatabricks".into()], description, DATA_ORIGIN);
    if let Some((resource, sub, zone)) = private_link {
        e.resource = Some(resource.to_string());
        e.subresource = Some(sub.to_string());
        e.private_link_zone = Some(zone);
    }
    e
}

fn tagged(e: &DataEndpoint, service: &str, what: &str) -> Endpoint {
    let tags = e.region.as_deref().map(|r| vec![regional_tag(service, r)]).unwrap_or_default();
    let mut d = format!("Databricks-managed {what}");
    if let Some(r) = &e.region {
        d.push_str(&format!(" in {r} (region read from the name: inferred)"));
    }
    let mut ep = endpoint(&e.fqdn, e.region.as_deref(), tags, d, DATA_ORIGIN);
    ep.ips = e.ip.into_iter().collect();
    ep
}

/// Which workspace the shared regional control-plane names belong to for Private Link: the first
/// workspace of the region with a back-end (`databricks_ui_api` in its own VNet) private endpoint.
pub struct ControlPlaneOwner<'a> {
    pub back_end: Option<&'a str>,
    pub browser_auth: Option<&'a str>,
}

/// Every Databricks name of `region` plus `ws`'s own URL, as endpoints.
pub fn databricks_endpoints(
    ws: &Workspace,
    region: &Region,
    cloud: &Cloud,
    owner: &ControlPlaneOwner<'_>,
) -> Vec<Endpoint> {
    let mut out = vec![workspace_endpoint(ws, region, cloud)];
    out.extend(region_endpoints(ws, region, cloud, owner));
    out
}

/// `ws`'s own URL (web UI and REST API), as an endpoint.
pub fn workspace_endpoint(ws: &Workspace, region: &Region, cloud: &Cloud) -> Endpoint {
    let (url, _) = workspace_url(ws, cloud);
    let mut e = control_plane(
        &url,
        region,
        format!("workspace {} (web UI and REST API)", ws.name),
        Some((&ws.name, UI_API, private_link_zone(cloud))),
    );
    e.ips = region.webapp_ip().into_iter().collect();
    e
}

/// Every Databricks name of `region` (web application, browser authentication, relays, managed
/// storage, metastores, Event Hubs), as endpoints. The same for every workspace of the region,
/// except that browser authentication belongs to `ws` when the region has no `owner` for it.
pub fn region_endpoints(
    ws: &Workspace,
    region: &Region,
    cloud: &Cloud,
    owner: &ControlPlaneOwner<'_>,
) -> Vec<Endpoint> {
    let zone = private_link_zone(cloud);
    let webapp_ip = region.webapp_ip();
    let mut out = Vec::new();
    if let Some(w) = &region.webapp {
        let pl = owner.back_end.map(|o| (o, UI_API, zone.clone()));
        let mut e = control_plane(&w.fqdn, region, format!("{} web application (regional)", region.name), pl);
        e.ips = webapp_ip.into_iter().collect();
        out.push(e);
    }
    if let Some(b) = &region.browser_auth {
        let o = owner.browser_auth.unwrap_or(&ws.name);
        out.push(control_plane(
            &b.fqdn,
            region,
            format!("{} browser authentication (Private Link web auth)", region.name),
            Some((o, BROWSER_AUTH, zone.clone())),
        ));
    }
    for r in &region.scc_relays {
        let pl = owner.back_end.map(|o| (o, UI_API, zone.clone()));
        let mut e = control_plane(&r.fqdn, region, "secure cluster connectivity relay".into(), pl);
        e.ips = r.ip.into_iter().collect();
        out.push(e);
    }
    for m in &region.metastores {
        out.push(tagged(m, "Sql", "Hive metastore (Azure Database for MySQL)"));
    }
    for a in &region.artifact_primary {
        out.push(tagged(a, "Storage", "artifact storage (primary)"));
    }
    for a in &region.artifact_secondary {
        out.push(tagged(a, "Storage", "artifact storage (secondary)"));
    }
    for a in &region.log_blob {
        out.push(tagged(a, "Storage", "log storage"));
    }
    for a in &region.system_tables {
        out.push(tagged(a, "Storage", "system tables storage"));
    }
    for h in &region.event_hubs {
        out.push(tagged(h, "EventHub", "Event Hub (observability)"));
    }
    out
}

/// The public library repositories: internet names outside Azure.
pub fn library_endpoints() -> Vec<Endpoint> {
    [
        (PYPI, "PyPI package index"),
        (PYPI_FILES, "PyPI package files"),
        (MAVEN, "Maven Central"),
        (MAVEN_ALT, "Maven Central (alternate name)"),
        (CRAN, "CRAN"),
    ]
    .into_iter()
    .map(|(f, d)| endpoint(f, None, Vec::new(), format!("{d} (public internet)"), CATALOG_ORIGIN))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regions::builtin;

    fn ws() -> Workspace {
        serde_json::from_str(r#"{"name": "My_WS", "vnet": "v", "host_subnet": "h", "container_subnet": "c"}"#)
            .unwrap()
    }

    #[test]
    fn control_plane_names_carry_tag_ips_and_private_link_target() {
        let d = builtin();
        let r = d.region("eastus2").unwrap();
        let owner = ControlPlaneOwner { back_end: Some("My_WS"), browser_auth: None };
        let eps = databricks_endpoints(&ws(), r, d.cloud(r), &owner);
        let find = |f: &str| eps.iter().find(|e| e.fqdn == f).unwrap_or_else(|| panic!("{f}"));
        let url = find("adb-my-ws.0.azuredatabricks.net");
        assert_eq!(url.resource.as_deref(), Some("My_WS"));
        assert_eq!(url.private_link_zone.as_deref(), Some("privatelink.azuredatabricks.net"));
        let relay = find("tunnel.eastus2.azuredatabricks.net");
        assert_eq!(relay.service_tags, vec!["AzureDatabricks".to_string()]);
        assert_eq!(relay.ips.len(), 1);
        assert_eq!(relay.subresource.as_deref(), Some(UI_API));
        assert_eq!(find("eastus2.pl-auth.azuredatabricks.net").subresource.as_deref(), Some(BROWSER_AUTH));
        assert_eq!(relay.origin, Some(Origin::platform(DATA_ORIGIN)));
    }

    // DESIGN.md seed error 4: the secondary artifact account may be in another region.
    #[test]
    fn storage_names_are_tagged_with_their_own_region() {
        let d = builtin();
        let r = d.region("eastus2").unwrap();
        let eps = databricks_endpoints(
            &ws(),
            r,
            d.cloud(r),
            &ControlPlaneOwner { back_end: None, browser_auth: None },
        );
        let find = |f: &str| eps.iter().find(|e| e.fqdn == f).unwrap();
        assert_eq!(find("dbartifactsprodeastus2.blob.core.windows.net").service_tags, ["Storage.EastUS2"]);
        let sec = find("dbartifactsprodeastus.blob.core.windows.net");
        assert_eq!(sec.service_tags, ["Storage.EastUS"]);
        assert_eq!(sec.region.as_deref(), Some("eastus"));
        let m = find("consolidated-eastus2-prod-metastore.mysql.database.azure.com");
        assert_eq!(m.service_tags, ["Sql.EastUS2"]);
        let eh = find("prod-eastus2c2-observabilityeventhubs.servicebus.windows.net");
        assert_eq!(eh.service_tags, ["EventHub.EastUS2"]);
        assert!(find("tunnel.eastus2.azuredatabricks.net").resource.is_none(), "no back-end private link");
    }

    #[test]
    fn library_repositories_are_internet_names() {
        let l = library_endpoints();
        assert!(l.iter().all(|e| e.region.is_none() && e.service_tags.is_empty()));
        assert!(l.iter().any(|e| e.fqdn == PYPI) && l.iter().any(|e| e.fqdn == PYPI_FILES));
    }

    #[test]
    fn given_workspace_url_is_normalised() {
        let mut w = ws();
        w.workspace_url = Some("https://ADB-123.4.azuredatabricks.net/".into());
        let c = builtin().clouds["AzureCloud"].clone();
        assert_eq!(workspace_url(&w, &c), ("adb-123.4.azuredatabricks.net".into(), false));
    }
}
