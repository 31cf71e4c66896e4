//! What the Alation target tests share: a sandbox on an ephemeral port that logs the
//! requests it receives, a small awkward catalog, and the real plan engine between
//! reading the current state and applying.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::{self, Next};
use metaform::api::alation::{AlationAuth, AlationClient, AlationConfig, JobPolling};
use metaform::apply::ApplyReport;
use metaform::core::model::{
    Catalog, Column, ColumnConstraint, ConstraintType, Database, Schema, TableConstraint, TableKind,
};
use metaform::core::objects::Object;
use metaform::core::plan::{Action, CurrentState, DesiredState, Plan, PlanItem, Policy, plan};
use metaform::http::{HttpClient, HttpOptions};
use metaform::sim::alation::{AlationCredentials, AlationOptions, AlationState, Clock, router};
use metaform::sim::shared::Shared;
use metaform::target::alation::mapping::{desired_datasources, desired_objects};
use metaform::target::alation::{Alation, CreateDatasourceAs, DatasourceLink};
use metaform::target::{ItemStatus, Target};
use secrecy::SecretString;

use crate::support::model;
/// A running Alation sandbox and the requests it received (`METHOD path`).
pub(super) struct Sandbox {
    pub(super) url: String,
    pub(super) credentials: AlationCredentials,
    /// The sandbox's clock, to age its tokens without waiting.
    pub(super) clock: Clock,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Sandbox {
    /// Starts a seeded sandbox with `options` on an ephemeral loopback port.
    pub(super) async fn start(options: AlationOptions) -> Sandbox {
        let state = AlationState::seeded(&options);
        let credentials = state.credentials();
        let clock = options.clock.clone();
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
            clock,
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
        ordinal_position: Some(position),
        ..model::column(name, data_type)
    }
}

/// A regular table with `columns`.
pub(super) use model::table;

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
            service_type: Some("BigQuery".into()),
            display_name: Some("E-commerce".into()),
            ..model::database(
                "sample_data",
                "ecommerce_db",
                vec![Schema {
                    description: Some("Shop data".into()),
                    ..model::schema("shopify", vec![client, view, orders])
                }],
            )
        }],
    }
}

/// The real plan engine's plan from `catalog` to `current`, under the default policy
/// with `--force` (the tests shrink tiny catalogs, far past the delete percentage).
pub(super) fn plan_of(catalog: &Catalog, current: &CurrentState) -> Plan {
    let desired = DesiredState {
        datasources: desired_datasources(catalog),
        objects: desired_objects(catalog),
        ..DesiredState::default()
    };
    let policy = Policy {
        force: true,
        ..Policy::default()
    };
    plan(&desired, current, &policy).expect("the plan engine accepts the states")
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

/// Applies what the plan engine plans and returns the state read afterwards.
pub(super) async fn converge(
    client: &AlationClient,
    catalog: &Catalog,
    links: &[DatasourceLink],
    create_as: CreateDatasourceAs,
) -> (ApplyReport, CurrentState) {
    converge_with(client, catalog, links, create_as, |_| {}).await
}

/// As [`converge`], with the planned items edited by `edit` before the apply (a saved
/// plan edited by hand, or written against another state).
pub(super) async fn converge_with(
    client: &AlationClient,
    catalog: &Catalog,
    links: &[DatasourceLink],
    create_as: CreateDatasourceAs,
    edit: impl FnOnce(&mut [PlanItem]),
) -> (ApplyReport, CurrentState) {
    let current = read_current(client, &catalog.databases, links, create_as)
        .await
        .expect("read current state");
    let mut items = plan_of(catalog, &current).items;
    edit(&mut items);
    let never = std::sync::atomic::AtomicBool::new(false);
    let report = apply(client, &items, catalog, &current, create_as, &never).await;
    let after = read_current(client, &catalog.databases, links, create_as)
        .await
        .expect("read back");
    (report, after)
}

/// Turns the plan's orphans into deletes, as a plan that disagrees with the target's
/// ownership would ask (the apply must refuse them on its own).
pub(super) fn orphans_as_deletes(items: &mut [PlanItem]) {
    for item in items.iter_mut().filter(|i| i.action == Action::Orphan) {
        item.action = Action::Delete;
    }
}

/// Fails unless every item of `report` was applied.
pub(super) fn assert_all_applied(report: &ApplyReport) {
    for outcome in &report.outcomes {
        assert_eq!(outcome.status, ItemStatus::Applied, "{}", outcome.address);
    }
}
