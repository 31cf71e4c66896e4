//! `metaform schema`: print the JSON Schema of a file metaform reads, for editors.

use crate::cli::{SchemaArgs, SchemaDocument};
use crate::core::state::document;
use crate::error::Result;
use crate::exit_status::ExitStatus;
use crate::output::{ColorChoice, Printer};

/// Runs `metaform schema <document>`: prints the JSON Schema on stdout
/// (exit 1 when stdout is closed).
pub fn run(args: SchemaArgs) -> Result<ExitStatus> {
    let text = match args.document {
        SchemaDocument::State => document::json_schema(),
        SchemaDocument::Config => {
            serde_json::to_string_pretty(&crate::config::config_json_schema())
                .expect("a JSON value always serialises")
        }
    };
    Printer::new(ColorChoice::Never).data(&text)?;
    Ok(ExitStatus::Success)
}
