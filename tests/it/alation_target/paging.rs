//! Concurrent paging of the schema, table and column lists against the sandbox: every
//! object exactly once whatever the page size and parallelism, several pages in flight,
//! never more than the parallelism, and jobs seen done without a fixed floor of sleep.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::middleware::{self, Next};
use metaform::api::alation::wire::{ColumnWrite, NewVirtualDatasource, SchemaWrite, TableWrite};
use metaform::api::alation::{AlationAuth, AlationClient, AlationConfig, JobPolling, WriteMode};
use metaform::http::{HttpClient, HttpOptions};
use metaform::sim::alation::{AlationOptions, AlationState, router};
use metaform::sim::shared::Shared;
use proptest::prelude::*;
use secrecy::SecretString;

/// A sandbox that holds every column-list request for `delay` and counts how many are
/// open at once.
struct Counted {
    url: String,
    auth: AlationAuth,
    open: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
}

impl Counted {
    async fn start(delay: Duration) -> Counted {
        let options = AlationOptions::default();
        let state = AlationState::seeded(&options);
        let credentials = state.credentials();
        let open = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let (o, m) = (Arc::clone(&open), Arc::clone(&most));
        let app = router(Shared::new(state), options).layer(middleware::from_fn(
            move |request: Request, next: Next| {
                let (open, most) = (Arc::clone(&o), Arc::clone(&m));
                async move {
                    let counted = request.uri().path() == "/integration/v2/column/";
                    if counted {
                        let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        tokio::time::sleep(delay).await;
                    }
                    let response = next.run(request).await;
                    if counted {
                        open.fetch_sub(1, Ordering::SeqCst);
                    }
                    response
                }
            },
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind an ephemeral port");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Counted {
            url,
            auth: AlationAuth::RefreshToken {
                token: SecretString::from(credentials.refresh_token.clone()),
                user_id: credentials.refresh_token_user_id,
            },
            open,
            most,
        }
    }

    fn client(&self, page_size: u32, parallelism: usize, polling: JobPolling) -> AlationClient {
        AlationClient::new(
            HttpClient::new(&HttpOptions::default()).expect("HTTP client"),
            AlationConfig {
                base_url: self.url.clone(),
                auth: self.auth.clone(),
                page_size,
                polling,
            },
        )
        .with_parallelism(parallelism)
    }
}

fn fast_polling() -> JobPolling {
    JobPolling {
        initial_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        timeout: Duration::from_secs(30),
    }
}

/// A new virtual data source with one schema, `tables` tables and `columns` columns
/// (`c0`, `c1`, ...) spread over them; its id.
async fn fill(client: &AlationClient, name: &str, tables: usize, columns: usize) -> i64 {
    let ds = client
        .create_virtual_datasource(&NewVirtualDatasource {
            dbtype: "mysql".into(),
            title: name.into(),
            uri: format!("metaform://test/{name}"),
            is_virtual: true,
        })
        .await
        .expect("create")
        .expect("id");
    let schema = SchemaWrite {
        key: format!("{ds}.s"),
        ..SchemaWrite::default()
    };
    client
        .write_schemas(ds, WriteMode::Upsert, &[schema])
        .await
        .expect("schema");
    let tables: Vec<TableWrite> = (0..tables.max(1))
        .map(|t| TableWrite {
            key: format!("{ds}.s.t{t}"),
            table_type: Some("TABLE".into()),
            ..TableWrite::default()
        })
        .collect();
    client
        .write_tables(ds, WriteMode::Upsert, &tables)
        .await
        .expect("tables");
    let columns: Vec<ColumnWrite> = (0..columns)
        .map(|c| ColumnWrite {
            key: format!("{ds}.s.t{}.c{c}", c % tables.len()),
            column_type: Some("int".into()),
            ..ColumnWrite::default()
        })
        .collect();
    if !columns.is_empty() {
        client
            .write_columns(ds, WriteMode::Upsert, &columns)
            .await
            .expect("columns");
    }
    ds
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Paging with several requests in flight returns every column and table exactly
    /// once, whatever the page size, the parallelism and the other data sources' ids
    /// around them.
    #[test]
    fn concurrent_paging_returns_every_object_once(
        columns in 0usize..150,
        tables in 1usize..40,
        page in 1u32..25,
        parallelism in 1usize..7,
    ) {
        let rt = runtime();
        rt.block_on(async {
            let sandbox = Counted::start(Duration::ZERO).await;
            let writer = sandbox.client(1000, 8, fast_polling());
            // Another data source first and after, so ids interleave with others'.
            fill(&writer, "before", 3, 7).await;
            let ds = fill(&writer, "read", tables, columns).await;
            fill(&writer, "after", 2, 5).await;
            let reader = sandbox.client(page, parallelism, fast_polling());
            let read = reader.columns(ds).await.expect("columns");
            let mut names: Vec<String> = read.iter().map(|c| c.name.clone()).collect();
            names.sort();
            let mut expected: Vec<String> = (0..columns).map(|c| format!("c{c}")).collect();
            expected.sort();
            assert_eq!(names, expected);
            let mut ids: Vec<i64> = read.iter().map(|c| c.id).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), columns, "no column twice");
            let read = reader.tables(ds).await.expect("tables");
            assert_eq!(read.len(), tables);
        });
    }
}

/// A long column list is read with several pages in flight, never more than the
/// parallelism (before, one page at a time).
#[test]
fn column_pages_were_read_one_at_a_time() {
    let rt = runtime();
    rt.block_on(async {
        let sandbox = Counted::start(Duration::from_millis(30)).await;
        let writer = sandbox.client(1000, 8, fast_polling());
        let ds = fill(&writer, "wide", 10, 200).await;
        sandbox.most.store(0, Ordering::SeqCst);
        let reader = sandbox.client(10, 4, fast_polling());
        let started = Instant::now();
        let read = reader.columns(ds).await.expect("columns");
        assert_eq!(read.len(), 200);
        let most = sandbox.most.load(Ordering::SeqCst);
        eprintln!(
            "200 columns in pages of 10: {most} requests in flight at most, {:?}",
            started.elapsed()
        );
        assert!(most >= 2, "{most} column pages in flight at most");
        assert!(
            most <= 4,
            "{most} column pages in flight, over the parallelism of 4"
        );
        assert_eq!(sandbox.open.load(Ordering::SeqCst), 0);
    });
}

/// With the default polling, a job the sandbox finishes at its second poll is seen done
/// well under 0.3 s after the write (before, 0.1 s + 0.2 s of sleep at least).
#[test]
fn fast_jobs_waited_at_least_300_ms() {
    let rt = runtime();
    rt.block_on(async {
        let sandbox = Counted::start(Duration::ZERO).await;
        let client = sandbox.client(1000, 8, JobPolling::default());
        let ds = fill(&client, "jobs", 1, 0).await;
        let table = TableWrite {
            key: format!("{ds}.s.fast"),
            table_type: Some("TABLE".into()),
            ..TableWrite::default()
        };
        let started = Instant::now();
        client
            .write_tables(ds, WriteMode::Upsert, &[table])
            .await
            .expect("write");
        let took = started.elapsed();
        eprintln!("one-table write, job polled to its end: {took:?}");
        assert!(took < Duration::from_millis(200), "{took:?}");
    });
}
