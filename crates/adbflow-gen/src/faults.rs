//! Deliberate misconfigurations: one workspace in ten gets exactly one, chosen by the seed, so a
//! check of a generated estate has real failures to find and every one of them is known in advance.

use crate::rng::Dice;
use serde::Serialize;

/// What is wrong with a misconfigured workspace, and what `check` must therefore report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// A user NSG rule takes priority 101 outbound, which Databricks needs for its SQL rule: Azure
    /// rejects the workspace deployment (finding `managed-rule-conflict`).
    NsgPriorityConflict,
    /// The data-lake account denies by default and its virtual-network rules leave out the
    /// container subnet: external locations fail from there (HTTP 403).
    StorageVnetRuleMissing,
    /// A private-endpoint spoke whose data-lake `dfs` record is missing from the central
    /// privatelink zone: the name does not resolve (NXDOMAIN).
    DnsRecordMissing,
    /// Only the spoke side of the hub peering exists (state Initiated): the firewall next hop is
    /// unreachable.
    PeeringOneSided,
    /// The spoke's range is missing from the firewall's spokes IP group: the firewall denies the
    /// control-plane flows by default.
    FirewallSourceMissing,
    /// The container subnet has no NSG: Azure refuses to place cluster nodes there.
    SubnetNsgMissing,
    /// A "block suspicious range" UDR sends the region's web application address to next hop None.
    UdrBlackhole,
}

impl Fault {
    pub fn code(self) -> &'static str {
        match self {
            Fault::NsgPriorityConflict => "nsg-priority-conflict",
            Fault::StorageVnetRuleMissing => "storage-vnet-rule-missing",
            Fault::DnsRecordMissing => "dns-record-missing",
            Fault::PeeringOneSided => "peering-one-sided",
            Fault::FirewallSourceMissing => "firewall-source-missing",
            Fault::SubnetNsgMissing => "subnet-nsg-missing",
            Fault::UdrBlackhole => "udr-blackhole",
        }
    }
}

/// A misconfiguration the generator put into the estate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Planted {
    pub workspace: String,
    pub fault: Fault,
    /// Stable ID of the element that carries the mistake (or, for something missing, of the
    /// element it is missing from).
    pub element: String,
}

/// One workspace in ten (rounded up), so even the smallest estate has one.
pub fn faulty_count(workspaces: usize) -> usize {
    workspaces.div_ceil(10)
}

/// Which workspace gets which fault. Storage faults follow the spoke's design: a spoke that
/// reaches its data lake over a private endpoint is broken in DNS, the others in the storage
/// firewall. Kinds rotate so every kind appears once there are six misconfigured workspaces.
pub(crate) fn assign(
    dice: &mut Dice,
    private_endpoint_spoke: &[bool],
    webapp_blackhole_possible: bool,
) -> Vec<Option<Fault>> {
    let n = private_endpoint_spoke.len();
    let mut order: Vec<usize> = (0..n).collect();
    dice.shuffle(&mut order);
    let mut out = vec![None; n];
    for (k, &i) in order.iter().take(faulty_count(n)).enumerate() {
        let fault = match k % 6 {
            0 => Fault::FirewallSourceMissing,
            1 if private_endpoint_spoke[i] => Fault::DnsRecordMissing,
            1 => Fault::StorageVnetRuleMissing,
            2 => Fault::NsgPriorityConflict,
            3 => Fault::PeeringOneSided,
            4 => Fault::SubnetNsgMissing,
            _ if webapp_blackhole_possible => Fault::UdrBlackhole,
            _ => Fault::FirewallSourceMissing,
        };
        out[i] = Some(fault);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_in_ten_rounded_up_and_storage_faults_follow_the_design() {
        assert_eq!((faulty_count(1), faulty_count(10), faulty_count(11), faulty_count(1000)), (1, 1, 2, 100));
        let pe: Vec<bool> = (0..60).map(|i| i % 3 == 0).collect();
        let faults = assign(&mut Dice::new(3), &pe, true);
        assert_eq!(faults.iter().flatten().count(), 6);
        for (i, f) in faults.iter().enumerate() {
            match f {
                Some(Fault::DnsRecordMissing) => assert!(pe[i]),
                Some(Fault::StorageVnetRuleMissing) => assert!(!pe[i]),
                _ => {}
            }
        }
        let kinds: std::collections::BTreeSet<_> = faults
            .iter()
            .flatten()
            .map(|f| if *f == Fault::DnsRecordMissing { Fault::StorageVnetRuleMissing } else { *f })
            .collect();
        assert_eq!(kinds.len(), 6, "six faults cover the six kinds: {kinds:?}");
    }
}
