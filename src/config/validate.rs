//! [`RawConfig`] -> [`Config`]: interpolation, path resolution and consistency checks,
//! each failure naming the key and its line.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde_saphyr::{Location, Spanned};

use super::filters::{Filters, NameFilter};
use super::interpolate::{self, interpolate};
use super::raw::{RawConfig, RawFilterPattern, RawFilters, RawPolicy, RawSource, SourceKind};
use super::{
    AtlasConnection, Config, ConfigError, OpenMetadataConnection, SourceConfig, SourceConnection,
    TlsConfig,
};
use crate::core::plan::{IgnoreRule, Policy};

pub(super) type Result<T> = std::result::Result<T, ConfigError>;

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
    if text.trim().is_empty() {
        return Err(ctx.error("the file is empty".into()));
    }
    let raw: RawConfig = serde_saphyr::from_str(&interpolate::protect(text))
        .map_err(|e| ctx.yaml_error(&e, text))?;
    Ok(Config {
        file: path.to_owned(),
        source: raw.source.map(|s| ctx.source(&s)).transpose()?,
        target: raw.target.map(|t| ctx.target(&t)).transpose()?,
        state_dir: match &raw.state {
            Some(state) => ctx.path(state, "state")?,
            None => ctx.base.join("state"),
        },
        policy: ctx.policy(raw.policy.unwrap_or_default())?,
    })
}

/// What validation needs to know: the file (for messages), its directory (for paths)
/// and the environment (for `${ENV}`).
pub(super) struct Ctx<'a> {
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

    pub(super) fn error_at(&self, at: &Location, message: String) -> ConfigError {
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
            message = name_the_key(text, (line, column), humanize(message));
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
    pub(super) fn text(&self, value: &Spanned<String>, key: &str) -> Result<String> {
        interpolate(&value.value, self.env)
            .map_err(|e| self.error_at(&value.referenced, format!("`{key}`: {e}")))
    }

    /// An interpolated, non-empty secret value, without trailing line breaks: a value
    /// read from a file into a variable (`$(cat token)` in some shells, a mounted secret)
    /// often ends in one, and no token or password does.
    pub(super) fn secret(&self, value: &Spanned<SecretString>, key: &str) -> Result<SecretString> {
        let text = interpolate(value.value.expose_secret(), self.env)
            .map_err(|e| self.error_at(&value.referenced, format!("`{key}`: {e}")))?;
        let text = text.trim_end_matches(['\n', '\r']).to_owned();
        if text.trim().is_empty() {
            return Err(self.error_at(&value.referenced, format!("`{key}` is empty")));
        }
        Ok(SecretString::from(text))
    }

    /// A JWT given as a value or as the path of a file holding it (OpenMetadata's rule:
    /// a value naming an existing file is read, right-trimmed).
    pub(super) fn jwt(&self, value: &Spanned<SecretString>, key: &str) -> Result<SecretString> {
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
    pub(super) fn url(&self, value: &Spanned<String>, key: &str) -> Result<String> {
        let text = self.text(value, key)?;
        // The value as written, not as interpolated: the environment may hold credentials.
        let bad = |why: String| {
            self.error_at(
                &value.referenced,
                format!("`{key}`: `{}` is not an http(s) URL: {why}", value.value),
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

    pub(super) fn tls(
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
        let limits = self.limits(
            raw.timeouts.as_ref(),
            raw.max_response_size.as_ref(),
            raw.parallelism.as_ref(),
            "source",
            false,
        )?;
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
                    limits,
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
                    limits,
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

    /// `policy:` as the plan engine's [`Policy`], without `force` (a command-line flag).
    fn policy(&self, raw: RawPolicy) -> Result<Policy> {
        let defaults = Policy::default();
        let percent = |value: &Option<Spanned<u32>>, key: &str, default: f64| match value {
            None => Ok(default),
            Some(p) if p.value <= 100 => Ok(f64::from(p.value)),
            Some(p) => Err(self.error_at(
                &p.referenced,
                format!("`policy.{key}` must be between 0 and 100, not {}", p.value),
            )),
        };
        let mut protect = Vec::new();
        for glob in &raw.protect {
            if glob.value.trim().is_empty() {
                return Err(self.error_at(
                    &glob.referenced,
                    "`policy.protect`: an empty pattern".into(),
                ));
            }
            protect.push(interpolate::restore(&glob.value));
        }
        let mut ignore = Vec::new();
        for rule in &raw.ignore {
            ignore.push(self.ignore_rule(rule)?);
        }
        Ok(Policy {
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
            force: false,
        })
    }

    /// `"address-glob:field"`, split at the last `:` since names may contain `::`. Stricter
    /// than [`IgnoreRule`]'s `FromStr`: the field is a plain name, not a glob.
    fn ignore_rule(&self, raw: &Spanned<String>) -> Result<IgnoreRule> {
        let valid = raw.value.rsplit_once(':').filter(|(address, field)| {
            !address.is_empty()
                && !field.is_empty()
                && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        match valid {
            Some((address, field)) => Ok(IgnoreRule {
                address: interpolate::restore(address),
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

/// Rephrases serde-saphyr's messages that speak of Rust types or parser events in terms
/// of the file; any other message is kept as is.
fn humanize(message: String) -> String {
    let expected = match message.as_str() {
        "invalid u8" | "invalid u16" | "invalid u32" | "invalid u64" => "a whole number",
        "invalid bool" => "`true` or `false`",
        "unexpected event: expected sequence start" => "a list",
        "unexpected event: expected mapping start" => "a mapping of keys to values",
        "unexpected event: expected string scalar" => "a string",
        _ => return message,
    };
    format!("expected {expected}")
}

/// Prefixes a type error (`expected ...`) with the key whose value is at `at`, read from
/// the text: the last `key:` before that position on its line.
fn name_the_key(text: &str, at: (u64, u64), message: String) -> String {
    if !message.starts_with("expected ") {
        return message;
    }
    let Some(line) = usize::try_from(at.0)
        .ok()
        .and_then(|n| text.lines().nth(n.saturating_sub(1)))
    else {
        return message;
    };
    let before: String = line
        .chars()
        .take(usize::try_from(at.1).unwrap_or(0).saturating_sub(1))
        .collect();
    let Some(rest) = before.trim_end().strip_suffix(':') else {
        return message;
    };
    let start = rest
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    match &rest[start..] {
        "" => message,
        key => format!("`{key}`: {message}"),
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
