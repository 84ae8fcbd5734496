use super::report::{assess, emit};
use super::Outcome;
use crate::cli::{DiagramArgs, DiagramFormat, DiagramView};
use crate::error::CliError;
use adbflow_report::diagram;

pub fn run(args: &DiagramArgs) -> Result<Outcome, CliError> {
    if args.view == DiagramView::Sequence && args.format != DiagramFormat::Mermaid {
        return Err(CliError::Usage(
            "the startup sequence is drawn as a mermaid sequenceDiagram: use --format mermaid with --view sequence"
                .into(),
        ));
    }
    let a = assess(&args.input, args.workspace.as_deref())?;
    let text = match args.view {
        DiagramView::Sequence => {
            adbflow_report::check::render_flows_mermaid(&adbflow_databricks::sequence(&a.check))
        }
        DiagramView::Topology => {
            let t = diagram::topology(&a.prepared.estate, &a.check);
            match args.format {
                DiagramFormat::Svg => diagram::svg::render(&t),
                DiagramFormat::Mermaid => diagram::mermaid::render(&t),
                DiagramFormat::Dot => diagram::dot::render(&t),
            }
        }
    };
    let stdout = emit(args.output.as_deref(), text)?;
    Ok(Outcome { stdout: stdout.into(), exit: if a.check.exit_code() == 0 { 0 } else { 1 } })
}
