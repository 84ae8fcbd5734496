//! Storage account network rules: virtual-network rules need the service endpoint, IP rules must
//! be public addresses Azure accepts, bypass values are Azure's.

use super::dangling;
use crate::diagnostic::Diagnostic;
use crate::lookup::Lookup;
use crate::origin::ids;
use crate::spec::parse_prefix;
use crate::storage::StorageAccount;
use ipnet::Ipv4Net;

const BYPASS: &[&str] = &["None", "AzureServices", "Logging", "Metrics"];

pub(super) fn check(lx: &Lookup<'_>, out: &mut Vec<Diagnostic>) {
    let e = lx.estate();
    for sa in &e.storage_accounts {
        vnet_rules(lx, sa, out);
        ip_rules(sa, out);
        for b in &sa.bypass {
            if !BYPASS.contains(&b.as_str()) {
                out.push(Diagnostic::error(
                    "storage-bypass",
                    ids::storage_account(&sa.name),
                    format!("bypass value '{b}' is not one of {}", BYPASS.join(", ")),
                    sa.origin.as_ref(),
                ));
            }
        }
    }
}

fn vnet_rules(lx: &Lookup<'_>, sa: &StorageAccount, out: &mut Vec<Diagnostic>) {
    let id = || ids::storage_account(&sa.name);
    for rule in &sa.virtual_network_rules {
        let Some(s) = lx.subnet(rule) else {
            dangling(out, id(), sa.origin.as_ref(), "virtual_network_rules", "subnet", rule);
            continue;
        };
        let has_endpoint = s.subnet.service_endpoints.iter().any(|x| {
            x.eq_ignore_ascii_case("Microsoft.Storage") || x.eq_ignore_ascii_case("Microsoft.Storage.Global")
        });
        if !has_endpoint {
            out.push(Diagnostic::warning(
                "storage-rule-no-service-endpoint",
                id(),
                format!(
                    "virtual network rule for subnet '{rule}' has no effect: the subnet has no Microsoft.Storage \
                     or Microsoft.Storage.Global service endpoint, so its traffic does not carry the subnet's \
                     identity to the storage account"
                ),
                sa.origin.as_ref(),
            ));
        }
    }
}

/// RFC 1918 ranges that storage IP rules refuse.
fn private(net: &Ipv4Net) -> bool {
    ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
        .iter()
        .filter_map(|p| p.parse::<Ipv4Net>().ok())
        .any(|p| p.contains(net) || net.contains(&p))
}

fn ip_rules(sa: &StorageAccount, out: &mut Vec<Diagnostic>) {
    for rule in &sa.ip_rules {
        let problem = match parse_prefix(rule) {
            Err(why) => Some(why),
            Ok(net) if private(&net) => Some(format!(
                "'{rule}' is a private (RFC 1918) range; storage IP rules accept only public IPv4 addresses"
            )),
            // A bare address parses as /32; only a written /31 or /32 is refused.
            Ok(net) if net.prefix_len() >= 31 && rule.contains('/') => Some(format!(
                "'{rule}' uses a /{} prefix; storage IP rules do not accept /31 or /32 ranges, write the single \
                 address instead",
                net.prefix_len()
            )),
            Ok(_) => None,
        };
        if let Some(m) = problem {
            out.push(Diagnostic::error(
                "storage-ip-rule",
                ids::storage_account(&sa.name),
                m,
                sa.origin.as_ref(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::diagnostic::Severity;
    use serde_json::json;

    #[test]
    fn vnet_rule_subnet_must_exist() {
        let mut v = one_vnet();
        v["storage_accounts"] = json!([{"name": "acct", "virtual_network_rules": ["spoke/gone"]}]);
        expect_one(
            &estate(v),
            "dangling-reference",
            Severity::Error,
            "storage-account:acct",
            &["'spoke/gone'"],
        );
    }

    #[test]
    fn vnet_rule_without_service_endpoint_has_no_effect() {
        let mut v = one_vnet();
        v["vnets"][0]["subnets"][1]["service_endpoints"] = json!(["Microsoft.Storage.Global"]);
        v["storage_accounts"] =
            json!([{"name": "acct", "virtual_network_rules": ["spoke/host", "spoke/container"]}]);
        expect_one(
            &estate(v),
            "storage-rule-no-service-endpoint",
            Severity::Warning,
            "storage-account:acct",
            &["'spoke/host'", "no effect"],
        );
    }

    #[test]
    fn ip_rules_must_be_public_and_not_slash_31_or_32() {
        let e = estate(json!({"storage_accounts": [{"name": "acct",
            "ip_rules": ["10.1.0.0/16", "20.30.40.50/32", "20.30.40.0/24", "20.30.40.51", "bogus"]}]}));
        let found = with_code(&e, "storage-ip-rule");
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found.iter().any(|d| d.message.contains("RFC 1918")));
        assert!(found.iter().any(|d| d.message.contains("/32")));
        assert!(found.iter().any(|d| d.message.contains("'bogus'")));
    }

    #[test]
    fn bypass_values_are_azures() {
        let e = estate(
            json!({"storage_accounts": [{"name": "acct", "bypass": ["AzureServices", "Everything"]}]}),
        );
        expect_one(&e, "storage-bypass", Severity::Error, "storage-account:acct", &["'Everything'"]);
    }
}
