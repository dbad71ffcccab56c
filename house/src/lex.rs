//! A Rust lexer just deep enough for the checks. Comments vanish and string literals become
//! opaque tokens, so a `crate::x` in a doc comment or an error message is never taken for an
//! import, while `#[path = "…"]` can still be read.

/// One token of Rust source, as far as the checks care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// An identifier or keyword (`r#type` is `type`).
    Ident(String),
    /// `::`
    PathSep,
    /// `->`, which ends a column name in `diesel::table!`.
    Arrow,
    /// A string literal's contents, escapes left as written.
    Str(String),
    /// Any other punctuation character.
    Punct(char),
    /// A number, a char literal or a lifetime: nothing a check looks at.
    Other,
}

impl Token {
    /// Whether this is the identifier `name`.
    pub fn is_ident(&self, name: &str) -> bool {
        matches!(self, Token::Ident(ident) if ident == name)
    }

    /// Whether this is the punctuation character `c`.
    pub fn is_punct(&self, c: char) -> bool {
        *self == Token::Punct(c)
    }
}

/// Splits `text` into tokens, leaving out whitespace and comments.
pub fn lex(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i = skip_block_comment(&chars, i);
        } else if c == '"' {
            let (contents, end) = read_quoted(&chars, i + 1);
            tokens.push(Token::Str(contents));
            i = end;
        } else if c == '\'' {
            tokens.push(Token::Other);
            i = skip_char_or_lifetime(&chars, i);
        } else if is_ident_start(c) {
            let start = i;
            while i < chars.len() && is_ident_continue(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let (token, end) = after_word(&chars, word, i);
            tokens.push(token);
            i = end;
        } else if c.is_ascii_digit() {
            while i < chars.len() && is_ident_continue(chars[i]) {
                i += 1;
            }
            tokens.push(Token::Other);
        } else if c == ':' && next == Some(':') {
            tokens.push(Token::PathSep);
            i += 2;
        } else if c == '-' && next == Some('>') {
            tokens.push(Token::Arrow);
            i += 2;
        } else {
            tokens.push(Token::Punct(c));
            i += 1;
        }
    }
    tokens
}

/// The token a word starting at `word_end - word.len()` makes: a plain identifier, or the prefix
/// of a literal (`r"…"`, `br#"…"#`, `b"…"`, `c"…"`, `b'x'`) or a raw identifier (`r#type`).
fn after_word(chars: &[char], word: String, word_end: usize) -> (Token, usize) {
    let next = chars.get(word_end).copied();
    let raw_prefix = matches!(word.as_str(), "r" | "br" | "cr");
    if raw_prefix && matches!(next, Some('"' | '#')) {
        let hashes = chars[word_end..].iter().take_while(|&&c| c == '#').count();
        if chars.get(word_end + hashes) == Some(&'"') {
            return read_raw(chars, word_end + hashes + 1, hashes);
        }
        if word == "r" && hashes == 1 && chars.get(word_end + 1).is_some_and(|&c| is_ident_start(c))
        {
            let start = word_end + 1;
            let end = start + chars[start..].iter().take_while(|&&c| is_ident_continue(c)).count();
            return (Token::Ident(chars[start..end].iter().collect()), end);
        }
    }
    match (word.as_str(), next) {
        ("b" | "c", Some('"')) => {
            let (contents, end) = read_quoted(chars, word_end + 1);
            (Token::Str(contents), end)
        }
        ("b", Some('\'')) => (Token::Other, skip_char_or_lifetime(chars, word_end)),
        _ => (Token::Ident(word), word_end),
    }
}

/// Reads a `"…"` literal whose contents start at `start`; returns them and the index after the
/// closing quote.
fn read_quoted(chars: &[char], start: usize) -> (String, usize) {
    let mut i = start;
    while i < chars.len() && chars[i] != '"' {
        i += if chars[i] == '\\' { 2 } else { 1 };
    }
    let end = i.min(chars.len());
    (chars[start..end].iter().collect(), end + 1)
}

/// Reads a raw string whose contents start at `start` and end at `"` followed by `hashes` `#`.
fn read_raw(chars: &[char], start: usize, hashes: usize) -> (Token, usize) {
    let mut i = start;
    while i < chars.len() {
        let closes = chars[i] == '"'
            && chars[i + 1..].iter().take(hashes).filter(|&&c| c == '#').count() == hashes;
        if closes {
            return (Token::Str(chars[start..i].iter().collect()), i + 1 + hashes);
        }
        i += 1;
    }
    (Token::Str(chars[start..].iter().collect()), chars.len())
}

/// Skips a char literal (`'x'`, `'\n'`, `'\u{1F600}'`) or a lifetime (`'a`) starting at the
/// quote at `start`.
fn skip_char_or_lifetime(chars: &[char], start: usize) -> usize {
    let mut i = start + 1;
    if chars.get(i) == Some(&'\\') {
        i += 2;
        while i < chars.len() && chars[i] != '\'' {
            i += 1;
        }
        return i + 1;
    }
    if chars.get(i + 1) == Some(&'\'') {
        return i + 2;
    }
    while i < chars.len() && is_ident_continue(chars[i]) {
        i += 1;
    }
    i
}

/// Skips a block comment, nested ones included, starting at the `/` of `/*`.
fn skip_block_comment(chars: &[char], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1)) {
            ('/', Some('*')) => {
                depth += 1;
                i += 2;
            }
            ('*', Some('/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    i
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idents(text: &str) -> Vec<String> {
        lex(text)
            .into_iter()
            .filter_map(|token| match token {
                Token::Ident(name) => Some(name),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn comments_and_strings_hide_their_words() {
        let text = r###"
            /// crate::doc
            //! crate::inner
            /* crate::block /* nested crate::deeper */ still crate::comment */
            let a = "crate::string \" crate::escaped";
            let b = r#"crate::raw " crate::still_raw"#;
            let c = b"crate::bytes";
            let d = 'x';
            let e = '\'';
            fn f<'a>(x: &'a str) {}
            let r#type = 1;
        "###;
        assert_eq!(
            idents(text),
            ["let", "a", "let", "b", "let", "c", "let", "d", "let", "e", "fn", "f", "x", "str"]
                .into_iter()
                .chain(["let", "type"])
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn paths_and_arrows_are_single_tokens() {
        assert_eq!(
            lex("a::b -> c"),
            [
                Token::Ident("a".into()),
                Token::PathSep,
                Token::Ident("b".into()),
                Token::Arrow,
                Token::Ident("c".into())
            ]
        );
    }

    #[test]
    fn string_contents_are_kept() {
        assert_eq!(lex(r#"#[path = "x_tests.rs"]"#)[4], Token::Str("x_tests.rs".into()));
    }
}
