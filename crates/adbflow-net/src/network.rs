//! `Network`: an estate prepared for questions — effective routes computed once per subnet (when
//! first asked for), names and addresses indexed, firewall policies compiled.

use crate::address::DestAddr;
use crate::dns::{self, Resolver};
use crate::fast_map::FastMap;
use crate::firewall::{CompiledFirewall, FirewallDecision, FirewallPacket};
use crate::index::EstateIndex;
use crate::nsg::{self, NsgDecision, Packet};
use crate::resources::Names;
use crate::route_index::RouteIndex;
use crate::routes::{self, EffectiveRoute, RouteOptions, SubnetRoutes, TagSections};
use crate::source_class::SourceClasses;
use crate::tags::ServiceTags;
use crate::trace::{FlowSpec, Trace};
use crate::vnet_space::VirtualNetworkSpace;
use crate::walk::TwinSubnets;
use adbflow_model::{Direction, Estate, Nsg, SharedStr, Subnet, SubnetRef, VNet};
use std::sync::{Arc, OnceLock, RwLock};

/// A subnet's routes taken out of the network by [`Network::forget_routes`], freed when dropped:
/// with the full tag file that is ~375 routes and their elements.
pub struct ForgottenRoutes {
    _routes: Option<Arc<IndexedRoutes>>,
}

/// The effective routes of a subnet, as [`Network::routes`] shows them.
pub struct ShownRoutes(Arc<IndexedRoutes>);

impl std::ops::Deref for ShownRoutes {
    type Target = [EffectiveRoute];

    fn deref(&self) -> &[EffectiveRoute] {
        self.0.shown.get_or_init(|| self.0.routes.to_routes())
    }
}

/// A subnet's effective routes, the index that selects among them, and (only for a caller who
/// asks to see them) the routes in full.
struct IndexedRoutes {
    routes: SubnetRoutes,
    index: RouteIndex,
    shown: OnceLock<Vec<EffectiveRoute>>,
}

pub struct Network {
    /// Shared with callers that index the estate (e.g. `adbflow_model::Lookup`) or read it while
    /// the network is built.
    estate: Arc<Estate>,
    tags: ServiceTags,
    options: RouteOptions,
    /// `VNET/SUBNET` → the subnet's position and its effective routes, computed on first use: a
    /// question usually walks from a few subnets, and a check never from private-endpoint or
    /// gateway subnets.
    routes: RouteCells,
    /// The service-endpoint routes from the tag data file, one section per list of endpoints,
    /// shared by the subnets that have it.
    sections: TagSections,
    /// One per `estate.firewalls` entry, same order.
    firewalls: Vec<CompiledFirewall>,
    /// One per `estate.nsgs` entry, same order.
    nsg_orders: Vec<nsg::RuleOrder>,
    index: EstateIndex,
    names: Names,
    /// Each subnet, by its address in the estate ([`subnet_key`]) → what the `VirtualNetwork`
    /// tag stands for in the rules protecting it.
    virtual_network: FastMap<usize, VirtualNetworkSpace>,
    /// Where the destination port ranges named by NSG and firewall rules begin and end, sorted.
    port_boundaries: Vec<u16>,
    /// Which source addresses the rules tell apart (`Network::walks_alike`).
    source_classes: SourceClasses,
    /// One per `estate.vnets` entry: who answers its DNS queries, worked out on first use.
    resolvers: Vec<OnceLock<Resolver>>,
}

impl Network {
    /// The network of `estate`: owned, or shared with a caller that reads it meanwhile.
    pub fn new(estate: impl Into<Arc<Estate>>, tags: ServiceTags) -> Self {
        Self::with_options(estate, tags, RouteOptions::default())
    }

    pub fn with_options(estate: impl Into<Arc<Estate>>, tags: ServiceTags, options: RouteOptions) -> Self {
        let estate: Arc<Estate> = estate.into();
        // Three independent groups of indexes, built side by side: at 5,000 workspaces building
        // them one after another took 0.1–0.25 s on one core while the other waited.
        let (
            (firewalls, port_boundaries, source_classes),
            ((index, virtual_network), (names, nsg_orders, routes)),
        ) = rayon::join(
            || compile_firewalls(&estate),
            || rayon::join(|| index_vnets(&estate), || index_names(&estate)),
        );
        let resolvers = estate.vnets.iter().map(|_| OnceLock::new()).collect();
        Network {
            resolvers,
            estate,
            tags,
            options,
            routes,
            sections: TagSections::default(),
            firewalls,
            nsg_orders,
            index,
            names,
            virtual_network,
            port_boundaries,
            source_classes,
        }
    }

    /// Destination ports with the same class meet the same rules: every NSG rule and firewall
    /// rule in the network either names both or neither, and nothing else in a walk depends on
    /// the destination port, so their walks decide alike (only the port in the hops' wording
    /// differs). A flow on many ports walks one port of each class.
    pub fn port_class(&self, port: u16) -> usize {
        self.port_boundaries.partition_point(|&b| b <= port)
    }

    pub fn estate(&self) -> &Estate {
        &self.estate
    }

    /// [`dns::resolver_for`] `vnet` of this network's estate, worked out once per VNet: every
    /// flow from a VNet asks, and building the answer's sentence and element per flow cost as
    /// much as resolving the name.
    pub fn resolver(&self, vnet: &VNet) -> Resolver {
        let at = self.index.vnet_position(&vnet.name).filter(|&i| std::ptr::eq(&self.estate.vnets[i], vnet));
        match at.and_then(|i| self.resolvers.get(i)) {
            Some(known) => known.get_or_init(|| dns::resolver_for(&self.estate, vnet)).clone(),
            // A later namesake (an invalid estate) or another estate's VNet: not kept.
            None => dns::resolver_for(&self.estate, vnet),
        }
    }

    /// The estate, to keep beside the network (it is never changed while the network lives).
    pub fn shared_estate(&self) -> Arc<Estate> {
        Arc::clone(&self.estate)
    }

    /// Takes out the effective routes computed for `VNET/SUBNET` (they are computed again if
    /// asked for) and returns them, to be freed wherever the caller drops them. A check forgets
    /// each workspace's subnets once it is walked, while other workspaces are walked: with the
    /// full tag file a cluster subnet has ~375 routes; kept, they made memory grow with the
    /// estate.
    pub fn forget_routes(&self, subnet: &str) -> ForgottenRoutes {
        ForgottenRoutes { _routes: self.routes.get(subnet).and_then(|cell| write(&cell.routes).take()) }
    }

    pub fn tags(&self) -> &ServiceTags {
        &self.tags
    }

    pub fn route_options(&self) -> RouteOptions {
        self.options
    }

    /// Effective routes of `VNET/SUBNET`, computed once.
    pub fn routes(&self, subnet: &str) -> Option<ShownRoutes> {
        let cell = self.routes.get(subnet)?;
        Some(ShownRoutes(self.computed(cell)))
    }

    /// `routes::select` over the effective routes of `VNET/SUBNET` (none when the subnet is not
    /// in the estate, or when no route matches), without scanning them.
    pub fn select_route(&self, subnet: &str, dest: &DestAddr) -> Option<EffectiveRoute> {
        self.select_in(self.routes.get(subnet)?, dest)
    }

    /// [`Network::select_route`] of a subnet of this network's estate, found without its path
    /// (built for every flow that took a route); a subnet of another estate by its path.
    pub fn select_route_of(&self, subnet: SubnetRef<'_>, dest: &DestAddr) -> Option<EffectiveRoute> {
        match self.routes.of(subnet) {
            Some(cell) => self.select_in(cell, dest),
            None => self.select_route(&subnet.path(), dest),
        }
    }

    fn select_in(&self, cell: &RouteCell, dest: &DestAddr) -> Option<EffectiveRoute> {
        // Read in place: every flow through the firewall reads its subnet's routes, from every
        // core, and a copy of the `Arc` would be one more write to a shared count each time.
        let select = |r: &IndexedRoutes| {
            r.index.select_position(&r.routes, dest, &self.tags).map(|i| r.routes.route(i))
        };
        if let Some(r) = read(&cell.routes).as_deref() {
            return select(r);
        }
        select(&self.computed(cell))
    }

    /// `cell`'s routes, computed if they are not. Computed holding the cell's lock, as a
    /// `OnceLock` would: every core asks for the hub's routes at the start of a check, and one
    /// computes them while the others wait rather than each computing them again. (The twin's
    /// cell, locked inside, is an earlier subnet's, so no two cells wait for each other.)
    fn computed(&self, cell: &RouteCell) -> Arc<IndexedRoutes> {
        if let Some(r) = read(&cell.routes).as_ref() {
            return Arc::clone(r);
        }
        let mut slot = write(&cell.routes);
        if let Some(r) = slot.as_ref() {
            // Computed by another core while this one waited.
            return Arc::clone(r);
        }
        let vnet = &self.estate.vnets[cell.vnet];
        let s = SubnetRef { vnet, subnet: &vnet.subnets[cell.subnet] };
        let twin = cell.twin.as_deref().and_then(|t| self.twin_routes(t, cell));
        let computed = match twin {
            Some(twin) => {
                let routes = twin.routes.for_twin(s);
                IndexedRoutes { routes, index: twin.index.clone(), shown: OnceLock::new() }
            }
            None => {
                let routes = routes::subnet_routes(
                    &self.estate,
                    &self.index,
                    &self.tags,
                    s,
                    self.options,
                    &self.sections,
                );
                let index = RouteIndex::of_subnet(&routes);
                IndexedRoutes { routes, index, shown: OnceLock::new() }
            }
        };
        Arc::clone(slot.insert(Arc::new(computed)))
    }

    /// The routes of twin subnet `VNET/SUBNET` of `cell`'s, if computed and not forgotten. Not
    /// `cell`'s own (an invalid estate naming two subnets of a VNet alike gives the later one
    /// the earlier one's path, and `cell` is locked while its routes are computed).
    fn twin_routes(&self, subnet: &str, cell: &RouteCell) -> Option<Arc<IndexedRoutes>> {
        let twin = self.routes.get(subnet).filter(|c| c.vnet == cell.vnet && !std::ptr::eq(*c, cell))?;
        read(&twin.routes).clone()
    }

    /// Name and address lookups over the estate, without scanning it.
    pub fn index(&self) -> &EstateIndex {
        &self.index
    }

    /// The estate's public names, private endpoints and known addresses, indexed.
    pub fn names(&self) -> &Names {
        &self.names
    }

    /// `Estate::subnet`, from the index.
    pub fn subnet(&self, path: &str) -> Option<SubnetRef<'_>> {
        self.index.subnet(&self.estate, path)
    }

    /// `Estate::nsg`, from the index.
    pub fn nsg(&self, name: &str) -> Option<&Nsg> {
        self.index.nsg(&self.estate, name)
    }

    /// `nsg::evaluate` with the subnet's `VirtualNetwork` prefixes computed once per network.
    pub fn nsg_decision(
        &self,
        nsg: &Nsg,
        subnet: SubnetRef<'_>,
        direction: Direction,
        packet: &Packet,
    ) -> NsgDecision {
        // A subnet of another estate is not found, and gets its own computation.
        let cached = self.virtual_network.get(&subnet_key(subnet));
        let order = self
            .index
            .nsg_position(&nsg.name)
            .filter(|&i| std::ptr::eq(&self.estate.nsgs[i], nsg))
            .map(|i| &self.nsg_orders[i]);
        match (cached, order) {
            (Some(vn), Some(order)) => {
                nsg::evaluate_kept(&self.estate, &self.tags, nsg, order, subnet, direction, packet, vn)
            }
            (Some(vn), None) => {
                nsg::evaluate_with(&self.estate, &self.tags, nsg, subnet, direction, packet, vn)
            }
            (None, _) => nsg::evaluate(&self.estate, &self.tags, nsg, subnet, direction, packet),
        }
    }

    /// What firewall `fw` (an element of this network's estate) does with `pkt`.
    pub fn firewall_decision(
        &self,
        fw: &adbflow_model::Firewall,
        pkt: &FirewallPacket<'_>,
    ) -> FirewallDecision {
        match self.estate.firewalls.iter().position(|f| std::ptr::eq(f, fw)) {
            Some(i) => self.firewalls[i].evaluate(&self.estate, &self.tags, fw, pkt),
            None => crate::firewall::evaluate(&self.estate, &self.tags, fw, pkt),
        }
    }

    /// Walk one flow hop by hop.
    pub fn trace(&self, flow: &FlowSpec) -> Trace {
        crate::walk::walk(self, flow)
    }

    /// [`Network::trace`] of `flow` and of the same flow from `twin` (`VNET/SUBNET`), in one
    /// walk when the two subnets walk alike ([`Network::walks_alike`]). A workspace's two cluster
    /// subnets send the same flows: this halves the walking of most of them.
    pub fn trace_twins(&self, flow: &FlowSpec, twin: impl Into<SharedStr>) -> (Trace, Trace) {
        crate::walk::walk_twins(self, flow, twin.into())
    }

    /// Subnets `from` and `twin` (`VNET/SUBNET`) looked up, and whether they walk alike, once
    /// for every flow they both send ([`Network::trace_twin_subnets`]).
    pub fn twin_subnets(&self, from: impl Into<SharedStr>, twin: impl Into<SharedStr>) -> TwinSubnets<'_> {
        TwinSubnets::new(self, from.into(), twin.into())
    }

    /// [`Network::trace_twins`] of `flow` from the pair's first subnet and from its twin,
    /// without looking the two up again.
    pub fn trace_twin_subnets(&self, flow: &FlowSpec, pair: &TwinSubnets<'_>) -> (Trace, Trace) {
        crate::walk::walk_twin_subnets(self, flow, pair)
    }

    /// Whether every walk from `a` decides as the same walk from `b`: two subnets of one VNet
    /// with the same settings (NSG, route table, NAT gateway, service endpoints and their
    /// policies, delegation, outbound access, ASGs, …), whose NICs' addresses no rule of the
    /// estate tells apart. What then still differs is what names the subnet (its path, its
    /// address, the elements that are its own) and whatever asks for the subnet by name (a
    /// storage account's virtual-network rules): the walk works those out for each.
    pub fn walks_alike(&self, a: SubnetRef<'_>, b: SubnetRef<'_>) -> bool {
        std::ptr::eq(a.vnet, b.vnet)
            && !std::ptr::eq(a.subnet, b.subnet)
            && same_settings(a.subnet, b.subnet)
            // The firewall's subnet is looked up by its name: it is never anyone's twin.
            && ![a, b].iter().any(|s| s.subnet.name == "AzureFirewallSubnet")
            && self.source_classes.alike(&self.tags, crate::walk::nic_address(a), crate::walk::nic_address(b))
    }
}

/// Two subnets whose every field but name, prefix and origin is the same. Every field is named,
/// so that a field added to `Subnet` has to be placed here.
fn same_settings(a: &Subnet, b: &Subnet) -> bool {
    let Subnet {
        name: _,
        prefix: _,
        origin: _,
        nsg,
        route_table,
        nat_gateway,
        service_endpoints,
        service_endpoint_policies,
        delegation,
        default_outbound_access,
        private_endpoint_network_policies,
        instance_public_ip,
        load_balancer,
        application_security_groups,
    } = a;
    *nsg == b.nsg
        && *route_table == b.route_table
        && *nat_gateway == b.nat_gateway
        && *service_endpoints == b.service_endpoints
        && *service_endpoint_policies == b.service_endpoint_policies
        && *delegation == b.delegation
        && *default_outbound_access == b.default_outbound_access
        && *private_endpoint_network_policies == b.private_endpoint_network_policies
        && *instance_public_ip == b.instance_public_ip
        && *load_balancer == b.load_balancer
        && *application_security_groups == b.application_security_groups
}

/// A subnet's place for its routes.
struct RouteCell {
    /// Positions of the VNet in `estate.vnets` and of the subnet in its `subnets`.
    vnet: usize,
    subnet: usize,
    /// An earlier subnet of the same VNet whose routes are this one's but for the elements its
    /// service-endpoint routes name (`routes::same_routes_in_vnet`): copied when computed.
    twin: Option<String>,
    /// Computed on first use, and taken out by [`Network::forget_routes`] while other cores read
    /// other cells.
    routes: RwLock<Option<Arc<IndexedRoutes>>>,
}

/// Nothing panics while holding a cell's lock, and a cell holds either routes or none: a
/// poisoned lock is still a consistent one.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A place for each subnet's routes, found by the subnet's path or by the subnet.
struct RouteCells {
    cells: Vec<RouteCell>,
    /// `VNET/SUBNET` → its cell; a later namesake replaces an earlier one, as collecting into a
    /// map always did.
    by_path: FastMap<String, usize>,
    /// Each subnet by its address ([`subnet_key`]) → the cell its path finds.
    by_subnet: FastMap<usize, usize>,
}

impl RouteCells {
    fn new(estate: &Estate) -> Self {
        let mut cells = Vec::new();
        let mut by_path = FastMap::default();
        let mut by_subnet: FastMap<usize, usize> = FastMap::default();
        for (vi, v) in estate.vnets.iter().enumerate() {
            for (si, s) in v.subnets.iter().enumerate() {
                let twin = v.subnets[..si]
                    .iter()
                    .find(|earlier| routes::same_routes_in_vnet(earlier, s))
                    .map(|earlier| crate::text!(v.name, "/", earlier.name));
                let at = cells.len();
                if let Some(earlier) = by_path.insert(crate::text!(v.name, "/", s.name), at) {
                    // A namesake (an invalid estate): the earlier one's path finds this cell now.
                    by_subnet.values_mut().filter(|c| **c == earlier).for_each(|c| *c = at);
                }
                by_subnet.insert(subnet_key(SubnetRef { vnet: v, subnet: s }), at);
                cells.push(RouteCell { vnet: vi, subnet: si, twin, routes: RwLock::new(None) });
            }
        }
        RouteCells { cells, by_path, by_subnet }
    }

    fn get(&self, path: &str) -> Option<&RouteCell> {
        self.by_path.get(path).map(|&i| &self.cells[i])
    }

    /// The cell of a subnet of the estate the cells were made for.
    fn of(&self, subnet: SubnetRef<'_>) -> Option<&RouteCell> {
        self.by_subnet.get(&subnet_key(subnet)).map(|&i| &self.cells[i])
    }
}

/// The estate's firewalls compiled, the boundaries between destination ports that their rules
/// and the NSGs' rules tell apart (`Network::port_class`), and the source addresses they tell
/// apart (`Network::walks_alike`).
fn compile_firewalls(estate: &Estate) -> (Vec<CompiledFirewall>, Vec<u16>, SourceClasses) {
    let firewalls: Vec<CompiledFirewall> =
        estate.firewalls.iter().map(|fw| CompiledFirewall::new(estate, fw)).collect();
    let mut of_firewalls = Vec::new();
    for fw in &firewalls {
        fw.port_boundaries(&mut of_firewalls);
    }
    let of_nsgs = estate.nsgs.iter().flat_map(|n| &n.rules).flat_map(|r| r.destination_ports.boundaries());
    let port_boundaries = distinct_ports(of_nsgs.chain(of_firewalls));
    let source_classes = SourceClasses::new(estate, &firewalls);
    (firewalls, port_boundaries, source_classes)
}

/// The estate's VNets, subnets, peerings and route tables indexed, and each subnet's
/// `VirtualNetwork` prefixes.
fn index_vnets(estate: &Estate) -> (EstateIndex, FastMap<usize, VirtualNetworkSpace>) {
    let index = EstateIndex::new(estate);
    let virtual_network = estate
        .subnets()
        .map(|s| {
            let connected = index.connected_peerings(estate, &s.vnet.name);
            let table = s.subnet.route_table.as_deref().and_then(|n| index.route_table(estate, n));
            let space = VirtualNetworkSpace::new(&nsg::virtual_network_prefixes_with(
                estate,
                s,
                connected,
                table,
                |n| index.vnet(estate, n),
            ));
            (subnet_key(s), space)
        })
        .collect();
    (index, virtual_network)
}

/// A subnet's key in the network's per-subnet tables: its address. The estate is shared and
/// never changed once the network holds it, so the address names the subnet for the network's
/// life, namesakes apart, and finding it costs no path built and no string hashed (an NSG
/// decision asked for it by `VNET/SUBNET`: two string lookups and an allocation each time).
fn subnet_key(s: SubnetRef<'_>) -> usize {
    std::ptr::from_ref(s.subnet) as usize
}

/// The public names, each NSG's rule order, and a place for each subnet's routes.
fn index_names(estate: &Estate) -> (Names, Vec<nsg::RuleOrder>, RouteCells) {
    (Names::new(estate), estate.nsgs.iter().map(nsg::RuleOrder::new).collect(), RouteCells::new(estate))
}

/// The distinct ports among `ports`, ascending. A bit per port: an enterprise estate's rules name
/// ~100,000 boundaries, the same few hundred rule after rule, and collecting and sorting them was
/// a tenth of building the network.
fn distinct_ports(ports: impl IntoIterator<Item = u16>) -> Vec<u16> {
    let mut seen = vec![0u64; 1 << 10];
    for p in ports {
        seen[usize::from(p >> 6)] |= 1 << (p & 63);
    }
    let mut out = Vec::new();
    for (word, &bits) in (0u16..).zip(&seen) {
        let mut rest = bits;
        while rest != 0 {
            // At most 63: a bit's position in a word.
            let bit = rest.trailing_zeros() as u16;
            out.push(word << 6 | bit);
            rest &= rest - 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::distinct_ports;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn distinct_ports_are_the_sorted_ports_without_repeats(ports in prop::collection::vec(any::<u16>(), 0..300)) {
            let mut want = ports.clone();
            want.sort_unstable();
            want.dedup();
            prop_assert_eq!(distinct_ports(ports), want);
        }
    }

    #[test]
    fn the_first_and_last_ports_are_kept() {
        assert_eq!(distinct_ports([65535, 0, 64, 63, 65535, 0]), [0, 63, 64, 65535]);
    }
}
