//! A check flow written by hand in serde_json's pretty layout.
//!
//! Why: hops are two thirds of a check's ~4.5 kB a flow, and every hop names its element and
//! where that was defined. Through serde's derive each of those keys and values is a call into
//! the serializer (~1,200 instructions an element, whose text is ~250 bytes); here a key is one
//! copy. The flow, its hops, elements, origins, destination, DNS answers and performance estimate
//! are written here; enum variants, addresses, floats and the rarer parts (blocked ports, the
//! block, its symptom and fix) go through [`super::pretty`].
//!
//! The fields, their order and the ones left out follow the `Serialize` derives of `CheckFlow`,
//! `Hop`, `ElementRef`, `Origin`, `Destination`, `DnsAnswer` and `FlowPerformance`. Each is taken
//! apart whole, so a field added to one of them does not compile until it is written here; the
//! tests compare with serde_json.

use super::pretty::{
    separator, with_keys, write_integer, write_keyed, write_static, write_str, KeyCache, Static,
};
use super::written::{Remembered, Written};
use adbflow_databricks::check::{CheckFlow, Destination};
use adbflow_databricks::performance::FlowPerformance;
use adbflow_model::{ElementRef, Origin};
use adbflow_net::{DnsAnswer, Hop};
use std::io;

/// `"key": ` on a line of its own at `depth`, after a comma unless it is the object's first.
/// `key` is written with its quotes, colon and space (`b"\"id\": "`): its length is a constant
/// of each call, so the copy is too.
#[inline]
fn key<const N: usize>(out: &mut Vec<u8>, first: bool, depth: usize, key: &[u8; N]) {
    separator(out, first, depth);
    out.extend_from_slice(key);
}

/// Closes an object or array opened at `depth` that has members.
#[inline]
fn close(out: &mut Vec<u8>, depth: usize, bracket: u8) {
    separator(out, true, depth);
    out.push(bracket);
}

/// A value not written by hand here, through [`super::pretty`].
fn nested<T: serde::Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
    depth: usize,
    keys: &mut KeyCache,
) -> io::Result<()> {
    write_keyed(out, value, depth, keys).map_err(io::Error::other)
}

/// `flows`, each an array item two levels deep after `item_separator`.
pub(super) fn write_flows(out: &mut Vec<u8>, flows: &[CheckFlow], item_separator: &[u8]) -> io::Result<()> {
    with_keys(|keys| {
        let mut written = Written::new();
        flows.iter().try_for_each(|flow| {
            out.extend_from_slice(item_separator);
            write_flow(out, flow, 2, keys, &mut written)
        })
    })
}

/// `flow` as an array item `depth` levels deep.
fn write_flow<'f>(
    out: &mut Vec<u8>,
    flow: &'f CheckFlow,
    depth: usize,
    keys: &mut KeyCache,
    written: &mut Written<'f>,
) -> io::Result<()> {
    let CheckFlow {
        workspace,
        id,
        instance,
        title,
        phase,
        requirement,
        subnet,
        source_role,
        destination,
        verdict,
        egress,
        snat_ip,
        source_seen_as,
        nsg_rule,
        resolved,
        hops,
        blocked_by,
        symptom,
        fix,
        meters,
        notes,
        performance,
    } = flow;
    let d = depth + 1;
    out.push(b'{');
    key(out, true, d, b"\"workspace\": ");
    write_str(out, workspace);
    key(out, false, d, b"\"id\": ");
    nested(out, id, d, keys)?;
    if let Some(instance) = instance {
        key(out, false, d, b"\"instance\": ");
        write_str(out, instance);
    }
    key(out, false, d, b"\"title\": ");
    write_static(out, keys, title, Static::Value);
    key(out, false, d, b"\"phase\": ");
    // What `Phase`'s `Serialize` writes; a static string is written from the cache.
    write_static(out, keys, phase.id(), Static::Value);
    key(out, false, d, b"\"requirement\": ");
    nested(out, requirement, d, keys)?;
    key(out, false, d, b"\"subnet\": ");
    write_str(out, subnet);
    key(out, false, d, b"\"source_role\": ");
    nested(out, source_role, d, keys)?;
    key(out, false, d, b"\"destination\": ");
    write_destination(out, destination, d, keys)?;
    key(out, false, d, b"\"verdict\": ");
    nested(out, verdict, d, keys)?;
    key(out, false, d, b"\"egress\": ");
    write_str(out, egress);
    if let Some(ip) = snat_ip {
        key(out, false, d, b"\"snat_ip\": ");
        nested(out, ip, d, keys)?;
    }
    key(out, false, d, b"\"source_seen_as\": ");
    write_str(out, source_seen_as);
    if let Some(rule) = nsg_rule {
        key(out, false, d, b"\"nsg_rule\": ");
        written.elements.write(out, rule, d, |out| {
            write_element(out, rule, d);
            Ok::<(), io::Error>(())
        })?;
    }
    key(out, false, d, b"\"resolved\": ");
    written.answers.write(out, resolved, d, |out| {
        write_answers(out, resolved, d);
        Ok::<(), io::Error>(())
    })?;
    key(out, false, d, b"\"hops\": ");
    write_hops(out, hops, d, keys, &mut written.hops, &mut written.elements)?;
    if let Some(blocked_by) = blocked_by {
        key(out, false, d, b"\"blocked_by\": ");
        nested(out, blocked_by, d, keys)?;
    }
    if let Some(symptom) = symptom {
        key(out, false, d, b"\"symptom\": ");
        nested(out, symptom, d, keys)?;
    }
    if let Some(fix) = fix {
        key(out, false, d, b"\"fix\": ");
        nested(out, fix, d, keys)?;
    }
    key(out, false, d, b"\"meters\": ");
    write_static_strings(out, meters, d, keys);
    key(out, false, d, b"\"notes\": ");
    write_strings(out, notes, d);
    if let Some(performance) = performance {
        key(out, false, d, b"\"performance\": ");
        written.estimates.write(out, performance, d, |out| write_performance(out, performance, d, keys))?;
    }
    close(out, depth, b'}');
    Ok(())
}

/// `hops`, an array `depth` levels deep. Hops, DNS answers and strings each have their own
/// array loop: one generic loop taking a closure per item cost ~12 % more instructions in
/// rendering (callgrind, 100 workspaces), as it was not inlined into its three callers.
fn write_hops<'f>(
    out: &mut Vec<u8>,
    hops: &'f [Hop],
    depth: usize,
    keys: &mut KeyCache,
    remembered: &mut Remembered<'f, Hop>,
    elements: &mut Remembered<'f, ElementRef>,
) -> io::Result<()> {
    if hops.is_empty() {
        out.extend_from_slice(b"[]");
        return Ok(());
    }
    out.push(b'[');
    for (i, hop) in hops.iter().enumerate() {
        separator(out, i == 0, depth + 1);
        remembered.write(out, hop, depth + 1, |out| write_hop(out, hop, depth + 1, keys, elements))?;
    }
    close(out, depth, b']');
    Ok(())
}

fn write_hop<'f>(
    out: &mut Vec<u8>,
    hop: &'f Hop,
    depth: usize,
    keys: &mut KeyCache,
    elements: &mut Remembered<'f, ElementRef>,
) -> io::Result<()> {
    let Hop { kind, decided_by, detail, inferred } = hop;
    let d = depth + 1;
    out.push(b'{');
    key(out, true, d, b"\"kind\": ");
    nested(out, kind, d, keys)?;
    key(out, false, d, b"\"decided_by\": ");
    elements.write(out, decided_by, d, |out| {
        write_element(out, decided_by, d);
        Ok::<(), io::Error>(())
    })?;
    key(out, false, d, b"\"detail\": ");
    write_str(out, detail);
    if *inferred {
        key(out, false, d, b"\"inferred\": ");
        out.extend_from_slice(b"true");
    }
    close(out, depth, b'}');
    Ok(())
}

/// A flow's destination, an object `depth` levels deep.
fn write_destination(
    out: &mut Vec<u8>,
    destination: &Destination,
    depth: usize,
    keys: &mut KeyCache,
) -> io::Result<()> {
    let Destination { fqdn, port, ports, protocol, blocked_ports } = destination;
    let d = depth + 1;
    out.push(b'{');
    key(out, true, d, b"\"fqdn\": ");
    write_str(out, fqdn);
    key(out, false, d, b"\"port\": ");
    write_integer(out, *port);
    key(out, false, d, b"\"ports\": ");
    write_str(out, ports);
    key(out, false, d, b"\"protocol\": ");
    nested(out, protocol, d, keys)?;
    if !blocked_ports.is_empty() {
        key(out, false, d, b"\"blocked_ports\": ");
        nested(out, blocked_ports, d, keys)?;
    }
    close(out, depth, b'}');
    Ok(())
}

/// The DNS answer chain, an array `depth` levels deep.
fn write_answers(out: &mut Vec<u8>, answers: &[DnsAnswer], depth: usize) {
    if answers.is_empty() {
        out.extend_from_slice(b"[]");
        return;
    }
    out.push(b'[');
    for (i, answer) in answers.iter().enumerate() {
        let DnsAnswer { name, record_type, data, source } = answer;
        let d = depth + 2;
        separator(out, i == 0, depth + 1);
        out.push(b'{');
        key(out, true, d, b"\"name\": ");
        write_str(out, name);
        key(out, false, d, b"\"type\": ");
        write_str(out, record_type);
        key(out, false, d, b"\"data\": ");
        write_strings(out, data, d);
        key(out, false, d, b"\"source\": ");
        write_str(out, source);
        close(out, depth + 1, b'}');
    }
    close(out, depth, b']');
}

/// A list of strings, an array `depth` levels deep.
fn write_strings(out: &mut Vec<u8>, strings: &[impl AsRef<str>], depth: usize) {
    write_string_array(out, strings, depth, |out, s| write_str(out, s.as_ref()));
}

/// A list of static strings, an array `depth` levels deep, each from the cache once written.
fn write_static_strings(out: &mut Vec<u8>, strings: &[&'static str], depth: usize, keys: &mut KeyCache) {
    write_string_array(out, strings, depth, |out, s| write_static(out, keys, s, Static::Value));
}

/// `strings`, an array `depth` levels deep, each written by `write`.
#[inline(always)]
fn write_string_array<S>(
    out: &mut Vec<u8>,
    strings: &[S],
    depth: usize,
    mut write: impl FnMut(&mut Vec<u8>, &S),
) {
    if strings.is_empty() {
        out.extend_from_slice(b"[]");
        return;
    }
    out.push(b'[');
    for (i, s) in strings.iter().enumerate() {
        separator(out, i == 0, depth + 1);
        write(out, s);
    }
    close(out, depth, b']');
}

/// A flow's performance estimate, an object `depth` levels deep; its numbers go through
/// [`super::pretty`], which writes floats as serde_json does.
fn write_performance(
    out: &mut Vec<u8>,
    performance: &FlowPerformance,
    depth: usize,
    keys: &mut KeyCache,
) -> io::Result<()> {
    let FlowPerformance { latency_ms, latency_from, connection_gbps, limited_by, bandwidth_from, inferred } =
        performance;
    let d = depth + 1;
    out.push(b'{');
    key(out, true, d, b"\"latency_ms\": ");
    nested(out, latency_ms, d, keys)?;
    key(out, false, d, b"\"latency_from\": ");
    write_strings(out, latency_from, d);
    if let Some(gbps) = connection_gbps {
        key(out, false, d, b"\"connection_gbps\": ");
        nested(out, gbps, d, keys)?;
    }
    if let Some(limited_by) = limited_by {
        key(out, false, d, b"\"limited_by\": ");
        write_str(out, limited_by);
    }
    if let Some(row) = bandwidth_from {
        key(out, false, d, b"\"bandwidth_from\": ");
        nested(out, row, d, keys)?;
    }
    key(out, false, d, b"\"inferred\": ");
    out.extend_from_slice(if *inferred { b"true" } else { b"false" });
    close(out, depth, b'}');
    Ok(())
}

/// An element reference, an object `depth` levels deep.
fn write_element(out: &mut Vec<u8>, element: &ElementRef, depth: usize) {
    let ElementRef { id, name, origin } = element;
    let d = depth + 1;
    out.push(b'{');
    key(out, true, d, b"\"id\": ");
    write_str(out, id);
    key(out, false, d, b"\"name\": ");
    write_str(out, name);
    if let Some(origin) = origin {
        key(out, false, d, b"\"origin\": ");
        write_origin(out, origin, d);
    }
    close(out, depth, b'}');
}

/// An origin, internally tagged by `kind` in kebab case, an object `depth` levels deep.
fn write_origin(out: &mut Vec<u8>, origin: &Origin, depth: usize) {
    let d = depth + 1;
    out.push(b'{');
    key(out, true, d, b"\"kind\": ");
    match origin {
        Origin::File { file, line, column } => {
            out.extend_from_slice(b"\"file\"");
            key(out, false, d, b"\"file\": ");
            write_str(out, file);
            key(out, false, d, b"\"line\": ");
            write_integer(out, *line);
            key(out, false, d, b"\"column\": ");
            write_integer(out, *column);
        }
        Origin::Path { file, path } => {
            out.extend_from_slice(b"\"path\"");
            key(out, false, d, b"\"file\": ");
            write_str(out, file);
            key(out, false, d, b"\"path\": ");
            write_str(out, path);
        }
        Origin::Address { file, address } => {
            out.extend_from_slice(b"\"address\"");
            key(out, false, d, b"\"file\": ");
            write_str(out, file);
            key(out, false, d, b"\"address\": ");
            write_str(out, address);
        }
        Origin::Platform { by } => {
            out.extend_from_slice(b"\"platform\"");
            key(out, false, d, b"\"by\": ");
            write_str(out, by);
        }
    }
    close(out, depth, b'}');
}
