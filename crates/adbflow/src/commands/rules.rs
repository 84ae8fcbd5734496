use super::Outcome;
use crate::cli::{RulesArgs, TableOrJson};
use crate::error::CliError;
use crate::input;
use adbflow_model::Direction;
use adbflow_net::nsg;
use adbflow_net::routes::RouteOptions;
use adbflow_report::rules::RulesReport;

pub fn run(args: &RulesArgs) -> Result<Outcome, CliError> {
    let net = input::network(&args.input, RouteOptions::default())?;
    input::require_subnet(&net, &args.subnet)?;
    let subnet = net.estate().subnet(&args.subnet).expect("checked above");
    let nsg = subnet.subnet.nsg.as_deref().and_then(|n| net.estate().nsg(n));
    let (inbound, outbound) = match nsg {
        Some(n) => {
            (nsg::effective_rules(n, Direction::Inbound), nsg::effective_rules(n, Direction::Outbound))
        }
        None => (Vec::new(), Vec::new()),
    };
    let report = RulesReport {
        schema_version: 1,
        subnet: &args.subnet,
        nsg: nsg.map(|n| n.name.as_str()),
        inbound: &inbound,
        outbound: &outbound,
    };
    Ok(Outcome::ok(match args.format {
        TableOrJson::Table => adbflow_report::rules::table(&report),
        TableOrJson::Json => adbflow_report::rules::json(&report),
    }))
}
