//! Who the credentials belong to: `GET /integration/v1/userinfo/` (allie-sdk's
//! `get_authenticated_user`, shared/reference/alation-api.md §13.3), and whether that
//! user's role may write catalog metadata through the integration APIs
//! (shared/reference/openmetadata-connectors.md §1.2: Source Admin, Catalog Admin or
//! Server Admin).
//!
//! UNVERIFIED: the spelling of `role` in the answer. The sandbox and Alation's API
//! bodies use the upper-case form (`SOURCE_ADMIN`); the UI shows `Source Admin`. Both
//! are accepted: the value is compared after upper-casing and turning spaces and dashes
//! into underscores.

use std::fmt;

use serde::Deserialize;

use super::{AlationClient, AlationError};

/// The authenticated user, as `userinfo` describes it; other fields are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct UserInfo {
    /// The user's id (the `userId` of a refresh token).
    pub id: u64,
    /// The login name.
    #[serde(default)]
    pub username: String,
    /// The role, as Alation spells it.
    #[serde(default)]
    pub role: String,
}

impl UserInfo {
    /// The user's role.
    pub fn role(&self) -> AlationRole {
        AlationRole::parse(&self.role)
    }
}

/// An Alation user role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlationRole {
    /// Read-only.
    Viewer,
    /// Reads and comments.
    Explorer,
    /// Edits articles and curated fields in the UI.
    Composer,
    /// Administers the data sources it is a Data Source Admin of.
    SourceAdmin,
    /// Administers the catalog.
    CatalogAdmin,
    /// Administers the server.
    ServerAdmin,
    /// A role this client does not know, as Alation spelled it.
    Other(String),
}

impl AlationRole {
    /// The role named `text` in either spelling (`SOURCE_ADMIN`, `Source Admin`).
    pub fn parse(text: &str) -> Self {
        let canonical: String = text
            .trim()
            .chars()
            .map(|c| match c {
                ' ' | '-' => '_',
                c => c.to_ascii_uppercase(),
            })
            .collect();
        match canonical.as_str() {
            "VIEWER" => Self::Viewer,
            "EXPLORER" => Self::Explorer,
            "COMPOSER" => Self::Composer,
            "SOURCE_ADMIN" => Self::SourceAdmin,
            "CATALOG_ADMIN" => Self::CatalogAdmin,
            "SERVER_ADMIN" => Self::ServerAdmin,
            _ => Self::Other(text.trim().to_owned()),
        }
    }

    /// Whether the role may write schemas, tables and columns through the
    /// integration APIs.
    pub fn can_write(&self) -> bool {
        matches!(
            self,
            Self::SourceAdmin | Self::CatalogAdmin | Self::ServerAdmin
        )
    }
}

impl fmt::Display for AlationRole {
    /// The name the Alation UI shows, e.g. `Source Admin`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Viewer => "Viewer",
            Self::Explorer => "Explorer",
            Self::Composer => "Composer",
            Self::SourceAdmin => "Source Admin",
            Self::CatalogAdmin => "Catalog Admin",
            Self::ServerAdmin => "Server Admin",
            Self::Other(name) if name.is_empty() => "(none)",
            Self::Other(name) => name,
        })
    }
}

impl AlationClient {
    /// The user the configured credentials belong to (authenticating first if needed).
    pub async fn userinfo(&self) -> Result<UserInfo, AlationError> {
        self.get_json("/integration/v1/userinfo/").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both the API spelling and the UI spelling of a role are understood, and only the
    /// three admin roles may write.
    #[test]
    fn roles_parse_in_either_spelling() {
        assert_eq!(AlationRole::parse("SOURCE_ADMIN"), AlationRole::SourceAdmin);
        assert_eq!(
            AlationRole::parse("Catalog Admin"),
            AlationRole::CatalogAdmin
        );
        assert_eq!(AlationRole::parse("server-admin"), AlationRole::ServerAdmin);
        assert_eq!(AlationRole::parse("VIEWER").to_string(), "Viewer");
        assert_eq!(
            AlationRole::parse("Steward"),
            AlationRole::Other("Steward".into())
        );
        let writers: Vec<String> = [
            "VIEWER",
            "EXPLORER",
            "COMPOSER",
            "SOURCE_ADMIN",
            "CATALOG_ADMIN",
            "SERVER_ADMIN",
            "Steward",
        ]
        .iter()
        .map(|r| AlationRole::parse(r))
        .filter(AlationRole::can_write)
        .map(|r| r.to_string())
        .collect();
        assert_eq!(writers, ["Source Admin", "Catalog Admin", "Server Admin"]);
    }
}
