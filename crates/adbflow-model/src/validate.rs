//! Validation equal to Azure's own where Azure rejects a configuration.
//!
//! Errors are configurations Azure Resource Manager would refuse to deploy; their messages say what
//! Azure would say. Warnings are configurations Azure accepts but that cannot do what they appear to
//! (a storage rule for a subnet without the service endpoint, a peering nobody peered back).
//! Each concern lives in its own submodule; this file only runs them and orders the result.

mod egress;
mod firewall;
mod names;
mod network;
mod nsg;
mod peering;
mod privatelink;
mod routing;
mod storage;
#[cfg(test)]
mod testutil;

use crate::diagnostic::Diagnostic;
use crate::estate::Estate;
use crate::lookup::Lookup;
use crate::origin::Origin;
use ipnet::Ipv4Net;

/// Every finding about the estate's configuration, sorted. Errors mean Azure would reject it.
pub fn validate(estate: &Estate) -> Vec<Diagnostic> {
    // Names on one core, references on the other: the name checks are two thirds of the work,
    // and neither half reads what the other writes. The sort makes the order of the diagnostics
    // that of the estate, not of the cores.
    let (mut out, references) = rayon::join(
        || {
            let mut out = Vec::new();
            names::check(estate, &mut out);
            out
        },
        || {
            let mut out = Vec::new();
            // References are resolved through indexes: a 5,000-workspace estate has 10,000
            // peerings, each looking for its two VNets and its reverse, and scanning for them
            // made validation quadratic.
            let lookup = Lookup::new(estate);
            network::check(&lookup, &mut out);
            peering::check(&lookup, &mut out);
            nsg::check(estate, &mut out);
            routing::check(estate, &mut out);
            egress::check(estate, &mut out);
            privatelink::check(&lookup, &mut out);
            firewall::check(&lookup, &mut out);
            storage::check(&lookup, &mut out);
            out
        },
    );
    out.extend(references);
    sort(&mut out);
    out
}

/// Errors before warnings, then in file order, so the first line a user reads is the first
/// problem in their file.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (a.severity, &a.origin, a.code, &a.element, &a.message)
            .cmp(&(b.severity, &b.origin, b.code, &b.element, &b.message))
    });
    diagnostics.dedup();
}

fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// ` (defined at FILE:LINE:COL)` when the element's origin is known, so a message about a
/// conflict can point at both sides.
fn defined_at(origin: Option<&Origin>) -> String {
    origin.map(|o| format!(" (defined at {o})")).unwrap_or_default()
}

/// A reference to an element the estate does not define. Azure resolves references by resource
/// ID and fails the deployment when the target does not exist.
fn dangling(
    out: &mut Vec<Diagnostic>,
    element: String,
    origin: Option<&Origin>,
    field: &str,
    kind: &str,
    name: &str,
) {
    out.push(Diagnostic::error(
        "dangling-reference",
        element,
        format!(
            "`{field}` refers to {kind} '{name}', which is not defined in this estate; \
             Azure would fail with \"resource not found\""
        ),
        origin,
    ));
}
