use super::Outcome;
use crate::cli::{RoutesArgs, TableOrJson};
use crate::error::CliError;
use crate::input;
use adbflow_net::routes::RouteOptions;

pub fn run(args: &RoutesArgs) -> Result<Outcome, CliError> {
    let options =
        RouteOptions { drop_reserved_none_routes_under_default_udr: !args.keep_reserved_none_routes };
    let net = input::network(&args.input, options)?;
    input::require_subnet(&net, &args.subnet)?;
    let shown = net.routes(&args.subnet);
    let routes = shown.as_deref().unwrap_or(&[]);
    let bgp_off = net
        .estate()
        .subnet(&args.subnet)
        .and_then(|s| s.subnet.route_table.as_deref())
        .and_then(|rt| net.estate().route_table(rt))
        .is_some_and(|rt| rt.disable_bgp_route_propagation);
    Ok(Outcome::ok(match args.format {
        TableOrJson::Table => adbflow_report::routes::table(&args.subnet, routes),
        TableOrJson::Json => adbflow_report::routes::json(routes, bgp_off),
    }))
}
