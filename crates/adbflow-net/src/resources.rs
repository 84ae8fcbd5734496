//! The public names the estate knows: storage account endpoints and `[[endpoints]]` entries. Each
//! says where its public addresses sit (region, service tags, optional IPs) and, for private-link
//! resources, which privatelink zone its name moves into once a private endpoint exists.

use crate::fast_map::{FastMap, FastSet};
use crate::kept::{self, known};
use crate::tags::regional_tag;
use adbflow_model::{ids, DnsRecord, ElementRef, Estate, StorageAccount};
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
    lookup_by(
        estate,
        fqdn,
        |f| {
            estate.endpoints.iter().find(|e| e.fqdn.eq_ignore_ascii_case(f)).map(|e| (e, endpoint_element(e)))
        },
        |a| {
            estate
                .storage_accounts
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(a))
                .map(|s| (s, account_element(s)))
        },
        |region| regional_tag("Storage", region),
    )
}

/// What a name from `[[endpoints]]` names as its element.
fn endpoint_element(e: &adbflow_model::Endpoint) -> ElementRef {
    ElementRef::new(ids::endpoint(&e.fqdn), e.fqdn.clone(), e.origin.clone())
}

/// What a storage account's name names as its element.
fn account_element(sa: &StorageAccount) -> ElementRef {
    ElementRef::new(ids::storage_account(&sa.name), sa.name.clone(), sa.origin.clone())
}

/// `lookup` with the finders given: by lower-cased FQDN among `[[endpoints]]`, by lower-cased
/// account name among storage accounts (each with its element), and the `Storage.<Region>` tag
/// of a region.
fn lookup_by<'a>(
    estate: &'a Estate,
    fqdn: &str,
    endpoint: impl Fn(&str) -> Option<(&'a adbflow_model::Endpoint, ElementRef)>,
    account: impl Fn(&str) -> Option<(&'a StorageAccount, ElementRef)>,
    storage_tag: impl Fn(&str) -> String,
) -> Option<NamedEndpoint<'a>> {
    let fqdn = fqdn.trim_end_matches('.').to_ascii_lowercase();
    // The lower-cased name is the answer's own: moved into it, not copied.
    if let Some((e, element)) = endpoint(&fqdn) {
        return Some(NamedEndpoint {
            fqdn,
            resource: e.resource.clone(),
            subresource: e.subresource.clone(),
            region: e.region.clone(),
            tags: e.service_tags.clone(),
            ips: e.ips.clone(),
            private_link_zone: e.private_link_zone.clone(),
            element,
            storage: None,
            endpoint: Some(e),
        });
    }
    let host = fqdn.strip_suffix(STORAGE_SUFFIX)?;
    let (account_name, sub) = host.split_once('.')?;
    let (sa, element) = account(account_name)?;
    if !sa.subresources().contains(&sub) {
        return None;
    }
    let region = sa.region.clone().unwrap_or_else(|| estate.region().to_string());
    let private_link_zone = crate::text!("privatelink.", sub, STORAGE_SUFFIX);
    let subresource = sub.to_string();
    Some(NamedEndpoint {
        fqdn,
        resource: Some(sa.name.clone()),
        subresource: Some(subresource),
        tags: vec![storage_tag(&region)],
        region: Some(region),
        ips: Vec::new(),
        private_link_zone: Some(private_link_zone),
        element,
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

/// The estate's public names, private endpoints and known addresses by key, built once per
/// `Network`: every `lookup` otherwise scans all endpoints and storage accounts, and an enterprise
/// estate has one workspace URL per workspace among them. Answers equal the scanning functions'.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Lower-cased FQDN → first endpoint with that name.
    endpoints: FastMap<String, usize>,
    /// Lower-cased account name → first storage account with that name.
    accounts: FastMap<String, usize>,
    /// Per endpoint and per storage account (by position), its element, made when first named:
    /// every DNS lookup of a check names one, and formatting its id each time was a third of a
    /// lookup.
    endpoint_elements: Vec<kept::Slot>,
    account_elements: Vec<kept::Slot>,
    /// Region → its `Storage.<Region>` tag, for the regions of the storage accounts: working the
    /// tag out (the region's display name, word by word) was most of a storage name's lookup.
    storage_tags: FastMap<String, String>,
    /// Address → first endpoint listing it.
    endpoint_by_ip: FastMap<Ipv4Addr, usize>,
    /// Address → first private endpoint with it.
    private_endpoint_by_ip: FastMap<Ipv4Addr, usize>,
    /// (lower-cased target, lower-cased sub-resource) of every private endpoint.
    private_link_targets: FastSet<(String, String)>,
    /// Per private DNS zone (by position), lower-cased record name → the zone's first record with
    /// that name. A central privatelink zone holds a record per private endpoint of the estate,
    /// and every private-link flow asks it.
    zone_records: Vec<FastMap<String, usize>>,
}

impl Names {
    pub fn new(estate: &Estate) -> Self {
        let mut n = Names {
            endpoint_elements: kept::slots(estate.endpoints.len()),
            account_elements: kept::slots(estate.storage_accounts.len()),
            ..Names::default()
        };
        for (i, e) in estate.endpoints.iter().enumerate() {
            n.endpoints.entry(e.fqdn.to_ascii_lowercase()).or_insert(i);
            for ip in &e.ips {
                n.endpoint_by_ip.entry(*ip).or_insert(i);
            }
        }
        for (i, a) in estate.storage_accounts.iter().enumerate() {
            n.accounts.entry(a.name.to_ascii_lowercase()).or_insert(i);
            let region = a.region.as_deref().unwrap_or_else(|| estate.region());
            if !n.storage_tags.contains_key(region) {
                n.storage_tags.insert(region.to_string(), regional_tag("Storage", region));
            }
        }
        for (i, p) in estate.private_endpoints.iter().enumerate() {
            if let Some(ip) = p.ip {
                n.private_endpoint_by_ip.entry(ip).or_insert(i);
            }
            n.private_link_targets
                .insert((p.target.to_ascii_lowercase(), p.subresource.to_ascii_lowercase()));
        }
        for z in &estate.private_dns_zones {
            let mut records = FastMap::default();
            for (ri, r) in z.records.iter().enumerate() {
                records.entry(r.name.to_ascii_lowercase()).or_insert(ri);
            }
            n.zone_records.push(records);
        }
        n
    }

    /// The first record of zone `zone` (a position in `estate.private_dns_zones`) named `name`
    /// (lower-cased, relative to the zone), as a case-insensitive scan of its records finds it.
    pub fn zone_record<'a>(&self, estate: &'a Estate, zone: usize, name: &str) -> Option<&'a DnsRecord> {
        let ri = *self.zone_records.get(zone)?.get(name)?;
        estate.private_dns_zones.get(zone)?.records.get(ri)
    }

    /// `lookup`, from the index.
    pub fn lookup<'a>(&self, estate: &'a Estate, fqdn: &str) -> Option<NamedEndpoint<'a>> {
        lookup_by(
            estate,
            fqdn,
            |f| {
                let &i = self.endpoints.get(f)?;
                let e = &estate.endpoints[i];
                Some((e, known(&self.endpoint_elements, i, || endpoint_element(e))))
            },
            |a| {
                let &i = self.accounts.get(a)?;
                let sa = &estate.storage_accounts[i];
                Some((sa, known(&self.account_elements, i, || account_element(sa))))
            },
            |region| {
                self.storage_tags.get(region).cloned().unwrap_or_else(|| regional_tag("Storage", region))
            },
        )
    }

    /// `lookup_ip`, from the index.
    pub fn lookup_ip<'a>(&self, estate: &'a Estate, ip: Ipv4Addr) -> Option<NamedEndpoint<'a>> {
        let e = &estate.endpoints[*self.endpoint_by_ip.get(&ip)?];
        self.lookup(estate, &e.fqdn)
    }

    /// The first private endpoint whose IP is `ip`.
    pub fn private_endpoint_at<'a>(
        &self,
        estate: &'a Estate,
        ip: Ipv4Addr,
    ) -> Option<&'a adbflow_model::PrivateEndpoint> {
        self.private_endpoint_by_ip.get(&ip).map(|&i| &estate.private_endpoints[i])
    }

    /// Whether `private_endpoints_for(resource, subresource)` has any member.
    pub fn has_private_endpoint(&self, resource: &str, subresource: &str) -> bool {
        self.private_link_targets.contains(&(resource.to_ascii_lowercase(), subresource.to_ascii_lowercase()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The index must answer what the scans answer: case-insensitive names, first of namesakes.
    #[test]
    fn names_agree_with_the_scanning_lookups() {
        let estate: Estate = serde_json::from_str(
            r#"{
              "endpoints": [
                {"fqdn": "Api.Example.com", "ips": ["20.1.1.1", "20.1.1.2"], "description": "first"},
                {"fqdn": "api.example.com", "ips": ["20.1.1.2"], "description": "second"},
                {"fqdn": "db.example.net", "ips": ["20.1.1.3"], "resource": "DB", "subresource": "sqlServer"}
              ],
              "storage_accounts": [{"name": "acct", "hns": true}],
              "private_endpoints": [
                {"name": "pe1", "subnet": "v/s", "ip": "10.0.0.5", "target": "db", "subresource": "SQLSERVER"},
                {"name": "pe2", "subnet": "v/s", "ip": "10.0.0.5", "target": "acct", "subresource": "dfs"}
              ]
            }"#,
        )
        .unwrap();
        let names = Names::new(&estate);
        let key = |e: Option<NamedEndpoint<'_>>| {
            e.map(|e| (e.fqdn, e.element, e.endpoint.and_then(|x| x.description.clone()), e.resource))
        };
        // Twice: the index keeps each element it has named, and must hand out the same again.
        for f in [[
            "api.example.com",
            "API.EXAMPLE.COM.",
            "db.example.net",
            "acct.dfs.core.windows.net",
            "ACCT.blob.core.windows.net",
            "acct.xyz.core.windows.net",
            "other.core.windows.net",
            "nothing",
        ]; 2]
            .concat()
        {
            assert_eq!(key(names.lookup(&estate, f)), key(lookup(&estate, f)), "{f}");
        }
        for ip in ["20.1.1.1", "20.1.1.2", "20.1.1.3", "20.1.1.4"] {
            let ip: Ipv4Addr = ip.parse().unwrap();
            assert_eq!(key(names.lookup_ip(&estate, ip)), key(lookup_ip(&estate, ip)), "{ip}");
        }
        for (r, s) in [("DB", "sqlserver"), ("db", "blob"), ("Acct", "DFS"), ("x", "dfs")] {
            assert_eq!(
                names.has_private_endpoint(r, s),
                private_endpoints_for(&estate, r, s).next().is_some()
            );
        }
        let at = names.private_endpoint_at(&estate, "10.0.0.5".parse().unwrap()).map(|p| &p.name);
        assert_eq!(at.map(String::as_str), Some("pe1"), "the first private endpoint with the address");
    }

    #[test]
    fn zone_records_agree_with_a_case_insensitive_scan() {
        let estate: Estate = serde_json::from_str(
            r#"{
              "private_dns_zones": [
                {"name": "privatelink.blob.core.windows.net",
                 "records": [{"name": "Lake", "ips": ["10.0.0.4"]}, {"name": "lake", "ips": ["10.0.0.5"]},
                             {"name": "@", "ips": ["10.0.0.6"]}]},
                {"name": "privatelink.dfs.core.windows.net", "records": [{"name": "lake", "ips": ["10.0.0.7"]}]}
              ]
            }"#,
        )
        .unwrap();
        let names = Names::new(&estate);
        for zone in 0..3 {
            for name in ["lake", "@", "other"] {
                let scanned = estate
                    .private_dns_zones
                    .get(zone)
                    .and_then(|z| z.records.iter().find(|r| r.name.eq_ignore_ascii_case(name)));
                assert_eq!(names.zone_record(&estate, zone, name), scanned, "zone {zone}, {name}");
            }
        }
        assert_eq!(
            names.zone_record(&estate, 0, "lake").map(|r| r.ips[0].to_string()),
            Some("10.0.0.4".into())
        );
    }
}
