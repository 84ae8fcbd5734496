//! Azure resource IDs (`/subscriptions/…/providers/Microsoft.Network/virtualNetworks/v/subnets/s`)
//! split into a resource type and names, so a known ID can name a resource this input does not hold.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArmId {
    /// Lower-cased type path, `microsoft.network/virtualnetworks/subnets`.
    pub rtype: String,
    /// The names along the type path, `["v", "s"]`.
    pub names: Vec<String>,
    pub text: String,
}

impl ArmId {
    pub(crate) fn parse(id: &str) -> Option<ArmId> {
        let parts: Vec<&str> = id.trim_matches('/').split('/').collect();
        let p = parts.iter().position(|s| s.eq_ignore_ascii_case("providers"))?;
        if !parts.first()?.eq_ignore_ascii_case("subscriptions") {
            return None;
        }
        let rest = &parts[p + 1..];
        let (namespace, pairs) = rest.split_first()?;
        if pairs.is_empty() || pairs.len() % 2 != 0 || pairs.iter().any(|s| s.is_empty()) {
            return None;
        }
        let mut rtype = namespace.to_ascii_lowercase();
        let mut names = Vec::new();
        for pair in pairs.chunks(2) {
            rtype.push('/');
            rtype.push_str(&pair[0].to_ascii_lowercase());
            names.push(pair[1].to_string());
        }
        Some(ArmId { rtype, names, text: id.to_string() })
    }

    pub(crate) fn name(&self) -> &str {
        self.names.last().map(String::as_str).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnet_ids_give_type_and_both_names() {
        let id = ArmId::parse(
            "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub/subnets/AzureFirewallSubnet",
        )
        .unwrap();
        assert_eq!(id.rtype, "microsoft.network/virtualnetworks/subnets");
        assert_eq!(id.names, vec!["hub", "AzureFirewallSubnet"]);
        assert_eq!(id.name(), "AzureFirewallSubnet");
    }

    #[test]
    fn non_resource_ids_are_refused() {
        assert!(ArmId::parse("/services/Azure/Databricks").is_none());
        assert!(ArmId::parse("/subscriptions/0000/resourceGroups/rg").is_none());
        assert!(ArmId::parse(
            "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks"
        )
        .is_none());
    }
}
