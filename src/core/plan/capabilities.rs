//! What a target can do, as the plan engine needs to know it: which kinds of object it
//! can create and delete, and if not, why. A target declares them; the engine turns a
//! missing object it cannot create into [`Action::Missing`](super::Action::Missing) and
//! an undesired object it cannot delete into an orphan, with the target's reason, so
//! that no system's vocabulary lives in the engine.

use serde::{Deserialize, Serialize};

use crate::core::objects::ObjectKind;

/// What the target can create and delete, by kind of object.
///
/// The default allows everything. Restrictions that depend on one data source (Alation
/// offers no delete in an OCF data source) are the binding's
/// ([`DatasourceBinding::cannot_delete`](super::DatasourceBinding::cannot_delete)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Kinds the target cannot create, each with the reason.
    pub cannot_create: Vec<(ObjectKind, String)>,
    /// Kinds the target cannot delete, each with the reason.
    pub cannot_delete: Vec<(ObjectKind, String)>,
}

impl Capabilities {
    /// Why the target cannot create an object of `kind`; `None` when it can.
    pub fn create_refusal(&self, kind: ObjectKind) -> Option<&str> {
        refusal(&self.cannot_create, kind)
    }

    /// Why the target cannot delete an object of `kind`; `None` when it can.
    pub fn delete_refusal(&self, kind: ObjectKind) -> Option<&str> {
        refusal(&self.cannot_delete, kind)
    }
}

fn refusal(list: &[(ObjectKind, String)], kind: ObjectKind) -> Option<&str> {
    list.iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, reason)| reason.as_str())
}
