//! `file`: writes each message as an `.eml` file into a folder (Django's
//! filebased backend). Files are private (0600): they hold one-time codes.

use std::fs::DirBuilder;
use std::io::Write;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;

use rand::RngExt;

use super::{EmailBackend, Message};
use crate::error::{Error, Result};
use crate::output_file::{Existing, OutputFile};

#[derive(Debug, Clone)]
pub struct FileBackend {
    dir: PathBuf,
}

impl FileBackend {
    pub fn new(dir: PathBuf) -> Self {
        FileBackend { dir }
    }
}

impl EmailBackend for FileBackend {
    fn send(&self, message: &Message) -> Result<()> {
        let text = message.formatted()?;
        let failed = |e: std::io::Error| {
            Error::Delivery(format!(
                "cannot write the message into {}: {e}",
                self.dir.display()
            ))
        };
        if !self.dir.exists() {
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&self.dir)
                .map_err(failed)?;
        }
        let suffix: u32 = rand::rng().random();
        let name = format!(
            "{}-{suffix:08x}.eml",
            message.date.strftime("%Y%m%d-%H%M%S")
        );
        // Through the shared helper: a name that appeared meanwhile is never replaced.
        let target = self.dir.join(name);
        let io_failed = |e: Error| Error::Delivery(format!("cannot write the message: {e}"));
        let mut out = OutputFile::create(&target, Existing::Refuse, &[]).map_err(io_failed)?;
        out.file_mut().write_all(&text).map_err(failed)?;
        out.commit().map_err(io_failed)
    }

    fn describe(&self) -> String {
        format!("a file in {}", self.dir.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn each_message_is_one_private_eml_file() {
        let dir = tempfile::tempdir().unwrap();
        let backend = FileBackend::new(dir.path().join("outbox"));
        let date = "2026-01-02T03:04:05Z".parse().unwrap();
        for _ in 0..2 {
            let message = Message::new("a@example.com", "b@example.com", "Hi", "Body\n", date);
            backend.send(&message).unwrap();
        }
        let files: Vec<_> = std::fs::read_dir(dir.path().join("outbox"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 2);
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            assert!(name.starts_with("20260102-030405-") && name.ends_with(".eml"));
            assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, 0o600);
            assert!(
                std::fs::read_to_string(&file)
                    .unwrap()
                    .contains("Subject: Hi")
            );
        }
    }
}
