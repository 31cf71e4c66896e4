//! The configuration: `metaform.yaml` (SPEC §2) read into [`RawConfig`], then validated
//! into [`Config`].
//!
//! Raw input first, validated input second: parsing reports unknown keys and type errors
//! with their line; validation interpolates `${ENV}` references, resolves paths against
//! the file's directory, compiles filters and checks the combinations (one Alation auth
//! method, ...), again naming the line. Secrets stay [`SecretString`] throughout, so
//! `Debug` output and error messages never show them.
//!
//! [`Config`] holds the types of the modules that use it (the plan's
//! [`Policy`], the Alation client's [`AlationAuth`], the Alation target's
//! [`DatasourceLink`]s), so the commands pass them on without converting.
//!
//! `${ENV}` references are expanded in `hostPort`, every `auth` value, the paths (`state`,
//! `caCertificate`), `timeouts` and `datasourceLinks` values; not in filter regexes or
//! policy globs, where `$` means something else. Secrets lose trailing line breaks.
//! `timeouts`, `maxResponseSize` and `parallelism` ([`HttpLimits`]) are read in `limits`.

mod filters;
mod interpolate;
mod limits;
mod parallelism;
mod raw;
mod target;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;

use crate::api::alation::{AlationAuth, JobPolling};
use crate::core::plan::Policy;
use crate::target::alation::{CreateDatasourceAs, DatasourceLink};

pub use filters::{Filters, NameFilter};
pub use parallelism::Parallelism;
pub use raw::{RawConfig, SourceKind, TargetKind, VerifySsl};

/// The default configuration file name.
pub const DEFAULT_CONFIG_FILE: &str = "metaform.yaml";

/// A configuration problem, located in the file when possible.
///
/// Displayed as `metaform.yaml:LINE:COL: message`, or `metaform.yaml: message` when the
/// problem has no single position. Never contains a secret value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The configuration file, as given.
    pub file: PathBuf,
    /// 1-based line and column, when known.
    pub position: Option<(u64, u64)>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => {
                write!(
                    f,
                    "{}:{line}:{column}: {}",
                    self.file.display(),
                    self.message
                )
            }
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub file: PathBuf,
    /// Where the desired state comes from, when configured.
    pub source: Option<SourceConfig>,
    /// The catalog to reconcile, when configured.
    pub target: Option<TargetConfig>,
    /// Directory of the desired-state files (resolved against the file's directory).
    pub state_dir: PathBuf,
    /// Safety rules of plan and apply; `force` is `false` here, the commands set it
    /// from `--force`.
    pub policy: Policy,
}

/// `source:`, validated.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// How to reach the source system.
    pub connection: SourceConnection,
    /// Which databases, schemas and tables are read.
    pub filters: Filters,
}

/// The source system and its credentials.
#[derive(Debug, Clone)]
pub enum SourceConnection {
    /// An OpenMetadata server.
    OpenMetadata(OpenMetadataConnection),
    /// An Apache Atlas server.
    Atlas(AtlasConnection),
}

/// How to reach an OpenMetadata server.
#[derive(Debug, Clone)]
pub struct OpenMetadataConnection {
    /// Base URL including `/api`, without a trailing `/`.
    pub host_port: String,
    /// Bearer JWT (read from the file when `jwtToken` named one).
    pub jwt_token: SecretString,
    /// Certificate verification.
    pub tls: TlsConfig,
    /// Timeouts and the response size limit.
    pub limits: HttpLimits,
}

impl OpenMetadataConnection {
    /// HTTP client options: these TLS settings and limits, default retries.
    pub fn http_options(&self) -> crate::http::HttpOptions {
        self.limits.http_options(&self.tls)
    }
}

/// How to reach an Apache Atlas server.
#[derive(Debug, Clone)]
pub struct AtlasConnection {
    /// Base URL, without a trailing `/`.
    pub host_port: String,
    /// Basic-auth user.
    pub username: String,
    /// Basic-auth password.
    pub password: SecretString,
    /// Certificate verification.
    pub tls: TlsConfig,
    /// Timeouts and the response size limit.
    pub limits: HttpLimits,
}

/// Certificate verification settings.
#[derive(Debug, Clone, Default)]
pub struct TlsConfig {
    /// Whether certificates are verified.
    pub verify: VerifySsl,
    /// Extra trusted CAs (PEM), resolved against the file's directory.
    pub ca_certificate: Option<PathBuf>,
}

/// `timeouts:`, `maxResponseSize:` and `parallelism:` of a source or target, with their
/// defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLimits {
    /// Establishing a connection (default 10 s).
    pub connect_timeout: Duration,
    /// One attempt of a request, until the end of its answer (default 60 s).
    pub request_timeout: Duration,
    /// How long an Alation job is waited for (default 30 min).
    pub job_wait: Duration,
    /// Largest answer read, after decompression (default 128 MiB).
    pub max_response_bytes: u64,
    /// Requests in flight at once (default 8).
    pub parallelism: Parallelism,
}

impl Default for HttpLimits {
    fn default() -> Self {
        let http = crate::http::HttpOptions::default();
        Self {
            connect_timeout: http.connect_timeout,
            request_timeout: http.timeout,
            job_wait: JobPolling::default().timeout,
            max_response_bytes: http.max_body_bytes,
            parallelism: Parallelism::DEFAULT,
        }
    }
}

impl HttpLimits {
    /// HTTP client options with these limits, the TLS settings `tls` and default retries.
    pub fn http_options(&self, tls: &TlsConfig) -> crate::http::HttpOptions {
        crate::http::HttpOptions {
            timeout: self.request_timeout,
            connect_timeout: self.connect_timeout,
            verify_tls: tls.verify == VerifySsl::Validate,
            ca_certificate: tls.ca_certificate.clone(),
            max_body_bytes: self.max_response_bytes,
            ..crate::http::HttpOptions::default()
        }
    }

    /// Job polling with this job wait and default pauses.
    pub fn job_polling(&self) -> JobPolling {
        JobPolling {
            timeout: self.job_wait,
            ..JobPolling::default()
        }
    }
}

/// `target:`, validated.
#[derive(Debug, Clone)]
pub enum TargetConfig {
    /// An Alation instance.
    Alation(AlationTarget),
    /// An OpenMetadata server.
    OpenMetadata(OpenMetadataConnection),
}

/// An Alation target.
#[derive(Debug, Clone)]
pub struct AlationTarget {
    /// Base URL, without a trailing `/`.
    pub host_port: String,
    /// How unlinked databases become data sources.
    pub create_datasource_as: CreateDatasourceAs,
    /// The one authentication method.
    pub auth: AlationAuth,
    /// Page size of reads, 1 to 1000.
    pub pagination_limit: u32,
    /// Certificate verification.
    pub tls: TlsConfig,
    /// Existing data sources, each linked to an OpenMetadata database, in id order.
    pub datasource_links: Vec<DatasourceLink>,
    /// Timeouts (job wait included) and the response size limit.
    pub limits: HttpLimits,
}

impl TargetConfig {
    /// The certificate verification settings of either kind of target.
    pub fn tls(&self) -> &TlsConfig {
        match self {
            TargetConfig::Alation(alation) => &alation.tls,
            TargetConfig::OpenMetadata(om) => &om.tls,
        }
    }
}

impl SourceConnection {
    /// The certificate verification settings of either kind of source.
    pub fn tls(&self) -> &TlsConfig {
        match self {
            SourceConnection::OpenMetadata(om) => &om.tls,
            SourceConnection::Atlas(atlas) => &atlas.tls,
        }
    }
}

impl AlationTarget {
    /// HTTP client options: these TLS settings and limits, default retries.
    pub fn http_options(&self) -> crate::http::HttpOptions {
        self.limits.http_options(&self.tls)
    }
}

impl Config {
    /// Reads and validates the file at `path`, taking `${ENV}` values from the process
    /// environment.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_owned(),
            position: None,
            message: format!("cannot read the configuration file: {e}"),
        })?;
        Self::parse(&text, path, &|name| std::env::var(name).ok())
    }

    /// Validates the configuration `text` read from `path`, taking `${ENV}` values from
    /// `env`. Relative paths are resolved against `path`'s directory.
    pub fn parse(
        text: &str,
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        validate::parse(text, path, env)
    }

    /// Sets the parallelism of the source and the target to `parallelism` (from
    /// `--parallelism`), when given: the flag wins over the file.
    pub fn with_parallelism(mut self, parallelism: Option<Parallelism>) -> Self {
        let Some(p) = parallelism else {
            return self;
        };
        if let Some(source) = &mut self.source {
            match &mut source.connection {
                SourceConnection::OpenMetadata(om) => om.limits.parallelism = p,
                SourceConnection::Atlas(atlas) => atlas.limits.parallelism = p,
            }
        }
        match &mut self.target {
            Some(TargetConfig::Alation(alation)) => alation.limits.parallelism = p,
            Some(TargetConfig::OpenMetadata(om)) => om.limits.parallelism = p,
            None => {}
        }
        self
    }

    /// The `source` section, or an error saying it is needed.
    pub fn source(&self) -> Result<&SourceConfig, ConfigError> {
        self.source.as_ref().ok_or_else(|| self.missing("source"))
    }

    /// The `target` section, or an error saying it is needed.
    pub fn target(&self) -> Result<&TargetConfig, ConfigError> {
        self.target.as_ref().ok_or_else(|| self.missing("target"))
    }

    fn missing(&self, section: &str) -> ConfigError {
        ConfigError {
            file: self.file.clone(),
            position: None,
            message: format!("no `{section}` section, and this command needs one"),
        }
    }
}

/// The JSON Schema of the configuration file (`metaform schema config`).
pub fn config_json_schema() -> serde_json::Value {
    schemars::schema_for!(RawConfig).to_value()
}

#[cfg(test)]
mod tests;
