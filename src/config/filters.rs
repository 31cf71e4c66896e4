//! Name filters with OpenMetadata's semantics (`metadata/utils/filters.py` `_filter`,
//! shared/reference/openmetadata-connectors.md §1.6):
//! - each pattern is a regex matched at the start of the name (Python `re.match`),
//!   case-insensitively;
//! - an exclude match filters the name out, whatever the includes say;
//! - with includes, a name matching none of them is filtered out;
//! - an empty name is always filtered out.
//!
//! Patterns are compiled when the configuration is loaded, so a bad regex is reported
//! with its line before any request is made.

use regex::Regex;

/// Include and exclude patterns for one level (databases, schemas or tables).
#[derive(Debug, Clone, Default)]
pub struct NameFilter {
    includes: Vec<Regex>,
    excludes: Vec<Regex>,
}

impl NameFilter {
    /// Compiles patterns. On failure returns the index of the bad pattern (includes first,
    /// then excludes) and the regex engine's explanation.
    pub fn new(includes: &[&str], excludes: &[&str]) -> Result<Self, (usize, String)> {
        let compile = |offset: usize, patterns: &[&str]| {
            patterns
                .iter()
                .enumerate()
                .map(|(i, p)| compile(p).map_err(|e| (offset + i, e)))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Self {
            includes: compile(0, includes)?,
            excludes: compile(includes.len(), excludes)?,
        })
    }

    /// Whether `name` passes the filter (is kept).
    pub fn keeps(&self, name: &str) -> bool {
        if name.is_empty() {
            return false;
        }
        if self.excludes.iter().any(|re| re.is_match(name)) {
            return false;
        }
        self.includes.is_empty() || self.includes.iter().any(|re| re.is_match(name))
    }
}

/// Compiles one pattern, anchored at the start and case-insensitive like `re.match(p, name,
/// re.IGNORECASE)`. Python-only syntax such as look-arounds is rejected with the reason.
fn compile(pattern: &str) -> Result<Regex, String> {
    let pattern = super::interpolate::restore(pattern);
    Regex::new(&format!("(?i)^(?:{pattern})")).map_err(|e| match e {
        regex::Error::Syntax(text) => text
            .lines()
            .last()
            .unwrap_or("invalid regex")
            .trim_start_matches("error: ")
            .to_owned(),
        other => other.to_string(),
    })
}

/// The source filters, one per level.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Applied to database names.
    pub databases: NameFilter,
    /// Applied to schema names.
    pub schemas: NameFilter,
    /// Applied to table names.
    pub tables: NameFilter,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(includes: &[&str], excludes: &[&str]) -> NameFilter {
        NameFilter::new(includes, excludes).unwrap()
    }

    /// No patterns keep every non-empty name, and an empty name is always dropped.
    #[test]
    fn empty_filter_keeps_everything_but_empty_names() {
        let f = filter(&[], &[]);
        assert!(f.keeps("anything"));
        assert!(!f.keeps(""));
    }

    /// Patterns are anchored at the start only and ignore case.
    #[test]
    fn matches_at_start_case_insensitively() {
        let f = filter(&["dim"], &[]);
        assert!(f.keeps("dim_address"));
        assert!(f.keeps("DIM.shop"));
        assert!(!f.keeps("fact_dim"));
        let f = filter(&[".*order"], &[]);
        assert!(f.keeps("fact_order_items"));
    }

    /// An exclude match wins over an include match.
    #[test]
    fn exclude_wins() {
        let f = filter(&["dim.*"], &["dim_staff"]);
        assert!(f.keeps("dim_address"));
        assert!(!f.keeps("dim_staff"));
        assert!(!f.keeps("fact_sale"));
    }

    /// An invalid pattern reports its index and a reason.
    #[test]
    fn invalid_pattern_is_reported_with_its_index() {
        let (index, reason) = NameFilter::new(&["ok"], &["(unclosed"]).unwrap_err();
        assert_eq!(index, 1);
        assert!(reason.contains("unclosed"), "{reason}");
        let (index, reason) = NameFilter::new(&["a(?=b)"], &[]).unwrap_err();
        assert_eq!(index, 0);
        assert!(reason.contains("look-around"), "{reason}");
    }
}
