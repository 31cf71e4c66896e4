//! What the Alation target tests share: a sandbox on an ephemeral port that logs the
//! requests it receives, a small awkward catalog, and a plain diff standing in for the
//! plan engine.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::{self, Next};
use metaform::api::alation::{AlationAuth, AlationClient, AlationConfig, JobPolling};
use metaform::apply::ApplyReport;
use metaform::core::model::{
    Catalog, Column, ColumnConstraint, ConstraintType, Database, Schema, Table, TableConstraint,
    TableKind,
};
use metaform::core::objects::Object;
use metaform::core::plan::{Action, CurrentState, FieldChange, PlanItem};
use metaform::http::{HttpClient, HttpOptions};
use metaform::sim::alation::{AlationCredentials, AlationOptions, AlationState, router};
use metaform::sim::shared::Shared;
use metaform::target::alation::mapping::desired_objects;
use metaform::target::alation::{Alation, CreateDatasourceAs, DatasourceLink};
use metaform::target::{ItemStatus, Target};
use secrecy::SecretString;
/// A running Alation sandbox and the requests it received (`METHOD path`).
pub(super) struct Sandbox {
    pub(super) url: String,
    pub(super) credentials: AlationCredentials,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Sandbox {
    /// Starts a seeded sandbox with `options` on an ephemeral loopback port.
    pub(super) async fn start(options: AlationOptions) -> Sandbox {
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

    /// The seeded Server Admin refresh token.
    pub(super) fn refresh_auth(&self) -> AlationAuth {
        AlationAuth::RefreshToken {
            token: SecretString::from(self.credentials.refresh_token.clone()),
            user_id: self.credentials.refresh_token_user_id,
        }
    }

    /// A client of this sandbox with fast job polling.
    pub(super) fn client(&self, auth: AlationAuth, page_size: u32) -> AlationClient {
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

    /// How many `METHOD path` requests the sandbox received.
    pub(super) fn count(&self, request: &str) -> usize {
        self.requests
            .lock()
            .expect("request log")
            .iter()
            .filter(|r| *r == request)
            .count()
    }
}

/// A column at `position` with no constraint or description.
pub(super) fn column(name: &str, data_type: &str, position: u32) -> Column {
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

/// A regular table with `columns`.
pub(super) fn table(name: &str, columns: Vec<Column>) -> Table {
    Table {
        upstream: Vec::new(),
        name: name.into(),
        display_name: None,
        description: None,
        table_type: TableKind::Regular,
        view_definition: None,
        constraints: vec![],
        tags: vec![],
        columns,
    }
}

/// A small catalog with the awkward cases: dotted and slashed names, a view, Markdown,
/// a composite primary key and a foreign key.
pub(super) fn sample_catalog() -> Catalog {
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
    view.table_type = TableKind::View;
    view.view_definition = Some("select sku from products".into());
    Catalog {
        databases: vec![Database {
            tags: Vec::new(),
            service: "sample_data".into(),
            service_type: Some("BigQuery".into()),
            name: "ecommerce_db".into(),
            display_name: Some("E-commerce".into()),
            description: None,
            schemas: vec![Schema {
                tags: Vec::new(),
                name: "shopify".into(),
                display_name: None,
                description: Some("Shop data".into()),
                tables: vec![client, view, orders],
            }],
        }],
    }
}

/// Plan items from a plain diff of desired and current objects.
pub(super) fn diff(desired: &[Object], current: &CurrentState) -> Vec<PlanItem> {
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

/// Objects in address order, as `read_current` returns them.
pub(super) fn sorted(mut objects: Vec<Object>) -> Vec<Object> {
    objects.sort_by(|a, b| a.address.cmp(&b.address));
    objects
}

/// The Alation target over `client`, with `links` and `create_as`.
fn target(
    client: &AlationClient,
    links: &[DatasourceLink],
    create_as: CreateDatasourceAs,
) -> Alation {
    Alation::with_client(client.clone(), links.to_vec(), create_as, "openmetadata")
}

/// Reads what Alation holds for `databases`, through the target seam.
pub(super) async fn read_current(
    client: &AlationClient,
    databases: &[Database],
    links: &[DatasourceLink],
    create_as: CreateDatasourceAs,
) -> metaform::error::Result<CurrentState> {
    let catalog = Catalog {
        databases: databases.to_vec(),
    };
    target(client, links, create_as)
        .read_current(&catalog)
        .await
}

/// Applies `items` of a plan made from `catalog` against `current`, through the apply
/// engine.
pub(super) async fn apply(
    client: &AlationClient,
    items: &[PlanItem],
    catalog: &Catalog,
    current: &CurrentState,
    create_as: CreateDatasourceAs,
    stop: &std::sync::atomic::AtomicBool,
) -> ApplyReport {
    let links: Vec<DatasourceLink> = Vec::new();
    let target = target(client, &links, create_as);
    metaform::apply::apply(&target, items, catalog, current, stop, &mut |_| {}).await
}

/// Applies what the diff says and returns the state read afterwards.
pub(super) async fn converge(
    client: &AlationClient,
    catalog: &Catalog,
    links: &[DatasourceLink],
    create_as: CreateDatasourceAs,
) -> (ApplyReport, CurrentState) {
    let current = read_current(client, &catalog.databases, links, create_as)
        .await
        .expect("read current state");
    let items = diff(&desired_objects(catalog), &current);
    let never = std::sync::atomic::AtomicBool::new(false);
    let report = apply(client, &items, catalog, &current, create_as, &never).await;
    let after = read_current(client, &catalog.databases, links, create_as)
        .await
        .expect("read back");
    (report, after)
}

/// Fails unless every item of `report` was applied.
pub(super) fn assert_all_applied(report: &ApplyReport) {
    for outcome in &report.outcomes {
        assert_eq!(outcome.status, ItemStatus::Applied, "{}", outcome.address);
    }
}
