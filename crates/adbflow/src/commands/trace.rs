use super::Outcome;
use crate::cli::{ProtocolArg, TableOrJson, TraceArgs};
use crate::error::CliError;
use crate::input;
use adbflow_model::Protocol;
use adbflow_net::routes::RouteOptions;
use adbflow_net::FlowSpec;

/// Split `HOST[:PORT]`; the port defaults to 443.
pub fn parse_destination(to: &str) -> Result<(String, u16), CliError> {
    let (host, port) = match to.rsplit_once(':') {
        Some((h, p)) => {
            let port = p
                .parse::<u16>()
                .map_err(|_| CliError::Usage(format!("--to {to}: '{p}' is not a port number (0-65535)")))?;
            (h, port)
        }
        None => (to, 443),
    };
    if host.is_empty() {
        return Err(CliError::Usage(format!("--to {to}: the host is empty")));
    }
    Ok((host.to_string(), port))
}

pub fn run(args: &TraceArgs) -> Result<Outcome, CliError> {
    let (host, port) = parse_destination(&args.to)?;
    let options =
        RouteOptions { drop_reserved_none_routes_under_default_udr: !args.keep_reserved_none_routes };
    let net = input::network(&args.input, options)?;
    input::require_subnet(&net, &args.from)?;
    let protocol = match args.protocol {
        ProtocolArg::Tcp => Protocol::Tcp,
        ProtocolArg::Udp => Protocol::Udp,
        ProtocolArg::Icmp => Protocol::Icmp,
    };
    let trace =
        net.trace(&FlowSpec { from_subnet: args.from.as_str().into(), to_host: host.into(), port, protocol });
    let stdout = match args.format {
        TableOrJson::Table => adbflow_report::trace::table(&trace),
        TableOrJson::Json => adbflow_report::trace::json(&trace),
    };
    Ok(Outcome { stdout: stdout.into(), exit: if trace.is_delivered() { 0 } else { 1 } })
}
