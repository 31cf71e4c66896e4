//! Origins (scheme, host, port): credentials are only ever sent to the origin the user
//! configured.
//!
//! Every URL a server hands back (a redirect's `Location`, Alation's `X-Next-Page`) is
//! parsed and compared as an origin, never as a string prefix: `http://host:P@evil:Q/`
//! starts with `http://host:P` but is the origin `http://evil:Q`.

use reqwest::Url;

/// Whether `a` and `b` have the same scheme, host and port (a default port counts as
/// given). URLs without a tuple origin (`data:`, `file:`) are never the same.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    let origin = a.origin();
    origin.is_tuple() && origin == b.origin()
}

/// `scheme://host:port` of `url`, for messages: never a user, password, path or query.
pub fn origin_of(url: &Url) -> String {
    let origin = url.origin();
    if origin.is_tuple() {
        origin.ascii_serialization()
    } else {
        format!("{}:", url.scheme())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    /// Scheme, host and port make an origin; path, query and a default port do not
    /// matter; userinfo never makes another origin look like this one.
    #[test]
    fn origins_are_compared_as_tuples() {
        let base = url("http://127.0.0.1:8080/alation");
        assert!(same_origin(&base, &url("http://127.0.0.1:8080/x?y=1")));
        assert!(same_origin(
            &url("https://a.example/"),
            &url("https://a.example:443/z")
        ));
        for other in [
            "https://127.0.0.1:8080/",
            "http://127.0.0.1:8081/",
            "http://localhost:8080/",
            "http://127.0.0.1:8080@127.0.0.1:9090/integration/v2/schema/",
        ] {
            assert!(!same_origin(&base, &url(other)), "{other}");
        }
        assert_eq!(
            origin_of(&url("http://me:secret@127.0.0.1:9090/p?q=1")),
            "http://127.0.0.1:9090"
        );
    }
}
