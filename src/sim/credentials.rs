//! The credentials the sandboxes accept, printed by `metaform sandbox` for clients.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use super::alation::AlationCredentials;

/// Everything a client needs to authenticate to both sandboxes.
#[derive(Clone)]
pub struct Credentials {
    /// The bearer token the OpenMetadata sandbox accepts (`Authorization: Bearer <jwt>`).
    pub openmetadata_jwt: String,
    /// The Alation sandbox's users and ready refresh token.
    pub alation: AlationCredentials,
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
                user.role.label(),
                user.user_id,
                user.username,
                user.password
            ));
        }
        if !self.alation.refresh_token.is_empty() {
            lines.push(format!(
                "alation refresh token: user_id={} refresh_token={}",
                self.alation.refresh_token_user_id, self.alation.refresh_token
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
            alation: AlationCredentials {
                users: Vec::new(),
                refresh_token: String::new(),
                refresh_token_user_id: 0,
            },
        };
        assert!(!format!("{credentials:?}").contains("secret-jwt"));
    }
}
