//! The Alation target against the Alation sandbox over real HTTP: authentication modes,
//! binding databases to data sources, paged reads, batched writes polled to their end,
//! deletes in owned virtual data sources, and convergence (apply, then read back the
//! desired objects exactly).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::{self, Next};
use metaform::api::alation::{AlationAuth, AlationClient, AlationConfig, JobPolling};
use metaform::core::model::{
    Catalog, Column, ColumnConstraint, ConstraintType, Database, Schema, Table, TableConstraint,
};
use metaform::core::objects::Object;
use metaform::core::plan::{Action, CurrentState, FieldChange, Ownership, PlanItem};
use metaform::http::{HttpClient, HttpOptions};
use metaform::sim::alation::{AlationCredentials, AlationOptions, AlationState, Role, router};
use metaform::sim::shared::Shared;
use metaform::target::alation::mapping::desired_objects;
use metaform::target::alation::{CreateDatasourceAs, ItemStatus, apply, read_current};
use secrecy::SecretString;

/// A running Alation sandbox and the requests it received (`METHOD path`).
struct Sandbox {
    url: String,
    credentials: AlationCredentials,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Sandbox {
    async fn start(options: AlationOptions) -> Sandbox {
        let state = AlationState::seeded(&options);
        let credentials = state.credentials();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        let app = router(Shared::new(state), options).layer(middleware::from_fn(
            move |request: Request, next: Next| {
                let log = Arc::clone(&log);
                async move {
                    log.lock().expect("request log").push(format!(
                        "{} {}",
                        request.method(),
                        request.uri().path()
                    ));
                    next.run(request).await
                }
            },
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind an ephemeral port");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Sandbox {
            url,
            credentials,
            requests,
        }
    }

    fn refresh_auth(&self) -> AlationAuth {
        AlationAuth::RefreshToken {
            token: SecretString::from(self.credentials.refresh_token.clone()),
            user_id: i64::try_from(self.credentials.refresh_token_user_id).expect("user id"),
        }
    }

    fn client(&self, auth: AlationAuth, page_size: u32) -> AlationClient {
        let http = HttpClient::new(&HttpOptions::default()).expect("HTTP client");
        AlationClient::new(
            http,
            AlationConfig {
                base_url: format!("{}/", self.url),
                auth,
                page_size,
                polling: JobPolling {
                    initial_delay: Duration::from_millis(5),
                    max_delay: Duration::from_millis(50),
                    timeout: Duration::from_secs(30),
                },
            },
        )
    }

    fn count(&self, request: &str) -> usize {
        self.requests
            .lock()
            .expect("request log")
            .iter()
            .filter(|r| *r == request)
            .count()
    }
}

fn column(name: &str, data_type: &str, position: u32) -> Column {
    Column {
        name: name.into(),
        display_name: None,
        data_type: data_type.into(),
        data_type_display: None,
        data_length: None,
        description: None,
        ordinal_position: Some(position),
        constraint: None,
        tags: vec![],
        children: vec![],
    }
}

fn table(name: &str, columns: Vec<Column>) -> Table {
    Table {
        name: name.into(),
        display_name: None,
        description: None,
        table_type: "Regular".into(),
        view_definition: None,
        constraints: vec![],
        tags: vec![],
        columns,
    }
}

/// A small catalog with the awkward cases: dotted and slashed names, a view, Markdown,
/// a composite primary key and a foreign key.
fn sample_catalog() -> Catalog {
    let mut orders = table(
        "orders",
        vec![
            column("shop_id", "INT", 1),
            column("order_id", "INT", 2),
            column("customer.id", "INT", 3),
        ],
    );
    orders.description = Some("All **orders**.".into());
    orders.constraints = vec![
        TableConstraint {
            constraint_type: ConstraintType::PrimaryKey,
            columns: vec!["shop_id".into(), "order_id".into()],
            referred_columns: vec![],
        },
        TableConstraint {
            constraint_type: ConstraintType::ForeignKey,
            columns: vec!["customer.id".into()],
            referred_columns: vec![vec![
                "sample_data".into(),
                "ecommerce_db".into(),
                "shopify".into(),
                "dim.api/client".into(),
                "id".into(),
            ]],
        },
    ];
    let mut id = column("id", "NUMERIC", 1);
    id.constraint = Some(ColumnConstraint::PrimaryKey);
    id.description = Some("The `id`".into());
    let client = table("dim.api/client", vec![id, column("name", "VARCHAR", 2)]);
    let mut view = table("dim.product.variant", vec![column("sku", "STRING", 1)]);
    view.table_type = "View".into();
    view.view_definition = Some("select sku from products".into());
    Catalog {
        databases: vec![Database {
            service: "sample_data".into(),
            service_type: Some("BigQuery".into()),
            name: "ecommerce_db".into(),
            display_name: Some("E-commerce".into()),
            description: None,
            schemas: vec![Schema {
                name: "shopify".into(),
                display_name: None,
                description: Some("Shop data".into()),
                tables: vec![client, view, orders],
            }],
        }],
    }
}

/// Plan items from a plain diff of desired and current objects.
fn diff(desired: &[Object], current: &CurrentState) -> Vec<PlanItem> {
    let now: BTreeMap<_, _> = current.objects.iter().map(|o| (&o.address, o)).collect();
    let wanted: BTreeMap<_, _> = desired.iter().map(|o| (&o.address, o)).collect();
    let bound: std::collections::BTreeSet<_> = current
        .datasources
        .iter()
        .filter(|b| b.target_id.is_some())
        .map(|b| &b.address)
        .collect();
    let mut items = Vec::new();
    for object in desired {
        let before = now.get(&object.address);
        // As the plan engine does: a bound data source exists even without fields.
        if before.is_none() && bound.contains(&object.address) {
            continue;
        }
        let changes: Vec<FieldChange> = object
            .fields
            .keys()
            .chain(before.map(|b| b.fields.keys()).into_iter().flatten())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .filter_map(|name| {
                let b = before.and_then(|b| b.fields.get(name)).cloned();
                let a = object.fields.get(name).cloned();
                (a != b).then(|| FieldChange {
                    field: name.clone(),
                    before: b,
                    after: a,
                })
            })
            .collect();
        if before.is_none() || !changes.is_empty() {
            items.push(PlanItem {
                action: if before.is_none() {
                    Action::Create
                } else {
                    Action::Update
                },
                address: object.address.clone(),
                changes,
                reason: "test".into(),
            });
        }
    }
    for object in current.objects.iter().rev() {
        if !wanted.contains_key(&object.address) {
            items.push(PlanItem {
                action: Action::Delete,
                address: object.address.clone(),
                changes: vec![],
                reason: "test".into(),
            });
        }
    }
    items
}

fn sorted(mut objects: Vec<Object>) -> Vec<Object> {
    objects.sort_by(|a, b| a.address.cmp(&b.address));
    objects
}

/// Applies what the diff says and returns the state read afterwards.
async fn converge(
    client: &AlationClient,
    catalog: &Catalog,
    links: &BTreeMap<i64, String>,
    create_as: CreateDatasourceAs,
) -> (metaform::target::alation::ApplyReport, CurrentState) {
    let current = read_current(client, &catalog.databases, links, create_as)
        .await
        .expect("read current state");
    let items = diff(&desired_objects(catalog), &current);
    let report = apply(client, &items, catalog, &current.datasources, create_as).await;
    let after = read_current(client, &catalog.databases, links, create_as)
        .await
        .expect("read back");
    (report, after)
}

fn assert_all_applied(report: &metaform::target::alation::ApplyReport) {
    for outcome in &report.outcomes {
        assert_eq!(outcome.status, ItemStatus::Applied, "{}", outcome.address);
    }
}

/// A new database becomes a virtual data source; reading back after the apply gives
/// exactly the desired objects, and a second run has nothing to do.
#[tokio::test]
async fn creates_a_virtual_datasource_and_converges() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let catalog = sample_catalog();
    let links = BTreeMap::new();
    let (report, after) = converge(&client, &catalog, &links, CreateDatasourceAs::Virtual).await;
    assert_all_applied(&report);
    // 1 data source + 1 schema batch + 1 table batch + 1 column batch.
    assert_eq!(report.write_requests, 4);
    assert_eq!(sorted(desired_objects(&catalog)), after.objects);
    assert_eq!(
        after.datasources[0].ownership,
        Ownership::Owned { deletable: true }
    );
    let id = after.datasources[0].target_id.clone().expect("bound");
    assert!(diff(&desired_objects(&catalog), &after).is_empty());
    // Found again by its marker, never created twice.
    let (again, _) = converge(&client, &catalog, &links, CreateDatasourceAs::Virtual).await;
    assert!(again.outcomes.is_empty());
    assert_eq!(again.write_requests, 0);
    let listed = client.native_datasources().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id.to_string(), id);
}

/// The foreign key is written as the referenced column's 4-part Alation key.
#[tokio::test]
async fn foreign_keys_are_written_as_four_part_keys() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let catalog = sample_catalog();
    let (_, after) = converge(
        &client,
        &catalog,
        &BTreeMap::new(),
        CreateDatasourceAs::Virtual,
    )
    .await;
    let ds_id: i64 = after.datasources[0]
        .target_id
        .as_deref()
        .and_then(|id| id.parse().ok())
        .expect("bound");
    let columns = client.columns(ds_id).await.expect("columns");
    let fk = columns
        .iter()
        .find(|c| c.name == "customer.id")
        .and_then(|c| c.index.clone())
        .expect("index of customer.id");
    assert_eq!(fk.is_foreign_key, Some(true));
    assert_eq!(
        fk.referenced_column_id.as_deref(),
        Some(format!("{ds_id}.shopify.\"dim.api/client\".id").as_str())
    );
}

/// A data source created as OCF and renamed in Alation is found again by its marker,
/// owned but not deletable, and its title is put back.
#[tokio::test]
async fn ocf_datasources_are_found_again_after_a_rename() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let catalog = sample_catalog();
    let links = BTreeMap::new();
    let (report, after) = converge(&client, &catalog, &links, CreateDatasourceAs::Ocf).await;
    assert_all_applied(&report);
    let binding = &after.datasources[0];
    assert_eq!(binding.ownership, Ownership::Owned { deletable: false });
    let id: i64 = binding
        .target_id
        .as_deref()
        .and_then(|i| i.parse().ok())
        .expect("bound");
    client
        .set_datasource_title(id, true, "Renamed by hand")
        .await
        .expect("rename");
    let (report, after) = converge(&client, &catalog, &links, CreateDatasourceAs::Ocf).await;
    assert_all_applied(&report);
    assert_eq!(report.outcomes.len(), 1);
    assert_eq!(after.datasources[0].target_id, Some(id.to_string()));
    assert_eq!(sorted(desired_objects(&catalog)), after.objects);
}

/// A `datasourceLinks` entry binds the database to that data source, not owned; a link
/// to a missing data source is an error naming it.
#[tokio::test]
async fn linked_datasources_are_managed_not_owned() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let catalog = sample_catalog();
    let mut links = BTreeMap::from([(999, "sample_data.ecommerce_db".to_string())]);
    let err = read_current(
        &client,
        &catalog.databases,
        &links,
        CreateDatasourceAs::Virtual,
    )
    .await
    .expect_err("the linked data source does not exist");
    assert!(err.to_string().contains("999"), "{err}");

    // Create a data source by hand and link it.
    let virtual_ds = metaform::api::alation::wire::NewVirtualDatasource {
        dbtype: "mysql".into(),
        title: "Hand made".into(),
        uri: "mysql://db.example:3306/shop".into(),
        is_virtual: true,
    };
    let id = client
        .create_virtual_datasource(&virtual_ds)
        .await
        .expect("create")
        .expect("id");
    links = BTreeMap::from([(id, "sample_data.ecommerce_db".to_string())]);
    let (report, after) = converge(&client, &catalog, &links, CreateDatasourceAs::Virtual).await;
    assert!(
        report
            .outcomes
            .iter()
            .all(|o| o.action != Action::Create || o.address.path.len() > 2),
        "a linked data source is never created"
    );
    assert_eq!(after.datasources[0].ownership, Ownership::Linked);
    assert_eq!(after.datasources[0].target_id, Some(id.to_string()));
    let objects: Vec<_> = after
        .objects
        .iter()
        .filter(|o| o.address.path.len() > 2)
        .cloned()
        .collect();
    let desired: Vec<_> = sorted(desired_objects(&catalog))
        .into_iter()
        .filter(|o| o.address.path.len() > 2)
        .collect();
    assert_eq!(desired, objects);
    let listed = client.native_datasources().await.expect("list");
    let linked = listed
        .iter()
        .find(|d| d.id == id)
        .expect("linked data source");
    assert_eq!(
        linked.title.as_deref(),
        Some("Hand made"),
        "its title is left alone"
    );
}

/// Username and password create exactly one refresh token for the whole run.
#[tokio::test]
async fn password_auth_creates_one_refresh_token_per_run() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let admin = sandbox
        .credentials
        .users
        .iter()
        .find(|u| u.role == Role::ServerAdmin)
        .expect("a server admin")
        .clone();
    let client = sandbox.client(
        AlationAuth::Password {
            username: admin.username,
            password: SecretString::from(admin.password),
            project_name: "metaform".into(),
        },
        1000,
    );
    let (report, _) = converge(
        &client,
        &sample_catalog(),
        &BTreeMap::new(),
        CreateDatasourceAs::Virtual,
    )
    .await;
    assert_all_applied(&report);
    assert_eq!(sandbox.count("POST /integration/v1/createRefreshToken/"), 1);
    assert_eq!(
        sandbox.count("POST /integration/v1/createAPIAccessToken/"),
        1
    );
}

/// An expired access token is renewed from the refresh token, without a new refresh token.
#[tokio::test]
async fn expired_access_tokens_are_renewed_once() {
    let sandbox = Sandbox::start(AlationOptions {
        access_token_ttl: Duration::from_millis(300),
        ..AlationOptions::default()
    })
    .await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    client.native_datasources().await.expect("first call");
    tokio::time::sleep(Duration::from_millis(500)).await;
    client
        .native_datasources()
        .await
        .expect("call after expiry");
    assert_eq!(
        sandbox.count("POST /integration/v1/createAPIAccessToken/"),
        2
    );
    assert_eq!(sandbox.count("POST /integration/v1/createRefreshToken/"), 0);
}

/// An access token given as is cannot be renewed: its expiry is a clear error.
#[tokio::test]
async fn a_plain_access_token_that_expires_is_an_error() {
    let sandbox = Sandbox::start(AlationOptions {
        access_token_ttl: Duration::from_millis(300),
        ..AlationOptions::default()
    })
    .await;
    // Obtain an access token the way a user would, then use it as is.
    let token: serde_json::Value = reqwest::Client::new()
        .post(format!(
            "{}/integration/v1/createAPIAccessToken/",
            sandbox.url
        ))
        .json(&serde_json::json!({
            "refresh_token": sandbox.credentials.refresh_token,
            "user_id": sandbox.credentials.refresh_token_user_id,
        }))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token JSON");
    let token = token["api_access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let client = sandbox.client(
        AlationAuth::AccessToken(SecretString::from(token.clone())),
        1000,
    );
    client.native_datasources().await.expect("valid token");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let err = client.native_datasources().await.expect_err("expired");
    let text = err.to_string();
    assert!(text.contains("refresh token"), "{text}");
    assert!(!text.contains(&token), "the token leaks: {text}");
}

/// Reads follow `X-Next-Page` through every page.
#[tokio::test]
async fn reads_follow_every_page() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 2);
    let catalog = sample_catalog();
    let (report, after) = converge(
        &client,
        &catalog,
        &BTreeMap::new(),
        CreateDatasourceAs::Virtual,
    )
    .await;
    assert_all_applied(&report);
    assert_eq!(sorted(desired_objects(&catalog)), after.objects);
    // Six columns in pages of two, read once after the apply.
    assert!(sandbox.count("GET /integration/v2/column/") >= 3);
}

/// Descriptions and titles changed in the catalog are PATCHed, and only those.
#[tokio::test]
async fn updates_patch_only_the_changed_objects() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let mut catalog = sample_catalog();
    let links = BTreeMap::new();
    converge(&client, &catalog, &links, CreateDatasourceAs::Virtual).await;
    let schema = &mut catalog.databases[0].schemas[0];
    schema.description = None;
    schema.tables[0].columns[1].display_name = Some("Client name".into());
    let (report, after) = converge(&client, &catalog, &links, CreateDatasourceAs::Virtual).await;
    assert_all_applied(&report);
    assert_eq!(report.outcomes.len(), 2);
    assert!(report.outcomes.iter().all(|o| o.action == Action::Update));
    assert_eq!(report.write_requests, 2);
    assert_eq!(sandbox.count("POST /integration/v2/schema/"), 1);
    assert_eq!(sorted(desired_objects(&catalog)), after.objects);
}

/// Objects dropped from the catalog are deleted from an owned virtual data source.
#[tokio::test]
async fn deletes_remove_objects_from_owned_virtual_datasources() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let mut catalog = sample_catalog();
    let links = BTreeMap::new();
    converge(&client, &catalog, &links, CreateDatasourceAs::Virtual).await;
    catalog.databases[0].schemas[0].tables.remove(1);
    catalog.databases[0].schemas[0].tables[1].columns.pop();
    let (report, after) = converge(&client, &catalog, &links, CreateDatasourceAs::Virtual).await;
    assert_all_applied(&report);
    assert!(report.outcomes.iter().any(|o| o.action == Action::Delete));
    // One upload for the data source, then one PATCH restoring the key flags.
    assert_eq!(report.write_requests, 2);
    assert_eq!(sorted(desired_objects(&catalog)), after.objects);
}

/// A failed job fails its batch with the job's message, and the children are skipped.
#[tokio::test]
async fn failed_jobs_fail_their_items_and_skip_children() {
    let sandbox = Sandbox::start(AlationOptions {
        job_failure_rate: 1.0,
        ..AlationOptions::default()
    })
    .await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let catalog = sample_catalog();
    let (report, _) = converge(
        &client,
        &catalog,
        &BTreeMap::new(),
        CreateDatasourceAs::Virtual,
    )
    .await;
    for outcome in &report.outcomes {
        match outcome.address.path.len() {
            2 => assert_eq!(outcome.status, ItemStatus::Applied),
            3 => assert!(
                matches!(&outcome.status, ItemStatus::Failed(m) if m.contains("job")),
                "{:?}",
                outcome.status
            ),
            _ => assert!(
                matches!(&outcome.status, ItemStatus::Skipped(m) if m.contains("parent failed")),
                "{:?}",
                outcome.status
            ),
        }
    }
    assert!(!report.is_success());
}

/// More tables than one request may carry are sent in batches of 1,000.
#[tokio::test]
async fn writes_are_batched_to_alations_limits() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let mut catalog = sample_catalog();
    catalog.databases[0].schemas[0].tables = (0..1001)
        .map(|i| table(&format!("t{i:04}"), vec![]))
        .collect();
    let (report, after) = converge(
        &client,
        &catalog,
        &BTreeMap::new(),
        CreateDatasourceAs::Virtual,
    )
    .await;
    assert_all_applied(&report);
    assert_eq!(sandbox.count("POST /integration/v2/table/"), 2);
    assert_eq!(after.objects.len(), desired_objects(&catalog).len());
}

/// A rejected login is an error that names the call and never shows the password.
#[tokio::test]
async fn rejected_logins_never_show_the_password() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let password = "not-the-password-3141";
    let client = sandbox.client(
        AlationAuth::Password {
            username: "server.admin".into(),
            password: SecretString::from(password.to_string()),
            project_name: "metaform".into(),
        },
        1000,
    );
    let err = client.native_datasources().await.expect_err("bad login");
    let text = format!("{err} {err:?}");
    assert!(text.contains("createRefreshToken"), "{text}");
    assert!(!text.contains(password), "the password leaks: {text}");
}

/// Deletes are refused in a data source metaform cannot delete from (OCF), with the reason.
#[tokio::test]
async fn deletes_are_refused_outside_owned_virtual_datasources() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let mut catalog = sample_catalog();
    let links = BTreeMap::new();
    converge(&client, &catalog, &links, CreateDatasourceAs::Ocf).await;
    catalog.databases[0].schemas[0].tables.remove(1);
    let (report, after) = converge(&client, &catalog, &links, CreateDatasourceAs::Ocf).await;
    let deletes: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| o.action == Action::Delete)
        .collect();
    assert_eq!(deletes.len(), 2, "the view and its column");
    for outcome in deletes {
        assert!(
            matches!(&outcome.status, ItemStatus::Failed(m) if m.contains("not an owned virtual data source")),
            "{:?}",
            outcome.status
        );
    }
    assert_eq!(report.write_requests, 0);
    assert_eq!(
        after.objects.len(),
        desired_objects(&sample_catalog()).len()
    );
}

/// Two databases become two data sources in one run, read in parallel; a foreign key
/// into the other one gets that data source's new id in its key.
#[tokio::test]
async fn foreign_keys_across_datasources_resolve_to_new_ids() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let mut catalog = sample_catalog();
    let mut facts = table("facts", vec![column("client_id", "INT", 1)]);
    facts.constraints = vec![TableConstraint {
        constraint_type: ConstraintType::ForeignKey,
        columns: vec!["client_id".into()],
        referred_columns: vec![vec![
            "sample_data".into(),
            "ecommerce_db".into(),
            "shopify".into(),
            "dim.api/client".into(),
            "id".into(),
        ]],
    }];
    catalog.databases.push(Database {
        service: "warehouse".into(),
        service_type: Some("Postgres".into()),
        name: "core.v2".into(),
        display_name: None,
        description: None,
        schemas: vec![Schema {
            name: "public".into(),
            display_name: None,
            description: None,
            tables: vec![facts],
        }],
    });
    let links = BTreeMap::new();
    let (report, after) = converge(&client, &catalog, &links, CreateDatasourceAs::Virtual).await;
    assert_all_applied(&report);
    assert_eq!(sorted(desired_objects(&catalog)), after.objects);
    let ids: Vec<i64> = after
        .datasources
        .iter()
        .map(|b| {
            b.target_id
                .as_deref()
                .and_then(|i| i.parse().ok())
                .expect("bound")
        })
        .collect();
    let columns = client.columns(ids[1]).await.expect("columns");
    assert_eq!(
        columns[0]
            .index
            .as_ref()
            .and_then(|i| i.referenced_column_id.as_deref()),
        Some(format!("{}.shopify.\"dim.api/client\".id", ids[0]).as_str())
    );
    let listed = client.native_datasources().await.expect("list");
    assert!(
        listed
            .iter()
            .any(|d| d.uri.as_deref() == Some("metaform://openmetadata/warehouse.\"core.v2\"")),
        "{listed:?}"
    );
}
