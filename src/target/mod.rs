//! Targets: read a system's current state into [`crate::core::objects::Object`]s and
//! write plan items to it, behind the [`Target`] seam.
//!
//! [`AnyTarget`] is the target a configuration names, dispatched statically: adding a
//! system is writing its adapter (a module implementing [`Target`]) and adding one arm
//! to the list at the end of this file.

pub mod alation;
mod seam;

pub use seam::{Batch, BatchOutcome, ItemStatus, Target, TargetDescription, WriteLimits, Writer};

use crate::check::CheckOutcome;
use crate::config::TargetConfig;
use crate::core::model::Catalog;
use crate::core::objects::{Address, Object};
use crate::core::plan::{Capabilities, CurrentState, PlanItem};
use crate::error::{Error, Result};
use crate::progress::Counters;

/// Declares [`AnyTarget`] and its writer with one arm per target system, and
/// implements [`Target`] for it by handing every call to the arm's adapter.
macro_rules! any_target {
    ($($(#[$doc:meta])* $arm:ident($adapter:ty),)+) => {
        /// The target a configuration names.
        pub enum AnyTarget {
            $($(#[$doc])* $arm($adapter),)+
        }

        /// The writer of an [`AnyTarget`].
        pub enum AnyWriter<'a> {
            $($(#[$doc])* $arm(<$adapter as Target>::Writer<'a>),)+
        }

        impl Target for AnyTarget {
            type Writer<'a> = AnyWriter<'a>;

            fn describe(&self) -> TargetDescription {
                match self { $(AnyTarget::$arm(t) => t.describe(),)+ }
            }

            async fn check(&self) -> Vec<CheckOutcome> {
                match self { $(AnyTarget::$arm(t) => t.check().await,)+ }
            }

            fn name_conflicts(
                &self,
                catalog: &Catalog,
                file_of: &dyn Fn(&Address) -> String,
            ) -> Vec<(Address, String)> {
                match self { $(AnyTarget::$arm(t) => t.name_conflicts(catalog, file_of),)+ }
            }

            fn project(&self, catalog: &Catalog) -> (Vec<Address>, Vec<Object>) {
                match self { $(AnyTarget::$arm(t) => t.project(catalog),)+ }
            }

            fn capabilities(&self) -> Capabilities {
                match self { $(AnyTarget::$arm(t) => t.capabilities(),)+ }
            }

            fn notices(&self, catalog: &Catalog) -> Vec<String> {
                match self { $(AnyTarget::$arm(t) => t.notices(catalog),)+ }
            }

            async fn read_current(&self, catalog: &Catalog) -> Result<CurrentState> {
                match self { $(AnyTarget::$arm(t) => t.read_current(catalog).await,)+ }
            }

            fn limits(&self) -> WriteLimits {
                match self { $(AnyTarget::$arm(t) => t.limits(),)+ }
            }

            fn writer<'a>(
                &'a self,
                catalog: &'a Catalog,
                current: &'a CurrentState,
            ) -> AnyWriter<'a> {
                match self { $(AnyTarget::$arm(t) => AnyWriter::$arm(t.writer(catalog, current)),)+ }
            }
        }

        impl Writer for AnyWriter<'_> {
            fn prepare(&self, item: &PlanItem) -> std::result::Result<(), String> {
                match self { $(AnyWriter::$arm(w) => w.prepare(item),)+ }
            }

            fn batch_key(&self, item: &PlanItem) -> u8 {
                match self { $(AnyWriter::$arm(w) => w.batch_key(item),)+ }
            }

            async fn write(&self, batch: Batch<'_>) -> BatchOutcome {
                match self { $(AnyWriter::$arm(w) => w.write(batch).await,)+ }
            }

            fn write_requests(&self) -> usize {
                match self { $(AnyWriter::$arm(w) => w.write_requests(),)+ }
            }
        }
    };
}

any_target! {
    /// An Alation instance.
    Alation(alation::Alation),
}

impl AnyTarget {
    /// The target `config` names; `source_kind` names where the desired state comes
    /// from (`openmetadata` unless the configuration's source says otherwise).
    /// `file` is the configuration file, for messages.
    pub fn from_config(
        config: &TargetConfig,
        source_kind: &str,
        file: &std::path::Path,
    ) -> Result<AnyTarget> {
        match config {
            TargetConfig::Alation(alation) => Ok(AnyTarget::Alation(alation::Alation::new(
                alation,
                source_kind,
            )?)),
            TargetConfig::OpenMetadata(_) => Err(Error::Unsupported {
                file: file.to_path_buf(),
                side: "target",
                kind: "openmetadata",
            }),
        }
    }

    /// This target counting its requests, the objects it reads and the jobs it waits
    /// for into `progress`.
    pub fn with_progress(self, progress: &Counters) -> AnyTarget {
        match self {
            AnyTarget::Alation(t) => AnyTarget::Alation(t.with_progress(progress)),
        }
    }
}
