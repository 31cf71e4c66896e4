//! What the Alation sandbox stores: users and tokens, data sources, schemas, tables,
//! columns and jobs. Everything here is serialisable, because the state is persisted.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::AlationOptions;
use super::by_id::ById;
use super::index::{Children, Parent, Place};
use super::key_index::KeyIndex;
use super::keys::{Kind, ObjectKey};

/// An Alation user role (shared/reference/openmetadata-connectors.md §1.2: writes need
/// Source Admin, Catalog Admin or Server Admin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Reads public catalog pages.
    Viewer,
    /// Reads and queries.
    Explorer,
    /// Writes queries in Compose.
    Composer,
    /// Administers the data sources it owns.
    SourceAdmin,
    /// Administers the catalog.
    CatalogAdmin,
    /// Administers the server.
    ServerAdmin,
}

impl Role {
    /// Every role, least privileged first.
    pub const ALL: [Role; 6] = [
        Role::Viewer,
        Role::Explorer,
        Role::Composer,
        Role::SourceAdmin,
        Role::CatalogAdmin,
        Role::ServerAdmin,
    ];

    /// Whether the role may write catalog metadata through the integration APIs.
    pub fn can_write(self) -> bool {
        matches!(
            self,
            Role::SourceAdmin | Role::CatalogAdmin | Role::ServerAdmin
        )
    }

    /// The name shown in Alation's user interface, e.g. `Source Admin`.
    pub fn label(self) -> &'static str {
        match self {
            Role::Viewer => "Viewer",
            Role::Explorer => "Explorer",
            Role::Composer => "Composer",
            Role::SourceAdmin => "Source Admin",
            Role::CatalogAdmin => "Catalog Admin",
            Role::ServerAdmin => "Server Admin",
        }
    }

    /// The spelling of the role in API bodies, e.g. `SOURCE_ADMIN`.
    pub fn api_name(self) -> &'static str {
        match self {
            Role::Viewer => "VIEWER",
            Role::Explorer => "EXPLORER",
            Role::Composer => "COMPOSER",
            Role::SourceAdmin => "SOURCE_ADMIN",
            Role::CatalogAdmin => "CATALOG_ADMIN",
            Role::ServerAdmin => "SERVER_ADMIN",
        }
    }
}

/// A username and password the sandbox accepts, with the user's role and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserCredential {
    /// Login name for `createRefreshToken`.
    pub username: String,
    /// Password for `createRefreshToken`.
    pub password: String,
    /// The user's role.
    pub role: Role,
    /// The user id to send with refresh tokens.
    pub user_id: u64,
}

/// The credentials a seeded sandbox accepts, for printing and for tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlationCredentials {
    /// One user per role.
    pub users: Vec<UserCredential>,
    /// A refresh token of the Server Admin user.
    pub refresh_token: String,
    /// The user id that goes with `refresh_token`.
    pub refresh_token_user_id: u64,
}

/// A user account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct User {
    pub(super) id: u64,
    pub(super) username: String,
    pub(super) password: String,
    pub(super) role: Role,
    pub(super) created_at: i64,
}

/// `ACTIVE`, `EXPIRED` or `REVOKED` (§3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum TokenStatus {
    Active,
    Revoked,
}

/// A refresh token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct RefreshToken {
    pub(super) token: String,
    pub(super) user_id: u64,
    pub(super) name: String,
    pub(super) created_at: i64,
    pub(super) expires_at: i64,
    pub(super) last_used_at: Option<i64>,
    pub(super) status: TokenStatus,
}

/// An API access token, created from a refresh token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct AccessToken {
    pub(super) token: String,
    pub(super) user_id: u64,
    pub(super) refresh_token: String,
    pub(super) created_at: i64,
    pub(super) expires_at: i64,
    pub(super) status: TokenStatus,
}

/// A data source: native or virtual (v1 API) or OCF (v2 API), in one id space.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct DataSource {
    pub(super) id: u64,
    pub(super) connector_id: Option<u64>,
    pub(super) dbtype: Option<String>,
    pub(super) title: String,
    pub(super) description: String,
    pub(super) uri: Option<String>,
    pub(super) host: Option<String>,
    pub(super) port: Option<u64>,
    pub(super) dbname: Option<String>,
    pub(super) db_username: Option<String>,
    pub(super) private: bool,
    pub(super) is_hidden: bool,
    pub(super) is_virtual: bool,
    pub(super) deployment_setup_complete: bool,
    pub(super) owner_id: u64,
}

/// A custom field value on a schema, table or column (§5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct CustomFieldValue {
    pub(super) field_id: u64,
    pub(super) value: Value,
}

// Texts of schemas, tables and columns are `Box<str>`: two million columns hold them,
// and a `String`'s spare capacity field is a tenth of a column.

/// A schema (§6.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Schema {
    pub(super) id: u64,
    pub(super) ds_id: u64,
    pub(super) name: Box<str>,
    pub(super) key: Box<str>,
    pub(super) title: Box<str>,
    pub(super) description: Box<str>,
    pub(super) db_comment: Option<Box<str>>,
    pub(super) custom_fields: Vec<CustomFieldValue>,
}

/// A table (§6.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Table {
    pub(super) id: u64,
    pub(super) ds_id: u64,
    pub(super) schema_id: u64,
    pub(super) name: Box<str>,
    pub(super) key: Box<str>,
    pub(super) title: Box<str>,
    pub(super) description: Box<str>,
    pub(super) table_type: Box<str>,
    pub(super) table_type_name: Option<Box<str>>,
    pub(super) sql: Option<Box<str>>,
    pub(super) table_comment: Box<str>,
    pub(super) owner: Option<Box<str>>,
    pub(super) base_table_key: Option<Box<str>>,
    pub(super) partition_definition: Option<Box<str>>,
    pub(super) partition_columns: Vec<String>,
    pub(super) custom_fields: Vec<CustomFieldValue>,
}

/// The `index` object of a column (§6.3).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ColumnIndex {
    pub(super) is_primary_key: bool,
    pub(super) is_foreign_key: bool,
    pub(super) referenced_column_id: Option<Box<str>>,
    pub(super) is_other_index: bool,
}

/// A column; Alation's otype is `attribute` (§6.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Column {
    pub(super) id: u64,
    pub(super) ds_id: u64,
    pub(super) schema_id: u64,
    pub(super) table_id: u64,
    pub(super) name: Box<str>,
    pub(super) key: Box<str>,
    pub(super) column_type: Box<str>,
    pub(super) title: Box<str>,
    pub(super) description: Box<str>,
    pub(super) column_comment: Option<Box<str>>,
    pub(super) nullable: bool,
    pub(super) position: Option<i64>,
    pub(super) index: ColumnIndex,
    pub(super) custom_fields: Vec<CustomFieldValue>,
}

/// An asynchronous job and its final report (§10).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Job {
    pub(super) id: u64,
    pub(super) name: Option<String>,
    pub(super) polls: u64,
    pub(super) succeeded: bool,
    pub(super) msg: String,
    /// The final report's `result`, as JSON text (`jobs.rs`).
    pub(super) result: Box<serde_json::value::RawValue>,
}

/// Next ids to hand out, one counter per id space.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Counters {
    pub(super) user: u64,
    pub(super) datasource: u64,
    pub(super) schema: u64,
    pub(super) table: u64,
    pub(super) column: u64,
    pub(super) job: u64,
    pub(super) token: u64,
}

impl Default for Counters {
    fn default() -> Self {
        Self {
            user: 1,
            datasource: 1,
            schema: 1,
            table: 1,
            column: 1,
            job: 1,
            token: 1,
        }
    }
}

/// Everything the Alation sandbox stores.
///
/// Start from [`AlationState::seeded`]: the default state has no users, so nobody can
/// authenticate against it.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(from = "Stored")]
pub struct AlationState {
    pub(super) seed: u64,
    pub(super) counters: Counters,
    pub(super) users: Vec<User>,
    /// Refresh tokens by token text.
    pub(super) refresh_tokens: BTreeMap<String, RefreshToken>,
    /// Access tokens by token text.
    pub(super) access_tokens: BTreeMap<String, AccessToken>,
    pub(super) datasources: BTreeMap<u64, DataSource>,
    pub(super) schemas: ById<Schema>,
    pub(super) tables: ById<Table>,
    pub(super) columns: ById<Column>,
    pub(super) jobs: BTreeMap<u64, Job>,
    /// Ids by canonical key, one index per kind (`key_index.rs`), derived from the maps
    /// above.
    #[serde(skip)]
    pub(super) schema_keys: KeyIndex,
    #[serde(skip)]
    pub(super) table_keys: KeyIndex,
    #[serde(skip)]
    pub(super) column_keys: KeyIndex,
    /// Object ids by parent (`index.rs`), derived from the maps above.
    #[serde(skip)]
    pub(super) children: Children,
}

/// What a state file holds: the state without its derived indexes (files written before
/// the key indexes were derived also hold them: they are ignored and rebuilt).
#[derive(Deserialize)]
struct Stored {
    seed: u64,
    counters: Counters,
    users: Vec<User>,
    refresh_tokens: BTreeMap<String, RefreshToken>,
    access_tokens: BTreeMap<String, AccessToken>,
    datasources: BTreeMap<u64, DataSource>,
    schemas: ById<Schema>,
    tables: ById<Table>,
    columns: ById<Column>,
    jobs: BTreeMap<u64, Job>,
}

impl From<Stored> for AlationState {
    /// A loaded state, with its indexes rebuilt.
    fn from(stored: Stored) -> Self {
        let mut children = Children::default();
        let places = (stored.schemas.values().map(Schema::place))
            .chain(stored.tables.values().map(Table::place))
            .chain(stored.columns.values().map(Column::place));
        for place in places {
            children.add(place);
        }
        let schema_keys = key_index(Kind::Schema, stored.schemas.values().map(Schema::identity));
        let table_keys = key_index(Kind::Table, stored.tables.values().map(Table::identity));
        let column_keys = key_index(Kind::Column, stored.columns.values().map(Column::identity));
        AlationState {
            seed: stored.seed,
            counters: stored.counters,
            users: stored.users,
            refresh_tokens: stored.refresh_tokens,
            access_tokens: stored.access_tokens,
            datasources: stored.datasources,
            schemas: stored.schemas,
            tables: stored.tables,
            columns: stored.columns,
            schema_keys,
            table_keys,
            column_keys,
            jobs: stored.jobs,
            children,
        }
    }
}

/// The key index of stored objects of `kind`, given as (id, data source, key text).
/// A stored key always parses (it did when it was written); one that does not is left
/// out rather than refusing the whole file.
fn key_index<'a>(kind: Kind, objects: impl Iterator<Item = (u64, u64, &'a str)>) -> KeyIndex {
    let mut index = KeyIndex::default();
    for (id, ds_id, key) in objects {
        if let Ok(key) = ObjectKey::parse(key, kind, ds_id) {
            index.insert(&key, id);
        }
    }
    index
}

impl Schema {
    /// Its id, data source and key text, for the key index.
    fn identity(&self) -> (u64, u64, &str) {
        (self.id, self.ds_id, &self.key)
    }

    /// Where the schema sits, for the indexes.
    pub(super) fn place(&self) -> Place {
        Place {
            kind: Kind::Schema,
            id: self.id,
            ds_id: self.ds_id,
            schema_id: None,
            table_id: None,
        }
    }
}

impl Table {
    /// Its id, data source and key text, for the key index.
    fn identity(&self) -> (u64, u64, &str) {
        (self.id, self.ds_id, &self.key)
    }

    /// Where the table sits, for the indexes.
    pub(super) fn place(&self) -> Place {
        Place {
            kind: Kind::Table,
            id: self.id,
            ds_id: self.ds_id,
            schema_id: Some(self.schema_id),
            table_id: None,
        }
    }
}

impl Column {
    /// Its id, data source and key text, for the key index.
    fn identity(&self) -> (u64, u64, &str) {
        (self.id, self.ds_id, &self.key)
    }

    /// Where the column sits, for the indexes.
    pub(super) fn place(&self) -> Place {
        Place {
            kind: Kind::Column,
            id: self.id,
            ds_id: self.ds_id,
            schema_id: Some(self.schema_id),
            table_id: Some(self.table_id),
        }
    }
}

/// Name of the refresh token a seeded state holds.
const SEEDED_TOKEN_NAME: &str = "metaform-sandbox";

impl AlationState {
    /// A state with one user per role (passwords derived from `options.seed`) and a
    /// refresh token of the Server Admin user.
    pub fn seeded(options: &AlationOptions) -> AlationState {
        let mut state = AlationState {
            seed: options.seed,
            ..AlationState::default()
        };
        let now = options.clock.now_micros();
        for role in Role::ALL {
            let password = state.random_token(16);
            let id = state.next_id(IdSpace::User);
            state.users.push(User {
                id,
                username: role.label().to_lowercase().replace(' ', "."),
                password,
                role,
                created_at: now,
            });
        }
        let admin = state
            .users
            .iter()
            .find(|u| u.role == Role::ServerAdmin)
            .map(|u| u.id)
            .unwrap_or_default();
        state.new_refresh_token(admin, SEEDED_TOKEN_NAME, now, options);
        state
    }

    /// The usernames, passwords and the seeded refresh token this state accepts.
    pub fn credentials(&self) -> AlationCredentials {
        let seeded = self
            .refresh_tokens
            .values()
            .find(|t| t.name == SEEDED_TOKEN_NAME && t.status == TokenStatus::Active);
        AlationCredentials {
            users: self
                .users
                .iter()
                .map(|u| UserCredential {
                    username: u.username.clone(),
                    password: u.password.clone(),
                    role: u.role,
                    user_id: u.id,
                })
                .collect(),
            refresh_token: seeded.map(|t| t.token.clone()).unwrap_or_default(),
            refresh_token_user_id: seeded.map(|t| t.user_id).unwrap_or_default(),
        }
    }

    /// A fresh id in `space`.
    pub(super) fn next_id(&mut self, space: IdSpace) -> u64 {
        let counter = match space {
            IdSpace::User => &mut self.counters.user,
            IdSpace::DataSource => &mut self.counters.datasource,
            IdSpace::Schema => &mut self.counters.schema,
            IdSpace::Table => &mut self.counters.table,
            IdSpace::Column => &mut self.counters.column,
            IdSpace::Job => &mut self.counters.job,
        };
        let id = *counter;
        *counter += 1;
        id
    }

    /// A token of `len` hex digits, deterministic under the state's seed.
    pub(super) fn random_token(&mut self, len: usize) -> String {
        let n = self.counters.token;
        self.counters.token += 1;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        (0..len)
            .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
            .collect()
    }

    /// Creates and stores a refresh token for `user_id`.
    pub(super) fn new_refresh_token(
        &mut self,
        user_id: u64,
        name: &str,
        now: i64,
        options: &AlationOptions,
    ) -> RefreshToken {
        let token = RefreshToken {
            token: self.random_token(40),
            user_id,
            name: name.to_string(),
            created_at: now,
            expires_at: now.saturating_add(micros(options.refresh_token_ttl)),
            last_used_at: None,
            status: TokenStatus::Active,
        };
        self.refresh_tokens
            .insert(token.token.clone(), token.clone());
        token
    }

    /// The key index of `kind`.
    pub(super) fn keys_mut(&mut self, kind: Kind) -> &mut KeyIndex {
        match kind {
            Kind::Schema => &mut self.schema_keys,
            Kind::Table => &mut self.table_keys,
            Kind::Column => &mut self.column_keys,
        }
    }

    /// The key index of `kind`, for reading.
    pub(super) fn keys(&self, kind: Kind) -> &KeyIndex {
        match kind {
            Kind::Schema => &self.schema_keys,
            Kind::Table => &self.table_keys,
            Kind::Column => &self.column_keys,
        }
    }

    /// Removes a stored key from the index of `kind`.
    fn forget_key(&mut self, kind: Kind, ds_id: u64, key: &str) {
        if let Ok(parsed) = ObjectKey::parse(key, kind, ds_id) {
            self.keys_mut(kind).remove(&parsed);
        }
    }

    /// Deletes columns.
    pub(super) fn delete_columns(&mut self, ids: &[u64]) {
        let mut places = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(column) = self.columns.remove(id) {
                self.forget_key(Kind::Column, column.ds_id, &column.key);
                places.push(column.place());
            }
        }
        self.children.remove(Kind::Column, &places);
    }

    /// Deletes tables and their columns.
    pub(super) fn delete_tables(&mut self, ids: &[u64]) {
        let columns: Vec<u64> = ids
            .iter()
            .flat_map(|id| self.children.under(Kind::Column, Parent::Table, *id))
            .copied()
            .collect();
        self.delete_columns(&columns);
        let mut places = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(table) = self.tables.remove(id) {
                self.forget_key(Kind::Table, table.ds_id, &table.key);
                places.push(table.place());
            }
        }
        self.children.remove(Kind::Table, &places);
    }

    /// Deletes schemas with their tables and columns.
    pub(super) fn delete_schemas(&mut self, ids: &[u64]) {
        let tables: Vec<u64> = ids
            .iter()
            .flat_map(|id| self.children.under(Kind::Table, Parent::Schema, *id))
            .copied()
            .collect();
        self.delete_tables(&tables);
        let mut places = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(schema) = self.schemas.remove(id) {
                self.forget_key(Kind::Schema, schema.ds_id, &schema.key);
                places.push(schema.place());
            }
        }
        self.children.remove(Kind::Schema, &places);
    }

    /// Deletes a data source with everything in it.
    pub(super) fn delete_datasource(&mut self, ds_id: u64) {
        self.datasources.remove(&ds_id);
        let schemas = self
            .children
            .under(Kind::Schema, Parent::DataSource, ds_id)
            .to_vec();
        self.delete_schemas(&schemas);
    }
}

/// The separate id counters of the sandbox.
#[derive(Debug, Clone, Copy)]
pub(super) enum IdSpace {
    User,
    DataSource,
    Schema,
    Table,
    Column,
    Job,
}

/// A duration in microseconds, saturating.
pub(super) fn micros(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}
