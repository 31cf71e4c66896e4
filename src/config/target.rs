//! `target:` validation: one authentication method, keys that fit the target type,
//! data source links that name databases.

use std::collections::BTreeMap;

use serde_saphyr::{Location, Spanned};

use super::raw::{RawTarget, RawTargetAuth, RawUserId, TargetKind};
use super::validate::{Ctx, Result};
use super::{AlationTarget, OpenMetadataConnection, TargetConfig};
use crate::api::alation::AlationAuth;
use crate::api::openmetadata::fqn;
use crate::target::alation::DatasourceLink;

impl Ctx<'_> {
    /// Validates `target:` for its type.
    pub(super) fn target(&self, raw: &RawTarget) -> Result<TargetConfig> {
        let host_port = self.url(&raw.host_port, "target.hostPort")?;
        let tls = self.tls(raw.verify_ssl, raw.ca_certificate.as_ref(), "target")?;
        let limits = self.limits(
            raw.timeouts.as_ref(),
            raw.max_response_size.as_ref(),
            raw.parallelism.as_ref(),
            "target",
            raw.kind == TargetKind::Alation,
        )?;
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
                limits,
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
                    limits,
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
                token: self.secret(token, "target.auth.refreshToken")?,
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

    /// `datasourceLinks`, in id order, one link per id.
    fn links(&self, raw: &RawTarget) -> Result<Vec<DatasourceLink>> {
        let Some(links) = &raw.datasource_links else {
            return Ok(Vec::new());
        };
        let mut out = BTreeMap::new();
        for (id, value) in &links.value {
            let key = format!("target.datasourceLinks.{id}");
            let datasource_id = id
                .trim()
                .parse::<u64>()
                .ok()
                .and_then(|n| i64::try_from(n).ok())
                .ok_or_else(|| {
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
                datasource_id,
                DatasourceLink {
                    datasource_id,
                    service,
                    database,
                },
            );
        }
        Ok(out.into_values().collect())
    }
}
