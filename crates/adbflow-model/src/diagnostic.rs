//! Validation findings about the configuration itself (not about traffic).

use crate::origin::Origin;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Azure would reject the configuration, or it cannot be evaluated: exit 2.
    Error,
    /// Azure accepts it, but it is probably not what the author meant, or part of it is ignored.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable code, e.g. `subnet-outside-vnet`.
    pub code: &'static str,
    /// The element the finding is about.
    pub element: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

impl Diagnostic {
    pub fn error(
        code: &'static str,
        element: impl Into<String>,
        message: impl Into<String>,
        origin: Option<&Origin>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            element: element.into(),
            message: message.into(),
            origin: origin.cloned(),
        }
    }
    pub fn warning(
        code: &'static str,
        element: impl Into<String>,
        message: impl Into<String>,
        origin: Option<&Origin>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            code,
            element: element.into(),
            message: message.into(),
            origin: origin.cloned(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &self.origin {
            Some(o) => write!(f, "{o}: {sev}[{}]: {}: {}", self.code, self.element, self.message),
            None => write!(f, "{sev}[{}]: {}: {}", self.code, self.element, self.message),
        }
    }
}
