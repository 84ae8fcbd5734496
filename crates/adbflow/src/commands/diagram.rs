use super::report::emit;
use super::Outcome;
use crate::cli::{DiagramArgs, DiagramFormat, DiagramView};
use crate::error::CliError;
use crate::input;
use adbflow_databricks::check::check_prepared;
use adbflow_databricks::CheckOptions;
use adbflow_report::diagram;

pub fn run(args: &DiagramArgs) -> Result<Outcome, CliError> {
    if args.view == DiagramView::Sequence && args.format != DiagramFormat::Mermaid {
        return Err(CliError::Usage(
            "the startup sequence is drawn as a mermaid sequenceDiagram: use --format mermaid with --view sequence"
                .into(),
        ));
    }
    // The estate as Databricks leaves it and its check; not the security answer, which a diagram
    // does not draw (its exfiltration probes walk a second network).
    let input::Inputs { estate, regions, tags } = input::load_inputs(&args.input)?;
    let options = CheckOptions { regions: &regions, workspace: args.workspace.as_deref() };
    let prepared = adbflow_databricks::prepare(&estate, options.regions, options.workspace)
        .map_err(|e| CliError::Input(e.to_string()))?;
    let check = check_prepared(&prepared, &tags);
    let text = match args.view {
        DiagramView::Sequence => {
            adbflow_report::check::render_flows_mermaid(&adbflow_databricks::sequence(&check))
        }
        DiagramView::Topology => {
            let t = diagram::topology(&prepared.estate, &check);
            match args.format {
                DiagramFormat::Svg => diagram::svg::render(&t),
                DiagramFormat::Mermaid => diagram::mermaid::render(&t),
                DiagramFormat::Dot => diagram::dot::render(&t),
            }
        }
    };
    let stdout = emit(args.output.as_deref(), text)?;
    Ok(Outcome { stdout: stdout.into(), exit: if check.exit_code() == 0 { 0 } else { 1 } })
}
