//! Typed client of the OpenMetadata REST API: the read endpoints a snapshot needs
//! (shared/reference/openmetadata-connectors.md §4).
//!
//! Requests carry `Authorization: Bearer <jwt>` (§3). Lists follow `paging.after`
//! cursors until the last page (§4.2); every request goes through the retrying
//! [`HttpClient`], so 429/5xx and resets are retried there, and bodies are read within
//! its size limit.
//!
//! A table's lineage is one `GET /api/v1/lineage/table/name/{fqn}` (there is no bulk edge
//! listing outside the search index; shared/reference/openmetadata-target-and-lineage.md
//! §5.3); the FQN is one path segment, percent-encoded as the Python client quotes it
//! (`/` and `"` included, §1).
//!
//! Paging is bounded: a cursor already followed (a cycle), more entities than the
//! largest `paging.total` a page advertised, or an empty page that still has a next
//! cursor, is an error naming the endpoint. `total` is counted at each request (§4.2),
//! so the largest one seen allows for entities added while paging.

pub mod fqn;
pub mod wire;

use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use crate::http::{BodyError, HttpClient, HttpError, Idempotency};

/// Page size of light lists (services, databases, schemas). The server allows up to
/// 1,000,000 (§4.1); 1,000 keeps responses small.
const LIST_PAGE_SIZE: u32 = 1000;

/// Page size of table lists: a table with its columns can weigh hundreds of kilobytes,
/// so pages are smaller (the Python client uses 100 for every list).
const TABLE_PAGE_SIZE: u32 = 100;

/// The table fields a snapshot needs (§4.3): columns are always returned, but column
/// tags only come with `tags`, and constraints and definitions only when requested.
const TABLE_FIELDS: &str = "columns,tableConstraints,schemaDefinition,tags";

/// The fields of databases and schemas a snapshot needs besides the defaults.
const CONTAINER_FIELDS: &str = "tags";

/// The query of a table's upstream lineage: the edges into it, none out of it (§5.3).
const UPSTREAM_QUERY: [(&str, &str); 2] = [("upstreamDepth", "1"), ("downstreamDepth", "0")];

/// How many times a response whose body broke off mid-way is fetched again.
const BODY_ATTEMPTS: u32 = 3;

/// Oldest supported server major version. The list, cursor and entity shapes used here
/// are those of OpenMetadata 1.x (UNVERIFIED for older servers, which are refused).
const MIN_MAJOR_VERSION: u64 = 1;

/// A failed OpenMetadata call.
#[derive(Debug, thiserror::Error)]
pub enum OmError {
    /// The server refused the token.
    #[error("OpenMetadata rejected the JWT (401) on `{endpoint}`")]
    Unauthorized {
        /// `METHOD path` of the request.
        endpoint: String,
    },
    /// A transport failure or an error status, after retries.
    #[error(transparent)]
    Http(HttpError),
    /// The response was not the JSON shape OpenMetadata documents.
    #[error("{endpoint}: unexpected response: {message}")]
    Decode {
        /// `METHOD path` of the request.
        endpoint: String,
        /// What did not parse.
        message: String,
    },
    /// The server is older than the API this client speaks.
    #[error(
        "OpenMetadata version `{version}` is not supported: metaform needs {MIN_MAJOR_VERSION}.0 or later"
    )]
    UnsupportedVersion {
        /// The version the server reported.
        version: String,
    },
    /// `hostPort` is not a usable base URL.
    #[error("invalid OpenMetadata hostPort `{host_port}`: {message}")]
    BadHostPort {
        /// The configured value.
        host_port: String,
        /// Why it is unusable.
        message: String,
    },
}

/// A client of one OpenMetadata server.
#[derive(Debug, Clone)]
pub struct OpenMetadataClient {
    http: HttpClient,
    /// `hostPort` with a trailing `/`, e.g. `http://localhost:8585/api/`.
    base: Url,
    token: SecretString,
    list_page_size: u32,
    table_page_size: u32,
    parallelism: usize,
    /// One permit per request in flight, shared by the clones of this client.
    in_flight: std::sync::Arc<tokio::sync::Semaphore>,
}

/// Requests the snapshot keeps in flight when [`OpenMetadataClient::with_parallelism`]
/// is not called.
pub const DEFAULT_PARALLELISM: usize = 8;

impl OpenMetadataClient {
    /// A client of the server at `host_port` (which includes `/api`, as in OpenMetadata's
    /// own connection settings), authenticating with the bearer `token`.
    pub fn new(http: HttpClient, host_port: &str, token: SecretString) -> Result<Self, OmError> {
        let bad = |message: String| OmError::BadHostPort {
            host_port: host_port.to_owned(),
            message,
        };
        let mut base = Url::parse(host_port).map_err(|e| bad(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad("the scheme must be http or https".into()));
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        http.add_secret(&token);
        Ok(Self {
            http,
            base,
            token,
            list_page_size: LIST_PAGE_SIZE,
            table_page_size: TABLE_PAGE_SIZE,
            parallelism: DEFAULT_PARALLELISM,
            in_flight: std::sync::Arc::new(tokio::sync::Semaphore::new(DEFAULT_PARALLELISM)),
        })
    }

    /// This client counting its requests and the entities its lists read into `progress`.
    pub fn with_progress(mut self, progress: &crate::progress::Counters) -> Self {
        self.http = self.http.with_progress(progress);
        self
    }

    /// Keeps at most `parallelism` (at least 1) requests in flight, over this client and
    /// its clones, however many listings a snapshot runs at once (tables of several
    /// schemas, lineage of several tables).
    pub fn with_parallelism(mut self, parallelism: usize) -> Self {
        self.parallelism = parallelism.max(1);
        self.in_flight = std::sync::Arc::new(tokio::sync::Semaphore::new(self.parallelism));
        self
    }

    /// How many listings a snapshot keeps in flight.
    pub fn parallelism(&self) -> usize {
        self.parallelism
    }

    /// Uses `size` (1 to 1,000) as the page size of every list.
    pub fn with_page_size(mut self, size: u32) -> Self {
        let size = size.clamp(1, 1000);
        self.list_page_size = size;
        self.table_page_size = size;
        self
    }

    /// Checks that the server answers, accepts the token and is a supported version;
    /// returns the version it reports.
    pub async fn check_version(&self) -> Result<String, OmError> {
        let version: wire::ServerVersion = self.get_json("v1/system/version", &[]).await?;
        let major = version
            .version
            .split('.')
            .next()
            .and_then(|m| m.trim_start_matches('v').parse::<u64>().ok());
        match major {
            Some(major) if major >= MIN_MAJOR_VERSION => Ok(version.version),
            _ => Err(OmError::UnsupportedVersion {
                version: version.version,
            }),
        }
    }

    /// Every database service.
    pub async fn database_services(&self) -> Result<Vec<wire::DatabaseService>, OmError> {
        self.list_all("v1/services/databaseServices", &[], self.list_page_size)
            .await
    }

    /// The databases of the service named `service`.
    pub async fn databases(&self, service: &str) -> Result<Vec<wire::Database>, OmError> {
        self.list_all(
            "v1/databases",
            &[("service", service), ("fields", CONTAINER_FIELDS)],
            self.list_page_size,
        )
        .await
    }

    /// The schemas of the database whose FQN is `database_fqn`.
    pub async fn schemas(&self, database_fqn: &str) -> Result<Vec<wire::DatabaseSchema>, OmError> {
        self.list_all(
            "v1/databaseSchemas",
            &[("database", database_fqn), ("fields", CONTAINER_FIELDS)],
            self.list_page_size,
        )
        .await
    }

    /// The tables of the schema whose FQN is `schema_fqn` (an exact match, §4.4), with
    /// columns, constraints, definitions and tags.
    pub async fn tables(&self, schema_fqn: &str) -> Result<Vec<wire::Table>, OmError> {
        self.list_all(
            "v1/tables",
            &[("databaseSchema", schema_fqn), ("fields", TABLE_FIELDS)],
            self.table_page_size,
        )
        .await
    }

    /// The lineage edges into the table whose FQN is `table_fqn` (upstream depth 1, no
    /// downstream), with the upstream entities as `nodes`.
    pub async fn table_upstream(&self, table_fqn: &str) -> Result<wire::EntityLineage, OmError> {
        let endpoint = self.table_upstream_endpoint(table_fqn);
        let mut url = self.url("v1/lineage/table/name/")?;
        url.path_segments_mut()
            .map_err(|()| OmError::BadHostPort {
                host_port: self.base.to_string(),
                message: "the URL cannot have a path".into(),
            })?
            .pop_if_empty()
            .push(table_fqn);
        self.get_url(endpoint, url, &UPSTREAM_QUERY).await
    }

    /// How errors name the request of [`Self::table_upstream`] for `table_fqn`.
    pub fn table_upstream_endpoint(&self, table_fqn: &str) -> String {
        self.endpoint(
            &format!("v1/lineage/table/name/{table_fqn}"),
            &UPSTREAM_QUERY,
        )
    }

    /// Every entity of a list endpoint, following `paging.after` cursors (§4.2).
    pub async fn list_all<T: DeserializeOwned>(
        &self,
        path: &str,
        params: &[(&str, &str)],
        page_size: u32,
    ) -> Result<Vec<T>, OmError> {
        let limit = page_size.to_string();
        let mut entities = Vec::new();
        let mut after: Option<String> = None;
        let mut cursors = std::collections::HashSet::new();
        let mut total: Option<u64> = None;
        let refuse = |message: String| OmError::Decode {
            endpoint: self.endpoint(path, params),
            message,
        };
        loop {
            let mut query = params.to_vec();
            query.push(("limit", &limit));
            if let Some(cursor) = &after {
                query.push(("after", cursor));
            }
            let page: wire::EntityList<T> = self.get_json(path, &query).await?;
            let paging = page.paging.unwrap_or_default();
            if let Some(advertised) = paging.total {
                if total.is_none() {
                    // `total` sizes the result up front; capped so a wrong total costs little.
                    entities.reserve(usize::try_from(advertised.min(100_000)).unwrap_or(0));
                }
                total = total.max(Some(advertised));
            }
            let empty = page.data.is_empty();
            self.http.progress().objects_read(page.data.len());
            entities.extend(page.data);
            let next = paging.after.filter(|cursor| !cursor.is_empty());
            if let Some(total) = total
                && next.is_some()
                && entities.len() as u64 > total
            {
                return Err(refuse(format!(
                    "the paging goes on past the advertised total of {total} entities ({} read)",
                    entities.len()
                )));
            }
            if empty && next.is_some() {
                return Err(refuse(
                    "an empty page has an `after` cursor: the paging does not end".into(),
                ));
            }
            match next {
                Some(next) if !cursors.insert(next.clone()) => {
                    return Err(refuse(
                        "the server returned an `after` cursor already followed: the paging cycles"
                            .into(),
                    ));
                }
                Some(next) => after = Some(next),
                None => return Ok(entities),
            }
        }
    }

    /// `GET`s `path` (relative to `hostPort`) and parses the JSON body.
    async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, OmError> {
        self.get_url(self.endpoint(path, query), self.url(path)?, query)
            .await
    }

    /// `path` (relative to `hostPort`) as a URL.
    fn url(&self, path: &str) -> Result<Url, OmError> {
        self.base.join(path).map_err(|e| OmError::BadHostPort {
            host_port: self.base.to_string(),
            message: e.to_string(),
        })
    }

    /// `GET`s `url` with `query`, named `endpoint` in errors, and parses the JSON body.
    async fn get_url<T: DeserializeOwned>(
        &self,
        endpoint: String,
        url: Url,
        query: &[(&str, &str)],
    ) -> Result<T, OmError> {
        // Held until the body is read and parsed: the permit bounds the work in flight.
        let _permit = self.in_flight.acquire().await.ok();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let response = self
                .http
                .send(&endpoint, Idempotency::Repeatable, |client| {
                    client
                        .get(url.clone())
                        .query(query)
                        .bearer_auth(self.token.expose_secret())
                        .header(reqwest::header::ACCEPT, "application/json")
                })
                .await
                .map_err(|err| match err.status() {
                    Some(401) => OmError::Unauthorized {
                        endpoint: endpoint.clone(),
                    },
                    _ => OmError::Http(err),
                })?;
            match self.http.body_or_broken(&endpoint, response).await {
                Ok(body) => {
                    return serde_json::from_slice(&body).map_err(|e| OmError::Decode {
                        endpoint,
                        message: e.to_string(),
                    });
                }
                Err(BodyError::TooLarge(err)) => return Err(OmError::Http(err)),
                Err(BodyError::Broken(why)) if attempt < BODY_ATTEMPTS => {
                    tracing::debug!(endpoint, error = %why, "body broke off, fetching again");
                }
                Err(BodyError::Broken(why)) => {
                    return Err(OmError::Http(HttpError::Transport {
                        endpoint,
                        message: format!("reading the response body: {why}"),
                        attempts: attempt,
                    }));
                }
            }
        }
    }

    /// Names a request in errors: `GET /api/v1/tables?databaseSchema=...`, without the
    /// paging parameters (cursors are noise) and never with credentials.
    fn endpoint(&self, path: &str, query: &[(&str, &str)]) -> String {
        let mut text = format!("GET {}{path}", self.base.path());
        let mut first = true;
        for (key, value) in query {
            if matches!(*key, "limit" | "after" | "fields") {
                continue;
            }
            text.push(if first { '?' } else { '&' });
            first = false;
            text.push_str(&format!("{key}={value}"));
        }
        text
    }
}
