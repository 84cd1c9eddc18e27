//! CSV with a header.

use std::io::{self, Read};

use super::super::spreadsheet::unescape_cell;
use super::row::{Parsed, ParsedRow, READ_ONLY_COLUMNS, import_column, known_columns, shown};
use super::{LineTooLong, MAX_RECORD_BYTES, ReadError, Record, utf8};
use crate::fields::FieldSet;
use crate::user::ColumnKey;

/// How much the csv reader reads ahead of the record it is parsing.
const CSV_BUFFER: usize = 8 * 1024;

/// Fails the read as soon as one record (not one physical line: a quoted field
/// can span many) has taken more than [`MAX_RECORD_BYTES`] and the reader's
/// buffer, so that the csv reader never holds more.
struct LineLimit<R> {
    inner: R,
    /// Where the record being parsed starts (set after each record).
    record_start: u64,
    /// Byte offsets of the newlines read and not yet passed by [`Self::line_at`].
    newlines: std::collections::VecDeque<u64>,
    offset: u64,
    lines_before: u64,
}

impl<R> LineLimit<R> {
    pub(super) fn new(inner: R) -> Self {
        LineLimit {
            inner,
            record_start: 0,
            newlines: std::collections::VecDeque::new(),
            offset: 0,
            lines_before: 0,
        }
    }

    /// The 1-based line of the byte at `offset`; offsets must not go backwards.
    /// (The csv reader's own line count skips blank lines.)
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.newlines.front().is_some_and(|&nl| nl < offset) {
            self.newlines.pop_front();
            self.lines_before += 1;
        }
        self.lines_before + 1
    }
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' {
                self.newlines.push_back(self.offset + i as u64);
            }
        }
        self.offset += n as u64;
        if self.offset - self.record_start > (MAX_RECORD_BYTES + CSV_BUFFER) as u64 {
            let line = self.line_at(self.record_start);
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                LineTooLong(line),
            ));
        }
        Ok(n)
    }
}

/// A CSV record over the cap, from its first line.
fn too_long(line: u64) -> ReadError {
    ReadError::Broken {
        line,
        reason: format!(
            "longer than {} KiB (a record, counting every line of its quoted fields; \
             a quote left open?); is this a CSV file of users?",
            MAX_RECORD_BYTES / 1024
        ),
    }
}

/// A column of a CSV header: a built-in one or a custom field (its index in the
/// [`FieldSet`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Column(ColumnKey),
    Field(usize),
    /// One of [`READ_ONLY_COLUMNS`].
    ReadOnly(&'static str),
}

pub(super) struct CsvRecords<'a, R> {
    reader: csv::Reader<LineLimit<R>>,
    columns: Option<Vec<Slot>>,
    record: csv::ByteRecord,
    done: bool,
    fields: &'a FieldSet,
}

impl<'a, R: Read> CsvRecords<'a, R> {
    pub(super) fn new(input: R, fields: &'a FieldSet) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(CSV_BUFFER)
            .from_reader(LineLimit::new(input));
        CsvRecords {
            reader,
            columns: None,
            record: csv::ByteRecord::new(),
            done: false,
            fields,
        }
    }

    fn read(&mut self) -> Result<bool, ReadError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(more) => {
                // The reader stops within a buffer of the cap; this makes
                // the cap exact.
                let end = self.reader.position().byte();
                let limit = self.reader.get_mut();
                let start = limit.record_start;
                limit.record_start = end;
                if end - start > MAX_RECORD_BYTES as u64 {
                    return Err(too_long(limit.line_at(start)));
                }
                Ok(more)
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                match e.into_kind() {
                    csv::ErrorKind::Io(io) => {
                        match io.get_ref().and_then(|e| e.downcast_ref::<LineTooLong>()) {
                            Some(long) => Err(too_long(long.0)),
                            None => Err(ReadError::Io(io)),
                        }
                    }
                    other => Err(ReadError::Broken {
                        line,
                        reason: format!("malformed CSV: {other:?}"),
                    }),
                }
            }
        }
    }

    fn header(&mut self) -> Result<Vec<Slot>, ReadError> {
        let broken = |reason: String| ReadError::Broken { line: 1, reason };
        if !self.read()? {
            return Err(broken(
                "the file is empty; a CSV import starts with a header line naming the columns"
                    .into(),
            ));
        }
        let mut columns = Vec::new();
        for (i, field) in self.record.iter().enumerate() {
            let field = if i == 0 {
                field.strip_prefix(b"\xef\xbb\xbf").unwrap_or(field)
            } else {
                field
            };
            let name = std::str::from_utf8(field)
                .map_err(|_| {
                    broken("the header is not valid UTF-8; save the file as UTF-8".into())
                })?
                .trim();
            let column = import_column(name)
                .map(Slot::Column)
                .or_else(|| {
                    self.fields
                        .iter()
                        .position(|f| f.name == name)
                        .map(Slot::Field)
                })
                .or_else(|| {
                    READ_ONLY_COLUMNS
                        .iter()
                        .find(|c| **c == name)
                        .map(|c| Slot::ReadOnly(c))
                })
                .ok_or_else(|| {
                    broken(format!(
                        "unknown column {:?} in the header (columns: {})",
                        shown(name),
                        known_columns(self.fields)
                    ))
                })?;
            if columns.contains(&column) {
                return Err(broken(format!(
                    "column {name:?} appears twice in the header"
                )));
            }
            columns.push(column);
        }
        if !columns.contains(&Slot::Column(ColumnKey::Email)) {
            return Err(broken(
                "the header has no email column (the one required column)".into(),
            ));
        }
        Ok(columns)
    }

    fn row(&self, columns: &[Slot]) -> Result<ParsedRow, String> {
        if self.record.len() != columns.len() {
            return Err(format!(
                "has {} field(s) but the header has {}",
                self.record.len(),
                columns.len()
            ));
        }
        let mut row = ParsedRow::default();
        for (slot, field) in columns.iter().zip(self.record.iter()) {
            let cell = utf8(field)?;
            match *slot {
                // Passwords, hashes and URIs are taken as they are: export never
                // escapes a hash, and a password starting with ' is a password.
                Slot::Column(
                    column @ (ColumnKey::Password | ColumnKey::PasswordHash | ColumnKey::TotpUri),
                ) => row.set_text(column, cell)?,
                Slot::Column(column) => row.set_text(column, unescape_cell(cell))?,
                Slot::ReadOnly(_) => {}
                Slot::Field(index) => {
                    if let Some(spec) = self.fields.iter().nth(index) {
                        let value = spec
                            .parse_optional(unescape_cell(cell))
                            .map_err(|reason| format!("{}: {reason}", spec.name))?;
                        row.fields.push((index, value));
                    }
                }
            }
        }
        Ok(row)
    }
}

impl<R: Read> Iterator for CsvRecords<'_, R> {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let step = (|| {
            let columns = match self.columns.take() {
                Some(c) => c,
                None => self.header()?,
            };
            let more = self.read();
            let result = match more {
                Ok(true) => {
                    // The line the record ends on, less the newlines inside its
                    // quoted fields (csv's own line count skips blank lines).
                    let end = self.reader.position().byte().saturating_sub(1);
                    let inside = self
                        .record
                        .iter()
                        .flatten()
                        .filter(|&&b| b == b'\n')
                        .count();
                    let line = self.reader.get_mut().line_at(end) - inside as u64;
                    // A blank line (one empty field) is not a record.
                    let blank = self.record.len() == 1 && self.record[0].is_empty();
                    let plain = [ColumnKey::Password, ColumnKey::TotpUri]
                        .iter()
                        .any(|c| columns.contains(&Slot::Column(*c)));
                    Ok(Some((line, (!blank).then(|| (self.row(&columns), plain)))))
                }
                Ok(false) => Ok(None),
                Err(e) => Err(e),
            };
            self.columns = Some(columns);
            result
        })();
        match step {
            Ok(Some((line, Some((row, plain))))) => Some(Ok(Record {
                line,
                row: row.map(Parsed::User),
                plain,
            })),
            Ok(Some((_, None))) => self.next(),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::all;
    use super::super::{COLUMNS, Format};
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn csv_rows_carry_their_line_and_empty_cells_are_not_given() {
        let text = "email,first_name,is_staff,password\n\
                    a@example.com,Ada,true,secret one\n\
                    \n\
                    \"b@example.com\",\"multi\nline\",,\n\
                    c@example.com,,maybe,\n";
        let rows = all(Format::Csv, text);
        assert_eq!(rows.len(), 3);
        let (line, row) = rows[0].as_ref().unwrap();
        let row = row.as_ref().unwrap();
        assert_eq!(*line, 2);
        assert_eq!(row.email.as_deref(), Some("a@example.com"));
        assert_eq!(row.is_staff, Some(true));
        assert_eq!(row.password.as_ref().unwrap().expose_secret(), "secret one");
        let (line, row) = rows[1].as_ref().unwrap();
        let row = row.as_ref().unwrap();
        assert_eq!(*line, 4);
        assert_eq!(row.first_name.as_deref(), Some("multi\nline"));
        assert_eq!(row.is_staff, None);
        assert!(row.password.is_none());
        let (line, row) = rows[2].as_ref().unwrap();
        assert_eq!(*line, 6);
        assert_eq!(
            row.as_ref().unwrap_err(),
            "is_staff must be true or false, not \"maybe\""
        );
    }

    #[test]
    fn csv_headers_are_checked() {
        let rows = all(Format::Csv, "mail,password\n");
        assert!(
            matches!(&rows[..], [Err(e)] if e.starts_with("1: unknown column \"mail\" in the header (columns: email, "))
        );
        let rows = all(Format::Csv, "email,email\n");
        assert!(matches!(&rows[..], [Err(e)] if e.contains("appears twice")));
        let rows = all(Format::Csv, "first_name\nAda\n");
        assert!(matches!(&rows[..], [Err(e)] if e.contains("no email column")));
        let rows = all(Format::Csv, "");
        assert!(matches!(&rows[..], [Err(e)] if e.contains("the file is empty")));
        let rows = all(Format::Csv, "\u{feff}email\nx@example.com\n");
        assert!(rows[0].is_ok());
    }

    #[test]
    fn the_read_only_columns_of_list_users_are_accepted_and_ignored() {
        let extra: Vec<&str> = crate::user::FIELD_NAMES
            .into_iter()
            .filter(|c| !COLUMNS.contains(c))
            .collect();
        assert_eq!(extra, READ_ONLY_COLUMNS);
        let rows = all(
            Format::Csv,
            "id,email,has_usable_password\n7,ada@example.com,false\n",
        );
        let [Ok((2, Ok(row)))] = &rows[..] else {
            panic!("{rows:?}")
        };
        assert_eq!(row.email.as_deref(), Some("ada@example.com"));
        assert!(row.password.is_none() && row.password_hash.is_none());
    }

    #[test]
    fn csv_text_cells_lose_the_formula_prefix_and_passwords_keep_theirs() {
        let rows = all(
            Format::Csv,
            "email,first_name,password\n'-ada@example.com,'=1+2,'=secret\n",
        );
        let [Ok((2, Ok(row)))] = &rows[..] else {
            panic!("{rows:?}")
        };
        assert_eq!(row.email.as_deref(), Some("-ada@example.com"));
        assert_eq!(row.first_name.as_deref(), Some("=1+2"));
        assert_eq!(
            row.password.as_ref().map(|p| p.expose_secret()),
            Some("'=secret")
        );
    }

    #[test]
    fn a_huge_csv_line_stops_the_read_with_its_line_number() {
        let text = format!(
            "email\na@example.com\n{}\n",
            "x".repeat(MAX_RECORD_BYTES + 1)
        );
        let rows = all(Format::Csv, &text);
        assert!(rows[0].is_ok());
        assert!(
            matches!(&rows[1], Err(e) if e.starts_with("3: longer than 64 KiB")),
            "{:?}",
            rows[1].as_ref().err()
        );
    }

    #[test]
    fn a_quoted_field_over_many_short_lines_is_capped_as_one_record() {
        let text = format!(
            "email,first_name\na@example.com,\"{}\"\nb@example.com,B\n",
            "x\n".repeat(MAX_RECORD_BYTES)
        );
        let rows = all(Format::Csv, &text);
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert!(
            matches!(&rows[0], Err(e) if e.starts_with("2: longer than 64 KiB (a record")),
            "{rows:?}"
        );
        // Just under the cap, the same record is read whole.
        let fits = format!(
            "email,first_name\na@example.com,\"{}\"\n",
            "x\n".repeat(MAX_RECORD_BYTES / 2 - 20)
        );
        assert!(all(Format::Csv, &fits)[0].is_ok());
    }
}
