//! Import input of any bytes, in each format (or the one guessed from its first
//! bytes), with custom fields of every type declared, gives a summary or a
//! clear error through the real pipeline (dry run on a scratch database that
//! holds one user, so conflicts are reached too), never a panic. The scratch
//! database is removed when the run ends.
#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use userdb::clock::SystemClock;
use userdb::config::Settings;
use userdb::manager::Validation;
use userdb::password::Argon2Params;
use userdb::provisioning::{Format, ImportInput, ImportOptions, NoProgress, OnConflict};
use userdb::storage::SqliteStore;
use userdb::{NewUser, UserManager};

const FIELDS: &str = "[fields.team]\ntype = \"choice\"\nchoices = [\"Ops\", \"R&D\"]\n\
    [fields.badge]\ntype = \"integer\"\nunique = true\n\
    [fields.remote]\ntype = \"boolean\"\ndefault = false\n\
    [fields.since]\ntype = \"date\"\n\
    [fields.nick]\ntype = \"text\"\nmax_length = 12\nrequired = true\ndefault = \"x\"\n";

/// The scratch directory, removed at exit: libFuzzer ends a run with `exit`,
/// which runs `atexit` hooks but no destructor of a static.
static SCRATCH: OnceLock<PathBuf> = OnceLock::new();

extern "C" fn remove_scratch() {
    if let Some(dir) = SCRATCH.get() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

static MANAGER: LazyLock<Mutex<UserManager<SqliteStore>>> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join(format!("userdb-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    SCRATCH.set(dir.clone()).expect("set once");
    // SAFETY: registers a plain function with no arguments, as atexit expects.
    unsafe { libc::atexit(remove_scratch) };
    let path = dir.join("fuzz.sqlite3");
    let _ = std::fs::remove_file(&path);
    let store =
        SqliteStore::open(&path, std::time::Duration::from_secs(5)).expect("scratch database");
    let settings = Settings::from_toml(FIELDS, "fuzz.toml").expect("fuzz fields");
    let mut password = settings.password;
    password.argon2 = Argon2Params {
        memory_cost: 8,
        time_cost: 1,
        parallelism: 1,
    };
    let mut manager =
        UserManager::new(store, &password, Arc::new(SystemClock), "fuzz").expect("manager");
    manager.set_fields(settings.fields);
    let mut ada = NewUser::new("ada@example.com");
    ada.is_superuser = Some(true);
    ada.is_staff = Some(true);
    ada.fields = vec![("badge".into(), "1".into())];
    manager
        .create_user(ada, None, Validation::Skip)
        .expect("the one stored user");
    Mutex::new(manager)
});

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let format = match selector & 3 {
        0 => Format::Csv,
        1 => Format::Jsonl,
        2 => Format::Django,
        _ => Format::guess(body).unwrap_or(Format::Csv),
    };
    let on_conflict = match (selector >> 2) & 3 {
        0 => OnConflict::Skip,
        1 => OnConflict::Update,
        _ => OnConflict::Fail,
    };
    let validation = if selector & 16 == 0 {
        Validation::Skip
    } else {
        Validation::Enforce
    };
    let options = ImportOptions {
        format,
        on_conflict,
        dry_run: true,
        validation,
        jobs: 1,
        source: "fuzz".into(),
        protect_last_superuser: selector & 32 == 0,
        create_groups: selector & 64 == 0,
    };
    let input = ImportInput::Reader(Box::new(std::io::Cursor::new(body.to_vec())));
    let mut manager = MANAGER.lock().expect("one fuzz thread");
    if let Ok(summary) = manager.import_users(input, &options, &mut NoProgress) {
        assert!(summary.dry_run);
        assert_eq!(
            summary.rows,
            summary.created + summary.updated + summary.skipped
        );
    }
});
