//! What the workspace offers: node types, Spark versions and zones (`data/catalog.toml`, with its
//! sources). The answers of `list-node-types`, `spark-versions` and `list-zones`.

use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::OnceLock;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Provenance {
    node_types_source: String,
    spark_versions_source: String,
    zones_source: String,
    as_of: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeType {
    node_type_id: String,
    num_cores: u32,
    memory_mb: u64,
    category: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SparkVersion {
    key: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Zones {
    zones: Vec<String>,
    default_zone: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    provenance: Provenance,
    node_types: Vec<NodeType>,
    spark_versions: Vec<SparkVersion>,
    zones: Zones,
}

const CATALOG_TOML: &str = include_str!("../data/catalog.toml");

/// The built-in catalog; the file ships with the binary and a test parses it, so failure here is a
/// build defect, not user input.
pub fn builtin() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| match toml::from_str(CATALOG_TOML) {
        Ok(c) => c,
        Err(e) => panic!("data/catalog.toml is part of the build and must parse: {e}"),
    })
}

impl Catalog {
    /// `ListNodeTypesResponse`.
    pub fn node_types(&self) -> Value {
        let types: Vec<Value> = self
            .node_types
            .iter()
            .map(|n| {
                json!({
                    "node_type_id": n.node_type_id,
                    "instance_type_id": n.node_type_id,
                    "num_cores": n.num_cores,
                    "memory_mb": n.memory_mb,
                    "num_gpus": 0,
                    "category": n.category,
                    "description": n.node_type_id,
                    "is_deprecated": false,
                    "is_hidden": false,
                    "photon_driver_capable": true,
                    "photon_worker_capable": true,
                })
            })
            .collect();
        json!({ "node_types": types })
    }

    /// `GetSparkVersionsResponse`.
    pub fn spark_versions(&self) -> Value {
        let versions: Vec<Value> =
            self.spark_versions.iter().map(|v| json!({"key": v.key, "name": v.name})).collect();
        json!({ "versions": versions })
    }

    /// `ListAvailableZonesResponse`.
    pub fn zones(&self) -> Value {
        json!({ "zones": self.zones.zones, "default_zone": self.zones.default_zone })
    }

    /// Where the lists come from, for the server's start-up line and docs.
    pub fn provenance(&self) -> String {
        let p = &self.provenance;
        format!(
            "node types: {}; Spark versions: {}; zones: {} (as of {})",
            p.node_types_source, p.spark_versions_source, p.zones_source, p.as_of
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_catalog_parses_and_offers_the_default_node_type() {
        let c = builtin();
        let types = c.node_types();
        assert!(types["node_types"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["node_type_id"] == "Standard_DS3_v2"));
        assert!(c.spark_versions()["versions"].as_array().unwrap().len() >= 3);
        assert!(c.provenance().contains("as of 2026-11-25"));
    }
}
