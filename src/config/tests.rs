//! Loading and validating `metaform.yaml`.

use std::path::{Path, PathBuf};

use secrecy::ExposeSecret;

use super::*;
use crate::api::alation::AlationAuth;
use crate::core::plan::{IgnoreRule, Policy, Prune};
use crate::target::alation::{CreateDatasourceAs, DatasourceLink};

const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.secret-om-token.sig";
const ALATION_TOKEN: &str = "alation-secret-token";

fn env(name: &str) -> Option<String> {
    match name {
        "OM_JWT_TOKEN" => Some(JWT.into()),
        "ALATION_TOKEN" => Some(ALATION_TOKEN.into()),
        "ALATION_USER_ID" => Some("102".into()),
        _ => None,
    }
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("conf/metaform.yaml"), &env)
}

fn error(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

const FULL: &str = r#"
source:
  type: openmetadata
  hostPort: http://localhost:8585/api/
  auth: { jwtToken: "${OM_JWT_TOKEN}" }
  filters:
    databases: { includes: [], excludes: [] }
    schemas:   { includes: ["shop"], excludes: [] }
    tables:    { includes: [], excludes: ["raw_"] }
target:
  type: alation
  hostPort: https://alation.example.com
  auth:
    accessToken: ${ALATION_TOKEN}
  datasourceLinks:
    "23": sample_data.ecommerce_db
    "24": svc."db.with.dots"
state: desired/
policy:
  prune: never
  maxDeletePercent: 10
  protect: ["sample_data.*"]
  ignore: ["sample_data.ecommerce_db.shopify.*:description"]
"#;

/// The documented example loads, with interpolation, defaults and resolved paths.
#[test]
fn full_example_loads() {
    let config = parse(FULL).unwrap();
    let source = config.source().unwrap();
    let SourceConnection::OpenMetadata(om) = &source.connection else {
        panic!("expected an OpenMetadata source");
    };
    assert_eq!(om.host_port, "http://localhost:8585/api");
    assert_eq!(om.jwt_token.expose_secret(), JWT);
    assert!(source.filters.schemas.keeps("shopify"));
    assert!(!source.filters.schemas.keeps("other"));
    assert!(!source.filters.tables.keeps("raw_order"));

    let TargetConfig::Alation(alation) = config.target().unwrap() else {
        panic!("expected an Alation target");
    };
    assert_eq!(alation.create_datasource_as, CreateDatasourceAs::Virtual);
    assert_eq!(alation.pagination_limit, 1000);
    assert!(
        matches!(&alation.auth, AlationAuth::AccessToken(t) if t.expose_secret() == ALATION_TOKEN)
    );
    assert_eq!(
        alation.datasource_links[1],
        DatasourceLink {
            datasource_id: 24,
            service: "svc".into(),
            database: "db.with.dots".into(),
        }
    );
    assert_eq!(config.state_dir, PathBuf::from("conf/desired/"));
    assert_eq!(config.policy.prune, Prune::Never);
    assert_eq!(config.policy.max_delete_percent, 10.0);
    assert_eq!(config.policy.max_update_percent, 50.0);
    assert_eq!(
        config.policy.ignore,
        [IgnoreRule {
            address: "sample_data.ecommerce_db.shopify.*".into(),
            field: "description".into()
        }]
    );
}

/// Without a `state` key the state directory is `state/` beside the file.
#[test]
fn state_defaults_beside_the_file() {
    let config = parse("policy: {}\n").unwrap();
    assert_eq!(config.state_dir, PathBuf::from("conf/state"));
    assert_eq!(config.policy, Policy::default());
    assert!(config.source.is_none());
    assert_eq!(
        config.target().unwrap_err().to_string(),
        "conf/metaform.yaml: no `target` section, and this command needs one"
    );
}

/// Secrets never show in `Debug` output.
#[test]
fn debug_output_redacts_secrets() {
    let text = format!("{:?}", parse(FULL).unwrap());
    assert!(!text.contains(JWT), "{text}");
    assert!(!text.contains(ALATION_TOKEN), "{text}");
    assert!(text.contains("REDACTED"), "{text}");
}

/// An unknown key is reported at its own line and column, with the keys allowed there.
#[test]
fn unknown_keys_are_located() {
    assert_eq!(
        error("state: x\npolicy:\n  prune: never\n  bogus: 1\n"),
        "conf/metaform.yaml:4:3: unknown field `bogus`, expected one of prune, maxDeletePercent, maxUpdatePercent, protect, ignore"
    );
    assert_eq!(
        error(
            "source:\n  type: openmetadata\n  hostPort: http://h/api\n  auth:\n    jwtToken: x\n    extra: 1\n"
        ),
        "conf/metaform.yaml:6:5: unknown field `extra`, expected one of jwtToken, username, password"
    );
    assert_eq!(
        error(
            "source:\n  type: openmetadata\n  hostPort: http://h/api\n  auth: { jwtToken: x, extra: 1 }\n"
        ),
        "conf/metaform.yaml:4:24: unknown field `extra`, expected one of jwtToken, username, password"
    );
    assert_eq!(
        error("state: x\n\nsauce: {}\n"),
        "conf/metaform.yaml:3:1: unknown field `sauce`, expected one of source, target, state, policy"
    );
}

/// Wrong types and unknown enum values carry their line.
#[test]
fn type_errors_are_located() {
    let text = "target:\n  type: alation\n  hostPort: https://a\n  paginationLimit: abc\n";
    assert_eq!(
        error(text),
        "conf/metaform.yaml:4:20: `paginationLimit`: expected a whole number"
    );
    assert_eq!(
        error("source:\n  type: mongo\n"),
        "conf/metaform.yaml:2:9: unknown variant `mongo`, expected `openmetadata` or `atlas`"
    );
}

/// An unset variable is an error naming it and the line, never the other values.
#[test]
fn unset_variable_is_named() {
    let text = "source:\n  type: openmetadata\n  hostPort: http://h/api\n  auth:\n    jwtToken: ${MISSING_TOKEN}\n";
    assert_eq!(
        error(text),
        "conf/metaform.yaml:5:15: `source.auth.jwtToken`: environment variable `MISSING_TOKEN` is not set"
    );
}

/// Two Alation auth methods, or none, are rejected at the `auth` block.
#[test]
fn exactly_one_alation_auth_method() {
    let two = "target:\n  type: alation\n  hostPort: https://a\n  auth:\n    accessToken: x\n    username: u\n    password: p\n    projectName: m\n";
    assert_eq!(
        error(two),
        "conf/metaform.yaml:5:5: `target.auth` must set exactly one of `accessToken`, `refreshToken` + `userId`, or `username` + `password` + `projectName`; found accessToken and username + password + projectName"
    );
    let none = "target:\n  type: alation\n  hostPort: https://a\n  auth: {}\n";
    assert!(error(none).contains("none is set"), "{}", error(none));
    let half = "target:\n  type: alation\n  hostPort: https://a\n  auth:\n    refreshToken: r\n";
    assert_eq!(
        error(half),
        "conf/metaform.yaml:5:5: `target.auth`: `userId` is missing"
    );
}

/// A refresh token with a user id given as a number or through the environment.
#[test]
fn refresh_token_auth_loads() {
    for user in ["102", "\"${ALATION_USER_ID}\""] {
        let text = format!(
            "target:\n  type: alation\n  hostPort: https://a\n  auth:\n    refreshToken: r\n    userId: {user}\n"
        );
        let config = parse(&text).unwrap();
        let Ok(TargetConfig::Alation(alation)) = config.target() else {
            panic!("expected an Alation target");
        };
        assert!(matches!(
            alation.auth,
            AlationAuth::RefreshToken { user_id: 102, .. }
        ));
    }
}

/// A `jwtToken` naming an existing file (relative to the config file) is read from it.
#[test]
fn jwt_token_from_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("om.jwt"), format!("{JWT}\n")).unwrap();
    let config_path = dir.path().join("metaform.yaml");
    let text =
        "source:\n  type: openmetadata\n  hostPort: http://h/api\n  auth: { jwtToken: om.jwt }\n";
    let config = Config::parse(text, &config_path, &env).unwrap();
    let SourceConnection::OpenMetadata(om) = &config.source().unwrap().connection else {
        panic!("expected an OpenMetadata source");
    };
    assert_eq!(om.jwt_token.expose_secret(), JWT);
}

/// A bad filter regex is reported with its key, index and line when the file is loaded.
#[test]
fn invalid_filter_regex_is_located() {
    let text = "source:\n  type: openmetadata\n  hostPort: http://h/api\n  auth: { jwtToken: t }\n  filters:\n    tables:\n      includes: [ok]\n      excludes:\n        - \"(bad\"\n";
    let message = error(text);
    assert!(
        message.starts_with(
            "conf/metaform.yaml:9:11: `source.filters.tables.excludes[0]`: invalid regex `(bad`: "
        ),
        "{message}"
    );
}

/// Out-of-range numbers and malformed values are rejected with their line.
#[test]
fn values_are_range_checked() {
    let target = "target:\n  type: alation\n  hostPort: https://a\n  auth: { accessToken: t }\n";
    assert_eq!(
        error(&format!("{target}  paginationLimit: 1001\n")),
        "conf/metaform.yaml:5:20: `target.paginationLimit` must be between 1 and 1000, not 1001"
    );
    assert_eq!(
        error(&format!("{target}  datasourceLinks: {{ abc: svc.db }}\n")),
        "conf/metaform.yaml:5:27: `target.datasourceLinks.abc`: a data source id is a number, not `abc`"
    );
    assert_eq!(
        error(&format!(
            "{target}  datasourceLinks: {{ \"1\": svc.db.schema }}\n"
        )),
        "conf/metaform.yaml:5:27: `target.datasourceLinks.1`: `svc.db.schema` is not a database FQN `service.database`"
    );
    assert_eq!(
        error("policy:\n  maxUpdatePercent: 101\n"),
        "conf/metaform.yaml:2:21: `policy.maxUpdatePercent` must be between 0 and 100, not 101"
    );
    assert_eq!(
        error("policy:\n  ignore: [nofield]\n"),
        "conf/metaform.yaml:2:12: `policy.ignore`: `nofield` is not `address-glob:field`"
    );
    assert_eq!(
        error("target:\n  type: alation\n  hostPort: ftp://a\n  auth: { accessToken: t }\n"),
        "conf/metaform.yaml:3:13: `target.hostPort`: `ftp://a` is not an http(s) URL: unsupported scheme `ftp`"
    );
}

/// Keys that belong to another system are rejected rather than ignored.
#[test]
fn keys_of_another_system_are_rejected() {
    let text = "target:\n  type: openmetadata\n  hostPort: http://h/api\n  auth: { jwtToken: t }\n  paginationLimit: 10\n";
    assert_eq!(
        error(text),
        "conf/metaform.yaml:5:20: `target.paginationLimit` applies only to `type: alation`"
    );
    let text = "source:\n  type: atlas\n  hostPort: http://h\n  auth: { jwtToken: t }\n";
    assert!(error(text).contains("an atlas source takes `username` and `password`"));
}

/// An empty file is an error rather than an empty configuration.
#[test]
fn empty_file_is_an_error() {
    assert_eq!(error("\n"), "conf/metaform.yaml: the file is empty");
}

/// The JSON Schema describes the file's keys and forbids unknown ones.
#[test]
fn json_schema_describes_the_file() {
    let schema = config_json_schema();
    assert_eq!(schema["additionalProperties"], false);
    let properties = schema["properties"].as_object().unwrap();
    assert!(
        ["source", "target", "state", "policy"]
            .iter()
            .all(|k| properties.contains_key(*k))
    );
    let text = schema.to_string();
    assert!(text.contains("\"verifySSL\""), "{text}");
    assert!(text.contains("\"datasourceLinks\""), "{text}");
}

/// A trailing line break in a secret from the environment (a variable filled from a
/// file) is not part of the secret, nor of a `jwtToken` file path.
#[test]
fn secret_trailing_newline_was_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("om.jwt"), format!("{JWT}\r\n")).unwrap();
    let env = |name: &str| match name {
        "OM_JWT_TOKEN" => Some("om.jwt\n".to_owned()),
        "ALATION_TOKEN" => Some(format!("{ALATION_TOKEN}\n")),
        _ => None,
    };
    let text = "source:\n  type: openmetadata\n  hostPort: http://h/api\n  auth: { jwtToken: \"${OM_JWT_TOKEN}\" }\ntarget:\n  type: alation\n  hostPort: http://a\n  auth: { accessToken: \"${ALATION_TOKEN}\" }\n";
    let config = Config::parse(text, &dir.path().join("metaform.yaml"), &env).unwrap();
    let SourceConnection::OpenMetadata(om) = &config.source().unwrap().connection else {
        panic!("expected an OpenMetadata source");
    };
    assert_eq!(om.jwt_token.expose_secret(), JWT);
    let TargetConfig::Alation(alation) = config.target().unwrap() else {
        panic!("expected an Alation target");
    };
    assert!(
        matches!(&alation.auth, AlationAuth::AccessToken(t) if t.expose_secret() == ALATION_TOKEN)
    );
}

/// `timeouts` and `maxResponseSize` are read with their units; what is not given keeps
/// its default.
#[test]
fn timeouts_and_response_size_are_configurable() {
    let text = "source:\n  type: openmetadata\n  hostPort: http://h/api\n  auth: { jwtToken: t }\n  timeouts: { request: 2m }\n  maxResponseSize: 16MiB\ntarget:\n  type: alation\n  hostPort: http://a\n  auth: { accessToken: t }\n  timeouts: { connect: 3s, request: 1h 30m, jobWait: 10m }\n  maxResponseSize: 1000\n";
    let config = parse(text).unwrap();
    let SourceConnection::OpenMetadata(om) = &config.source().unwrap().connection else {
        panic!("expected an OpenMetadata source");
    };
    assert_eq!(
        om.limits,
        HttpLimits {
            request_timeout: Duration::from_secs(120),
            max_response_bytes: 16 << 20,
            ..HttpLimits::default()
        }
    );
    let options = om.http_options();
    assert_eq!(options.timeout, Duration::from_secs(120));
    assert_eq!(options.connect_timeout, Duration::from_secs(10));
    assert_eq!(options.max_body_bytes, 16 << 20);
    let TargetConfig::Alation(alation) = config.target().unwrap() else {
        panic!("expected an Alation target");
    };
    assert_eq!(
        alation.limits,
        HttpLimits {
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(5400),
            job_wait: Duration::from_secs(600),
            max_response_bytes: 1000,
            parallelism: Parallelism::DEFAULT,
        }
    );
    assert_eq!(
        alation.limits.job_polling().timeout,
        Duration::from_secs(600)
    );
    let defaults = HttpLimits::default();
    assert_eq!(defaults.connect_timeout, Duration::from_secs(10));
    assert_eq!(defaults.request_timeout, Duration::from_secs(60));
    assert_eq!(defaults.job_wait, Duration::from_secs(1800));
    assert_eq!(defaults.max_response_bytes, 128 << 20);
}

/// Bad durations and sizes, and `jobWait` where there are no jobs, name the key and line.
#[test]
fn bad_timeouts_are_located() {
    let source = |extra: &str| {
        format!(
            "source:\n  type: openmetadata\n  hostPort: http://h/api\n  auth: {{ jwtToken: t }}\n{extra}"
        )
    };
    assert_eq!(
        error(&source("  timeouts: { request: soon }\n")),
        "conf/metaform.yaml:5:24: `source.timeouts.request`: `soon` is not a duration such as `30s` or `5m`: expected number at 0"
    );
    assert_eq!(
        error(&source("  timeouts: { connect: 0s }\n")),
        "conf/metaform.yaml:5:24: `source.timeouts.connect` must not be zero"
    );
    assert_eq!(
        error(&source("  timeouts:\n    jobWait: 5m\n")),
        "conf/metaform.yaml:6:14: `source.timeouts.jobWait` applies only to an alation target"
    );
    assert_eq!(
        error(&source("  maxResponseSize: 10 parsecs\n")),
        "conf/metaform.yaml:5:20: `source.maxResponseSize` must be a positive size such as `64MiB` or `1048576` (bytes)"
    );
}

/// `parallelism` is read per source and target (default 8), `--parallelism` overrides
/// both, and a value outside 1..=64 is refused naming the key, its line and the range.
#[test]
fn parallelism_is_configurable_and_validated() {
    let text = "source:\n  type: openmetadata\n  hostPort: http://h/api\n  auth: { jwtToken: t }\n  parallelism: 3\ntarget:\n  type: alation\n  hostPort: http://a\n  auth: { accessToken: t }\n";
    let config = parse(text).unwrap();
    let SourceConnection::OpenMetadata(om) = &config.source().unwrap().connection else {
        panic!("expected an OpenMetadata source");
    };
    assert_eq!(om.limits.parallelism.get(), 3);
    let TargetConfig::Alation(alation) = config.target().unwrap() else {
        panic!("expected an Alation target");
    };
    assert_eq!(alation.limits.parallelism, Parallelism::DEFAULT);
    assert_eq!(Parallelism::DEFAULT.get(), 8);

    let flag = Parallelism::new(16).unwrap();
    let config = config.with_parallelism(Some(flag));
    let SourceConnection::OpenMetadata(om) = &config.source().unwrap().connection else {
        panic!("expected an OpenMetadata source");
    };
    assert_eq!(om.limits.parallelism, flag);
    let TargetConfig::Alation(alation) = config.target().unwrap() else {
        panic!("expected an Alation target");
    };
    assert_eq!(alation.limits.parallelism, flag);

    for bad in ["0", "65"] {
        let text = format!(
            "target:\n  type: alation\n  hostPort: http://a\n  auth: {{ accessToken: t }}\n  parallelism: {bad}\n"
        );
        let err = parse(&text).unwrap_err().to_string();
        assert!(
            err.contains(":5:") && err.contains("`target.parallelism` must be between 1 and 64"),
            "{err}"
        );
    }
}
