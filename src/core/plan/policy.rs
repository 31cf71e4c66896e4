//! The rules a plan must obey: pruning, blast-radius percentages, protected addresses and
//! ignored fields (SPEC §2 `policy`, §5.3).
//!
//! Refusals name the rule that fired and how to override it (`--force` for the
//! percentages; nothing for `protect`), because a refusal nobody understands gets
//! "fixed" by deleting the rule.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::core::objects::Address;

use super::datasource::datasource_of;
use super::glob::glob_match;
use super::item::{Action, PlanItem};

/// Whether objects that are no longer desired may be deleted (`policy.prune`, written
/// `never` or `owned`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Prune {
    /// Delete nothing; report such objects as orphans.
    Never,
    /// Delete owned objects in data sources whose objects can be deleted.
    Owned,
}

/// `address-glob:field` — changes to `field` on matching objects are never planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRule {
    /// Glob over the displayed address (see [`glob_match`]).
    pub address: String,
    /// Glob over the field name (usually a plain name such as `description`).
    pub field: String,
}

impl FromStr for IgnoreRule {
    type Err = String;

    /// Parses `address-glob:field`, splitting at the last `:` (addresses may contain `::`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.rsplit_once(':') {
            Some((address, field)) if !address.is_empty() && !field.is_empty() => Ok(IgnoreRule {
                address: address.to_string(),
                field: field.to_string(),
            }),
            _ => Err(format!(
                "ignore rule `{text}` is not of the form `address-glob:field` (e.g. `svc.db.*:description`)"
            )),
        }
    }
}

impl IgnoreRule {
    /// Whether this rule ignores `field` on the object at `address`.
    pub fn matches(&self, address: &str, field: &str) -> bool {
        glob_match(&self.field, field) && glob_match(&self.address, address)
    }
}

/// The rules one plan run obeys.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Whether undesired owned objects are deleted.
    pub prune: Prune,
    /// Most deletes allowed, as a percentage of a data source's current objects.
    pub max_delete_percent: f64,
    /// Most updated objects allowed, as a percentage of a data source's current objects.
    pub max_update_percent: f64,
    /// Globs over displayed addresses that are never deleted; nothing overrides them.
    pub protect: Vec<String>,
    /// Field changes that are never planned (updates only; a create sets every field).
    pub ignore: Vec<IgnoreRule>,
    /// Set by `--force`: lets a plan exceed the percentages. Never overrides `protect`.
    pub force: bool,
}

impl Default for Policy {
    /// The defaults of SPEC §2: `prune: owned`, 30% deletes, 50% updates, no force.
    fn default() -> Self {
        Policy {
            prune: Prune::Owned,
            max_delete_percent: 30.0,
            max_update_percent: 50.0,
            protect: Vec::new(),
            ignore: Vec::new(),
            force: false,
        }
    }
}

/// Why a plan was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyViolation {
    /// A delete of an address matched by a `protect` pattern.
    Protected {
        /// The pattern that matched.
        pattern: String,
        /// The object that would have been deleted.
        address: Address,
    },
    /// More deletes than `maxDeletePercent` allows in one data source.
    TooManyDeletes(Excess),
    /// More updated objects than `maxUpdatePercent` allows in one data source.
    TooManyUpdates(Excess),
}

/// How far a plan exceeds a percentage rule in one data source.
#[derive(Debug, Clone, PartialEq)]
pub struct Excess {
    /// The data source.
    pub datasource: Address,
    /// Objects the plan would delete (or update).
    pub count: usize,
    /// Objects the data source holds now.
    pub total: usize,
    /// The policy limit, in percent.
    pub limit: f64,
}

impl Excess {
    fn percent(&self) -> f64 {
        self.count as f64 * 100.0 / self.total as f64
    }
}

impl fmt::Display for PolicyViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyViolation::Protected { pattern, address } => write!(
                f,
                "refusing to delete `{address}`: it matches the policy.protect pattern `{pattern}` \
                 (nothing overrides protect; remove the pattern or keep the object in the desired state)"
            ),
            PolicyViolation::TooManyDeletes(e) => write!(
                f,
                "refusing to delete {} of {} objects ({:.1}%) in data source `{}`: above \
                 policy.maxDeletePercent {}%; review the plan, then re-run with --force to proceed",
                e.count,
                e.total,
                e.percent(),
                e.datasource,
                e.limit
            ),
            PolicyViolation::TooManyUpdates(e) => write!(
                f,
                "refusing to update {} of {} objects ({:.1}%) in data source `{}`: above \
                 policy.maxUpdatePercent {}%; review the plan, then re-run with --force to proceed",
                e.count,
                e.total,
                e.percent(),
                e.datasource,
                e.limit
            ),
        }
    }
}

/// Drops the field changes `policy.ignore` covers from an update's changes.
pub(super) fn drop_ignored(policy: &Policy, item: &mut PlanItem) {
    if policy.ignore.is_empty() {
        return;
    }
    let shown = item.address.to_string();
    item.changes.retain(|change| {
        !policy
            .ignore
            .iter()
            .any(|rule| rule.matches(&shown, &change.field))
    });
}

/// Checks a finished plan against `protect` and the percentages.
///
/// `current_counts` holds, per data source, how many objects it holds now. The
/// percentages are per data source (octoDNS checks per zone): a wipe of one small data
/// source must not hide among many large ones. An empty desired state for a data source
/// with current objects is therefore a 100% delete and is refused unless forced.
/// A limit that is not a number refuses nothing (the configuration validates limits).
pub(super) fn check(
    policy: &Policy,
    items: &[PlanItem],
    current_counts: &BTreeMap<&Address, usize>,
) -> Vec<PolicyViolation> {
    let mut violations = Vec::new();
    let mut deletes: BTreeMap<Address, usize> = BTreeMap::new();
    let mut updates: BTreeMap<Address, usize> = BTreeMap::new();
    for item in items {
        let Some(datasource) = datasource_of(&item.address) else {
            continue;
        };
        match item.action {
            Action::Delete => {
                *deletes.entry(datasource).or_default() += 1;
                let shown = item.address.to_string();
                if let Some(pattern) = policy.protect.iter().find(|p| glob_match(p, &shown)) {
                    violations.push(PolicyViolation::Protected {
                        pattern: pattern.clone(),
                        address: item.address.clone(),
                    });
                }
            }
            Action::Update => *updates.entry(datasource).or_default() += 1,
            Action::Create | Action::Orphan | Action::Missing => {}
        }
    }
    if policy.force {
        return violations;
    }
    let excess = |datasource: &Address, count: usize, limit: f64| {
        let total = current_counts.get(datasource).copied().unwrap_or(0);
        let over = total > 0 && (count as f64 * 100.0 / total as f64) > limit;
        over.then(|| Excess {
            datasource: datasource.clone(),
            count,
            total,
            limit,
        })
    };
    for (datasource, count) in deletes {
        if let Some(e) = excess(&datasource, count, policy.max_delete_percent) {
            violations.push(PolicyViolation::TooManyDeletes(e));
        }
    }
    for (datasource, count) in updates {
        if let Some(e) = excess(&datasource, count, policy.max_update_percent) {
            violations.push(PolicyViolation::TooManyUpdates(e));
        }
    }
    violations
}
