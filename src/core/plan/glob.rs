//! A small glob matcher for policy patterns over displayed object addresses.
//!
//! Addresses are dotted (`service.database.schema.table`), not paths, so there is no
//! separator rule: `*` matches any run of characters, dots included (`svc.db.*` protects
//! every object below `svc.db`). `?` matches one character and `\` makes the next
//! character literal. Matching is case-sensitive, like the addresses themselves.

/// Whether `text` matches the glob `pattern` (`*`, `?`, `\` escapes; everything else literal).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let pattern = compile(pattern);
    let text: Vec<char> = text.chars().collect();
    // Iterative matching with one backtrack point (the last `*`): linear in practice.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Token::Any) => {
                star = Some((p, t));
                p += 1;
            }
            Some(Token::One) => {
                p += 1;
                t += 1;
            }
            Some(Token::Char(c)) if *c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|token| *token == Token::Any)
}

#[derive(Debug, PartialEq)]
enum Token {
    Any,
    One,
    Char(char),
}

fn compile(pattern: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '*' => Token::Any,
            '?' => Token::One,
            '\\' => Token::Char(chars.next().unwrap_or('\\')),
            other => Token::Char(other),
        });
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    /// `*` spans dots, so a prefix pattern covers every object below it.
    #[test]
    fn star_spans_dots() {
        assert!(glob_match("svc.db.*", "svc.db.schema.table.column"));
        assert!(glob_match("*.customers", "svc.db.shop.customers"));
        assert!(!glob_match("svc.db.*", "svc.other.schema"));
        assert!(glob_match("*", ""));
    }

    /// `?` matches exactly one character and `\` escapes a metacharacter.
    #[test]
    fn question_mark_and_escape() {
        assert!(glob_match("t?", "t1"));
        assert!(!glob_match("t?", "t12"));
        assert!(glob_match(r"a\*b", "a*b"));
        assert!(!glob_match(r"a\*b", "axb"));
        assert!(glob_match("a\\", "a\\"));
    }

    /// Literal patterns match only themselves, case-sensitively.
    #[test]
    fn literal_and_case() {
        assert!(glob_match("svc.db", "svc.db"));
        assert!(!glob_match("svc.db", "SVC.DB"));
        assert!(!glob_match("svc.db", "svc.db2"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
    }
}
