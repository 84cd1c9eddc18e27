//! `memory`: keeps every message in memory (Django's locmem backend), for tests
//! and for a service that renders codes itself.

use std::sync::{Arc, Mutex};

use super::{EmailBackend, Message};
use crate::error::Result;

/// Clones share one outbox.
#[derive(Debug, Clone, Default)]
pub struct MemoryBackend {
    outbox: Arc<Mutex<Vec<Message>>>,
}

impl MemoryBackend {
    /// The messages sent so far, oldest first.
    pub fn messages(&self) -> Vec<Message> {
        self.outbox.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

impl EmailBackend for MemoryBackend {
    fn send(&self, message: &Message) -> Result<()> {
        if let Ok(mut outbox) = self.outbox.lock() {
            outbox.push(message.clone());
        }
        Ok(())
    }

    fn describe(&self) -> String {
        "memory".to_string()
    }
}
