//! Renderers: the same [`Plan`](crate::core::plan::Plan) as terminal text, versioned JSON
//! and a Markdown PR comment (SPEC §5). They return strings; the caller prints them.

mod json;
mod markdown;
mod text;
mod values;

pub use json::{JSON_FORMAT_VERSION, render_json};
pub use markdown::{MARKDOWN_BUDGET, render_markdown};
pub use text::render_text;

#[cfg(test)]
mod set_tests;
#[cfg(test)]
mod tests;
