//! The public names the estate knows: storage account endpoints and `[[endpoints]]` entries. Each
//! says where its public addresses sit (region, service tags, optional IPs) and, for private-link
//! resources, which privatelink zone its name moves into once a private endpoint exists.

use crate::tags::regional_tag;
use adbflow_model::{ids, ElementRef, Estate, StorageAccount};
use std::net::Ipv4Addr;

#[derive(Debug, Clone)]
pub struct NamedEndpoint<'a> {
    pub fqdn: String,
    /// The private-link resource the name belongs to (a storage account, a workspace, …).
    pub resource: Option<String>,
    pub subresource: Option<String>,
    pub region: Option<String>,
    pub tags: Vec<String>,
    pub ips: Vec<Ipv4Addr>,
    pub private_link_zone: Option<String>,
    /// The element that defines the name.
    pub element: ElementRef,
    /// Set when the name is a storage account endpoint: its firewall decides acceptance.
    pub storage: Option<&'a StorageAccount>,
    pub endpoint: Option<&'a adbflow_model::Endpoint>,
}

impl NamedEndpoint<'_> {
    /// The name inside the privatelink zone: `acct.blob.core.windows.net` with zone
    /// `privatelink.blob.core.windows.net` → `acct`.
    pub fn private_link_record(&self) -> Option<String> {
        let zone = self.private_link_zone.as_deref()?;
        let base = zone.strip_prefix("privatelink.").unwrap_or(zone);
        let rel = self.fqdn.strip_suffix(base)?.strip_suffix('.')?;
        Some(rel.to_string())
    }

    pub fn private_link_fqdn(&self) -> Option<String> {
        Some(format!("{}.{}", self.private_link_record()?, self.private_link_zone.as_deref()?))
    }
}

const STORAGE_SUFFIX: &str = ".core.windows.net";

/// Find what the estate knows about `fqdn` (case-insensitive).
pub fn lookup<'a>(estate: &'a Estate, fqdn: &str) -> Option<NamedEndpoint<'a>> {
    let fqdn = fqdn.trim_end_matches('.').to_ascii_lowercase();
    if let Some(e) = estate.endpoints.iter().find(|e| e.fqdn.eq_ignore_ascii_case(&fqdn)) {
        return Some(NamedEndpoint {
            fqdn: fqdn.clone(),
            resource: e.resource.clone(),
            subresource: e.subresource.clone(),
            region: e.region.clone(),
            tags: e.service_tags.clone(),
            ips: e.ips.clone(),
            private_link_zone: e.private_link_zone.clone(),
            element: ElementRef::new(ids::endpoint(&e.fqdn), e.fqdn.clone(), e.origin.clone()),
            storage: None,
            endpoint: Some(e),
        });
    }
    let host = fqdn.strip_suffix(STORAGE_SUFFIX)?;
    let (account, sub) = host.split_once('.')?;
    let sa = estate.storage_accounts.iter().find(|s| s.name.eq_ignore_ascii_case(account))?;
    if !sa.subresources().contains(&sub) {
        return None;
    }
    let region = sa.region.clone().unwrap_or_else(|| estate.region().to_string());
    Some(NamedEndpoint {
        fqdn: fqdn.clone(),
        resource: Some(sa.name.clone()),
        subresource: Some(sub.to_string()),
        tags: vec![regional_tag("Storage", &region)],
        region: Some(region),
        ips: Vec::new(),
        private_link_zone: Some(format!("privatelink.{sub}{STORAGE_SUFFIX}")),
        element: ElementRef::new(ids::storage_account(&sa.name), sa.name.clone(), sa.origin.clone()),
        storage: Some(sa),
        endpoint: None,
    })
}

/// The endpoint whose known public addresses include `ip`.
pub fn lookup_ip(estate: &Estate, ip: Ipv4Addr) -> Option<NamedEndpoint<'_>> {
    let e = estate.endpoints.iter().find(|e| e.ips.contains(&ip))?;
    lookup(estate, &e.fqdn)
}

/// Private endpoints that serve `resource`/`subresource`.
pub fn private_endpoints_for<'a>(
    estate: &'a Estate,
    resource: &str,
    subresource: &str,
) -> impl Iterator<Item = &'a adbflow_model::PrivateEndpoint> + 'a {
    let resource = resource.to_string();
    let subresource = subresource.to_string();
    estate.private_endpoints.iter().filter(move |p| {
        p.target.eq_ignore_ascii_case(&resource) && p.subresource.eq_ignore_ascii_case(&subresource)
    })
}
