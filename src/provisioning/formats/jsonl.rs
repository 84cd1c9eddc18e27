//! JSON Lines: one user or group per line.

use std::io::{self, BufRead, BufReader, Read};

use serde_json::{Map, Value};

use super::row::{
    GROUP_KEY, GROUP_KEYS, Parsed, ParsedGroup, ParsedRow, import_column, json_strings, json_type,
    known_columns, permissions, set_json_field, shown, without_position,
};
use super::{MAX_RECORD_BYTES, ReadError, Record, utf8};
use crate::access::clean_group_name;
use crate::fields::FieldSet;
use crate::user::ColumnKey;

pub(super) struct JsonlRecords<'a, R> {
    input: BufReader<R>,
    line: u64,
    buf: Vec<u8>,
    fields: &'a FieldSet,
}

impl<'a, R: Read> JsonlRecords<'a, R> {
    pub(super) fn new(input: R, fields: &'a FieldSet) -> Self {
        JsonlRecords {
            input: BufReader::new(input),
            line: 0,
            buf: Vec::new(),
            fields,
        }
    }

    /// Reads one line of at most [`MAX_RECORD_BYTES`]; a longer one is skipped to
    /// its end. `Ok(None)` at the end of the input.
    fn read_line(&mut self) -> io::Result<Option<bool>> {
        self.buf.clear();
        let limit = MAX_RECORD_BYTES as u64 + 1;
        let n = (&mut self.input)
            .take(limit)
            .read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        if self.buf.last() == Some(&b'\n') || self.buf.len() <= MAX_RECORD_BYTES {
            return Ok(Some(true));
        }
        // Too long: drop the rest of the line without keeping it.
        loop {
            let chunk = self.input.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.input.consume(i + 1);
                    break;
                }
                None => {
                    let len = chunk.len();
                    self.input.consume(len);
                }
            }
        }
        Ok(Some(false))
    }
}

impl<R: Read> Iterator for JsonlRecords<'_, R> {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let fits = match self.read_line() {
                Ok(None) => return None,
                Ok(Some(fits)) => fits,
                Err(e) => return Some(Err(ReadError::Io(e))),
            };
            let line = self.line;
            if !fits {
                let reason = format!("longer than {} KiB", MAX_RECORD_BYTES / 1024);
                return Some(Ok(Record {
                    line,
                    row: Err(reason),
                    plain: false,
                }));
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let mut plain = false;
            let row = utf8(&self.buf).and_then(|text| {
                let map: Map<String, Value> = serde_json::from_str(text)
                    .map_err(|e| format!("not a JSON object: {}", without_position(&e)))?;
                plain = [ColumnKey::Password, ColumnKey::TotpUri]
                    .iter()
                    .any(|c| map.contains_key(c.name()));
                // A record without an email that names a group defines it (a
                // custom field may be called `group`: a user always has an email).
                if map.contains_key(GROUP_KEY) && !map.contains_key(ColumnKey::Email.name()) {
                    return jsonl_group(&map).map(Parsed::Group);
                }
                row_from_map(&map, self.fields).map(Parsed::User)
            });
            return Some(Ok(Record { line, row, plain }));
        }
    }
}

/// A group record of JSON Lines, as export writes them before the users:
/// `{"group": "editors", "permissions": ["blog.add_post"]}`.
fn jsonl_group(map: &Map<String, Value>) -> Result<ParsedGroup, String> {
    let mut name = None;
    let mut permissions = Vec::new();
    for (key, value) in map {
        match key.as_str() {
            GROUP_KEY => match value {
                Value::String(text) => {
                    name = Some(clean_group_name(text).map_err(|e| format!("group: {e}"))?)
                }
                other => {
                    return Err(format!(
                        "group must be a string (the group's name), not {}",
                        json_type(other)
                    ));
                }
            },
            "permissions" => {
                let texts = json_strings(key, value)?.unwrap_or_default();
                permissions = self::permissions(key, texts)?;
            }
            other => {
                return Err(format!(
                    "unknown field {:?} of a group record (fields: {})",
                    shown(other),
                    GROUP_KEYS.join(", ")
                ));
            }
        }
    }
    Ok(ParsedGroup {
        pk: None,
        name: name.ok_or("a group record without a name")?,
        permissions,
        models: Vec::new(),
    })
}

fn row_from_map(map: &Map<String, Value>, fields: &FieldSet) -> Result<ParsedRow, String> {
    let mut row = ParsedRow::default();
    for (key, value) in map {
        if let Some(column) = import_column(key) {
            row.set_json(column, value)?;
        } else if !set_json_field(&mut row, fields, key, value)? {
            return Err(format!(
                "unknown field {:?} (fields: {})",
                shown(key),
                known_columns(fields)
            ));
        }
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::tests::all;
    use super::*;

    #[test]
    fn jsonl_rows_are_typed_and_unknown_keys_refused() {
        let text = format!(
            "{}\n\n{}\n{}\nINVALID\n{}\n{}\n",
            r#"{"email": "a@example.com", "is_active": false, "last_login": null}"#,
            r#"{"email": "b@example.com", "is_staff": "yes"}"#,
            r#"{"email": "c@example.com", "pasword": "x"}"#,
            "x".repeat(MAX_RECORD_BYTES + 10),
            r#"[1]"#,
        );
        let (before, after) = text.split_once("INVALID").unwrap();
        let text = [before.as_bytes(), b"\xff", after.as_bytes()].concat();
        let rows = all(Format::Jsonl, &text);
        let reasons: Vec<(u64, String)> = rows
            .into_iter()
            .map(|r| {
                let (line, row) = r.unwrap();
                (line, row.err().unwrap_or_default())
            })
            .collect();
        assert_eq!(reasons[0], (1, String::new()));
        assert_eq!(reasons[1].0, 3);
        assert_eq!(reasons[1].1, "is_staff must be true or false, not a string");
        assert!(reasons[2].1.starts_with("unknown field \"pasword\""));
        assert_eq!(reasons[3].0, 5);
        assert!(reasons[3].1.starts_with("not valid UTF-8"));
        assert_eq!(reasons[4], (6, "longer than 64 KiB".to_string()));
        assert_eq!(reasons[5].0, 7);
        assert!(reasons[5].1.starts_with("not a JSON object"));
    }
}
