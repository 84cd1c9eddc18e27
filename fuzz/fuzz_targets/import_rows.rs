//! Import input of any bytes, in each format, gives a summary or a clear error
//! through the real pipeline (dry run on a scratch database), never a panic.
#![no_main]

use std::sync::{Arc, LazyLock, Mutex};

use libfuzzer_sys::fuzz_target;
use userdb::clock::SystemClock;
use userdb::config::Settings;
use userdb::manager::Validation;
use userdb::password::Argon2Params;
use userdb::provisioning::{Format, ImportInput, ImportOptions, NoProgress, OnConflict};
use userdb::storage::SqliteStore;
use userdb::UserManager;

static MANAGER: LazyLock<Mutex<UserManager<SqliteStore>>> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join(format!("userdb-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let store = SqliteStore::open(&dir.join("fuzz.sqlite3"), std::time::Duration::from_secs(5))
        .expect("scratch database");
    let mut settings = Settings::default().password;
    settings.argon2 = Argon2Params { memory_cost: 8, time_cost: 1, parallelism: 1 };
    Mutex::new(UserManager::new(store, &settings, Arc::new(SystemClock), "fuzz").expect("manager"))
});

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let format = match selector % 3 {
        0 => Format::Csv,
        1 => Format::Jsonl,
        _ => Format::Django,
    };
    let options = ImportOptions {
        format,
        on_conflict: OnConflict::Fail,
        dry_run: true,
        validation: Validation::Skip,
        jobs: 1,
        source: "fuzz".into(),
        protect_last_superuser: true,
    };
    let input = ImportInput::Reader(Box::new(std::io::Cursor::new(body.to_vec())));
    let mut manager = MANAGER.lock().expect("one fuzz thread");
    let _ = manager.import_users(input, &options, &mut NoProgress);
});
