//! A stand-in for Microsoft's weekly `ServiceTags_Public_*.json` of the same shape and about the
//! same size (some 3,000 tags, some 100,000 prefixes), for benchmarks on machines without the real
//! file. Addresses are made up; the tag names are the real ones the generated estates use.

use crate::rng::Dice;
use adbflow_databricks::regions::builtin;
use adbflow_net::tags::region_display;
use serde_json::{json, Value};

const SERVICES: [&str; 40] = [
    "AzureActiveDirectory",
    "AzureMonitor",
    "AzureDatabricks",
    "Storage",
    "Sql",
    "EventHub",
    "AzureKeyVault",
    "AppService",
    "AzureCosmosDB",
    "ServiceBus",
    "AzureContainerRegistry",
    "AzureBackup",
    "AzureBotService",
    "AzureCognitiveSearch",
    "AzureConnectors",
    "AzureDataLake",
    "AzureDevOps",
    "AzureFrontDoor.Backend",
    "AzureIoTHub",
    "AzureMachineLearning",
    "AzureResourceManager",
    "AzureSignalR",
    "AzureSiteRecovery",
    "AzureTrafficManager",
    "BatchNodeManagement",
    "CognitiveServicesManagement",
    "DataFactory",
    "Dynamics365",
    "GatewayManager",
    "HDInsight",
    "LogicApps",
    "MicrosoftContainerRegistry",
    "PowerBI",
    "PowerPlatformInfra",
    "SqlManagement",
    "StorageSyncService",
    "WindowsVirtualDesktop",
    "AzureArcInfrastructure",
    "AzureSentinel",
    "AzurePortal",
];

fn value(name: &str, region: &str, prefixes: &[String]) -> Value {
    json!({
        "name": name,
        "id": name,
        "properties": {
            "changeNumber": 1,
            "region": region,
            "regionId": 0,
            "platform": "Azure",
            "systemService": name.split('.').next().unwrap_or(name),
            "addressPrefixes": prefixes,
            "networkFeatures": ["API", "NSG", "UDR", "FW"],
        }
    })
}

/// A service-tag file for `seed`: every service in every region of the region data with 2–30
/// prefixes, each service's top-level tag with the union of its regions, `AzureCloud.<region>`
/// and `AzureCloud` with everything.
pub fn service_tags_json(seed: u64) -> String {
    let mut dice = Dice::new(seed);
    let regions: Vec<&str> = builtin().names().collect();
    let mut values = Vec::new();
    let mut cloud_all: Vec<String> = Vec::new();
    let mut cloud_by_region: Vec<Vec<String>> = vec![Vec::new(); regions.len()];
    let mut block: u32 = 0;
    let mut next_prefix = |dice: &mut Dice| {
        // Distinct /24-to-/28 blocks walking through 20.0.0.0/6, as Azure's public space is.
        block += 1;
        let base = (20u32 << 24) + block * 256;
        let len = 24 + dice.below(5) as u8;
        format!("{}/{len}", std::net::Ipv4Addr::from(base))
    };
    for service in SERVICES {
        let mut all = Vec::new();
        for (ri, region) in regions.iter().enumerate() {
            let n = dice.between(2, 30);
            let prefixes: Vec<String> = (0..n).map(|_| next_prefix(&mut dice)).collect();
            values.push(value(&format!("{service}.{}", region_display(region)), region, &prefixes));
            cloud_by_region[ri].extend(prefixes.iter().cloned());
            all.extend(prefixes);
        }
        values.push(value(service, "", &all));
        cloud_all.extend(all);
    }
    for (ri, region) in regions.iter().enumerate() {
        values.push(value(&format!("AzureCloud.{region}"), region, &cloud_by_region[ri]));
    }
    values.push(value("AzureCloud", "", &cloud_all));
    let doc = json!({ "changeNumber": 1, "cloud": "Public", "values": values });
    serde_json::to_string(&doc).expect("a JSON value serialises")
}

#[cfg(test)]
mod tests {
    use super::*;
    use adbflow_net::ServiceTags;

    #[test]
    fn the_stand_in_reads_as_a_tag_file_of_enterprise_size() {
        let text = service_tags_json(1);
        assert_eq!(text, service_tags_json(1), "one seed, one file");
        let tags = ServiceTags::from_json("stand-in.json", &text).unwrap();
        for t in ["Storage.EastUS2", "AzureDatabricks", "AzureActiveDirectory", "AzureCloud"] {
            assert!(tags.prefixes(t).is_some_and(|p| !p.is_empty()), "{t}");
        }
        let total: usize = tags.prefixes("AzureCloud").unwrap().len();
        assert!((25_000..=60_000).contains(&total), "AzureCloud holds every prefix once: {total}");
        assert!(text.len() > 2_000_000, "megabytes, like the real file: {}", text.len());
    }
}
