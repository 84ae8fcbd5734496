//! Azure value types read from attributes: prefixes and addresses. adbflow models IPv4; IPv6
//! values (dual-stack VNets, IPv6 NSG rules) are reported and left out rather than misread.

use super::attrs::{Node, Val};
use super::context::Ctx;
use super::error::TerraformError;
use adbflow_model::spec::parse_prefix;
use adbflow_model::Prefix;
use std::net::Ipv4Addr;

pub(crate) fn is_ipv6(s: &str) -> bool {
    s.contains(':')
}

/// IPv4 prefixes of a list attribute. `None` (with a warning) when the list is known only after
/// apply; IPv6 entries are warned about and skipped; a malformed IPv4 prefix is an error.
pub(crate) fn prefixes(
    ctx: &mut Ctx,
    node: &Node,
    consequence: &str,
) -> Result<Option<Vec<Prefix>>, TerraformError> {
    let items = match ctx.strings(node) {
        Val::Known(v) => v,
        Val::Absent => Vec::new(),
        Val::Unknown => {
            ctx.warn_attr(
                "terraform-required-value-unknown",
                node,
                format!("known only after apply, and adbflow needs it; {consequence}"),
            );
            return Ok(None);
        }
    };
    let mut out = Vec::new();
    for s in items {
        if is_ipv6(&s) {
            ctx.uninterpreted(node, format!("'{s}' is IPv6; adbflow models IPv4 only, so it is left out"));
            continue;
        }
        let p = parse_prefix(&s).map_err(|e| ctx.error(node, e))?;
        out.push(Prefix(p));
    }
    Ok(Some(out))
}

/// One IPv4 address. Unknown stays unknown (never guessed); IPv6 is warned about and absent.
pub(crate) fn ipv4(ctx: &mut Ctx, node: &Node) -> Result<Val<Ipv4Addr>, TerraformError> {
    match ctx.string(node) {
        Val::Known(s) if is_ipv6(&s) => {
            ctx.uninterpreted(node, format!("'{s}' is IPv6; adbflow models IPv4 only, so it is left out"));
            Ok(Val::Absent)
        }
        Val::Known(s) => s
            .trim()
            .parse::<Ipv4Addr>()
            .map(Val::Known)
            .map_err(|_| ctx.error(node, format!("'{s}' is not an IPv4 address"))),
        Val::Unknown => Ok(Val::Unknown),
        Val::Absent => Ok(Val::Absent),
    }
}

/// A list of IPv4 addresses (DNS servers, A record values).
pub(crate) fn ipv4_list(ctx: &mut Ctx, node: &Node) -> Result<Val<Vec<Ipv4Addr>>, TerraformError> {
    let items = match ctx.strings(node) {
        Val::Known(v) => v,
        Val::Unknown => return Ok(Val::Unknown),
        Val::Absent => return Ok(Val::Absent),
    };
    let mut out = Vec::new();
    for s in items {
        if is_ipv6(&s) {
            ctx.uninterpreted(node, format!("'{s}' is IPv6; adbflow models IPv4 only, so it is left out"));
            continue;
        }
        out.push(
            s.trim()
                .parse::<Ipv4Addr>()
                .map_err(|_| ctx.error(node, format!("'{s}' is not an IPv4 address")))?,
        );
    }
    Ok(Val::Known(out))
}

/// A boolean with the provider's default when unset.
pub(crate) fn flag(ctx: &mut Ctx, node: &Node, default: bool) -> bool {
    match ctx.boolean(node) {
        Val::Known(b) => b,
        Val::Unknown => {
            ctx.uninterpreted(node, format!("known only after apply; adbflow assumes {default}"));
            default
        }
        Val::Absent => default,
    }
}
