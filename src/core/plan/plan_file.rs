//! The saved plan (`plan --out plan.json`) and the checks `apply` makes before running it.
//!
//! A saved plan is bound to what it was computed from (SPEC §5, §6): the sha256 of the
//! desired state and, per planned object, the sha256 of the object as the target held it
//! (or of its absence, for a create). `apply` reads the target again and refuses when any
//! of those objects changed ([`stale_objects`]) or the desired state changed
//! ([`desired_sha256`], compared by the caller). A checksum over the content catches
//! truncated or hand-edited files; it is an integrity check, not a signature.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::core::normalize::canonical_html;
use crate::core::objects::{Address, Fields, Object, ObjectKind, Value};

use super::datasource::datasource_of;
use super::engine::DesiredState;
use super::item::{CurrentState, DatasourceBinding, PlanItem};
use super::planned::{Plan, Summary};

/// The plan file format this build writes and reads.
pub const PLAN_FORMAT_VERSION: &str = "1";

/// A plan saved for a later `apply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    /// Always [`PLAN_FORMAT_VERSION`].
    pub format_version: String,
    /// The metaform version that wrote the file.
    pub metaform_version: String,
    /// sha256 of the desired state the plan was computed from ([`desired_sha256`]).
    pub desired_sha256: String,
    /// The plan's counts.
    pub summary: Summary,
    /// Data sources in scope, as bound when planned.
    pub datasources: Vec<DatasourceBinding>,
    /// The planned items, in plan order.
    pub items: Vec<PlanItem>,
    /// Per create, update or delete: the sha256 of the object as the target held it.
    pub before_hashes: Vec<BeforeHash>,
    /// sha256 over all fields above, to detect a truncated or edited file.
    pub checksum: String,
}

/// The state of one object the plan relied on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeforeHash {
    /// The object.
    pub address: Address,
    /// sha256 of its current fields (rich text in canonical form), or of its absence.
    pub sha256: String,
}

/// Why a plan file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanFileError {
    /// Not JSON, cut short, or not shaped like a plan file.
    #[error(
        "not a valid plan file: {message} at line {line}, column {column} (truncated or edited? run `metaform plan --out` again)"
    )]
    Invalid {
        /// What is wrong.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// Written by a metaform with another plan format.
    #[error(
        "plan file format_version `{found}` is not supported (this metaform reads `{PLAN_FORMAT_VERSION}`); run `metaform plan --out` again with this version"
    )]
    Version {
        /// The version found in the file.
        found: String,
    },
    /// The content does not match its checksum.
    #[error(
        "plan file was modified after it was written (checksum mismatch); run `metaform plan --out` again"
    )]
    Checksum,
}

/// The part of a plan file the checksum covers, in file order.
#[derive(Serialize)]
struct Checked<'a> {
    format_version: &'a str,
    metaform_version: &'a str,
    desired_sha256: &'a str,
    summary: &'a Summary,
    datasources: &'a [DatasourceBinding],
    items: &'a [PlanItem],
    before_hashes: &'a [BeforeHash],
}

impl PlanFile {
    /// Saves `plan`, computed from `desired` and `current`, with the hashes `apply` checks.
    pub fn new(plan: &Plan, desired: &DesiredState, current: &CurrentState) -> PlanFile {
        PlanFile::with_desired_sha256(plan, desired_sha256(desired), current)
    }

    /// [`PlanFile::new`] with the desired state's [`desired_sha256`] computed already
    /// (before planning took the desired objects apart, see `plan_taking`).
    pub fn with_desired_sha256(
        plan: &Plan,
        desired_sha256: String,
        current: &CurrentState,
    ) -> PlanFile {
        let lookup = CurrentLookup::new(current);
        let before_hashes = plan
            .items
            .iter()
            .filter(|item| item.action.writes())
            .map(|item| BeforeHash {
                address: item.address.clone(),
                sha256: lookup.state_sha256(&item.address),
            })
            .collect();
        let mut file = PlanFile {
            format_version: PLAN_FORMAT_VERSION.to_string(),
            metaform_version: env!("CARGO_PKG_VERSION").to_string(),
            desired_sha256,
            summary: plan.summary(),
            datasources: plan.datasources.clone(),
            items: plan.items.clone(),
            before_hashes,
            checksum: String::new(),
        };
        file.checksum = file.compute_checksum();
        file
    }

    /// The plan the file holds.
    pub fn plan(&self) -> Plan {
        Plan {
            datasources: self.datasources.clone(),
            items: self.items.clone(),
            notices: Vec::new(),
        }
    }

    /// Pretty JSON with a trailing newline, fields in a stable order.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| unreachable!("a plan file always serialises: {e}"));
        text.push('\n');
        text
    }

    /// Reads a plan file, checking its format version and checksum.
    pub fn from_json(text: &str) -> Result<PlanFile, PlanFileError> {
        let invalid = |e: serde_json::Error| {
            // serde_json's message ends with its own " at line L column C", which the
            // error shows anyway.
            let message = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            PlanFileError::Invalid {
                message: message.strip_suffix(&suffix).unwrap_or(&message).to_owned(),
                line: e.line(),
                column: e.column(),
            }
        };
        let untyped: serde_json::Value = serde_json::from_str(text).map_err(invalid)?;
        match untyped.get("format_version").and_then(|v| v.as_str()) {
            Some(PLAN_FORMAT_VERSION) => {}
            Some(other) => {
                return Err(PlanFileError::Version {
                    found: other.to_string(),
                });
            }
            None => {
                return Err(PlanFileError::Invalid {
                    message: "missing field `format_version`".to_string(),
                    line: 1,
                    column: 1,
                });
            }
        }
        let file: PlanFile = serde_json::from_str(text).map_err(invalid)?;
        if file.compute_checksum() != file.checksum {
            return Err(PlanFileError::Checksum);
        }
        Ok(file)
    }

    fn compute_checksum(&self) -> String {
        let checked = Checked {
            format_version: &self.format_version,
            metaform_version: &self.metaform_version,
            desired_sha256: &self.desired_sha256,
            summary: &self.summary,
            datasources: &self.datasources,
            items: &self.items,
            before_hashes: &self.before_hashes,
        };
        let bytes = serde_json::to_vec(&checked)
            .unwrap_or_else(|e| unreachable!("a plan file always serialises: {e}"));
        sha256_hex(&bytes)
    }
}

/// The objects whose state no longer matches what `saved` relied on, in plan order.
/// An empty list means the plan still holds against `current`.
pub fn stale_objects(saved: &PlanFile, current: &CurrentState) -> Vec<Address> {
    let lookup = CurrentLookup::new(current);
    saved
        .before_hashes
        .iter()
        .filter(|before| lookup.state_sha256(&before.address) != before.sha256)
        .map(|before| before.address.clone())
        .collect()
}

/// Why a saved plan may no longer run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StalePlan {
    /// The desired state differs from the one the plan was computed from.
    #[error(
        "the saved plan is stale: the desired state changed since it was planned; run `metaform plan` again"
    )]
    DesiredChanged,
    /// The items are not those the desired state and the target give (see [`check_items`]).
    #[error("the saved plan is not the plan its desired state and the target give{}: the file was edited, or written under another policy or metaform version; run `metaform plan --out` again", .address.as_ref().map(|a| format!(" (first difference at `{a}`)")).unwrap_or_default())]
    ItemsDiffer {
        /// The first item that differs, when one does.
        address: Option<Address>,
    },
    /// Objects the plan relied on changed in the target (e.g. edited in the UI).
    #[error("the saved plan is stale: {} changed in the target since it was planned: {}; run `metaform plan` again", count_objects(.objects.len()), list_addresses(.objects))]
    Drifted {
        /// The drifted objects, in plan order.
        objects: Vec<Address>,
    },
}

fn count_objects(n: usize) -> String {
    if n == 1 {
        "1 object".to_string()
    } else {
        format!("{n} objects")
    }
}

fn list_addresses(objects: &[Address]) -> String {
    const SHOWN: usize = 10;
    let mut listed: Vec<String> = objects
        .iter()
        .take(SHOWN)
        .map(|address| format!("`{address}`"))
        .collect();
    if objects.len() > SHOWN {
        listed.push(format!("and {} more", objects.len() - SHOWN));
    }
    listed.join(", ")
}

/// Checks that the items of `saved` are those of `recomputed`, the plan the same desired
/// state and target give now. With both unchanged ([`check_fresh`]) the engine gives the
/// same plan again, so a difference means the file was edited and its checksum forged,
/// or it was written under another policy or metaform version.
pub fn check_items(saved: &PlanFile, recomputed: &Plan) -> Result<(), StalePlan> {
    if saved.items == recomputed.items {
        return Ok(());
    }
    let differing = saved
        .items
        .iter()
        .zip(&recomputed.items)
        .find(|(saved, now)| saved != now)
        .map(|(saved, _)| saved)
        .or_else(|| saved.items.get(recomputed.items.len()))
        .or_else(|| recomputed.items.get(saved.items.len()));
    Err(StalePlan::ItemsDiffer {
        address: differing.map(|item| item.address.clone()),
    })
}

/// Checks that `saved` still holds: same desired state, and every object it relied on
/// unchanged in `current` (SPEC §6). Both checks in one place for `apply`.
pub fn check_fresh(
    saved: &PlanFile,
    desired: &DesiredState,
    current: &CurrentState,
) -> Result<(), StalePlan> {
    if desired_sha256(desired) != saved.desired_sha256 {
        return Err(StalePlan::DesiredChanged);
    }
    let objects = stale_objects(saved, current);
    if objects.is_empty() {
        Ok(())
    } else {
        Err(StalePlan::Drifted { objects })
    }
}

/// sha256 of a desired state: its data sources and every object's fields, in address
/// order, so the order the adapter produced them in does not matter.
pub fn desired_sha256(desired: &DesiredState) -> String {
    // The bytes are hashed object by object, never all held at once.
    let mut hasher = Sha256::new();
    let mut bytes = Vec::new();
    let mut datasources: Vec<&Address> = desired.datasources.iter().collect();
    datasources.sort();
    for address in datasources {
        encode_address(address, &mut bytes);
    }
    let mut objects: Vec<&Object> = desired.objects.iter().collect();
    objects.sort_by(|a, b| a.address.cmp(&b.address));
    for object in objects {
        encode_address(&object.address, &mut bytes);
        encode_fields(&object.fields, &mut bytes);
        hasher.update(&bytes);
        bytes.clear();
    }
    hasher.update(&bytes);
    hex(&hasher.finalize())
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of a digest.
fn hex(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(HEX[usize::from(byte >> 4)] as char);
        out.push(HEX[usize::from(byte & 0x0f)] as char);
    }
    out
}

/// Current objects and data source bindings by address.
struct CurrentLookup<'a> {
    objects: BTreeMap<&'a Address, &'a Object>,
    bound: BTreeMap<&'a Address, &'a DatasourceBinding>,
}

impl<'a> CurrentLookup<'a> {
    fn new(current: &'a CurrentState) -> Self {
        CurrentLookup {
            objects: current.objects.iter().map(|o| (&o.address, o)).collect(),
            bound: current
                .datasources
                .iter()
                .map(|b| (&b.address, b))
                .collect(),
        }
    }

    /// sha256 of the object's state: absent, or present with these fields. A data source
    /// with a target id is present even when the target reports no fields for it.
    fn state_sha256(&self, address: &Address) -> String {
        let mut bytes = Vec::new();
        encode_address(address, &mut bytes);
        match self.objects.get(address) {
            Some(object) => {
                bytes.extend_from_slice(b"present\x1e");
                encode_fields(&object.fields, &mut bytes);
            }
            None => {
                let bound = address.kind == ObjectKind::Datasource
                    && datasource_of(address)
                        .and_then(|ds| self.bound.get(&ds).map(|b| b.target_id.is_some()))
                        .unwrap_or(false);
                bytes.extend_from_slice(if bound { b"present\x1e" } else { b"absent\x1e" });
            }
        }
        sha256_hex(&bytes)
    }
}

/// Unambiguous bytes: parts separated by unit separators, records by record separators.
fn encode_address(address: &Address, bytes: &mut Vec<u8>) {
    let kind = match address.kind {
        ObjectKind::Datasource => "datasource",
        ObjectKind::Schema => "schema",
        ObjectKind::Table => "table",
        ObjectKind::Column => "column",
    };
    bytes.extend_from_slice(kind.as_bytes());
    for part in &address.path {
        bytes.push(0x1f);
        bytes.extend_from_slice(part.as_bytes());
    }
    bytes.push(0x1e);
}

fn encode_fields(fields: &Fields, bytes: &mut Vec<u8>) {
    for (name, value) in fields {
        bytes.extend_from_slice(name.as_bytes());
        bytes.push(0x1f);
        let encoded = match value {
            Value::Text(text) => format!("text\x1f{text}"),
            Value::Html(html) => format!("html\x1f{}", canonical_html(html)),
            Value::Bool(b) => format!("bool\x1f{b}"),
            Value::Int(i) => format!("int\x1f{i}"),
            // Each member with its length, so that no member's text can imitate a
            // separator or another member.
            Value::Set(items) => {
                items
                    .iter()
                    .fold(format!("set\x1f{}", items.len()), |mut out, item| {
                        out.push_str(&format!("\x1f{}:{item}", item.len()));
                        out
                    })
            }
        };
        bytes.extend_from_slice(encoded.as_bytes());
        bytes.push(0x1e);
    }
    bytes.push(0x1d);
}
