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
        let (element, message) = (shorten_long_runs(&self.element), shorten_long_runs(&self.message));
        match &self.origin {
            Some(o) => write!(f, "{o}: {sev}[{}]: {element}: {message}", self.code),
            None => write!(f, "{sev}[{}]: {element}: {message}", self.code),
        }
    }
}

/// Longest run of non-blank characters a message repeats whole; longer runs (a 100 MB name in a
/// hostile input) are shown by their start and length, so an error stays readable and small.
pub const MAX_RUN_CHARS: usize = 200;

/// `text` with every run of more than [`MAX_RUN_CHARS`] non-blank characters cut to its first 60
/// and a note of its length.
pub fn shorten_long_runs(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= MAX_RUN_CHARS {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut run = String::new();
    let mut run_chars = 0usize;
    let flush = |out: &mut String, run: &mut String, run_chars: &mut usize| {
        if *run_chars > MAX_RUN_CHARS {
            let head: String = run.chars().take(60).collect();
            out.push_str(&format!("{head}…[{run_chars} characters]"));
        } else {
            out.push_str(run);
        }
        run.clear();
        *run_chars = 0;
    };
    for c in text.chars() {
        if c.is_whitespace() {
            flush(&mut out, &mut run, &mut run_chars);
            out.push(c);
        } else {
            run_chars += 1;
            // Past the limit only the count grows: a huge run is never copied whole.
            if run_chars <= MAX_RUN_CHARS + 1 {
                run.push(c);
            }
        }
    }
    flush(&mut out, &mut run, &mut run_chars);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_runs_are_cut_and_short_text_is_untouched() {
        assert_eq!(shorten_long_runs("vnet 'spoke' overlaps"), "vnet 'spoke' overlaps");
        let name = "a".repeat(10_000);
        let text = format!("vnet:{name} has a name of 10000 characters");
        let shown = shorten_long_runs(&text);
        assert!(shown.starts_with(&format!("vnet:{}…[10005 characters] has", "a".repeat(55))), "{shown}");
        assert!(shown.len() < 200, "{shown}");
    }
}
