//! [`RawConfig`] -> [`Config`]: interpolation, path resolution and consistency checks,
//! each failure naming the key and its line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde_saphyr::{Location, Spanned};

use super::filters::{Filters, NameFilter};
use super::interpolate::interpolate;
use super::raw::{
    RawConfig, RawFilterPattern, RawFilters, RawPolicy, RawSource, RawTarget, RawTargetAuth,
    RawUserId, SourceKind, TargetKind,
};
use super::{
    AlationAuth, AlationTarget, AtlasConnection, Config, ConfigError, DatasourceLink, IgnoreRule,
    OpenMetadataConnection, PolicyConfig, SourceConfig, SourceConnection, TargetConfig, TlsConfig,
};
use crate::api::openmetadata::fqn;

type Result<T> = std::result::Result<T, ConfigError>;

/// Parses and validates a configuration file's text.
pub(super) fn parse(
    text: &str,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config> {
    let ctx = Ctx {
        file: path,
        base: match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        },
        env,
    };
    let raw: RawConfig = if text.trim().is_empty() {
        return Err(ctx.error("the file is empty".into()));
    } else {
        serde_saphyr::from_str(text).map_err(|e| ctx.yaml_error(&e, text))?
    };
    Ok(Config {
        file: path.to_owned(),
        source: raw.source.map(|s| ctx.source(&s.value)).transpose()?,
        target: raw.target.map(|t| ctx.target(&t.value)).transpose()?,
        state_dir: match &raw.state {
            Some(state) => ctx.path(state, "state")?,
            None => ctx.base.join("state"),
        },
        policy: ctx.policy(raw.policy.unwrap_or_default())?,
    })
}

struct Ctx<'a> {
    file: &'a Path,
    base: PathBuf,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Ctx<'_> {
    fn error(&self, message: String) -> ConfigError {
        ConfigError {
            file: self.file.to_owned(),
            position: None,
            message,
        }
    }

    fn error_at(&self, at: &Location, message: String) -> ConfigError {
        ConfigError {
            file: self.file.to_owned(),
            position: (at.line() > 0).then(|| (at.line(), at.column())),
            message,
        }
    }

    /// A parse error of serde-saphyr as `file:line:col: message`.
    fn yaml_error(&self, err: &serde_saphyr::Error, text: &str) -> ConfigError {
        let inner = err.without_snippet();
        let mut message = inner.to_string();
        let mut position = inner.location().map(|at| (at.line(), at.column()));
        if let Some((line, column)) = position {
            let suffix = format!(" at line {line}, column {column}");
            if let Some(stripped) = message.strip_suffix(&suffix) {
                message = stripped.to_owned();
            }
            if let Some(field) = message
                .strip_prefix("unknown field `")
                .and_then(|rest| rest.split_once('`'))
                .map(|(field, _)| field)
            {
                position = find_key(text, (line, column), field).or(position);
            }
        }
        ConfigError {
            file: self.file.to_owned(),
            position,
            message,
        }
    }

    /// An interpolated string value.
    fn text(&self, value: &Spanned<String>, key: &str) -> Result<String> {
        interpolate(&value.value, self.env)
            .map_err(|e| self.error_at(&value.referenced, format!("`{key}`: {e}")))
    }

    /// An interpolated, non-empty secret value.
    fn secret(&self, value: &Spanned<SecretString>, key: &str) -> Result<SecretString> {
        let text = interpolate(value.value.expose_secret(), self.env)
            .map_err(|e| self.error_at(&value.referenced, format!("`{key}`: {e}")))?;
        if text.trim().is_empty() {
            return Err(self.error_at(&value.referenced, format!("`{key}` is empty")));
        }
        Ok(SecretString::from(text))
    }

    /// A JWT given as a value or as the path of a file holding it (OpenMetadata's rule:
    /// a value naming an existing file is read, right-trimmed).
    fn jwt(&self, value: &Spanned<SecretString>, key: &str) -> Result<SecretString> {
        let token = self.secret(value, key)?;
        let candidate = self.base.join(token.expose_secret());
        if !candidate.is_file() {
            return Ok(token);
        }
        let text = std::fs::read_to_string(&candidate).map_err(|e| {
            self.error_at(
                &value.referenced,
                format!("`{key}`: cannot read `{}`: {e}", candidate.display()),
            )
        })?;
        let text = text.trim_end();
        if text.is_empty() {
            return Err(self.error_at(
                &value.referenced,
                format!("`{key}`: the file `{}` is empty", candidate.display()),
            ));
        }
        Ok(SecretString::from(text.to_owned()))
    }

    /// An interpolated http(s) URL, without a trailing `/`.
    fn url(&self, value: &Spanned<String>, key: &str) -> Result<String> {
        let text = self.text(value, key)?;
        let bad = |why: String| {
            self.error_at(
                &value.referenced,
                format!("`{key}`: `{text}` is not an http(s) URL: {why}"),
            )
        };
        let url = reqwest::Url::parse(&text).map_err(|e| bad(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad(format!("unsupported scheme `{}`", url.scheme())));
        }
        Ok(text.trim_end_matches('/').to_owned())
    }

    /// An interpolated path, resolved against the file's directory.
    fn path(&self, value: &Spanned<String>, key: &str) -> Result<PathBuf> {
        let text = self.text(value, key)?;
        if text.is_empty() {
            return Err(self.error_at(&value.referenced, format!("`{key}` is empty")));
        }
        Ok(self.base.join(text))
    }

    fn tls(
        &self,
        verify: Option<super::VerifySsl>,
        ca: Option<&Spanned<String>>,
        section: &str,
    ) -> Result<TlsConfig> {
        let verify = verify.unwrap_or_default();
        let ca_certificate = match ca {
            None => None,
            Some(ca) => {
                let key = format!("{section}.caCertificate");
                if verify == super::VerifySsl::Ignore {
                    return Err(self.error_at(
                        &ca.referenced,
                        format!("`{key}` is set but `{section}.verifySSL` is `ignore`"),
                    ));
                }
                let path = self.path(ca, &key)?;
                if !path.is_file() {
                    return Err(self.error_at(
                        &ca.referenced,
                        format!("`{key}`: no file at `{}`", path.display()),
                    ));
                }
                Some(path)
            }
        };
        Ok(TlsConfig {
            verify,
            ca_certificate,
        })
    }

    fn source(&self, raw: &RawSource) -> Result<SourceConfig> {
        let host_port = self.url(&raw.host_port, "source.hostPort")?;
        let tls = self.tls(raw.verify_ssl, raw.ca_certificate.as_ref(), "source")?;
        let auth = raw.auth.as_ref().ok_or_else(|| {
            self.error_at(&raw.host_port.referenced, "`source.auth` is missing".into())
        })?;
        let at = &auth.referenced;
        let auth = &auth.value;
        let connection = match raw.kind {
            SourceKind::OpenMetadata => {
                if auth.username.is_some() || auth.password.is_some() {
                    return Err(self.error_at(
                        at,
                        "`source.auth`: an openmetadata source takes `jwtToken`, not `username`/`password`".into(),
                    ));
                }
                let token = auth
                    .jwt_token
                    .as_ref()
                    .ok_or_else(|| self.error_at(at, "`source.auth.jwtToken` is missing".into()))?;
                SourceConnection::OpenMetadata(OpenMetadataConnection {
                    host_port,
                    jwt_token: self.jwt(token, "source.auth.jwtToken")?,
                    tls,
                })
            }
            SourceKind::Atlas => {
                if auth.jwt_token.is_some() {
                    return Err(self.error_at(
                        at,
                        "`source.auth`: an atlas source takes `username` and `password`, not `jwtToken`".into(),
                    ));
                }
                let (Some(username), Some(password)) = (&auth.username, &auth.password) else {
                    return Err(self.error_at(
                        at,
                        "`source.auth`: an atlas source needs `username` and `password`".into(),
                    ));
                };
                SourceConnection::Atlas(AtlasConnection {
                    host_port,
                    username: self.text(username, "source.auth.username")?,
                    password: self.secret(password, "source.auth.password")?,
                    tls,
                })
            }
        };
        Ok(SourceConfig {
            connection,
            filters: self.filters(raw.filters.as_ref())?,
        })
    }

    fn filters(&self, raw: Option<&RawFilters>) -> Result<Filters> {
        let Some(raw) = raw else {
            return Ok(Filters::default());
        };
        Ok(Filters {
            databases: self.name_filter(&raw.databases, "databases")?,
            schemas: self.name_filter(&raw.schemas, "schemas")?,
            tables: self.name_filter(&raw.tables, "tables")?,
        })
    }

    fn name_filter(&self, raw: &RawFilterPattern, level: &str) -> Result<NameFilter> {
        let includes: Vec<&str> = raw.includes.iter().map(|p| p.value.as_str()).collect();
        let excludes: Vec<&str> = raw.excludes.iter().map(|p| p.value.as_str()).collect();
        NameFilter::new(&includes, &excludes).map_err(|(index, reason)| {
            let (list, i, pattern) = if index < raw.includes.len() {
                ("includes", index, &raw.includes[index])
            } else {
                let i = index - raw.includes.len();
                ("excludes", i, &raw.excludes[i])
            };
            self.error_at(
                &pattern.referenced,
                format!(
                    "`source.filters.{level}.{list}[{i}]`: invalid regex `{}`: {reason}",
                    pattern.value
                ),
            )
        })
    }

    fn target(&self, raw: &RawTarget) -> Result<TargetConfig> {
        let host_port = self.url(&raw.host_port, "target.hostPort")?;
        let tls = self.tls(raw.verify_ssl, raw.ca_certificate.as_ref(), "target")?;
        let auth = raw.auth.as_ref().ok_or_else(|| {
            self.error_at(&raw.host_port.referenced, "`target.auth` is missing".into())
        })?;
        match raw.kind {
            TargetKind::Alation => Ok(TargetConfig::Alation(AlationTarget {
                host_port,
                create_datasource_as: raw
                    .create_datasource_as
                    .as_ref()
                    .map(|m| m.value)
                    .unwrap_or_default(),
                auth: self.alation_auth(&auth.value, &auth.referenced)?,
                pagination_limit: match &raw.pagination_limit {
                    None => 1000,
                    Some(limit) if (1..=1000).contains(&limit.value) => limit.value,
                    Some(limit) => {
                        return Err(self.error_at(
                            &limit.referenced,
                            format!(
                                "`target.paginationLimit` must be between 1 and 1000, not {}",
                                limit.value
                            ),
                        ));
                    }
                },
                tls,
                datasource_links: self.links(raw)?,
            })),
            TargetKind::OpenMetadata => {
                self.only_for_alation(raw)?;
                let a = &auth.value;
                let others = [
                    a.access_token.is_some(),
                    a.refresh_token.is_some(),
                    a.user_id.is_some(),
                    a.username.is_some(),
                    a.password.is_some(),
                    a.project_name.is_some(),
                ];
                if others.contains(&true) {
                    return Err(self.error_at(
                        &auth.referenced,
                        "`target.auth`: an openmetadata target takes only `jwtToken`".into(),
                    ));
                }
                let token = a.jwt_token.as_ref().ok_or_else(|| {
                    self.error_at(&auth.referenced, "`target.auth.jwtToken` is missing".into())
                })?;
                Ok(TargetConfig::OpenMetadata(OpenMetadataConnection {
                    host_port,
                    jwt_token: self.jwt(token, "target.auth.jwtToken")?,
                    tls,
                }))
            }
        }
    }

    /// Rejects Alation-only keys on another target.
    fn only_for_alation(&self, raw: &RawTarget) -> Result<()> {
        let misplaced = [
            (
                "createDatasourceAs",
                raw.create_datasource_as.as_ref().map(|s| &s.referenced),
            ),
            (
                "paginationLimit",
                raw.pagination_limit.as_ref().map(|s| &s.referenced),
            ),
            (
                "datasourceLinks",
                raw.datasource_links.as_ref().map(|s| &s.referenced),
            ),
        ];
        match misplaced
            .into_iter()
            .find_map(|(k, at)| at.map(|at| (k, at)))
        {
            Some((key, at)) => Err(self.error_at(
                at,
                format!("`target.{key}` applies only to `type: alation`"),
            )),
            None => Ok(()),
        }
    }

    /// Exactly one Alation authentication method.
    fn alation_auth(&self, auth: &RawTargetAuth, at: &Location) -> Result<AlationAuth> {
        if auth.jwt_token.is_some() {
            return Err(self.error_at(
                at,
                "`target.auth.jwtToken` is for an openmetadata target; Alation takes `accessToken`, `refreshToken` + `userId`, or `username` + `password` + `projectName`".into(),
            ));
        }
        let access = auth.access_token.is_some();
        let refresh = auth.refresh_token.is_some() || auth.user_id.is_some();
        let basic =
            auth.username.is_some() || auth.password.is_some() || auth.project_name.is_some();
        let methods: Vec<&str> = [
            (access, "accessToken"),
            (refresh, "refreshToken + userId"),
            (basic, "username + password + projectName"),
        ]
        .into_iter()
        .filter_map(|(set, name)| set.then_some(name))
        .collect();
        if methods.len() != 1 {
            let found = if methods.is_empty() {
                "none is set".to_owned()
            } else {
                format!("found {}", methods.join(" and "))
            };
            return Err(self.error_at(
                at,
                format!(
                    "`target.auth` must set exactly one of `accessToken`, `refreshToken` + `userId`, or `username` + `password` + `projectName`; {found}"
                ),
            ));
        }
        let need = |what: &str| self.error_at(at, format!("`target.auth`: `{what}` is missing"));
        if let Some(token) = &auth.access_token {
            return Ok(AlationAuth::AccessToken(
                self.secret(token, "target.auth.accessToken")?,
            ));
        }
        if refresh {
            let token = auth
                .refresh_token
                .as_ref()
                .ok_or_else(|| need("refreshToken"))?;
            let user = auth.user_id.as_ref().ok_or_else(|| need("userId"))?;
            return Ok(AlationAuth::RefreshToken {
                refresh_token: self.secret(token, "target.auth.refreshToken")?,
                user_id: self.user_id(user)?,
            });
        }
        let username = auth.username.as_ref().ok_or_else(|| need("username"))?;
        let password = auth.password.as_ref().ok_or_else(|| need("password"))?;
        let project = auth
            .project_name
            .as_ref()
            .ok_or_else(|| need("projectName"))?;
        Ok(AlationAuth::Password {
            username: self.text(username, "target.auth.username")?,
            password: self.secret(password, "target.auth.password")?,
            project_name: self.text(project, "target.auth.projectName")?,
        })
    }

    fn user_id(&self, raw: &Spanned<RawUserId>) -> Result<u64> {
        match &raw.value {
            RawUserId::Number(id) => Ok(*id),
            RawUserId::Text(text) => {
                let spanned = Spanned::new(text.clone(), raw.referenced, raw.defined);
                let text = self.text(&spanned, "target.auth.userId")?;
                text.trim().parse().map_err(|_| {
                    self.error_at(
                        &raw.referenced,
                        format!("`target.auth.userId` must be a number, not `{text}`"),
                    )
                })
            }
        }
    }

    fn links(&self, raw: &RawTarget) -> Result<BTreeMap<u64, DatasourceLink>> {
        let Some(links) = &raw.datasource_links else {
            return Ok(BTreeMap::new());
        };
        let mut out = BTreeMap::new();
        for (id, value) in &links.value {
            let key = format!("target.datasourceLinks.{id}");
            let ds_id: u64 = id.trim().parse().map_err(|_| {
                self.error_at(
                    &value.referenced,
                    format!("`{key}`: a data source id is a number, not `{id}`"),
                )
            })?;
            let text = self.text(value, &key)?;
            let parts = fqn::split_decoded(&text)
                .map_err(|e| self.error_at(&value.referenced, format!("`{key}`: {e}")))?;
            let [service, database] = <[String; 2]>::try_from(parts).map_err(|_| {
                self.error_at(
                    &value.referenced,
                    format!("`{key}`: `{text}` is not a database FQN `service.database`"),
                )
            })?;
            out.insert(
                ds_id,
                DatasourceLink {
                    fqn: text,
                    service,
                    database,
                },
            );
        }
        Ok(out)
    }

    fn policy(&self, raw: RawPolicy) -> Result<PolicyConfig> {
        let defaults = PolicyConfig::default();
        let percent = |value: &Option<Spanned<u32>>, key: &str, default: u8| match value {
            None => Ok(default),
            Some(p) => u8::try_from(p.value)
                .ok()
                .filter(|v| *v <= 100)
                .ok_or_else(|| {
                    self.error_at(
                        &p.referenced,
                        format!("`policy.{key}` must be between 0 and 100, not {}", p.value),
                    )
                }),
        };
        let mut protect = Vec::new();
        for glob in &raw.protect {
            if glob.value.trim().is_empty() {
                return Err(self.error_at(
                    &glob.referenced,
                    "`policy.protect`: an empty pattern".into(),
                ));
            }
            protect.push(glob.value.clone());
        }
        let mut ignore = Vec::new();
        for rule in &raw.ignore {
            ignore.push(self.ignore_rule(rule)?);
        }
        Ok(PolicyConfig {
            prune: raw.prune.unwrap_or(defaults.prune),
            max_delete_percent: percent(
                &raw.max_delete_percent,
                "maxDeletePercent",
                defaults.max_delete_percent,
            )?,
            max_update_percent: percent(
                &raw.max_update_percent,
                "maxUpdatePercent",
                defaults.max_update_percent,
            )?,
            protect,
            ignore,
        })
    }

    /// `"address-glob:field"`, split at the last `:` since names may contain `::`.
    fn ignore_rule(&self, raw: &Spanned<String>) -> Result<IgnoreRule> {
        let valid = raw.value.rsplit_once(':').filter(|(address, field)| {
            !address.is_empty()
                && !field.is_empty()
                && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        match valid {
            Some((address, field)) => Ok(IgnoreRule {
                address: address.to_owned(),
                field: field.to_owned(),
            }),
            None => Err(self.error_at(
                &raw.referenced,
                format!(
                    "`policy.ignore`: `{}` is not `address-glob:field`",
                    raw.value
                ),
            )),
        }
    }
}

/// The position of the first mapping key `key` at or after `from` (1-based line, column).
///
/// serde-saphyr 0.0.16 reports an unknown field at the start of its mapping rather than
/// at the key (its fallback-location guard is restored when the next key replaces it),
/// so the key is looked up in the text from there.
fn find_key(text: &str, from: (u64, u64), key: &str) -> Option<(u64, u64)> {
    let plain = format!("{key}:");
    let double = format!("\"{key}\":");
    let single = format!("'{key}':");
    for (index, line) in text.lines().enumerate() {
        let number = index as u64 + 1;
        if number < from.0 {
            continue;
        }
        let skip = if number == from.0 { from.1 - 1 } else { 0 };
        for (column, (byte, _)) in (1u64..).zip(line.char_indices()) {
            let boundary = byte == 0 || line[..byte].ends_with([' ', '\t', '{', ',', '-']);
            let rest = &line[byte..];
            let hit = column > skip
                && boundary
                && [&plain, &double, &single].iter().any(|p| {
                    rest.strip_prefix(p.as_str())
                        .is_some_and(|after| after.is_empty() || after.starts_with([' ', '\t']))
                });
            if hit {
                return Some((number, column));
            }
        }
    }
    None
}
