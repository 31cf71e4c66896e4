//! The credentials the sandboxes accept, printed by `metaform sandbox` for clients.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

/// Everything a client needs to authenticate to both sandboxes.
#[derive(Clone)]
pub struct Credentials {
    /// The bearer token the OpenMetadata sandbox accepts (`Authorization: Bearer <jwt>`).
    pub openmetadata_jwt: String,
    /// The Alation sandbox's users and ready refresh token.
    pub alation: AlationCredentials,
}

/// The Alation sandbox's users and a refresh token ready for API access tokens.
#[derive(Clone, Default)]
pub struct AlationCredentials {
    /// One user per role.
    pub users: Vec<AlationUser>,
    /// A refresh token for `POST /integration/v1/createAPIAccessToken/`.
    pub refresh_token: Option<AlationRefreshToken>,
}

/// An Alation sandbox user who can log in with a password.
#[derive(Clone)]
pub struct AlationUser {
    /// The user's role, e.g. `Server Admin`.
    pub role: String,
    /// The user's id.
    pub user_id: i64,
    /// The login name.
    pub username: String,
    /// The password.
    pub password: String,
}

/// A refresh token and the id of the user it belongs to.
#[derive(Clone)]
pub struct AlationRefreshToken {
    /// The owner's user id.
    pub user_id: i64,
    /// The token.
    pub refresh_token: String,
}

impl fmt::Debug for Credentials {
    /// Names the users, never a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let users: Vec<&str> = self
            .alation
            .users
            .iter()
            .map(|u| u.username.as_str())
            .collect();
        f.debug_struct("Credentials")
            .field("openmetadata_jwt", &"<redacted>")
            .field("alation_users", &users)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// The lines `metaform sandbox` prints after its ready line, one credential per line.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = vec![format!("openmetadata jwt: {}", self.openmetadata_jwt)];
        for user in &self.alation.users {
            lines.push(format!(
                "alation user: role=\"{}\" user_id={} username={} password={}",
                user.role, user.user_id, user.username, user.password
            ));
        }
        if let Some(token) = &self.alation.refresh_token {
            lines.push(format!(
                "alation refresh token: user_id={} refresh_token={}",
                token.user_id, token.refresh_token
            ));
        }
        lines
    }
}

/// A fresh, random bot JWT in OpenMetadata's format (RS256 header, bot claims, a random
/// signature). The sandbox compares it verbatim: it is never verified cryptographically.
pub fn random_openmetadata_jwt() -> String {
    let issued_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let header = serde_json::json!({"kid": "Gb389a-9f76-gdjs-a92j-0242bk94356", "typ": "JWT", "alg": "RS256"});
    let claims = serde_json::json!({
        "iss": "open-metadata.org",
        "sub": "ingestion-bot",
        "roles": ["IngestionBotRole"],
        "email": "ingestion-bot@open-metadata.org",
        "isBot": true,
        "tokenType": "BOT",
        "iat": issued_at,
        "exp": null,
    });
    let mut signature = [0u8; 256];
    rand::rng().fill_bytes(&mut signature);
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JWT has three base64url parts, bot claims, and differs per call.
    #[test]
    fn jwt_has_openmetadata_shape() {
        let jwt = random_openmetadata_jwt();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("base64url"))
                .expect("JSON claims");
        assert_eq!(claims["sub"], "ingestion-bot");
        assert_eq!(claims["isBot"], true);
        assert_ne!(jwt, random_openmetadata_jwt());
    }

    /// Debug output never shows the token.
    #[test]
    fn debug_redacts_secrets() {
        let credentials = Credentials {
            openmetadata_jwt: "secret-jwt".into(),
            alation: AlationCredentials::default(),
        };
        assert!(!format!("{credentials:?}").contains("secret-jwt"));
    }
}
