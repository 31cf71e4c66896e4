//! The configuration file as written: serde types that mirror `metaform.yaml` (SPEC §2).
//!
//! Every struct denies unknown fields, so a misspelt key is an error naming it and its
//! line. Values whose position matters for later errors are [`Spanned`]. Secrets are
//! [`SecretString`] from the moment they are parsed. The JSON Schema of the file
//! (`metaform schema config`) is derived from these types.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use secrecy::SecretString;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::core::plan::Prune;
use crate::target::alation::CreateDatasourceAs;

/// `metaform.yaml`: the source, the target, the state directory and the safety policy.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "metaform configuration")]
pub struct RawConfig {
    /// Where the desired state comes from.
    #[serde(default)]
    pub source: Option<RawSource>,
    /// The catalog kept in sync with the desired state.
    #[serde(default)]
    pub target: Option<RawTarget>,
    /// Directory of the desired-state files, relative to this file (default `state/`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub state: Option<Spanned<String>>,
    /// Safety rules of plan and apply.
    #[serde(default)]
    pub policy: Option<RawPolicy>,
}

/// Source systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// OpenMetadata.
    OpenMetadata,
    /// Apache Atlas.
    Atlas,
}

/// Target systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// Alation.
    Alation,
    /// OpenMetadata.
    OpenMetadata,
}

/// TLS certificate verification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum VerifySsl {
    /// Verify certificates (against `caCertificate` when given).
    #[default]
    Validate,
    /// Do not verify certificates.
    Ignore,
}

/// `source:`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSource {
    /// `openmetadata` or `atlas`.
    #[serde(rename = "type")]
    pub kind: SourceKind,
    /// Base URL; for OpenMetadata it includes `/api`, e.g. `http://localhost:8585/api`.
    #[schemars(with = "String")]
    pub host_port: Spanned<String>,
    /// Credentials: `{jwtToken}` for OpenMetadata, `{username, password}` for Atlas.
    #[serde(default)]
    #[schemars(with = "Option<RawSourceAuth>")]
    pub auth: Option<Spanned<RawSourceAuth>>,
    /// Which databases, schemas and tables are read.
    #[serde(default)]
    pub filters: Option<RawFilters>,
    /// `validate` (default) or `ignore`.
    #[serde(default, rename = "verifySSL")]
    pub verify_ssl: Option<VerifySsl>,
    /// PEM bundle of extra trusted CAs, relative to this file.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub ca_certificate: Option<Spanned<String>>,
    /// Connect, request and (Alation) job-wait timeouts.
    #[serde(default)]
    pub timeouts: Option<RawTimeouts>,
    /// Largest answer read, after decompression: bytes, or a size such as `64MiB`
    /// (default `128MiB`).
    #[serde(default)]
    #[schemars(with = "Option<RawSize>")]
    pub max_response_size: Option<Spanned<RawSize>>,
    /// Requests in flight at once to this system, 1 to 64 (default 8); the
    /// `--parallelism` flag overrides it.
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(min = 1, max = 64))]
    pub parallelism: Option<Spanned<u32>>,
}

/// `timeouts:` of a source or target: durations such as `10s`, `2m` or `1h 30m`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawTimeouts {
    /// Establishing a connection (default `10s`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub connect: Option<Spanned<String>>,
    /// One attempt of a request, until the end of its answer (default `60s`); a
    /// transient failure is retried, each attempt with this limit.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub request: Option<Spanned<String>>,
    /// Alation target only: how long an asynchronous job is waited for before its write
    /// is reported failed (default `30m`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub job_wait: Option<Spanned<String>>,
}

/// A size in bytes (`1048576`) or with a unit: `B`, `KB`, `KiB`, `MB`, `MiB`, `GB`, `GiB`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawSize {
    /// Bytes.
    Bytes(u64),
    /// A number and a unit, e.g. `64MiB`.
    Text(String),
}

/// `source.auth:`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSourceAuth {
    /// OpenMetadata bot JWT, or the path of a file holding it.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub jwt_token: Option<Spanned<SecretString>>,
    /// Atlas user.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub username: Option<Spanned<String>>,
    /// Atlas password.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub password: Option<Spanned<SecretString>>,
}

/// `source.filters:`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawFilters {
    /// Applied to database names.
    #[serde(default)]
    pub databases: RawFilterPattern,
    /// Applied to schema names.
    #[serde(default)]
    pub schemas: RawFilterPattern,
    /// Applied to table names.
    #[serde(default)]
    pub tables: RawFilterPattern,
}

/// Regexes matched at the start of a name, case-insensitively; an exclude match wins.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawFilterPattern {
    /// Keep only names matching one of these (all names when empty).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub includes: Vec<Spanned<String>>,
    /// Drop names matching one of these.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub excludes: Vec<Spanned<String>>,
}

/// `target:`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawTarget {
    /// `alation` or `openmetadata`.
    #[serde(rename = "type")]
    pub kind: TargetKind,
    /// Base URL, e.g. `https://alation.example.com`.
    #[schemars(with = "String")]
    pub host_port: Spanned<String>,
    /// Alation: `virtual` (default) or `ocf`.
    #[serde(default)]
    #[schemars(with = "Option<CreateDatasourceAs>")]
    pub create_datasource_as: Option<Spanned<CreateDatasourceAs>>,
    /// Exactly one of `{accessToken}`, `{refreshToken, userId}` or
    /// `{username, password, projectName}` for Alation; `{jwtToken}` for OpenMetadata.
    #[serde(default)]
    #[schemars(with = "Option<RawTargetAuth>")]
    pub auth: Option<Spanned<RawTargetAuth>>,
    /// Alation page size, 1 to 1000 (default 1000).
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(min = 1, max = 1000))]
    pub pagination_limit: Option<Spanned<u32>>,
    /// `validate` (default) or `ignore`.
    #[serde(default, rename = "verifySSL")]
    pub verify_ssl: Option<VerifySsl>,
    /// PEM bundle of extra trusted CAs, relative to this file.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub ca_certificate: Option<Spanned<String>>,
    /// Connect, request and (Alation) job-wait timeouts.
    #[serde(default)]
    pub timeouts: Option<RawTimeouts>,
    /// Largest answer read, after decompression: bytes, or a size such as `64MiB`
    /// (default `128MiB`).
    #[serde(default)]
    #[schemars(with = "Option<RawSize>")]
    pub max_response_size: Option<Spanned<RawSize>>,
    /// Requests in flight at once to this system, 1 to 64 (default 8); the
    /// `--parallelism` flag overrides it.
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(min = 1, max = 64))]
    pub parallelism: Option<Spanned<u32>>,
    /// Alation data source id -> OpenMetadata database FQN, for data sources that exist already.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub datasource_links: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
}

/// `target.auth:`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawTargetAuth {
    /// Alation API access token.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub access_token: Option<Spanned<SecretString>>,
    /// Alation refresh token (with `userId`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub refresh_token: Option<Spanned<SecretString>>,
    /// Alation user id owning the refresh token.
    #[serde(default)]
    #[schemars(with = "Option<RawUserId>")]
    pub user_id: Option<Spanned<RawUserId>>,
    /// Alation user (with `password` and `projectName`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub username: Option<Spanned<String>>,
    /// Alation password.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub password: Option<Spanned<SecretString>>,
    /// Name of the refresh token created from `username`/`password`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub project_name: Option<Spanned<String>>,
    /// OpenMetadata JWT, or the path of a file holding it.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub jwt_token: Option<Spanned<SecretString>>,
}

/// A user id written as a number (`102`) or a string (`"${ALATION_USER_ID}"`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawUserId {
    /// `userId: 102`.
    Number(u64),
    /// `userId: "102"` or an environment reference.
    Text(String),
}

/// `policy:`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawPolicy {
    /// `never` or `owned` (default).
    #[serde(default)]
    pub prune: Option<Prune>,
    /// Refuse plans deleting more than this percentage of managed objects (default 30).
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(max = 100))]
    pub max_delete_percent: Option<Spanned<u32>>,
    /// Refuse plans updating more than this percentage of managed objects (default 50).
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(max = 100))]
    pub max_update_percent: Option<Spanned<u32>>,
    /// Glob patterns of object addresses that are never deleted.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub protect: Vec<Spanned<String>>,
    /// `"address-glob:field"` pairs that are never changed.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub ignore: Vec<Spanned<String>>,
}
