//! The NSG rules Databricks itself adds to the workspace subnets' NSG by virtue of the subnet
//! delegation (`Microsoft.Databricks-workspaces_UseOnly_*`; databricks-net-facts §2). Users cannot
//! change them; which ones exist depends on `required_nsg_rules` and on SCC.

use adbflow_model::{
    Access, AddressSpec, Direction, NsgRule, Origin, PortRange, PortSet, Protocol, RequiredNsgRules,
    Workspace,
};

pub const MANAGED_BY: &str = "Microsoft.Databricks";
pub const RULE_PREFIX: &str = "Microsoft.Databricks-workspaces_UseOnly_";

fn tag(t: &str) -> Option<AddressSpec> {
    Some(AddressSpec::Tag(t.to_string()))
}

fn ports(p: &[(u16, u16)]) -> PortSet {
    PortSet::Ranges(p.iter().map(|&(from, to)| PortRange { from, to }).collect())
}

fn rule(
    name: &str,
    priority: u32,
    direction: Direction,
    protocol: Protocol,
    (source, destination): (&str, &str),
    destination_ports: PortSet,
    description: &str,
) -> NsgRule {
    NsgRule {
        name: [RULE_PREFIX, name].concat(),
        priority,
        direction,
        access: Access::Allow,
        protocol,
        source: tag(source),
        source_asgs: Vec::new(),
        source_ports: PortSet::Any,
        destination: tag(destination),
        destination_asgs: Vec::new(),
        destination_ports,
        description: Some(description.to_string()),
        managed_by: Some(MANAGED_BY.to_string()),
        origin: Some(Origin::platform(MANAGED_BY)),
    }
}

/// The rules Databricks maintains in the NSG of both workspace subnets, in priority order.
///
/// Names and priorities follow Microsoft's VNet-injection quickstart; the `AzureDatabricks` rule
/// carries 3306 and 8443–8451 as well as 443 since January 2025. `NoAzureDatabricksRules` (back-end
/// Private Link) leaves out the rules whose remote side is the `AzureDatabricks` tag; the legacy
/// inbound SSH/proxy rules exist only for workspaces without secure cluster connectivity.
pub fn managed_rules(ws: &Workspace) -> Vec<NsgRule> {
    use Direction::{Inbound, Outbound};
    let all_ports = PortSet::Any;
    let mut rules = vec![rule(
        "databricks-worker-to-worker-inbound",
        100,
        Inbound,
        Protocol::Any,
        ("VirtualNetwork", "VirtualNetwork"),
        all_ports.clone(),
        "Required for worker nodes communication within a cluster.",
    )];
    let with_control_plane = ws.required_nsg_rules == RequiredNsgRules::AllRules;
    if !ws.no_public_ip && with_control_plane {
        rules.push(rule(
            "databricks-control-plane-to-worker-ssh",
            101,
            Inbound,
            Protocol::Tcp,
            ("AzureDatabricks", "VirtualNetwork"),
            ports(&[(22, 22)]),
            "Required for Databricks control plane management of worker nodes (no secure cluster connectivity).",
        ));
        rules.push(rule(
            "databricks-control-plane-to-worker-proxy",
            102,
            Inbound,
            Protocol::Tcp,
            ("AzureDatabricks", "VirtualNetwork"),
            ports(&[(5557, 5557)]),
            "Required for Databricks control plane communication with worker nodes (no secure cluster connectivity).",
        ));
    }
    if with_control_plane {
        rules.push(rule(
            "databricks-worker-to-databricks-webapp",
            100,
            Outbound,
            Protocol::Tcp,
            ("VirtualNetwork", "AzureDatabricks"),
            ports(&[(443, 443), (3306, 3306), (8443, 8451)]),
            "Required for workers communication with Databricks control plane.",
        ));
    }
    rules.extend([
        rule(
            "databricks-worker-to-sql",
            101,
            Outbound,
            Protocol::Tcp,
            ("VirtualNetwork", "Sql"),
            ports(&[(3306, 3306)]),
            "Required for workers communication with Azure SQL services.",
        ),
        rule(
            "databricks-worker-to-storage",
            102,
            Outbound,
            Protocol::Tcp,
            ("VirtualNetwork", "Storage"),
            ports(&[(443, 443)]),
            "Required for workers communication with Azure Storage services.",
        ),
        rule(
            "databricks-worker-to-worker-outbound",
            103,
            Outbound,
            Protocol::Any,
            ("VirtualNetwork", "VirtualNetwork"),
            all_ports,
            "Required for worker nodes communication within a cluster.",
        ),
        rule(
            "databricks-worker-to-eventhub",
            104,
            Outbound,
            Protocol::Tcp,
            ("VirtualNetwork", "EventHub"),
            ports(&[(9093, 9093)]),
            "Required for worker communication with Azure Eventhub services.",
        ),
    ]);
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(rules: RequiredNsgRules, scc: bool) -> Workspace {
        let mut w: Workspace = serde_json::from_str(
            r#"{"name": "ws", "vnet": "v", "host_subnet": "h", "container_subnet": "c"}"#,
        )
        .unwrap();
        w.required_nsg_rules = rules;
        w.no_public_ip = scc;
        w
    }

    fn find<'a>(rules: &'a [NsgRule], suffix: &str) -> Option<&'a NsgRule> {
        rules.iter().find(|r| r.name.ends_with(suffix))
    }

    // databricks-net-facts §2: quickstart rule set plus the January 2025 ports.
    #[test]
    fn all_rules_include_january_2025_ports_and_are_platform_owned() {
        let r = managed_rules(&ws(RequiredNsgRules::AllRules, true));
        let web = find(&r, "worker-to-databricks-webapp").unwrap();
        assert_eq!(web.priority, 100);
        for p in [443, 3306, 8443, 8447, 8451] {
            assert!(web.destination_ports.contains(p), "port {p}");
        }
        assert!(!web.destination_ports.contains(8452));
        assert_eq!(web.destination, Some(AddressSpec::Tag("AzureDatabricks".into())));
        assert_eq!(find(&r, "worker-to-eventhub").unwrap().priority, 104);
        for rule in &r {
            assert!(rule.name.starts_with(RULE_PREFIX));
            assert_eq!(rule.managed_by.as_deref(), Some(MANAGED_BY));
            assert_eq!(rule.origin, Some(Origin::platform(MANAGED_BY)));
        }
        assert!(find(&r, "control-plane-to-worker-ssh").is_none(), "SCC has no inbound control-plane rules");
        // Azure rejects two rules with one priority in one direction.
        for a in &r {
            assert_eq!(
                r.iter().filter(|b| b.direction == a.direction && b.priority == a.priority).count(),
                1
            );
        }
    }

    // databricks-net-facts §2: NoAzureDatabricksRules drops the AzureDatabricks outbound rule.
    #[test]
    fn no_azure_databricks_rules_drops_the_control_plane_rule_only() {
        let r = managed_rules(&ws(RequiredNsgRules::NoAzureDatabricksRules, true));
        assert!(find(&r, "worker-to-databricks-webapp").is_none());
        for keep in ["worker-to-sql", "worker-to-storage", "worker-to-eventhub", "worker-to-worker-outbound"]
        {
            assert!(find(&r, keep).is_some(), "{keep}");
        }
    }

    #[test]
    fn without_scc_the_legacy_inbound_rules_appear() {
        let r = managed_rules(&ws(RequiredNsgRules::AllRules, false));
        assert!(find(&r, "control-plane-to-worker-ssh").unwrap().destination_ports.contains(22));
        assert!(find(&r, "control-plane-to-worker-proxy").unwrap().destination_ports.contains(5557));
    }
}
