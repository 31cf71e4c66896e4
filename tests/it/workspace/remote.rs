//! Requests to the workspace's sandboxes over HTTP, as a user or an admin script would
//! make them: Alation listings followed page by page, OpenMetadata reads and patches.

use reqwest::Method;
use serde_json::{Value, json};

use super::Workspace;

impl Workspace {
    /// An Alation API access token from the sandbox's refresh token.
    pub async fn alation_token(&self) -> String {
        let credentials = &self.sandbox.credentials().alation;
        let reply = self
            .alation(
                Method::POST,
                "/integration/v1/createAPIAccessToken/",
                None,
                Some(json!({"refresh_token": credentials.refresh_token,
                            "user_id": credentials.refresh_token_user_id})),
            )
            .await;
        reply["api_access_token"]
            .as_str()
            .expect("api_access_token")
            .to_owned()
    }

    /// An Alation request; requires a 2xx answer and returns its JSON body.
    pub async fn alation(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Value {
        let mut request = self.http.request(
            method.clone(),
            format!("{}{path}", self.sandbox.alation_url()),
        );
        if let Some(token) = token {
            request = request.header("TOKEN", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the Alation sandbox answers");
        let status = response.status();
        let text = response.text().await.expect("a response body");
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("a JSON body")
        }
    }

    /// Every item of an Alation listing, following `X-Next-Page`.
    pub async fn alation_list(&self, first: &str, token: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut next = Some(first.to_owned());
        while let Some(path) = next {
            let response = self
                .http
                .get(format!("{}{path}", self.sandbox.alation_url()))
                .header("TOKEN", token)
                .send()
                .await
                .expect("the Alation sandbox answers");
            assert!(response.status().is_success(), "GET {path}");
            next = response
                .headers()
                .get("x-next-page")
                .map(|v| v.to_str().expect("an ASCII header").to_owned());
            let page: Value = response.json().await.expect("a JSON page");
            items.extend(page.as_array().expect("a JSON array").iter().cloned());
        }
        items
    }

    /// Every schema, table and column Alation holds under data source `ds`.
    pub async fn alation_objects_under(&self, ds: u64, token: &str) -> Vec<Value> {
        let mut all = Vec::new();
        for kind in ["schema", "table", "column"] {
            all.extend(
                self.alation_list(&format!("/integration/v2/{kind}/?ds_id={ds}"), token)
                    .await,
            );
        }
        all
    }

    /// The data sources Alation lists (v1).
    pub async fn datasources(&self, token: &str) -> Vec<Value> {
        self.alation_list("/integration/v1/datasource/", token)
            .await
    }

    /// The id of the data source titled `title`; panics when Alation has none.
    pub async fn datasource_id(&self, token: &str, title: &str) -> u64 {
        self.datasources(token)
            .await
            .into_iter()
            .find(|d| d["title"] == title)
            .and_then(|d| d["id"].as_u64())
            .unwrap_or_else(|| panic!("the {title} data source"))
    }

    /// An OpenMetadata request; requires a 2xx answer and returns its JSON body. A
    /// PATCH body is sent as a JSON Patch, any other as JSON.
    pub async fn openmetadata(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(
                method.clone(),
                format!("{}{path}", self.sandbox.openmetadata_url()),
            )
            .bearer_auth(&self.sandbox.credentials().openmetadata_jwt);
        if let Some(body) = body {
            let content_type = if method == Method::PATCH {
                "application/json-patch+json"
            } else {
                "application/json"
            };
            request = request
                .header("Content-Type", content_type)
                .body(body.to_string());
        }
        let response = request
            .send()
            .await
            .expect("the OpenMetadata sandbox answers");
        let status = response.status();
        let text = response.text().await.expect("a response body");
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).expect("a JSON body")
    }

    /// The OpenMetadata table `fqn` (a sample-data table of `shopify`) with its columns.
    pub async fn om_table(&self, name: &str) -> Value {
        let fqn = format!("sample_data.ecommerce_db.shopify.{name}");
        let encoded: String = fqn
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'_' | b'-' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        self.openmetadata(
            Method::GET,
            &format!("/v1/tables/name/{encoded}?fields=columns,tableConstraints"),
            None,
        )
        .await
    }

    /// Applies a JSON Patch to the OpenMetadata table `name` of `shopify`.
    pub async fn om_patch_table(&self, name: &str, patch: Value) -> Value {
        let id = self.om_table(name).await["id"]
            .as_str()
            .expect("a table id")
            .to_owned();
        self.openmetadata(Method::PATCH, &format!("/v1/tables/{id}"), Some(patch))
            .await
    }
}
