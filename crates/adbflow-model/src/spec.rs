//! Small value types shared by NSG, route and firewall rules: port sets, protocols, address
//! specifications. Each parses from the strings Azure itself accepts and rejects what Azure rejects.

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// A value written either as one string or as a list of strings (`"443"` or `["443", "8443-8451"]`).
#[derive(Debug, Clone)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// By the value's own type, not as an untagged enum: serde tries an untagged enum's variants
/// on a buffered copy of the value, and every list then cost a formatted error for the string
/// variant first (174,000 of them reading a 1,000-workspace estate). The message for anything
/// else says what was found and what may be written.
impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Expected;
        impl<'de> serde::de::Visitor<'de> for Expected {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"a string or a list of strings (e.g. "443" or ["443", "8443-8451"])"#)
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(s.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, s: String) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(s))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<OneOrMany, A::Error> {
                // The hint is the input's claim, so it only sizes a small first allocation.
                let mut all = Vec::with_capacity(items.size_hint().unwrap_or(0).min(16));
                while let Some(item) = items.next_element::<String>()? {
                    all.push(item);
                }
                Ok(OneOrMany::Many(all))
            }
        }
        deserializer.deserialize_any(Expected)
    }
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// Parse an IPv4 prefix the way Azure accepts it: a CIDR (`10.0.0.0/16`) or a bare address (a /32).
/// Host bits set in a CIDR are rejected, as Azure does for address spaces and prefixes.
pub fn parse_prefix(s: &str) -> Result<Ipv4Net, String> {
    let s = s.trim();
    if let Ok(addr) = Ipv4Addr::from_str(s) {
        return Ok(Ipv4Net::from(addr));
    }
    let net =
        Ipv4Net::from_str(s).map_err(|_| format!("'{s}' is not a valid IPv4 address or CIDR prefix"))?;
    if net.network() != net.addr() {
        return Err(format!("'{s}' has host bits set; the prefix is {}/{}", net.network(), net.prefix_len()));
    }
    Ok(net)
}

/// An inclusive port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub const ALL: PortRange = PortRange { from: 0, to: 65535 };
    pub fn single(p: u16) -> Self {
        PortRange { from: p, to: p }
    }
    pub fn contains(&self, p: u16) -> bool {
        self.from <= p && p <= self.to
    }
    pub fn covers(&self, other: &PortRange) -> bool {
        self.from <= other.from && other.to <= self.to
    }
    /// Where membership changes: the range's first port and the port after its last (none after
    /// 65535).
    pub fn boundaries(&self) -> impl Iterator<Item = u16> {
        std::iter::once(self.from).chain(self.to.checked_add(1))
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

/// A set of ports: `*` or a list of single ports and ranges.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "OneOrMany", into = "Vec<String>")]
pub enum PortSet {
    #[default]
    Any,
    Ranges(Vec<PortRange>),
}

impl PortSet {
    /// [`PortRange::boundaries`] of every range; none for `*`.
    pub fn boundaries(&self) -> impl Iterator<Item = u16> + '_ {
        let ranges: &[PortRange] = match self {
            PortSet::Any => &[],
            PortSet::Ranges(r) => r,
        };
        ranges.iter().flat_map(PortRange::boundaries)
    }

    pub fn contains(&self, port: u16) -> bool {
        match self {
            PortSet::Any => true,
            PortSet::Ranges(r) => r.iter().any(|r| r.contains(port)),
        }
    }
    /// True when every port of `other` is in `self`.
    pub fn covers(&self, other: &PortSet) -> bool {
        match (self, other) {
            (PortSet::Any, _) => true,
            (PortSet::Ranges(_), PortSet::Any) => self.covers_range(&PortRange::ALL),
            (PortSet::Ranges(_), PortSet::Ranges(o)) => o.iter().all(|r| self.covers_range(r)),
        }
    }
    fn covers_range(&self, r: &PortRange) -> bool {
        match self {
            PortSet::Any => true,
            PortSet::Ranges(mine) => {
                // Walk the sorted ranges and check they leave no gap inside `r`.
                let mut sorted = mine.clone();
                sorted.sort();
                let mut next: u32 = r.from as u32;
                for m in sorted {
                    if (m.from as u32) > next {
                        break;
                    }
                    if (m.to as u32) >= next {
                        next = m.to as u32 + 1;
                    }
                    if next > r.to as u32 {
                        return true;
                    }
                }
                next > r.to as u32
            }
        }
    }
    pub fn parse_one(s: &str) -> Result<PortRange, String> {
        let s = s.trim();
        let port = |p: &str| -> Result<u16, String> {
            p.trim().parse::<u16>().map_err(|_| format!("'{p}' is not a port number (0-65535)"))
        };
        match s.split_once('-') {
            Some((a, b)) => {
                let (from, to) = (port(a)?, port(b)?);
                if from > to {
                    return Err(format!("port range '{s}' is reversed: {from} is greater than {to}"));
                }
                Ok(PortRange { from, to })
            }
            None => Ok(PortRange::single(port(s)?)),
        }
    }
}

impl TryFrom<OneOrMany> for PortSet {
    type Error = String;
    fn try_from(v: OneOrMany) -> Result<Self, String> {
        let items = v.into_vec();
        if items.is_empty() {
            return Err("an empty port list; write \"*\" for any port".into());
        }
        if items.iter().any(|s| s.trim() == "*") {
            if items.len() > 1 {
                return Err("'*' cannot be combined with other ports in one list".into());
            }
            return Ok(PortSet::Any);
        }
        let mut ranges = Vec::with_capacity(items.len());
        for s in &items {
            // Azure also accepts comma-separated ports inside one string.
            for part in s.split(',') {
                ranges.push(PortSet::parse_one(part)?);
            }
        }
        Ok(PortSet::Ranges(ranges))
    }
}

impl From<PortSet> for Vec<String> {
    fn from(p: PortSet) -> Self {
        match p {
            PortSet::Any => vec!["*".into()],
            PortSet::Ranges(r) => r.iter().map(|r| r.to_string()).collect(),
        }
    }
}

impl fmt::Display for PortSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortSet::Any => write!(f, "*"),
            PortSet::Ranges(r) => {
                let parts: Vec<String> = r.iter().map(|r| r.to_string()).collect();
                write!(f, "{}", parts.join(","))
            }
        }
    }
}

/// IP protocols an NSG rule or flow can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Protocol {
    #[serde(alias = "tcp", alias = "TCP")]
    Tcp,
    #[serde(alias = "udp", alias = "UDP")]
    Udp,
    #[serde(alias = "icmp", alias = "ICMP")]
    Icmp,
    #[serde(alias = "esp", alias = "ESP")]
    Esp,
    #[serde(alias = "ah", alias = "AH")]
    Ah,
    #[serde(rename = "*", alias = "Any", alias = "any")]
    Any,
}

impl Protocol {
    /// Does a rule written with `self` match a packet of protocol `packet`?
    pub fn matches(self, packet: Protocol) -> bool {
        self == Protocol::Any || self == packet
    }
    pub fn has_ports(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Udp)
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "Tcp",
            Protocol::Udp => "Udp",
            Protocol::Icmp => "Icmp",
            Protocol::Esp => "Esp",
            Protocol::Ah => "Ah",
            Protocol::Any => "*",
        })
    }
}

/// The source or destination of an NSG rule: `*`, a list of prefixes, or one service tag
/// (Azure allows several prefixes but never several tags, nor a tag mixed with prefixes).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "OneOrMany", into = "Vec<String>")]
pub enum AddressSpec {
    Any,
    Prefixes(Vec<Ipv4Net>),
    Tag(String),
}

impl AddressSpec {
    pub fn parse_items(items: Vec<String>) -> Result<Self, String> {
        if items.is_empty() {
            return Err("an empty address list; write \"*\" for any address".into());
        }
        if items.iter().any(|s| s.trim() == "*") {
            if items.len() > 1 {
                return Err("'*' cannot be combined with other addresses in one rule".into());
            }
            return Ok(AddressSpec::Any);
        }
        let mut prefixes = Vec::new();
        let mut tags = Vec::new();
        for s in &items {
            let s = s.trim();
            if s.starts_with(|c: char| c.is_ascii_digit()) {
                prefixes.push(parse_prefix(s)?);
            } else if is_tag_name(s) {
                tags.push(s.to_string());
            } else {
                return Err(format!("'{s}' is neither an IPv4 prefix nor a service tag name"));
            }
        }
        match (prefixes.is_empty(), tags.len()) {
            (true, 1) => Ok(AddressSpec::Tag(tags.remove(0))),
            (false, 0) => Ok(AddressSpec::Prefixes(prefixes)),
            (_, n) if n > 1 => {
                Err(format!("a rule can name only one service tag, found {n}: {}", tags.join(", ")))
            }
            _ => Err("a rule cannot mix a service tag with IP prefixes".into()),
        }
    }
}

fn is_tag_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
}

impl TryFrom<OneOrMany> for AddressSpec {
    type Error = String;
    fn try_from(v: OneOrMany) -> Result<Self, String> {
        AddressSpec::parse_items(v.into_vec())
    }
}

impl From<AddressSpec> for Vec<String> {
    fn from(a: AddressSpec) -> Self {
        match a {
            AddressSpec::Any => vec!["*".into()],
            AddressSpec::Prefixes(p) => p.iter().map(|p| p.to_string()).collect(),
            AddressSpec::Tag(t) => vec![t],
        }
    }
}

impl fmt::Display for AddressSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressSpec::Any => write!(f, "*"),
            AddressSpec::Tag(t) => write!(f, "{t}"),
            AddressSpec::Prefixes(p) => {
                let parts: Vec<String> = p.iter().map(|p| p.to_string()).collect();
                write!(f, "{}", parts.join(","))
            }
        }
    }
}

/// An IPv4 prefix that deserialises from a CIDR or a bare address, rejecting host bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Prefix(pub Ipv4Net);

impl TryFrom<String> for Prefix {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        parse_prefix(&s).map(Prefix)
    }
}

impl From<Prefix> for String {
    fn from(p: Prefix) -> Self {
        p.0.to_string()
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_parse_ranges_lists_and_reject_reversed() {
        let p = PortSet::try_from(OneOrMany::Many(vec!["443".into(), "8443-8451".into()])).unwrap();
        assert!(p.contains(443) && p.contains(8447) && !p.contains(80));
        assert!(PortSet::try_from(OneOrMany::One("90-80".into())).unwrap_err().contains("reversed"));
        assert!(PortSet::try_from(OneOrMany::One("70000".into())).is_err());
        assert!(PortSet::try_from(OneOrMany::Many(vec!["*".into(), "80".into()])).is_err());
        let comma = PortSet::try_from(OneOrMany::One("80,443".into())).unwrap();
        assert!(comma.contains(80) && comma.contains(443));
    }

    #[test]
    fn one_or_many_reads_by_the_value_type() {
        let read = |json: &str| serde_json::from_str::<OneOrMany>(json);
        assert!(matches!(read(r#""443""#).unwrap(), OneOrMany::One(s) if s == "443"));
        assert!(matches!(read(r#"["443", "80"]"#).unwrap(), OneOrMany::Many(v) if v == ["443", "80"]));
        assert!(matches!(read("[]").unwrap(), OneOrMany::Many(v) if v.is_empty()));
        let number = read("443").unwrap_err().to_string();
        assert!(
            number.contains(
                r#"invalid type: integer `443`, expected a string or a list of strings (e.g. "443""#
            ),
            "{number}"
        );
        let inner = read(r#"["443", 80]"#).unwrap_err().to_string();
        assert!(inner.contains("invalid type: integer `80`, expected a string"), "{inner}");
        let nested = read("[[[\"443\"]]]").unwrap_err().to_string();
        assert!(nested.contains("invalid type: sequence, expected a string"), "{nested}");
    }

    #[test]
    fn port_cover_detects_gaps() {
        let a = PortSet::Ranges(vec![PortRange { from: 0, to: 100 }, PortRange { from: 101, to: 65535 }]);
        assert!(a.covers(&PortSet::Any));
        let b = PortSet::Ranges(vec![PortRange { from: 0, to: 100 }, PortRange { from: 102, to: 65535 }]);
        assert!(!b.covers(&PortSet::Any));
        assert!(b.covers(&PortSet::Ranges(vec![PortRange::single(443)])));
    }

    #[test]
    fn address_spec_follows_azure_rules() {
        assert_eq!(AddressSpec::parse_items(vec!["*".into()]).unwrap(), AddressSpec::Any);
        assert!(matches!(
            AddressSpec::parse_items(vec!["Storage.EastUS2".into()]).unwrap(),
            AddressSpec::Tag(_)
        ));
        assert!(AddressSpec::parse_items(vec!["Storage".into(), "Sql".into()]).is_err());
        assert!(AddressSpec::parse_items(vec!["Storage".into(), "10.0.0.0/8".into()]).is_err());
        assert!(AddressSpec::parse_items(vec!["10.0.0.0/33".into()]).is_err());
        assert!(AddressSpec::parse_items(vec!["10.0.0.1/8".into()]).unwrap_err().contains("host bits"));
    }
}
