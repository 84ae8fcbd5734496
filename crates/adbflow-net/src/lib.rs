//! Azure packet semantics for the adbflow twin: given an estate, where does a packet go and why.
//! Generic Azure networking only — nothing here knows about Databricks or file formats.

// A blocked verdict travels as the `Err` of a step; it is the answer, built once per trace, so
// its size does not matter and boxing it would only add noise.
#![allow(clippy::result_large_err, clippy::large_enum_variant)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod address;
pub mod destination;
pub mod dns;
pub mod egress;
mod fast_map;
pub mod firewall;
pub mod index;
mod kept;
mod longest_match;
pub mod nsg;
pub mod resources;
pub mod route_index;
pub mod routes;
mod source_class;
pub mod tags;
pub mod text;
pub mod trace;
pub mod vnet_space;

pub use address::DestAddr;
pub use tags::ServiceTags;
pub use trace::{BlockedBy, DnsAnswer, Egress, FlowSpec, Hop, HopKind, ReasonCode, Trace, Verdict};
pub mod network;
pub mod walk;
pub use network::{ForgottenRoutes, Network, ShownRoutes};
