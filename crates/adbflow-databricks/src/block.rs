//! Why a flow is blocked: the network engine's reason codes, plus the few that only Databricks'
//! own rules produce.

use adbflow_model::ElementRef;
use adbflow_net::ReasonCode;
use serde::{Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BlockReason {
    /// Decided by the Azure semantics engine.
    Net(ReasonCode),
    /// A workspace subnet has no NSG: Azure does not deploy the workspace, so no node ever runs there.
    SubnetNsgMissing,
}

impl BlockReason {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockReason::Net(r) => r.as_str(),
            BlockReason::SubnetNsgMissing => "SUBNET_NSG_MISSING",
        }
    }
}

impl fmt::Display for BlockReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for BlockReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The element that blocked a flow, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowBlock {
    pub reason_code: BlockReason,
    pub element: ElementRef,
    pub message: String,
    /// True when the block rests on an inference (e.g. how the control plane treats public traffic).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}
