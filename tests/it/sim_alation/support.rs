//! Starts an Alation sandbox on 127.0.0.1:0 and talks to it with reqwest.

use metaform::sim::alation::{
    AlationCredentials, AlationOptions, AlationState, Clock, Role, router,
};
use metaform::sim::shared::Shared;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

/// A running sandbox.
pub struct Sandbox {
    pub url: String,
    pub creds: AlationCredentials,
    pub state: Shared<AlationState>,
    /// The sandbox's clock, to age its tokens without waiting.
    pub clock: Clock,
    http: reqwest::Client,
}

/// A response: status, JSON body (null when empty) and headers.
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: HeaderMap,
}

/// Serves a seeded Alation sandbox in-process on an ephemeral loopback port.
pub async fn start(options: AlationOptions) -> Sandbox {
    serve(AlationState::seeded(&options), options).await
}

/// Serves `state` in-process on an ephemeral loopback port.
pub async fn serve(state: AlationState, options: AlationOptions) -> Sandbox {
    let creds = state.credentials();
    let clock = options.clock.clone();
    let shared = Shared::new(state);
    let app = router(shared.clone(), options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind an ephemeral port");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    Sandbox {
        url: format!("http://{addr}"),
        creds,
        state: shared,
        clock,
        http: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("HTTP client"),
    }
}

impl Sandbox {
    /// Sends a request with an optional `TOKEN` header and JSON body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.header("TOKEN", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request reaches the sandbox");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("response body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("JSON response body")
        };
        Reply {
            status,
            body,
            headers,
        }
    }

    /// GET with a token.
    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, Some(token), None).await
    }

    /// POST a JSON body with an optional token.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(Method::POST, path, token, Some(body)).await
    }

    /// The user of `role` from the seeded credentials.
    pub fn user(&self, role: Role) -> &metaform::sim::alation::UserCredential {
        self.creds
            .users
            .iter()
            .find(|u| u.role == role)
            .expect("a seeded user per role")
    }

    /// An access token of the user with `role`, via createRefreshToken.
    pub async fn token_for(&self, role: Role) -> String {
        let user = self.user(role);
        let refresh = self
            .post(
                "/integration/v1/createRefreshToken/",
                None,
                json!({"username": user.username, "password": user.password, "name": "tests"}),
            )
            .await;
        assert_eq!(refresh.status, 201, "{}", refresh.body);
        let access = self
            .post(
                "/integration/v1/createAPIAccessToken/",
                None,
                json!({"refresh_token": refresh.body["refresh_token"], "user_id": user.user_id}),
            )
            .await;
        assert_eq!(access.status, 200, "{}", access.body);
        access.body["api_access_token"]
            .as_str()
            .expect("api_access_token")
            .to_string()
    }

    /// An access token of the Server Admin, from the seeded refresh token.
    pub async fn admin_token(&self) -> String {
        let access = self
            .post(
                "/integration/v1/createAPIAccessToken/",
                None,
                json!({"refresh_token": self.creds.refresh_token,
                       "user_id": self.creds.refresh_token_user_id}),
            )
            .await;
        assert_eq!(access.status, 200, "{}", access.body);
        access.body["api_access_token"]
            .as_str()
            .expect("api_access_token")
            .to_string()
    }

    /// Creates a data source through the v1 API; `virtual` sets `is_virtual`.
    pub async fn datasource(&self, token: &str, virtual_source: bool) -> u64 {
        let body = if virtual_source {
            json!({"dbtype": "postgresql", "title": "virtual", "is_virtual": true})
        } else {
            json!({"dbtype": "postgresql", "title": "native", "host": "db", "port": 5432,
                   "db_username": "reader"})
        };
        let created = self
            .post("/integration/v1/datasource/", Some(token), body)
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        created.body["id"].as_u64().expect("data source id")
    }

    /// POSTs (or PATCHes) items of `kind` and polls the job to its end.
    pub async fn write(
        &self,
        method: Method,
        kind: &str,
        ds: u64,
        token: &str,
        items: Value,
    ) -> Value {
        let reply = self
            .send(
                method,
                &format!("/integration/v2/{kind}/?ds_id={ds}"),
                Some(token),
                Some(items),
            )
            .await;
        assert_eq!(reply.status, 202, "{}", reply.body);
        let id = reply.body["job_id"].as_u64().expect("job_id");
        self.finish_job(&format!("id={id}"), token).await
    }

    /// Polls `GET /api/v1/bulk_metadata/job/?<query>` until the job is no longer running.
    pub async fn finish_job(&self, query: &str, token: &str) -> Value {
        for _ in 0..10 {
            let job = self
                .get(&format!("/api/v1/bulk_metadata/job/?{query}"), token)
                .await;
            assert_eq!(job.status, 200, "{}", job.body);
            if job.body["status"] != "running" {
                return job.body;
            }
        }
        panic!("job {query} never finished");
    }

    /// Every item of a listing, following `X-Next-Page`; also returns the page count.
    pub async fn list_all(&self, first: &str, token: &str) -> (Vec<Value>, usize) {
        let mut items = Vec::new();
        let mut pages = 0;
        let mut next = Some(first.to_string());
        while let Some(path) = next {
            let page = self.get(&path, token).await;
            assert_eq!(page.status, 200, "{path}: {}", page.body);
            items.extend(page.body.as_array().expect("a JSON array").iter().cloned());
            pages += 1;
            next = page
                .headers
                .get("x-next-page")
                .map(|v| v.to_str().expect("ASCII header").to_string());
        }
        (items, pages)
    }
}
