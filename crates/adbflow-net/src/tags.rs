//! Azure service tags: symbolic containment by default, exact IP membership when the user gives
//! Microsoft's weekly `ServiceTags_Public_*.json` (`--service-tags FILE`).
//!
//! Symbolic rules (DESIGN.md invariant 6): `Storage.EastUS2` ⊂ `Storage` ⊂ `AzureCloud` ⊂ `Internet`,
//! and `AzureCloud.eastus2` holds every Azure tag's addresses in that region. Tag names compare
//! case-insensitively, as Azure compares them.

use crate::address::DestAddr;
use crate::fast_map::FastMap;
use ipnet::Ipv4Net;
use serde::Deserialize;
use std::sync::Arc;

/// Tags Azure computes per VNet rather than publishing; the NSG evaluator resolves them.
pub const VIRTUAL_TAGS: [&str; 3] = ["VirtualNetwork", "Internet", "AzureLoadBalancer"];

#[derive(Debug, Clone, Default)]
pub struct ServiceTags {
    /// Shared: every `Network` holds the service tags, and a copy of the weekly file's ~100,000
    /// prefixes for each cost more than the lookups it served.
    exact: Option<Arc<TagData>>,
}

#[derive(Debug)]
struct TagData {
    change_number: u64,
    /// Lower-cased tag name → the tag's published data.
    tags: FastMap<String, TagEntry>,
}

#[derive(Debug)]
struct TagEntry {
    /// IPv4 prefixes in file order.
    prefixes: Vec<Ipv4Net>,
    /// The same prefixes as (first, last) address, sorted: answers "is there a published prefix
    /// inside this range" with a binary search instead of a scan of every prefix.
    sorted: Vec<(u32, u32)>,
    /// Their union as disjoint sorted ranges: answers "is this address published".
    merged: Vec<(u32, u32)>,
}

impl TagEntry {
    fn new(prefixes: Vec<Ipv4Net>) -> Self {
        let mut sorted: Vec<(u32, u32)> =
            prefixes.iter().map(|p| (u32::from(p.network()), u32::from(p.broadcast()))).collect();
        sorted.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::new();
        for &(a, b) in &sorted {
            match merged.last_mut() {
                Some((_, end)) if u64::from(a) <= u64::from(*end) + 1 => *end = (*end).max(b),
                _ => merged.push((a, b)),
            }
        }
        TagEntry { prefixes, sorted, merged }
    }
}

/// One tag's published prefixes, resolved once for repeated questions.
#[derive(Debug, Clone, Copy)]
pub struct TagPrefixes<'t> {
    entry: &'t TagEntry,
}

impl<'t> TagPrefixes<'t> {
    pub fn prefixes(&self) -> &'t [Ipv4Net] {
        &self.entry.prefixes
    }

    /// Does some published prefix contain `ip`? (`prefixes().iter().any(|p| p.contains(&ip))`)
    pub fn covers(&self, ip: std::net::Ipv4Addr) -> bool {
        let ip = u32::from(ip);
        let m = &self.entry.merged;
        let i = m.partition_point(|&(a, _)| a <= ip);
        i > 0 && m[i - 1].1 >= ip
    }

    /// Does `net` contain some published prefix whole? (`prefixes().iter().any(|p| net.contains(p))`)
    pub fn any_within(&self, net: &Ipv4Net) -> bool {
        let (lo, hi) = (u32::from(net.network()), u32::from(net.broadcast()));
        let s = &self.entry.sorted;
        let start = s.partition_point(|&(a, _)| a < lo);
        s[start..].iter().take_while(|&&(a, _)| a <= hi).any(|&(_, b)| b <= hi)
    }
}

/// Run `f` on `tag` lower-cased, without allocating for names of ordinary length.
fn with_lowercase<R>(tag: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 96];
    if tag.len() <= buf.len() {
        let b = &mut buf[..tag.len()];
        b.copy_from_slice(tag.as_bytes());
        b.make_ascii_lowercase();
        if let Ok(lower) = std::str::from_utf8(b) {
            return f(lower);
        }
    }
    f(&tag.to_ascii_lowercase())
}

#[derive(Debug, thiserror::Error)]
pub enum TagFileError {
    #[error("{file}:{line}:{column}: not a service tags file: {message}")]
    Parse { file: String, line: usize, column: usize, message: String },
    #[error("{file}: tag '{tag}' has an invalid prefix '{prefix}'")]
    BadPrefix { file: String, tag: String, prefix: String },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileDoc {
    change_number: u64,
    values: Vec<FileValue>,
}

#[derive(Deserialize)]
struct FileValue {
    name: String,
    properties: FileProps,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileProps {
    #[serde(default)]
    address_prefixes: Vec<String>,
}

impl ServiceTags {
    /// No data file: symbolic containment only.
    pub fn symbolic() -> Self {
        ServiceTags { exact: None }
    }

    /// Read a `ServiceTags_Public_*.json` file's text. IPv6 prefixes are skipped (the twin is IPv4).
    pub fn from_json(file: &str, text: &str) -> Result<Self, TagFileError> {
        let doc: FileDoc = serde_json::from_str(text).map_err(|e| TagFileError::Parse {
            file: file.to_string(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let mut tags = FastMap::default();
        for v in doc.values {
            let mut prefixes = Vec::new();
            for p in &v.properties.address_prefixes {
                if p.contains(':') {
                    continue;
                }
                let net: Ipv4Net = p.parse().map_err(|_| TagFileError::BadPrefix {
                    file: file.to_string(),
                    tag: v.name.clone(),
                    prefix: p.clone(),
                })?;
                prefixes.push(net);
            }
            tags.insert(v.name.to_ascii_lowercase(), TagEntry::new(prefixes));
        }
        Ok(ServiceTags { exact: Some(Arc::new(TagData { change_number: doc.change_number, tags })) })
    }

    pub fn is_exact(&self) -> bool {
        self.exact.is_some()
    }

    /// The data file's `changeNumber`, when a file was given.
    pub fn change_number(&self) -> Option<u64> {
        self.exact.as_ref().map(|d| d.change_number)
    }

    /// The IPv4 prefixes of a tag, when a data file was given and names it.
    pub fn prefixes(&self, tag: &str) -> Option<&[Ipv4Net]> {
        self.resolve(tag).map(|t| t.prefixes())
    }

    /// A tag's published prefixes, for several questions about one tag.
    pub fn resolve(&self, tag: &str) -> Option<TagPrefixes<'_>> {
        let data = self.exact.as_ref()?;
        with_lowercase(tag, |t| data.tags.get(t)).map(|entry| TagPrefixes { entry })
    }

    /// Is `tag` a tag this engine can reason about (a virtual tag, a tag in the data file, or —
    /// without a data file — any well-formed name)?
    pub fn is_known(&self, tag: &str) -> bool {
        VIRTUAL_TAGS.iter().any(|v| v.eq_ignore_ascii_case(tag))
            || match &self.exact {
                Some(d) => with_lowercase(tag, |t| d.tags.contains_key(t)),
                None => true,
            }
    }

    /// Does the (non-virtual) service tag `tag` contain `dest`?
    ///
    /// With a data file and an exact IP, membership is decided by the published prefixes.
    /// Otherwise the destination's declared tags decide, with the symbolic containment rules.
    /// `Internet` contains every public address (it includes Azure's public space).
    pub fn contains(&self, tag: &str, dest: &DestAddr) -> bool {
        if tag.eq_ignore_ascii_case("Internet") {
            return !dest.is_private();
        }
        if let (Some(ip), Some(prefixes)) = (dest.ip, self.resolve(tag)) {
            if prefixes.covers(ip) {
                return true;
            }
            // A declared membership still counts: the data file may be older than the endpoint.
        }
        dest.tags.iter().any(|d| symbolic_contains(tag, d, dest.region.as_deref()))
    }
}

/// Does tag `outer` contain every address of tag `inner`, for an address in `region`?
/// Tags compare case-insensitively. (Compared in place: NSG evaluation asks this for every
/// tag-named rule it passes.)
pub fn symbolic_contains(outer: &str, inner: &str, region: Option<&str>) -> bool {
    if outer.eq_ignore_ascii_case(inner) {
        return true;
    }
    let inner_parts = inner.split_once('.');
    // Storage.EastUS2 ⊂ Storage
    if inner_parts.is_some_and(|(base, _)| base.eq_ignore_ascii_case(outer)) {
        return true;
    }
    let inner_is_azure = !starts_with_ignoring_case(inner, "internet");
    if outer.eq_ignore_ascii_case("azurecloud") {
        return inner_is_azure;
    }
    if starts_with_ignoring_case(outer, "azurecloud.") {
        // The prefix is ASCII, so it ends on a character boundary.
        let r = &outer["azurecloud.".len()..];
        let region = inner_parts.map(|(_, r)| r).or(region);
        return inner_is_azure && region.is_some_and(|x| x.eq_ignore_ascii_case(r));
    }
    false
}

fn starts_with_ignoring_case(s: &str, prefix: &str) -> bool {
    s.as_bytes().get(..prefix.len()).is_some_and(|b| b.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// The regional tag of a service, as Azure spells it: `Storage` + `eastus2` → `Storage.EastUS2`.
/// Azure compares tags case-insensitively, so the capitalisation only matters for display.
pub fn regional_tag(service: &str, region: &str) -> String {
    let mut tag = String::with_capacity(service.len() + 1 + region.len());
    tag.push_str(service);
    tag.push('.');
    tag.push_str(&region_display(region));
    tag
}

/// `eastus2` → `EastUS2`, `westeurope` → `WestEurope`, as regional tag names are written.
pub fn region_display(region: &str) -> String {
    const WORDS: [&str; 24] = [
        "australia",
        "brazil",
        "canada",
        "central",
        "east",
        "europe",
        "france",
        "germany",
        "india",
        "japan",
        "korea",
        "north",
        "norway",
        "qatar",
        "south",
        "sweden",
        "switzerland",
        "uae",
        "uk",
        "us",
        "west",
        "africa",
        "asia",
        "italy",
    ];
    let lower = region.to_ascii_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut rest = lower.as_str();
    while let Some(first) = rest.chars().next() {
        // Only words starting with this letter can match: a byte compare before each
        // `starts_with`, since every Databricks endpoint's tag is spelled through here.
        let word = WORDS
            .iter()
            .filter(|w| w.as_bytes().first() == rest.as_bytes().first() && rest.starts_with(**w))
            .max_by_key(|w| w.len());
        match word {
            Some(w) if *w == "us" || *w == "uk" || *w == "uae" => {
                out.extend(w.chars().map(|c| c.to_ascii_uppercase()));
                rest = &rest[w.len()..];
            }
            Some(w) => {
                let mut c = w.chars();
                if let Some(f) = c.next() {
                    out.push(f.to_ascii_uppercase());
                    out.push_str(c.as_str());
                }
                rest = &rest[w.len()..];
            }
            None => {
                out.push(if out.is_empty() { first.to_ascii_uppercase() } else { first });
                rest = &rest[first.len_utf8()..];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    fn storage_eastus2() -> DestAddr {
        DestAddr::symbolic(vec!["Storage.EastUS2".into()], Some("eastus2".into()))
    }

    // DESIGN.md invariant 6: Storage.EastUS2 ⊂ Storage ⊂ AzureCloud ⊂ Internet.
    #[test]
    fn symbolic_containment_chain() {
        let t = ServiceTags::symbolic();
        let d = storage_eastus2();
        for tag in
            ["Storage.EastUS2", "storage.eastus2", "Storage", "AzureCloud", "AzureCloud.eastus2", "Internet"]
        {
            assert!(t.contains(tag, &d), "{tag} should contain a Storage.EastUS2 address");
        }
        for tag in ["Storage.WestEurope", "Sql", "AzureCloud.westeurope", "AzureDatabricks"] {
            assert!(!t.contains(tag, &d), "{tag} must not contain a Storage.EastUS2 address");
        }
    }

    #[test]
    fn private_addresses_are_not_internet() {
        let t = ServiceTags::symbolic();
        assert!(!t.contains("Internet", &DestAddr::ip(Ipv4Addr::new(10, 1, 2, 3))));
        assert!(t.contains("Internet", &DestAddr::ip(Ipv4Addr::new(151, 101, 0, 223))));
    }

    #[test]
    fn exact_file_decides_by_prefix() {
        let json = r#"{"changeNumber": 7, "cloud": "Public", "values": [
            {"name": "Storage.EastUS2", "id": "Storage.EastUS2", "properties": {"changeNumber": 1, "region": "eastus2",
             "regionId": 1, "platform": "Azure", "systemService": "AzureStorage",
             "addressPrefixes": ["20.38.0.0/16", "2603:1030::/48"], "networkFeatures": null}}]}"#;
        let t = ServiceTags::from_json("tags.json", json).unwrap();
        assert_eq!(t.change_number(), Some(7));
        assert!(t.contains("Storage.EastUS2", &DestAddr::ip(Ipv4Addr::new(20, 38, 1, 1))));
        assert!(!t.contains("Storage.EastUS2", &DestAddr::ip(Ipv4Addr::new(20, 39, 1, 1))));
        assert_eq!(t.prefixes("storage.eastus2").unwrap().len(), 1, "IPv6 prefixes are skipped");
    }

    #[test]
    fn bad_tag_file_names_line_and_column() {
        let err = ServiceTags::from_json("t.json", "{\n \"changeNumber\": \"x\" }").unwrap_err().to_string();
        assert!(err.starts_with("t.json:2:"), "{err}");
    }

    /// What `symbolic_contains` replaces: both tags lower-cased, then compared.
    fn symbolic_contains_lowered(outer: &str, inner: &str, region: Option<&str>) -> bool {
        let o = outer.to_ascii_lowercase();
        let i = inner.to_ascii_lowercase();
        if o == i {
            return true;
        }
        if let Some((base, _)) = i.split_once('.') {
            if base == o {
                return true;
            }
        }
        let inner_is_azure = !i.starts_with("internet");
        if o == "azurecloud" {
            return inner_is_azure;
        }
        if let Some(r) = o.strip_prefix("azurecloud.") {
            let inner_region = i.split_once('.').map(|(_, r)| r.to_string());
            let region = inner_region.or_else(|| region.map(|r| r.to_ascii_lowercase()));
            return inner_is_azure && region.as_deref() == Some(r);
        }
        false
    }

    proptest! {
        #[test]
        fn symbolic_containment_ignores_case(
            outer in "(AzureCloud|azurecloud|Storage|INTERNET|Sql|é)(\\.(EastUS2|eastus2|West))?",
            inner in "(AzureCloud|Storage|storage|Internet|internetX|SQL|é)(\\.(EastUS2|EASTUS2|west))?",
            region in proptest::option::of("(eastus2|EastUS2|westeurope)"),
        ) {
            prop_assert_eq!(
                symbolic_contains(&outer, &inner, region.as_deref()),
                symbolic_contains_lowered(&outer, &inner, region.as_deref())
            );
        }
    }

    // The range indexes must answer exactly what a scan of the prefixes answers.
    #[test]
    fn range_indexes_agree_with_a_scan() {
        let nets: Vec<Ipv4Net> = [
            "10.0.0.0/8",
            "10.1.0.0/16",
            "20.0.0.0/24",
            "20.0.1.0/24",
            "20.0.3.0/30",
            "1.2.3.4/24",
            "255.255.255.255/32",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let entry = TagEntry::new(nets.clone());
        let t = TagPrefixes { entry: &entry };
        for ip in [
            "10.200.0.1",
            "9.255.255.255",
            "11.0.0.0",
            "20.0.1.255",
            "20.0.2.0",
            "20.0.3.3",
            "20.0.3.4",
            "1.2.3.200",
            "255.255.255.255",
            "0.0.0.0",
        ] {
            let ip: Ipv4Addr = ip.parse().unwrap();
            assert_eq!(t.covers(ip), nets.iter().any(|p| p.contains(&ip)), "{ip}");
        }
        for net in [
            "0.0.0.0/0",
            "10.0.0.0/7",
            "10.1.0.0/17",
            "20.0.0.0/23",
            "20.0.2.0/23",
            "20.0.3.0/31",
            "1.2.3.0/24",
            "1.2.0.0/16",
            "255.255.255.254/31",
            "30.0.0.0/8",
        ] {
            let net: Ipv4Net = net.parse().unwrap();
            assert_eq!(t.any_within(&net), nets.iter().any(|p| net.contains(p)), "{net}");
        }
        assert_eq!(t.prefixes(), nets.as_slice(), "file order is kept");
    }

    #[test]
    fn region_display_names_match_azure_spelling() {
        assert_eq!(region_display("eastus2"), "EastUS2");
        assert_eq!(region_display("westeurope"), "WestEurope");
        assert_eq!(region_display("uksouth"), "UKSouth");
        assert_eq!(region_display("australiacentral2"), "AustraliaCentral2");
        assert_eq!(regional_tag("Storage", "northcentralus"), "Storage.NorthCentralUS");
        // Letters outside the known words pass through; only the first is capitalised.
        assert_eq!(region_display("xyzeast2é"), "XyzEast2é");
        assert_eq!(region_display("EASTUS"), "EastUS");
        assert_eq!(region_display(""), "");
    }
}
