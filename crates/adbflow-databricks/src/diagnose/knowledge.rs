//! The diagnosis knowledge table (`data/diagnose.toml`): what each termination code and reported
//! symptom means, which blocked flows of a model explain it, and the generic causes to look at
//! otherwise — every meaning and cause with its source and date, inferred ones marked.

use crate::catalog::{FlowId, Requirement};
use crate::regions::DataError;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use toml::Spanned;

const BUILTIN: &str = include_str!("../../data/diagnose.toml");
const BUILTIN_NAME: &str = "diagnose.toml";

/// When in a cluster's life the problem shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The launch fails: the cluster never reaches RUNNING.
    Launch,
    /// The cluster runs; work on it fails.
    Running,
    /// The cluster starts, slowly.
    Timing,
    /// Any time (e.g. DNS).
    Any,
    /// No network cause is known.
    NotNetwork,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Launch => "launch",
            Stage::Running => "running",
            Stage::Timing => "timing",
            Stage::Any => "any",
            Stage::NotNetwork => "not-network",
        }
    }
}

/// What must be modelled to explain an entry from a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Needs {
    /// The flow walk of `check`.
    #[default]
    Check,
    /// Startup timing (the lifecycle simulation).
    Timing,
    /// Address and port capacity.
    Capacity,
}

impl Needs {
    pub fn as_str(self) -> &'static str {
        match self {
            Needs::Check => "check",
            Needs::Timing => "timing",
            Needs::Capacity => "capacity",
        }
    }

    /// What the model lacks, for the report's note.
    pub fn missing_model(self) -> &'static str {
        match self {
            Needs::Check => "",
            Needs::Timing => {
                "startup timing (diagnose does not consult the lifecycle simulation yet; `adbflow simulate` shows this deployment's timeline phase by phase)"
            }
            Needs::Capacity => {
                "subnet address capacity (diagnose does not consult the capacity model yet; `adbflow capacity` shows the binding limit)"
            }
        }
    }
}

/// How well a matching block explains the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strength {
    /// The block produces exactly what the user reports.
    Exact,
    /// The code's or symptom's meaning covers the block.
    Related,
}

impl Strength {
    pub fn as_str(self) -> &'static str {
        match self {
            Strength::Exact => "exact",
            Strength::Related => "related",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    Cluster,
    User,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDef {
    pub id: Spanned<String>,
    pub title: String,
    #[serde(default)]
    pub url: String,
    pub as_of: String,
}

/// Which blocked flows explain an entry; every given key must hold.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    #[serde(default)]
    pub flows: Vec<Spanned<String>>,
    #[serde(default)]
    pub reasons: Vec<Spanned<String>>,
    /// `startup`, `workload` or `optional`.
    #[serde(default)]
    pub requirement: Vec<Spanned<String>>,
    #[serde(default)]
    pub side: Vec<Side>,
    #[serde(default)]
    pub element_kinds: Vec<String>,
    #[serde(default)]
    pub fix_kinds: Vec<String>,
    #[serde(default)]
    pub by_design: bool,
    pub strength: Strength,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CauseDef {
    pub cause: String,
    #[serde(default)]
    pub confirm: Option<String>,
    pub source: Spanned<String>,
    #[serde(default)]
    pub as_of: Option<String>,
    #[serde(default)]
    pub inferred: bool,
}

/// A termination code or a symptom.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    #[serde(alias = "code", alias = "name")]
    pub key: Spanned<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub variants: Vec<String>,
    pub meaning: String,
    pub source: Spanned<String>,
    #[serde(default)]
    pub as_of: Option<String>,
    #[serde(default)]
    pub inferred: bool,
    pub stage: Stage,
    #[serde(default)]
    pub needs: Needs,
    #[serde(default)]
    pub related_codes: Vec<String>,
    #[serde(default, rename = "match")]
    pub matches: Vec<Selector>,
    pub causes: Vec<CauseDef>,
}

impl Entry {
    pub fn key(&self) -> &str {
        self.key.get_ref()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Knowledge {
    pub schema_version: u32,
    pub sources: Vec<SourceDef>,
    pub symptoms: Vec<Entry>,
    pub codes: Vec<Entry>,
}

/// Every blocking reason a flow can carry, for validating the data's `reasons`.
/// Every blocking reason a flow can carry (adbflow-net's reason codes and `SUBNET_NSG_MISSING`), for
/// validating the data's `reasons`; a test keeps the list in step with `ReasonCode`.
const REASONS: [&str; 10] = [
    "NSG_DENIED",
    "ROUTE_NONE",
    "NO_OUTBOUND_CONNECTIVITY",
    "FIREWALL_DENIED",
    "DNS_RESOLUTION_FAILED",
    "DESTINATION_DENIED",
    "PRIVATE_ENDPOINT_NOT_APPROVED",
    "NEXT_HOP_UNREACHABLE",
    "SERVICE_ENDPOINT_POLICY_DENIED",
    "SUBNET_NSG_MISSING",
];

const REQUIREMENTS: [Requirement; 3] = [Requirement::Startup, Requirement::Workload, Requirement::Optional];

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, column)
}

/// The knowledge compiled into the binary.
// Built-in data shipped in the binary and parsed by a unit test: failing here is a build
// defect, never the user's input.
#[allow(clippy::expect_used)]
pub fn builtin() -> &'static Knowledge {
    static DATA: OnceLock<Knowledge> = OnceLock::new();
    DATA.get_or_init(|| {
        Knowledge::parse(BUILTIN_NAME, BUILTIN).expect("the embedded diagnosis data is checked by tests")
    })
}

impl Knowledge {
    /// Parse and check a knowledge table: unknown keys, flow IDs, reason codes, source ids and
    /// duplicate codes are errors naming file:line:column.
    pub fn parse(file: &str, text: &str) -> Result<Knowledge, DataError> {
        let err = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            DataError { file: file.into(), line, column, message }
        };
        let k: Knowledge = toml::from_str(text)
            .map_err(|e| err(e.span().map(|s| s.start).unwrap_or(0), e.message().into()))?;
        if k.schema_version != 1 {
            return Err(err(0, format!("schema_version {} is not supported (expected 1)", k.schema_version)));
        }
        let known_source = |s: &Spanned<String>| {
            if k.sources.iter().any(|d| d.id.get_ref() == s.get_ref()) {
                Ok(())
            } else {
                Err(err(s.span().start, format!("unknown source '{}': add it to [[sources]]", s.get_ref())))
            }
        };
        let mut seen: Vec<&str> = Vec::new();
        for (i, s) in k.sources.iter().enumerate() {
            if k.sources[..i].iter().any(|d| d.id.get_ref() == s.id.get_ref()) {
                return Err(err(s.id.span().start, format!("source '{}' is defined twice", s.id.get_ref())));
            }
        }
        let entries = k.symptoms.iter().map(|e| (e, false)).chain(k.codes.iter().map(|e| (e, true)));
        for (e, is_code) in entries {
            for name in std::iter::once(e.key()).chain(e.variants.iter().map(String::as_str)) {
                if seen.contains(&name) {
                    return Err(err(e.key.span().start, format!("'{name}' is described twice")));
                }
                if is_code && !is_code_shaped(name) {
                    return Err(err(
                        e.key.span().start,
                        format!("'{name}' is not a termination code (UPPER_SNAKE_CASE)"),
                    ));
                }
                seen.push(name);
            }
            known_source(&e.source)?;
            if e.causes.is_empty() {
                return Err(err(e.key.span().start, format!("'{}' has no generic causes", e.key())));
            }
            for c in &e.causes {
                known_source(&c.source)?;
            }
            for m in &e.matches {
                for f in &m.flows {
                    if FlowId::parse(f.get_ref()).is_none() {
                        return Err(err(f.span().start, format!("unknown flow ID '{}'", f.get_ref())));
                    }
                }
                for r in &m.requirement {
                    if !REQUIREMENTS.iter().any(|q| q.as_str() == r.get_ref()) {
                        return Err(err(
                            r.span().start,
                            format!(
                                "unknown requirement '{}'; known: startup, workload, optional",
                                r.get_ref()
                            ),
                        ));
                    }
                }
                for r in &m.reasons {
                    if !REASONS.contains(&r.get_ref().as_str()) {
                        return Err(err(
                            r.span().start,
                            format!("unknown reason code '{}'; known: {}", r.get_ref(), REASONS.join(", ")),
                        ));
                    }
                }
            }
        }
        Ok(k)
    }

    pub fn source(&self, id: &str) -> Option<&SourceDef> {
        self.sources.iter().find(|s| s.id.get_ref() == id)
    }

    pub fn symptom(&self, name: &str) -> Option<&Entry> {
        self.symptoms.iter().find(|e| e.key() == name)
    }

    /// The entry describing `code` (itself or as a variant), matched without regard to case.
    pub fn code(&self, code: &str) -> Option<&Entry> {
        self.codes.iter().find(|e| {
            e.key().eq_ignore_ascii_case(code) || e.variants.iter().any(|v| v.eq_ignore_ascii_case(code))
        })
    }

    /// Every code described, variants included, sorted.
    pub fn code_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .codes
            .iter()
            .flat_map(|e| std::iter::once(e.key()).chain(e.variants.iter().map(String::as_str)))
            .collect();
        v.sort_unstable();
        v
    }

    pub fn symptom_names(&self) -> Vec<&str> {
        self.symptoms.iter().map(Entry::key).collect()
    }
}

fn is_code_shaped(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && s.starts_with(|c: char| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_parses_and_every_fact_has_a_dated_source() {
        let k = builtin();
        assert_eq!(k.schema_version, 1);
        for s in &k.sources {
            assert!(!s.title.is_empty() && s.as_of.len() == 10, "{}", s.id.get_ref());
        }
        for e in k.symptoms.iter().chain(&k.codes) {
            assert!(!e.meaning.is_empty(), "{}", e.key());
            assert!(!e.causes.is_empty(), "{}", e.key());
        }
    }

    #[test]
    fn the_reason_list_names_every_net_reason_code() {
        use adbflow_net::ReasonCode::*;
        for r in [
            NsgDenied,
            RouteNone,
            NoOutboundConnectivity,
            FirewallDenied,
            DnsResolutionFailed,
            DestinationDenied,
            PrivateEndpointNotApproved,
            NextHopUnreachable,
            ServiceEndpointPolicyDenied,
        ] {
            assert!(REASONS.contains(&r.as_str()), "{r}");
        }
        assert!(REASONS.contains(&crate::BlockReason::SubnetNsgMissing.as_str()));
    }

    #[test]
    fn codes_are_found_by_name_or_variant_in_any_case() {
        let k = builtin();
        assert_eq!(k.code("npip_tunnel_setup_failure").unwrap().key(), "NPIP_TUNNEL_SETUP_FAILURE");
        assert_eq!(
            k.code("CONTROL_PLANE_REQUEST_FAILURE_DUE_TO_MISCONFIG").unwrap().key(),
            "CONTROL_PLANE_REQUEST_FAILURE"
        );
        assert!(k.code("NOT_A_CODE").is_none());
        let names = k.code_names();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
    }

    fn parse_err(text: &str) -> String {
        Knowledge::parse("k.toml", text).unwrap_err().to_string()
    }

    const HEAD: &str =
        "schema_version = 1\nsymptoms = []\n[[sources]]\nid = \"s\"\ntitle = \"t\"\nas_of = \"2026-01-01\"\n";

    #[test]
    fn bad_data_is_an_error_with_its_position() {
        let unknown_flow = format!(
            "{HEAD}[[codes]]\ncode = \"X_FAILURE\"\nmeaning = \"m\"\nsource = \"s\"\nstage = \"launch\"\n\
             [[codes.match]]\nflows = [\"nope\"]\nstrength = \"exact\"\nwhy = \"w\"\n\
             [[codes.causes]]\ncause = \"c\"\nsource = \"s\"\n"
        );
        let e = parse_err(&unknown_flow);
        assert!(e.starts_with("k.toml:13:10:") && e.contains("unknown flow ID 'nope'"), "{e}");

        let unknown_source = format!(
            "{HEAD}[[codes]]\ncode = \"X_FAILURE\"\nmeaning = \"m\"\nsource = \"zz\"\nstage = \"launch\"\n\
             [[codes.causes]]\ncause = \"c\"\nsource = \"s\"\n"
        );
        let e = parse_err(&unknown_source);
        assert!(e.starts_with("k.toml:10:") && e.contains("unknown source 'zz'"), "{e}");

        let bad_reason = format!(
            "{HEAD}[[codes]]\ncode = \"X_FAILURE\"\nmeaning = \"m\"\nsource = \"s\"\nstage = \"launch\"\n\
             [[codes.match]]\nreasons = [\"BLOCKED\"]\nstrength = \"exact\"\nwhy = \"w\"\n\
             [[codes.causes]]\ncause = \"c\"\nsource = \"s\"\n"
        );
        assert!(parse_err(&bad_reason).contains("unknown reason code 'BLOCKED'"));

        let twice = format!(
            "{HEAD}[[codes]]\ncode = \"X_FAILURE\"\nvariants = [\"X_FAILURE\"]\nmeaning = \"m\"\nsource = \"s\"\n\
             stage = \"launch\"\n[[codes.causes]]\ncause = \"c\"\nsource = \"s\"\n"
        );
        assert!(parse_err(&twice).contains("'X_FAILURE' is described twice"));

        let lower = format!(
            "{HEAD}[[codes]]\ncode = \"oops\"\nmeaning = \"m\"\nsource = \"s\"\nstage = \"launch\"\n\
             [[codes.causes]]\ncause = \"c\"\nsource = \"s\"\n"
        );
        assert!(parse_err(&lower).contains("not a termination code"));

        let no_causes =
            format!("{HEAD}[[codes]]\ncode = \"X\"\nmeaning = \"m\"\nsource = \"s\"\nstage = \"launch\"\ncauses = []\n");
        assert!(parse_err(&no_causes).contains("no generic causes"));

        let e = parse_err("schema_version = 1\ncolour = 1\nsources = []\nsymptoms = []\ncodes = []\n");
        assert!(e.starts_with("k.toml:2:1:") && e.contains("colour"), "{e}");
    }
}
