//! A quick reader for the plain shape nearly every apply file has: `[[users]]`
//! and `[[groups]]` headers, each followed by `key = value` lines whose values
//! are strings, booleans or arrays of strings. It reads `toml_parser`'s events
//! (the same lexer and grammar the `toml` crate uses) straight into tables,
//! without the `toml` crate's document tree, which took most of a large
//! apply's time. Anything else (another value type, a dotted key, a repeated
//! key, a syntax error) gives `None`, and the caller parses that text with the
//! full parser, which also words the errors: the quick reader never decides
//! that a text is wrong.

use std::borrow::Cow;

use toml_parser::decoder::{Encoding, ScalarKind};
use toml_parser::lexer::Token;
use toml_parser::parser::{EventReceiver, ValidateWhitespace, parse_document};
use toml_parser::{ErrorSink, ParseError, Raw, Source, Span};

/// Which array of tables a header opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Users,
    Groups,
}

/// A value of the plain shape.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'s> {
    Text(Cow<'s, str>),
    Bool(bool),
    Texts(Vec<Cow<'s, str>>),
}

/// One `[[users]]` or `[[groups]]` table: where its header starts (a byte
/// offset in the text read) and its pairs in order, each key once.
#[derive(Debug, Clone, PartialEq)]
pub struct Table<'s> {
    pub kind: Kind,
    pub start: usize,
    pub pairs: Vec<(Cow<'s, str>, Value<'s>)>,
}

/// The tables of `text` when it has only the plain shape; `None` otherwise.
/// `tokens` is scratch space, reused from call to call.
pub fn read<'s>(text: &'s str, tokens: &mut Vec<Token>) -> Option<Vec<Table<'s>>> {
    let source = Source::new(text);
    tokens.clear();
    tokens.extend(source.lex());
    let mut reader = Reader {
        source,
        tables: Vec::new(),
        state: State::Top,
        key: None,
        array: Vec::new(),
        failed: false,
    };
    let mut failed = Failed(false);
    {
        let mut checked = ValidateWhitespace::new(&mut reader, source);
        parse_document(tokens, &mut checked, &mut failed);
    }
    let clean = !failed.0 && !reader.failed && reader.key.is_none();
    match reader.state {
        State::InTable if clean => Some(reader.tables),
        // Only blank lines and comments.
        State::Top if clean => Some(Vec::new()),
        // Also a text that ends inside a header or before a value (the
        // parser reports those too; this makes sure).
        _ => None,
    }
}

/// Whether the parser reported any error.
struct Failed(bool);

impl ErrorSink for Failed {
    fn report_error(&mut self, _error: ParseError) {
        self.0 = true;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first header: only blank lines and comments.
    Top,
    /// Inside `[[`, before its name.
    HeaderOpen,
    /// After the header's name, before `]]`.
    HeaderNamed(Kind),
    /// Inside a table, between pairs.
    InTable,
    /// After `key =`.
    Value,
    /// Inside `key = [`.
    Array,
}

struct Reader<'s> {
    source: Source<'s>,
    tables: Vec<Table<'s>>,
    state: State,
    /// The key whose value comes next.
    key: Option<Cow<'s, str>>,
    /// The items of the array being read.
    array: Vec<Cow<'s, str>>,
    failed: bool,
}

impl<'s> Reader<'s> {
    fn raw(&self, span: Span, encoding: Option<Encoding>) -> Option<Raw<'s>> {
        let text = self.source.input().get(span.start()..span.end())?;
        Some(Raw::new_unchecked(text, encoding, span))
    }

    /// The decoded text of a key, or `None` when it does not decode cleanly.
    fn key_text(&self, span: Span, encoding: Option<Encoding>) -> Option<Cow<'s, str>> {
        let raw = self.raw(span, encoding)?;
        let mut out = Cow::Borrowed("");
        let mut failed = Failed(false);
        raw.decode_key(&mut out, &mut failed);
        (!failed.0).then_some(out)
    }

    /// A scalar as a value of the plain shape, or `None`.
    fn scalar_value(&self, span: Span, encoding: Option<Encoding>) -> Option<Value<'s>> {
        let raw = self.raw(span, encoding)?;
        let mut out = Cow::Borrowed("");
        let mut failed = Failed(false);
        let kind = raw.decode_scalar(&mut out, &mut failed);
        if failed.0 {
            return None;
        }
        match (kind, encoding) {
            (ScalarKind::String, Some(Encoding::BasicString | Encoding::LiteralString)) => {
                Some(Value::Text(out))
            }
            (ScalarKind::Boolean(value), None) => Some(Value::Bool(value)),
            _ => None,
        }
    }

    fn fail(&mut self) {
        self.failed = true;
    }

    /// Adds `value` to the current table under the pending key.
    fn finish_pair(&mut self, value: Value<'s>) {
        let (Some(key), Some(table)) = (self.key.take(), self.tables.last_mut()) else {
            return self.fail();
        };
        if table.pairs.iter().any(|(k, _)| *k == key) {
            return self.fail();
        }
        table.pairs.push((key, value));
        self.state = State::InTable;
    }
}

impl EventReceiver for Reader<'_> {
    fn std_table_open(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.fail();
    }

    fn array_table_open(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        match self.state {
            State::Top | State::InTable => {
                self.tables.push(Table {
                    kind: Kind::Users,
                    start: span.start(),
                    pairs: Vec::new(),
                });
                self.state = State::HeaderOpen;
            }
            _ => self.fail(),
        }
    }

    fn array_table_close(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        match (self.state, self.tables.last_mut()) {
            (State::HeaderNamed(kind), Some(table)) => {
                table.kind = kind;
                self.state = State::InTable;
            }
            _ => self.fail(),
        }
    }

    fn inline_table_open(&mut self, _span: Span, _error: &mut dyn ErrorSink) -> bool {
        self.fail();
        false
    }

    fn array_open(&mut self, _span: Span, _error: &mut dyn ErrorSink) -> bool {
        if self.state != State::Value {
            self.fail();
            return false;
        }
        self.state = State::Array;
        self.array.clear();
        true
    }

    fn array_close(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        if self.state != State::Array {
            return self.fail();
        }
        let items = std::mem::take(&mut self.array);
        self.finish_pair(Value::Texts(items));
    }

    fn simple_key(&mut self, span: Span, encoding: Option<Encoding>, _error: &mut dyn ErrorSink) {
        match self.state {
            State::HeaderOpen => {
                let kind = match (encoding, self.key_text(span, encoding).as_deref()) {
                    (None, Some("users")) => Kind::Users,
                    (None, Some("groups")) => Kind::Groups,
                    _ => return self.fail(),
                };
                self.state = State::HeaderNamed(kind);
            }
            State::InTable if self.key.is_none() => match self.key_text(span, encoding) {
                Some(key) => self.key = Some(key),
                None => self.fail(),
            },
            _ => self.fail(),
        }
    }

    fn key_sep(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        // A dotted key: a nested table.
        self.fail();
    }

    fn key_val_sep(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        if self.state == State::InTable && self.key.is_some() {
            self.state = State::Value;
        } else {
            self.fail();
        }
    }

    fn scalar(&mut self, span: Span, encoding: Option<Encoding>, _error: &mut dyn ErrorSink) {
        match (self.state, self.scalar_value(span, encoding)) {
            (State::Value, Some(value)) => self.finish_pair(value),
            (State::Array, Some(Value::Text(text))) => self.array.push(text),
            _ => self.fail(),
        }
    }

    fn value_sep(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        if self.state != State::Array {
            self.fail();
        }
    }

    fn error(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.fail();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(text: &str) -> Option<Vec<Table<'_>>> {
        read(text, &mut Vec::new())
    }

    #[test]
    fn the_plain_shape_is_read_with_where_each_header_starts() {
        let text = "# users\n\n[[groups]]\nname = 'ops' # a comment\n\
                    permissions = [\"a.b\", 'c.d',\n  # inside\n]\n\
                    [[ users ]]\nemail = \"r\\u00e9@example.com\"\nstaff = true\n\"quoted key\" = false\n";
        let read = tables(text).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].kind, Kind::Groups);
        assert_eq!(&text[read[0].start..read[0].start + 10], "[[groups]]");
        assert_eq!(
            read[0].pairs,
            [
                ("name".into(), Value::Text("ops".into())),
                (
                    "permissions".into(),
                    Value::Texts(vec!["a.b".into(), "c.d".into()])
                ),
            ]
        );
        assert_eq!(read[1].kind, Kind::Users);
        assert!(text[read[1].start..].starts_with("[[ users ]]"));
        assert_eq!(
            read[1].pairs,
            [
                ("email".into(), Value::Text("ré@example.com".into())),
                ("staff".into(), Value::Bool(true)),
                ("quoted key".into(), Value::Bool(false)),
            ]
        );
        assert_eq!(tables("\n# nothing but a comment\n"), Some(Vec::new()));
    }

    #[test]
    fn anything_else_is_left_to_the_full_parser() {
        for text in [
            "[[users]]\nemployee_no = 42\n",
            "[[users]]\nborn = 1990-01-01\n",
            "[[users]]\nratio = 1.5\n",
            "[[users]]\nname.first = \"a\"\n",
            "[[users]]\nx = {a = \"b\"}\n",
            "[[users]]\nx = [[\"a\"]]\n",
            "[[users]]\nx = [true]\n",
            "[[users]]\nx = \"\"\"a\"\"\"\n",
            "[[users]]\nx = \"a\"\nx = \"b\"\n",
            "[[users]]\nx = \"a\" y = \"b\"\n",
            "[[users]]\nx = \"\\q\"\n",
            "[[users]]\nx =\n",
            "[[users]\nx = \"a\"\n",
            "[users]\nx = \"a\"\n",
            "[[users.more]]\nx = \"a\"\n",
            "[[\"users\"]]\nx = \"a\"\n",
            "[[people]]\nx = \"a\"\n",
            "x = \"a\"\n[[users]]\n",
            "[[users]]\nx = \"a\" # \u{7}\n",
        ] {
            assert_eq!(tables(text), None, "{text:?}");
        }
    }
}
