//! Terraform's IP network functions for IPv4: `cidrsubnet`, `cidrsubnets`, `cidrhost`,
//! `cidrnetmask`. adbflow models IPv4 only; IPv6 prefixes are refused with a message.

use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

fn parse(prefix: &str) -> Result<Ipv4Net, String> {
    if prefix.contains(':') {
        return Err(format!("'{prefix}' is IPv6; adbflow models IPv4 only"));
    }
    prefix
        .trim()
        .parse::<Ipv4Net>()
        .map_err(|_| format!("'{prefix}' is not an IPv4 CIDR prefix such as 10.0.0.0/16"))
}

pub(crate) fn subnet(prefix: &str, newbits: i64, netnum: i64) -> Result<String, String> {
    let net = parse(prefix)?;
    if newbits < 0 || netnum < 0 {
        return Err("newbits and netnum must not be negative".into());
    }
    if newbits > 32 {
        return Err(format!("{newbits} more bits is longer than an IPv4 prefix can be"));
    }
    let len = u32::from(net.prefix_len()) + newbits as u32;
    if len > 32 {
        return Err(format!("{newbits} more bits would make /{len}, longer than an IPv4 prefix can be"));
    }
    if newbits < 63 && netnum >= (1i64 << newbits) {
        return Err(format!("netnum {netnum} does not fit in {newbits} bits"));
    }
    let base = u32::from(net.network()) as u64;
    let addr = base + ((netnum as u64) << (32 - len));
    let out = Ipv4Net::new(Ipv4Addr::from(addr as u32), len as u8).map_err(|e| e.to_string())?;
    Ok(out.to_string())
}

pub(crate) fn subnets(prefix: &str, newbits: &[i64]) -> Result<Vec<String>, String> {
    let net = parse(prefix)?;
    let base_len = u32::from(net.prefix_len());
    let end = u32::from(net.network()) as u64 + (1u64 << (32 - base_len));
    let mut next = u32::from(net.network()) as u64;
    let mut out = Vec::new();
    for &bits in newbits {
        if !(1..=32).contains(&bits) {
            return Err(format!("newbits {bits} must be between 1 and 32"));
        }
        let len = base_len + bits as u32;
        if len > 32 {
            return Err(format!("{bits} more bits would make /{len}, longer than an IPv4 prefix can be"));
        }
        let size = 1u64 << (32 - len);
        // Each prefix starts at the next address aligned to its own size, as Terraform allocates.
        let start = next.div_ceil(size) * size;
        if start + size > end {
            return Err(format!("not enough space in {net} for a /{len} after {}", out.join(", ")));
        }
        out.push(
            Ipv4Net::new(Ipv4Addr::from(start as u32), len as u8).map_err(|e| e.to_string())?.to_string(),
        );
        next = start + size;
    }
    Ok(out)
}

pub(crate) fn host(prefix: &str, hostnum: i64) -> Result<String, String> {
    let net = parse(prefix)?;
    let size = 1i64 << (32 - u32::from(net.prefix_len()));
    let offset = if hostnum < 0 { size + hostnum } else { hostnum };
    if offset < 0 || offset >= size {
        return Err(format!("host number {hostnum} is outside {net}"));
    }
    Ok(Ipv4Addr::from(u32::from(net.network()) + offset as u32).to_string())
}

pub(crate) fn netmask(prefix: &str) -> Result<String, String> {
    Ok(parse(prefix)?.netmask().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Values from Terraform's documentation examples for each function.
    #[test]
    fn subnets_hosts_and_masks_match_terraform() {
        assert_eq!(subnet("172.16.0.0/12", 4, 2).unwrap(), "172.18.0.0/16");
        assert_eq!(subnet("10.1.2.0/24", 4, 15).unwrap(), "10.1.2.240/28");
        assert_eq!(host("10.12.112.0/20", 16).unwrap(), "10.12.112.16");
        assert_eq!(host("10.12.112.0/20", 268).unwrap(), "10.12.113.12");
        assert_eq!(host("10.0.0.0/24", -2).unwrap(), "10.0.0.254");
        assert_eq!(netmask("172.16.0.0/12").unwrap(), "255.240.0.0");
        assert_eq!(
            subnets("10.1.0.0/16", &[4, 4, 8, 4]).unwrap(),
            vec!["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]
        );
    }

    #[test]
    fn out_of_range_requests_are_refused() {
        assert!(subnet("10.0.0.0/24", 4, 16).is_err());
        assert!(subnet("10.0.0.0/30", 4, 0).is_err());
        assert!(host("10.0.0.0/30", 4).is_err());
        assert!(subnet("fd00::/8", 8, 1).unwrap_err().contains("IPv6"));
        assert!(subnet("10.0.0.0/8", 4_294_967_297, 0).is_err(), "bits are not truncated");
        assert!(subnets("10.0.0.0/8", &[1 << 40]).is_err());
    }
}
