//! `${NAME}` interpolation of configuration values from the environment.
//!
//! Secrets belong in the environment (CI secrets), not in the committed config file, so a
//! value may be `${OM_JWT_TOKEN}` or contain such references. `$$` stands for a literal `$`.
//! A reference to a variable that is not set is an error naming it: silently sending an
//! empty token would only fail later, further from the cause.

/// Why a value could not be interpolated. Never carries the value itself (it may be secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpolationError {
    /// `${NAME}` where `NAME` is not set.
    Unset(String),
    /// `${` without its closing `}`.
    Unterminated,
    /// `${...}` whose content is not a variable name.
    BadName(String),
}

impl std::fmt::Display for InterpolationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unset(name) => write!(f, "environment variable `{name}` is not set"),
            Self::Unterminated => f.write_str("`${` without a closing `}`"),
            Self::BadName(name) => write!(
                f,
                "`${{{name}}}` is not a variable reference (letters, digits and `_`, not starting with a digit)"
            ),
        }
    }
}

/// Stands for `{` of a `${NAME}` reference while the YAML text is parsed.
const OPEN: char = '\u{E000}';
/// Stands for `}` of a `${NAME}` reference while the YAML text is parsed.
const CLOSE: char = '\u{E001}';

/// Hides the braces of every `${NAME}` reference from the YAML parser.
///
/// SPEC §2 writes `auth: { jwtToken: ${OM_JWT_TOKEN} }`, where the braces would end the
/// flow mapping. Each brace becomes one private-use character, so lines and columns of
/// parse errors stay where the user wrote them; [`restore`] and [`interpolate`] undo it.
pub fn protect(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let body = &rest[at + 2..];
        match body.find('}') {
            Some(end) if is_variable_name(&body[..end]) => {
                out.push('$');
                out.push(OPEN);
                out.push_str(&body[..end]);
                out.push(CLOSE);
                rest = &body[end + 1..];
            }
            _ => {
                out.push_str("${");
                rest = body;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Undoes [`protect`] on a value that is not interpolated (patterns, globs).
pub fn restore(text: &str) -> String {
    text.replace(OPEN, "{").replace(CLOSE, "}")
}

/// Replaces every `${NAME}` in `text` by `env(NAME)`, and `$$` by `$`.
pub fn interpolate(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, InterpolationError> {
    if !text.contains('$') {
        return Ok(text.to_owned());
    }
    let text = restore(text);
    let text = text.as_str();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = body.find('}').ok_or(InterpolationError::Unterminated)?;
            let name = &body[..end];
            if !is_variable_name(name) {
                return Err(InterpolationError::BadName(name.to_owned()));
            }
            let value = env(name).ok_or_else(|| InterpolationError::Unset(name.to_owned()))?;
            out.push_str(&value);
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("s3cret".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    /// References are replaced wherever they appear; other text is kept.
    #[test]
    fn replaces_references() {
        assert_eq!(interpolate("${TOKEN}", &env).unwrap(), "s3cret");
        assert_eq!(
            interpolate("a-${TOKEN}-b${EMPTY}", &env).unwrap(),
            "a-s3cret-b"
        );
        assert_eq!(interpolate("no refs", &env).unwrap(), "no refs");
        assert_eq!(interpolate(&protect("${TOKEN}"), &env).unwrap(), "s3cret");
    }

    /// `$$` escapes a dollar, and a lone `$` stays as it is.
    #[test]
    fn keeps_literal_dollars() {
        assert_eq!(interpolate("$${TOKEN}", &env).unwrap(), "${TOKEN}");
        assert_eq!(interpolate("cost $5", &env).unwrap(), "cost $5");
    }

    /// An unset variable is an error naming it.
    #[test]
    fn unset_variable_is_named() {
        let err = interpolate("x ${OM_JWT_TOKEN}", &env).unwrap_err();
        assert_eq!(err, InterpolationError::Unset("OM_JWT_TOKEN".into()));
        assert_eq!(
            err.to_string(),
            "environment variable `OM_JWT_TOKEN` is not set"
        );
    }

    /// Malformed references are errors, not silently kept.
    #[test]
    fn malformed_references_are_errors() {
        assert_eq!(
            interpolate("${TOKEN", &env).unwrap_err(),
            InterpolationError::Unterminated
        );
        assert_eq!(
            interpolate("${1X}", &env).unwrap_err(),
            InterpolationError::BadName("1X".into())
        );
        assert_eq!(
            interpolate("${}", &env).unwrap_err(),
            InterpolationError::BadName(String::new())
        );
    }
}
