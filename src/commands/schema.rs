//! `metaform schema`: print the JSON Schema of a file metaform reads, for editors.

use crate::cli::{SchemaArgs, SchemaDocument};
use crate::core::state::document;
use crate::error::Result;

/// Runs `metaform schema <document>`: prints the JSON Schema on stdout.
pub fn run(args: SchemaArgs) -> Result<u8> {
    match args.document {
        SchemaDocument::State => print!("{}", document::json_schema()),
        SchemaDocument::Config => println!(
            "{}",
            serde_json::to_string_pretty(&crate::config::config_json_schema())
                .expect("a JSON value always serialises")
        ),
    }
    Ok(0)
}
