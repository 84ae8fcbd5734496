//! The adbflow estate model: the vendor-independent description of an Azure deployment that every
//! importer produces and every question reads. It knows nothing about file formats, Databricks
//! flows or output; `serde` derives describe its shape, which the native format reuses.

#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod diagnostic;
pub mod egress;
pub mod estate;
pub mod firewall;
pub mod lookup;
pub mod network;
pub mod nsg;
pub mod origin;
pub mod privatelink;
pub mod routing;
pub mod shared_str;
pub mod spec;
pub mod storage;
pub mod validate;
pub mod workload;
pub mod workspace;

pub use diagnostic::{Diagnostic, Severity};
pub use egress::{LoadBalancer, NatGateway, PublicIp, PublicIpPrefix, Sku};
pub use estate::{Estate, SubnetRef, DEFAULT_REGION};
pub use firewall::{
    Firewall, FirewallAction, FirewallPolicy, FirewallRule, FirewallSku, IpGroup, RuleCollection,
    RuleCollectionGroup, RuleCollectionKind, ThreatIntelMode,
};
pub use lookup::Lookup;
pub use network::{Gateway, GatewayKind, Peering, PrivateEndpointNetworkPolicies, Subnet, VNet};
pub use nsg::{Access, ApplicationSecurityGroup, Direction, Nsg, NsgRule};
pub use origin::{ids, ElementRef, Origin};
pub use privatelink::{
    ConnectionState, DnsRecord, DnsZoneLink, Endpoint, PrivateDnsZone, PrivateEndpoint, ResolutionPolicy,
    ServiceEndpointPolicy,
};
pub use routing::{NextHopType, Route, RouteDestination, RouteTable};
pub use shared_str::SharedStr;
pub use spec::{AddressSpec, PortRange, PortSet, Prefix, Protocol};
pub use storage::{DefaultAction, PublicNetworkAccess, StorageAccount};
pub use workload::{MonthlyVolume, Workload};
pub use workspace::{
    ExternalLocation, IpAccessList, IpAccessListType, Libraries, LibrarySource, RequiredNsgRules, Workspace,
    WorkspaceSku,
};
