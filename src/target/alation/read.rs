//! Reading Alation's current state for the desired databases.
//!
//! Each desired database is bound to a data source, in this order:
//! 1. a `datasourceLinks` entry naming its FQN: linked; what lies under it is managed
//!    but never deleted, and the data source's own title is left alone;
//! 2. a data source whose `uri` is the database's marker ([`keys::marker`]): created
//!    by metaform on an earlier run, found even if renamed, never created twice; owned,
//!    and deletable when it is virtual. If several carry it (made by hand, or by an
//!    apply on another machine), the lowest id is managed and a warning names every id
//!    and how to remove the others;
//! 3. none: it will be created (owned; deletable when created virtual).
//!
//! Then the schemas, tables and columns of every bound data source are read: data
//! sources in parallel, the schemas and tables of one data source concurrently and then
//! its columns, each page of columns turned into objects as it arrives, and a long list
//! in id windows with several pages in flight (`AlationClient::get_all_windowed_map`).
//! The client's parallelism bounds the requests in flight across all of them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};

use crate::api::alation::wire::Datasource;
use crate::api::alation::{AlationClient, AlationError};
use crate::core::model::Database;
use crate::core::objects::{Address, Object, ObjectKind};
use crate::core::plan::{CurrentState, DatasourceBinding, Ownership};

use super::{CreateDatasourceAs, DatasourceLink, keys, mapping};

/// Binds every database of `databases` to an Alation data source and reads the
/// bound ones. `links` are the `datasourceLinks` entries; a database matches a link by
/// its decoded service and database names.
///
/// A link to a data source that does not exist is an error naming it.
pub async fn read_current(
    client: &AlationClient,
    databases: &[Database],
    links: &[DatasourceLink],
    create_as: CreateDatasourceAs,
    source_kind: &str,
) -> Result<CurrentState, AlationError> {
    let known = known_datasources(client).await?;

    let mut bindings = Vec::new();
    let mut to_read = Vec::new();
    for database in databases {
        let fqn = keys::database_fqn(&database.service, &database.name);
        let path = vec![database.service.clone(), database.name.clone()];
        let linked = links
            .iter()
            .find(|l| l.service == database.service && l.database == database.name);
        let (target, ownership, cannot_delete) = match linked.map(|l| &l.datasource_id) {
            Some(id) => {
                let (ds, _) = known.get(id).ok_or_else(|| {
                    AlationError::Precondition(format!(
                        "datasourceLinks: data source {id} (linked to `{fqn}`) does not exist in Alation"
                    ))
                })?;
                (Some(ds), Ownership::Linked, None)
            }
            None => {
                let marker = keys::marker(source_kind, &database.service, &database.name);
                let carrying = carrying(&known, &marker);
                if carrying.len() > 1 {
                    tracing::warn!("{}", duplicate_marker(&carrying, &marker, &fqn));
                }
                match carrying.first().copied() {
                    Some((ds, is_ocf)) => {
                        let deletable = !is_ocf && ds.is_virtual == Some(true);
                        (Some(ds), Ownership::Owned, undeletable(deletable))
                    }
                    None => (
                        None,
                        Ownership::Owned,
                        undeletable(create_as == CreateDatasourceAs::Virtual),
                    ),
                }
            }
        };
        if let Some(ds) = target {
            to_read.push((ds.clone(), path.clone(), ownership));
        }
        bindings.push(DatasourceBinding {
            address: Address {
                kind: ObjectKind::Datasource,
                path,
            },
            target_id: target.map(|ds| ds.id.to_string()),
            ownership,
            cannot_delete,
        });
    }
    for link in links {
        if !databases
            .iter()
            .any(|d| d.service == link.service && d.name == link.database)
        {
            tracing::warn!(
                id = link.datasource_id,
                fqn = keys::database_fqn(&link.service, &link.database),
                "datasourceLinks entry matches no database in scope"
            );
        }
    }

    let paths: Arc<BTreeMap<i64, Vec<String>>> = Arc::new(
        to_read
            .iter()
            .map(|(ds, path, _)| (ds.id, path.clone()))
            .collect(),
    );
    let mut objects: Vec<Object> = futures::stream::iter(to_read)
        .map(|(ds, path, ownership)| {
            read_datasource(client, ds, path, ownership, Arc::clone(&paths))
        })
        .buffer_unordered(client.parallelism())
        .try_concat()
        .await?;
    // Of two objects at one address (which the plan refuses) either may come first.
    objects.sort_unstable_by(|a, b| a.address.cmp(&b.address));
    Ok(CurrentState {
        datasources: bindings,
        objects,
    })
}

/// Every data source, native and OCF, by id, with whether it is OCF.
pub(super) async fn known_datasources(
    client: &AlationClient,
) -> Result<BTreeMap<i64, (Datasource, bool)>, AlationError> {
    let (native, ocf) = futures::try_join!(client.native_datasources(), ocf_or_none(client))?;
    let mut known = BTreeMap::new();
    for ds in native {
        known.insert(ds.id, (ds, false));
    }
    for ds in ocf {
        known.insert(ds.id, (ds, true));
    }
    Ok(known)
}

/// The data sources whose `uri` is `marker`, lowest id first.
pub(super) fn carrying<'a>(
    known: &'a BTreeMap<i64, (Datasource, bool)>,
    marker: &str,
) -> Vec<&'a (Datasource, bool)> {
    known
        .values()
        .filter(|(ds, _)| ds.uri.as_deref() == Some(marker))
        .collect()
}

/// The warning for several data sources carrying one marker (`carrying`, lowest id
/// first): which one is managed, and how to remove the others.
fn duplicate_marker(carrying: &[&(Datasource, bool)], marker: &str, fqn: &str) -> String {
    let ids: Vec<String> = carrying.iter().map(|(ds, _)| ds.id.to_string()).collect();
    let managed = ids.first().map(String::as_str).unwrap_or_default();
    let listed = match ids.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => managed.to_owned(),
    };
    let removals: Vec<String> = carrying
        .iter()
        .skip(1)
        .map(|(ds, is_ocf)| {
            let version = if *is_ocf { "v2" } else { "v1" };
            format!("`DELETE /integration/{version}/datasource/{}/`", ds.id)
        })
        .collect();
    format!(
        "data sources {listed} {} carry the marker `{marker}` of `{fqn}`: metaform manages {} \
         (the lowest id) and ignores the other{}; remove {} in Alation (Settings > Sources, \
         or {}), or change its `uri`, so that one data source stands for the database",
        if ids.len() == 2 { "both" } else { "all" },
        managed,
        if ids.len() == 2 { "" } else { "s" },
        if ids.len() == 2 { "it" } else { "them" },
        removals.join(", "),
    )
}

/// OCF data sources; an instance without the v2 data source API (404) has none.
async fn ocf_or_none(client: &AlationClient) -> Result<Vec<Datasource>, AlationError> {
    match client.ocf_datasources().await {
        Err(AlationError::Http(err)) if err.status() == Some(404) => Ok(Vec::new()),
        other => other,
    }
}

/// Why the objects of an owned data source cannot be deleted, unless `deletable`: only
/// a virtual data source offers deletes through the API (SPEC §4.1).
fn undeletable(deletable: bool) -> Option<String> {
    (!deletable).then(|| "OCF data source".to_string())
}

/// The objects of one data source: itself, its schemas, tables and columns.
///
/// The schemas and tables are read first (concurrently), so that each page of columns,
/// the longest list by far, becomes objects as soon as it arrives: the columns are never
/// all held in their wire form.
///
/// A linked data source belongs to whoever created it: its own fields (the title)
/// are not read, so they are never planned to change; what lies under it is.
async fn read_datasource(
    client: &AlationClient,
    ds: Datasource,
    ds_path: Vec<String>,
    ownership: Ownership,
    paths: Arc<BTreeMap<i64, Vec<String>>>,
) -> Result<Vec<Object>, AlationError> {
    let (schemas, tables) = futures::try_join!(client.schemas(ds.id), client.tables(ds.id))?;
    let mut objects = Vec::new();
    if ownership != Ownership::Linked {
        objects.push(mapping::datasource_object(
            &ds_path,
            ds.title.clone().unwrap_or_default(),
        ));
    }
    let mut schema_paths = BTreeMap::new();
    for schema in &schemas {
        let object = mapping::current_schema(&ds_path, schema);
        schema_paths.insert(schema.id, object.address.path.clone());
        objects.push(object);
    }
    drop(schemas);
    let mut table_paths = HashMap::with_capacity(tables.len());
    for table in &tables {
        let Some(schema_path) = schema_paths.get(&table.schema_id) else {
            tracing::debug!(table = table.name, "table of an unknown schema ignored");
            continue;
        };
        let object = mapping::current_table(schema_path, table);
        table_paths.insert(table.id, object.address.path.clone());
        objects.push(object);
    }
    drop(tables);
    let table_paths = Arc::new(table_paths);
    let columns = client
        .columns_mapped(ds.id, move |column| {
            let Some(table_path) = table_paths.get(&column.table_id) else {
                tracing::debug!(column = column.name, "column of an unknown table ignored");
                return None;
            };
            Some(mapping::current_column(table_path, &column, &paths))
        })
        .await?;
    objects.reserve_exact(columns.len());
    objects.extend(columns);
    Ok(objects)
}
