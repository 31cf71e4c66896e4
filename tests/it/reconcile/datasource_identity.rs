//! One data source per database, ever: a create whose answer is lost after Alation
//! made the data source is looked up by its marker before it is tried again, and a
//! second data source carrying the same marker is reported, never silently used.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::project;
use crate::workspace::Workspace;

/// The marker of the sample data's `ecommerce_db`.
const MARKER: &str = "metaform://openmetadata/sample_data.ecommerce_db";

/// What the proxy does to the answer of the first data source create.
#[derive(Clone, Copy)]
enum Spoil {
    /// The request is handled, then the connection is closed without an answer.
    Lost,
    /// The request is handled, then a gateway answers 504.
    GatewayTimeout,
}

/// A proxy on 127.0.0.1 in front of `upstream` that forwards every request (one per
/// connection) and spoils the answer of the first `POST /integration/v1/datasource/`
/// after the server handled it. Returns its URL and how many answers it spoiled.
async fn spoiling_proxy(upstream: SocketAddr, spoil: Spoil) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind an ephemeral port");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    let spoiled = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&spoiled);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let count = Arc::clone(&count);
            tokio::spawn(async move {
                let _ = forward(client, upstream, spoil, &count).await;
            });
        }
    });
    (url, spoiled)
}

/// Forwards one request with `Connection: close` and relays or spoils its answer.
async fn forward(
    mut client: TcpStream,
    upstream: SocketAddr,
    spoil: Spoil,
    spoiled: &AtomicUsize,
) -> std::io::Result<()> {
    let mut request = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        let n = client.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(&buf[..n]);
        if let Some(i) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while request.len() < head_end + length {
        let n = client.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(&buf[..n]);
    }
    let mut lines: Vec<&str> = head
        .trim_end()
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("Connection: close");
    let mut forwarded = format!("{}\r\n\r\n", lines.join("\r\n")).into_bytes();
    forwarded.extend_from_slice(&request[head_end..]);
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(&forwarded).await?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).await?;
    let create = head.starts_with("POST /integration/v1/datasource/ ");
    if create && spoiled.fetch_add(1, Ordering::SeqCst) == 0 {
        match spoil {
            Spoil::Lost => return Ok(()),
            Spoil::GatewayTimeout => {
                answer = b"HTTP/1.1 504 Gateway Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    .to_vec();
            }
        }
    }
    client.write_all(&answer).await?;
    client.shutdown().await
}

/// Points `metaform.yaml`'s Alation `hostPort` at `url`.
fn retarget(project: &Workspace, url: &str) {
    let path = project.path("metaform.yaml");
    let text = std::fs::read_to_string(&path).expect("metaform.yaml");
    let from = format!("hostPort: {}\n", project.sandbox.alation_url());
    assert!(text.contains(&from), "{text}");
    std::fs::write(&path, text.replace(&from, &format!("hostPort: {url}\n")))
        .expect("metaform.yaml is written");
}

/// Every data source of the sandbox (v1, hidden ones included).
async fn datasources(project: &Workspace) -> Vec<Value> {
    let token = project.alation_token().await;
    project
        .alation_list(
            "/integration/v1/datasource/?include_undeployed=true&include_hidden=true",
            &token,
        )
        .await
}

/// The ids of the data sources carrying `marker`.
async fn carrying(project: &Workspace, marker: &str) -> Vec<u64> {
    datasources(project)
        .await
        .iter()
        .filter(|d| d["uri"] == marker)
        .filter_map(|d| d["id"].as_u64())
        .collect()
}

/// metaform marker -> the ids of the data sources carrying it.
async fn markers(project: &Workspace) -> BTreeMap<String, Vec<u64>> {
    let mut markers: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for ds in datasources(project).await {
        if let (Some(uri), Some(id)) = (ds["uri"].as_str(), ds["id"].as_u64())
            && uri.starts_with("metaform://")
        {
            markers.entry(uri.to_owned()).or_default().push(id);
        }
    }
    markers
}

/// The Alation address of the sandbox, for the proxy.
fn upstream(project: &Workspace) -> SocketAddr {
    project
        .sandbox
        .alation_url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .expect("the sandbox listens on an IP address")
}

/// Applies through a proxy that spoils the first create's answer: exactly one data
/// source per database, and the same apply goes on to converge.
async fn create_answer_spoiled(spoil: Spoil) {
    let project = project().build().await;
    project.run_ok(&["snapshot"]).await;
    let (url, spoiled) = spoiling_proxy(upstream(&project), spoil).await;
    retarget(&project, &url);
    let apply = project.run(&["apply", "--auto-approve"]).await;
    assert!(spoiled.load(Ordering::SeqCst) >= 1, "no create was spoiled");
    let markers = markers(&project).await;
    assert!(markers.len() >= 2, "{markers:?}");
    assert!(
        markers.values().all(|ids| ids.len() == 1),
        "data sources per marker: {markers:?}"
    );
    assert_eq!(apply.code, Some(0), "{}", apply.stderr);
    let again = project.run_ok(&["plan", "--detailed-exitcode"]).await;
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

/// A data source create whose connection drops after Alation handled it is looked up
/// by its marker, not sent again: one data source, and the apply converges.
#[tokio::test]
async fn lost_create_answer_makes_no_duplicate_datasource() {
    create_answer_spoiled(Spoil::Lost).await;
}

/// A data source create answered 504 by a gateway after Alation handled it is not
/// retried blindly: one data source, and the apply converges.
#[tokio::test]
async fn gateway_timeout_after_create_makes_no_duplicate_datasource() {
    create_answer_spoiled(Spoil::GatewayTimeout).await;
}

/// Two data sources carrying one marker: `plan` names both ids, says it manages the
/// lowest, and how to remove the other.
#[tokio::test]
async fn plan_names_two_datasources_with_one_marker() {
    let project = project().build().await;
    project.run_ok(&["snapshot"]).await;
    project.run_ok(&["apply", "--auto-approve"]).await;
    let token = project.alation_token().await;
    let second: Value = project
        .alation(
            Method::POST,
            "/integration/v1/datasource/",
            Some(&token),
            Some(json!({"dbtype": "mysql", "title": "copy", "uri": MARKER, "is_virtual": true})),
        )
        .await;
    let mut ids = carrying(&project, MARKER).await;
    ids.sort_unstable();
    assert_eq!(ids.len(), 2, "{ids:?} ({second})");
    let plan = project.run_ok(&["plan"]).await;
    let expected = format!(
        "data sources {} and {} both carry the marker `{MARKER}` of `sample_data.ecommerce_db`: \
         metaform manages {} (the lowest id)",
        ids[0], ids[1], ids[0]
    );
    assert!(
        plan.stderr.contains(&expected),
        "{expected}\nnot in:\n{}",
        plan.stderr
    );
    assert!(
        plan.stderr
            .contains(&format!("DELETE /integration/v1/datasource/{}/", ids[1])),
        "{}",
        plan.stderr
    );
}
