//! The `metaform.yaml` a test project gets: where the sandboxes listen, how the secrets
//! reach the binary (from `${ENV}` references, or written into the file for runs that
//! set no environment), and the target and policy settings a test varies.

use metaform::sim::Sandbox;

/// How `metaform.yaml` authenticates to Alation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AlationAuthMode {
    /// `refreshToken` + `userId`.
    #[default]
    RefreshToken,
    /// `username` + `password` + `projectName`.
    Password,
    /// `accessToken` (from `${ALATION_ACCESS_TOKEN}`, which the test sets).
    AccessToken,
}

/// Where the secrets of `metaform.yaml` come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Secrets {
    /// `${OM_JWT_TOKEN}`, `${ALATION_REFRESH_TOKEN}`, …: the runs set the variables.
    #[default]
    FromEnv,
    /// The JWT, refresh token and user id written into the file (refresh-token auth
    /// only), for runs started without the variables.
    Inline,
}

/// What `metaform.yaml` says besides the sandboxes' addresses. The default is the
/// smallest configuration: refresh-token auth from the environment and every other
/// setting left to metaform's defaults (virtual data sources, `state/`, SPEC §2 policy).
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// How Alation is authenticated.
    pub auth: AlationAuthMode,
    /// Where the secrets come from.
    pub secrets: Secrets,
    /// `createDatasourceAs` (`virtual`, `ocf`), written when set.
    pub create_as: Option<&'static str>,
    /// `datasourceLinks`: Alation data source id -> OpenMetadata database FQN.
    pub links: Vec<(u64, &'static str)>,
    /// Further lines under `target:` (indented by the caller).
    pub target_extra: String,
    /// `state:`, written when set.
    pub state: Option<&'static str>,
    /// The `policy:` block's body, indented by two spaces, written when set.
    pub policy: Option<String>,
    /// Further top-level lines.
    pub extra: String,
}

/// Where the sandboxes listen and the credentials they accept.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// OpenMetadata base URL (with `/api`).
    pub openmetadata_url: String,
    /// OpenMetadata bearer token.
    pub openmetadata_jwt: String,
    /// Alation base URL.
    pub alation_url: String,
    /// An Alation refresh token.
    pub refresh_token: String,
    /// Its user id.
    pub user_id: u64,
}

impl Endpoints {
    /// The endpoints of an in-process sandbox.
    pub fn of(sandbox: &Sandbox) -> Endpoints {
        let credentials = sandbox.credentials();
        Endpoints {
            openmetadata_url: sandbox.openmetadata_url().to_owned(),
            openmetadata_jwt: credentials.openmetadata_jwt.clone(),
            alation_url: sandbox.alation_url().to_owned(),
            refresh_token: credentials.alation.refresh_token.clone(),
            user_id: credentials.alation.refresh_token_user_id,
        }
    }
}

impl Config {
    /// The text of `metaform.yaml` for sandboxes at `endpoints`.
    pub fn render(&self, endpoints: &Endpoints) -> String {
        let (jwt, auth) = match self.secrets {
            Secrets::Inline => (
                format!("\"{}\"", endpoints.openmetadata_jwt),
                format!(
                    "{{ refreshToken: \"{}\", userId: {} }}",
                    endpoints.refresh_token, endpoints.user_id
                ),
            ),
            Secrets::FromEnv => (
                "\"${OM_JWT_TOKEN}\"".to_owned(),
                match self.auth {
                    AlationAuthMode::RefreshToken => {
                        r#"{ refreshToken: "${ALATION_REFRESH_TOKEN}", userId: "${ALATION_USER_ID}" }"#
                    }
                    AlationAuthMode::Password => {
                        r#"{ username: "${ALATION_USERNAME}", password: "${ALATION_PASSWORD}", projectName: metaform-test }"#
                    }
                    AlationAuthMode::AccessToken => r#"{ accessToken: "${ALATION_ACCESS_TOKEN}" }"#,
                }
                .to_owned(),
            ),
        };
        let mut text = format!(
            "source:\n  type: openmetadata\n  hostPort: {}\n  auth: {{ jwtToken: {jwt} }}\n\
             target:\n  type: alation\n  hostPort: {}\n",
            endpoints.openmetadata_url, endpoints.alation_url,
        );
        if let Some(create_as) = self.create_as {
            text.push_str(&format!("  createDatasourceAs: {create_as}\n"));
        }
        text.push_str(&format!("  auth: {auth}\n"));
        if !self.links.is_empty() {
            text.push_str("  datasourceLinks:\n");
            for (id, fqn) in &self.links {
                text.push_str(&format!("    \"{id}\": {fqn}\n"));
            }
        }
        text.push_str(&self.target_extra);
        if let Some(state) = self.state {
            text.push_str(&format!("state: {state}\n"));
        }
        if let Some(policy) = &self.policy {
            text.push_str(&format!("policy:\n{policy}"));
        }
        text.push_str(&self.extra);
        text
    }
}
