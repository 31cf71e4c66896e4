//! The Alation target against the Alation sandbox over real HTTP: authentication modes,
//! binding databases to data sources, paged reads, batched writes polled to their end,
//! deletes in owned virtual data sources, and convergence (apply, then read back the
//! desired objects exactly).

mod client;
mod paging;
mod support;

use metaform::core::model::{ConstraintType, Database, TableConstraint};
use metaform::core::plan::{Action, Ownership};
use metaform::sim::alation::AlationOptions;
use metaform::target::ItemStatus;
use metaform::target::alation::mapping::desired_objects;
use metaform::target::alation::{CreateDatasourceAs, DatasourceLink};

use crate::support::model;
use support::{
    Sandbox, apply, assert_all_applied, column, converge, converge_with, orphans_as_deletes,
    plan_of, read_current, sample_catalog, sorted, table,
};

/// A new database becomes a virtual data source; reading back after the apply gives
/// exactly the desired objects, and a second run has nothing to do.
#[tokio::test]
async fn creates_a_virtual_datasource_and_converges() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let catalog = sample_catalog();
    let links = Vec::new();
    let (report, after) = converge(&client, &catalog, &links, CreateDatasourceAs::Virtual).await;
    assert_all_applied(&report);
    // 1 data source + 1 schema batch + 1 table batch + 1 column batch.
    assert_eq!(report.write_requests, 4);
    assert_eq!(sorted(desired_objects(&catalog)), after.objects);
    assert_eq!(after.datasources[0].ownership, Ownership::Owned);
    assert_eq!(after.datasources[0].cannot_delete, None, "deletable");
    let id = after.datasources[0].target_id.clone().expect("bound");
    assert!(plan_of(&catalog, &after).items.is_empty());
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
    let (_, after) = converge(&client, &catalog, &[], CreateDatasourceAs::Virtual).await;
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
    let links = Vec::new();
    let (report, after) = converge(&client, &catalog, &links, CreateDatasourceAs::Ocf).await;
    assert_all_applied(&report);
    let binding = &after.datasources[0];
    assert_eq!(binding.ownership, Ownership::Owned);
    assert_eq!(binding.cannot_delete.as_deref(), Some("OCF data source"));
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

/// An owned virtual data source renamed in Alation is found again by its marker and
/// retitled through the v1 data-source API.
#[tokio::test]
async fn virtual_datasources_are_found_again_after_a_rename() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let catalog = sample_catalog();
    let links = Vec::new();
    let (report, after) = converge(&client, &catalog, &links, CreateDatasourceAs::Virtual).await;
    assert_all_applied(&report);
    let id: i64 = after.datasources[0]
        .target_id
        .as_deref()
        .and_then(|i| i.parse().ok())
        .expect("bound");
    let title = client.native_datasources().await.expect("list")[0]
        .title
        .clone();
    client
        .set_datasource_title(id, false, "Renamed by hand")
        .await
        .expect("rename");
    let (report, after) = converge(&client, &catalog, &links, CreateDatasourceAs::Virtual).await;
    assert_all_applied(&report);
    assert_eq!(report.outcomes.len(), 1);
    assert_eq!(after.datasources[0].target_id, Some(id.to_string()));
    assert_eq!(after.datasources[0].ownership, Ownership::Owned);
    assert_eq!(after.datasources[0].cannot_delete, None, "deletable");
    assert_eq!(sorted(desired_objects(&catalog)), after.objects);
    let listed = client.native_datasources().await.expect("list");
    assert_eq!(listed.len(), 1, "never created twice");
    assert_eq!(listed[0].title, title);
    assert_eq!(
        sandbox.count(&format!("PUT /integration/v1/datasource/{id}/")),
        2
    );
}

/// A `datasourceLinks` entry binds the database to that data source, not owned; a link
/// to a missing data source is an error naming it.
#[tokio::test]
async fn linked_datasources_are_managed_not_owned() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let catalog = sample_catalog();
    let mut links = vec![link(999)];
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
    links = vec![link(id)];
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

/// Descriptions and titles changed in the catalog are PATCHed, and only those.
#[tokio::test]
async fn updates_patch_only_the_changed_objects() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let mut catalog = sample_catalog();
    let links = Vec::new();
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
    let links = Vec::new();
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
    let (report, _) = converge(&client, &catalog, &[], CreateDatasourceAs::Virtual).await;
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

/// More tables or columns than one request may carry are sent in batches of 1,000
/// tables and 10,000 columns.
#[tokio::test]
async fn writes_are_batched_to_alations_limits() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let mut catalog = sample_catalog();
    let mut tables: Vec<_> = (0..1001)
        .map(|i| table(&format!("t{i:04}"), vec![]))
        .collect();
    tables[0].columns = (1..=10_001)
        .map(|i| column(&format!("c{i:05}"), "INT", i))
        .collect();
    catalog.databases[0].schemas[0].tables = tables;
    let (report, after) = converge(&client, &catalog, &[], CreateDatasourceAs::Virtual).await;
    assert_all_applied(&report);
    assert_eq!(sandbox.count("POST /integration/v2/table/"), 2);
    assert_eq!(sandbox.count("POST /integration/v2/column/"), 2);
    assert_eq!(sorted(desired_objects(&catalog)), after.objects);
}

/// Deletes are refused in a data source metaform cannot delete from (OCF), with the reason.
#[tokio::test]
async fn deletes_are_refused_outside_owned_virtual_datasources() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let mut catalog = sample_catalog();
    let links = Vec::new();
    converge(&client, &catalog, &links, CreateDatasourceAs::Ocf).await;
    catalog.databases[0].schemas[0].tables.remove(1);
    let (report, after) = converge_with(
        &client,
        &catalog,
        &links,
        CreateDatasourceAs::Ocf,
        orphans_as_deletes,
    )
    .await;
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
        service_type: Some("Postgres".into()),
        ..model::database(
            "warehouse",
            "core.v2",
            vec![model::schema("public", vec![facts])],
        )
    });
    let links = Vec::new();
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

/// A `datasourceLinks` entry for the sample database.
fn link(datasource_id: i64) -> DatasourceLink {
    DatasourceLink {
        datasource_id,
        service: "sample_data".into(),
        database: "ecommerce_db".into(),
    }
}

/// A column type change re-POSTs the complete column, keeping its other fields and keys.
#[tokio::test]
async fn column_type_changes_rewrite_the_whole_column() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let mut catalog = sample_catalog();
    let links = Vec::new();
    converge(&client, &catalog, &links, CreateDatasourceAs::Virtual).await;
    let id = &mut catalog.databases[0].schemas[0].tables[0].columns[0];
    assert_eq!(id.name, "id");
    id.data_type_display = Some("BIGINT".into());
    let (report, after) = converge(&client, &catalog, &links, CreateDatasourceAs::Virtual).await;
    assert_all_applied(&report);
    assert_eq!(report.outcomes.len(), 1);
    assert_eq!(sandbox.count("POST /integration/v2/column/"), 2);
    assert_eq!(sandbox.count("PATCH /integration/v2/column/"), 0);
    assert_eq!(sorted(desired_objects(&catalog)), after.objects);
}

/// A job that reports an error for one object fails only that item: the others of its
/// batch are sent again without it and applied, none reported with its error.
#[tokio::test]
async fn a_job_error_for_one_object_fails_only_its_item() {
    use metaform::core::objects::{Address, ObjectKind, Value};
    use metaform::core::plan::{FieldChange, PlanItem};

    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let catalog = sample_catalog();
    let (_, current) = converge(&client, &catalog, &[], CreateDatasourceAs::Virtual).await;
    let retitle = |path: Vec<String>| PlanItem {
        action: Action::Update,
        address: Address {
            kind: ObjectKind::Column,
            path,
        },
        changes: vec![FieldChange {
            field: "title".into(),
            before: None,
            after: Some(Value::Text("Retitled".into())),
        }],
        reason: "test".into(),
    };
    let mut items: Vec<PlanItem> = current
        .objects
        .iter()
        .filter(|o| o.address.kind == ObjectKind::Column)
        .map(|o| retitle(o.address.path.clone()))
        .collect();
    let good = items.len();
    assert!(good >= 3, "{items:?}");
    // A column Alation does not hold: the PATCH job reports an error for it (§6.4).
    let mut missing = items[0].address.path.clone();
    *missing.last_mut().expect("a column name") = "vanished".into();
    items.insert(1, retitle(missing));

    let report = apply(
        &client,
        &items,
        &catalog,
        &current,
        CreateDatasourceAs::Virtual,
        &std::sync::atomic::AtomicBool::new(false),
    )
    .await;
    for (i, outcome) in report.outcomes.iter().enumerate() {
        if i == 1 {
            assert!(
                matches!(&outcome.status, ItemStatus::Failed(m) if m.contains("vanished")),
                "{:?}",
                outcome.status
            );
        } else {
            assert_eq!(outcome.status, ItemStatus::Applied, "{}", outcome.address);
        }
    }
    let after = read_current(
        &client,
        &catalog.databases,
        &[],
        CreateDatasourceAs::Virtual,
    )
    .await
    .expect("read back");
    let retitled = after
        .objects
        .iter()
        .filter(|o| o.fields.get("title") == Some(&Value::Text("Retitled".into())))
        .count();
    assert_eq!(retitled, good);
}

/// A column whose payload cannot be built (its foreign key names a database out of
/// scope) fails alone with the reason, while the rest of its batch is written by the
/// same one request.
#[tokio::test]
async fn a_column_that_cannot_be_written_fails_alone_within_its_batch() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let mut facts = table(
        "facts",
        vec![column("client_id", "INT", 1), column("amount", "INT", 2)],
    );
    facts.constraints = vec![TableConstraint {
        constraint_type: ConstraintType::ForeignKey,
        columns: vec!["client_id".into()],
        referred_columns: vec![vec![
            "elsewhere".into(),
            "crm".into(),
            "public".into(),
            "clients".into(),
            "id".into(),
        ]],
    }];
    let catalog = metaform::core::model::Catalog {
        databases: vec![model::database(
            "warehouse",
            "core",
            vec![model::schema("public", vec![facts])],
        )],
    };
    let links = Vec::new();
    let (report, after) = converge(&client, &catalog, &links, CreateDatasourceAs::Virtual).await;
    let failed: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| matches!(o.status, ItemStatus::Failed(_)))
        .collect();
    assert_eq!(failed.len(), 1, "{report:?}");
    assert_eq!(
        failed[0].address.to_string(),
        "warehouse.core.public.facts.client_id"
    );
    assert!(
        matches!(&failed[0].status, ItemStatus::Failed(m) if m.contains("whose data source is not in Alation")),
        "{report:?}"
    );
    // The data source, the schema, the table and the column batch without the refused column.
    assert_eq!(report.write_requests, 4);
    assert!(
        after
            .objects
            .iter()
            .any(|o| o.address.to_string() == "warehouse.core.public.facts.amount"),
        "{after:?}"
    );
}
