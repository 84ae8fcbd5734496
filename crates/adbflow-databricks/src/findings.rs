//! Findings: what `check` wants a reader to know beyond the per-flow rows — blocked flows grouped
//! across subnets, configuration Databricks or Azure would reject, choices the twin had to infer,
//! and where the seed document's explanation differs from what the twin computed.

use crate::catalog::FlowId;
use adbflow_model::ElementRef;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingSeverity {
    /// A startup or workload flow is blocked, or the deployment would be rejected.
    Error,
    /// Probably unintended, but nothing required is blocked.
    Warning,
    /// Context: inferred choices, by-design blocks, explanations.
    Info,
}

impl FindingSeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingSeverity::Error => "error",
            FindingSeverity::Warning => "warning",
            FindingSeverity::Info => "info",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    pub severity: FindingSeverity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<FlowId>,
    /// Stable code, e.g. `flow-blocked`, `subnet-nsg-missing`.
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<ElementRef>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

impl Finding {
    pub fn new(severity: FindingSeverity, code: &'static str, message: impl Into<String>) -> Self {
        Finding {
            severity,
            workspace: None,
            flow: None,
            code,
            message: message.into(),
            element: None,
            inferred: false,
        }
    }
    pub fn workspace(mut self, ws: &str) -> Self {
        self.workspace = Some(ws.to_string());
        self
    }
    pub fn flow(mut self, id: FlowId) -> Self {
        self.flow = Some(id);
        self
    }
    pub fn element(mut self, e: ElementRef) -> Self {
        self.element = Some(e);
        self
    }
    pub fn inferred(mut self) -> Self {
        self.inferred = true;
        self
    }
}
