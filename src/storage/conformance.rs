//! One conformance suite for every backend: each scenario runs against a SQLite
//! file and against a fresh schema on the test PostgreSQL server, through the
//! neutral traits only. A backend passes when it keeps the traits' promises the
//! manager relies on (atuin's `tests-database` is the model).

use std::time::Duration;

use jiff::Timestamp;

use super::copy::{CopiedRow, CopyStore};
use super::{
    AuditEntry, AuditFilter, BulkAudit, BulkDefinitions, BulkGroup, BulkPassword, BulkStore,
    BulkUser, FieldWrite, LoginReservation, NewOtpCode, OnConflict, Open, OpenOptions, OtpStore,
    OtpVerdict, OtpWrite, SchemaStore, Store, Target, TokenRecord, TokenStore, UserRecord,
    UserStore, UserUpdate,
};
use crate::audit::AuditEvent;
use crate::error::Error;
use crate::user::UserFilter;

/// The two backends, each fresh: a SQLite file in `dir`, and a new schema.
fn stores(dir: &std::path::Path) -> Vec<Store> {
    targets(dir)
        .iter()
        .map(|target| Store::open(target, Open::Migrated, &options()).expect("open"))
        .collect()
}

/// Where [`stores`] opens its stores, for tests that open more connections.
fn targets(dir: &std::path::Path) -> [Target; 2] {
    [
        Target::File(dir.join("db.sqlite3")),
        Target::Postgres(super::postgres::test_server::server().fresh_database()),
    ]
}

fn options() -> OpenOptions {
    OpenOptions {
        busy_timeout: Duration::from_secs(5),
        password_file: Some(
            super::postgres::test_server::server()
                .password_file()
                .to_path_buf(),
        ),
    }
}

/// `USERDB_TEST_DATABASE_URL` may name the server the suite runs on: there it
/// finds (or makes) the test role and database, and gives each test a schema
/// of its own, under a prefix of its run, where a store migrates.
#[test]
fn a_named_server_gives_each_test_a_schema_of_its_own() {
    let own = super::postgres::test_server::own_server();
    let url = format!(
        "postgres://postgres:{}@127.0.0.1:{}/postgres",
        own.password(),
        own.port()
    );
    let named = super::postgres::test_server::PgServer::named(&url);
    let (first, second) = (named.fresh_database(), named.fresh_database());
    let schema = |url: &str| url.rsplit_once("search_path%3D").unwrap().1.to_string();
    assert_ne!(schema(&first), schema(&second));
    assert!(
        schema(&first).starts_with("t_") && schema(&first).ends_with("_1"),
        "{first}"
    );
    assert!(
        first.contains(&format!("@127.0.0.1:{}/userdb_test?", own.port())),
        "{first}"
    );
    let later = super::postgres::test_server::PgServer::named(&url).fresh_database();
    assert_ne!(
        schema(&later),
        schema(&first),
        "another run, another prefix"
    );
    let options = OpenOptions {
        busy_timeout: Duration::from_secs(5),
        password_file: Some(named.password_file().to_path_buf()),
    };
    let store = Store::open(&Target::Postgres(first), Open::Migrated, &options).expect("open");
    assert!(store.list_users(&UserFilter::default()).unwrap().is_empty());
}

fn each(scenario: impl Fn(&mut Store)) {
    let dir = tempfile::tempdir().unwrap();
    for mut store in stores(dir.path()) {
        scenario(&mut store);
    }
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_767_322_800 + seconds).unwrap()
}

fn entry(event: AuditEvent) -> AuditEntry {
    AuditEntry {
        at: at(0),
        actor: "test".into(),
        event,
        detail: String::new(),
    }
}

fn bulk_audit() -> BulkAudit {
    BulkAudit {
        at: at(0),
        actor: "test".into(),
        created_event: AuditEvent::UserImported,
        updated_event: AuditEvent::UserUpdated,
        group_created_event: AuditEvent::GroupCreated,
        group_updated_event: AuditEvent::GroupUpdated,
        detail: "import".into(),
    }
}

fn record(email: &str) -> UserRecord {
    UserRecord {
        email: email.into(),
        email_key: email.to_lowercase(),
        password: "!unusable".into(),
        first_name: String::new(),
        last_name: String::new(),
        is_active: true,
        is_staff: false,
        is_superuser: false,
        date_joined: at(0),
        fields: Vec::new(),
        access: Default::default(),
        must_change_password: false,
        expires_at: None,
    }
}

#[test]
fn users_are_unique_by_key_and_every_write_is_audited() {
    each(|store| {
        let ada = store
            .insert_user(
                &record("Ada@example.com"),
                &[entry(AuditEvent::UserCreated)],
            )
            .unwrap();
        let clash = store
            .insert_user(&record("ADA@example.com"), &[])
            .unwrap_err();
        assert!(matches!(clash, Error::UserExists(_)), "{clash:?}");
        let found = store.user_by_email_key("ada@example.com").unwrap().unwrap();
        assert_eq!((found.id, found.date_joined), (ada.id, at(0)));
        let update = UserUpdate {
            first_name: Some("Ada".into()),
            last_login: Some(at(5)),
            fields: vec![FieldWrite {
                name: "team".into(),
                value: Some("ops".into()),
                unique: true,
            }],
            ..UserUpdate::default()
        };
        let updated = store
            .update_user(ada.id, &update, &[entry(AuditEvent::UserUpdated)])
            .unwrap();
        assert_eq!(updated.first_name, "Ada");
        assert_eq!(updated.last_login, Some(at(5)));
        assert_eq!(updated.fields.get("team").map(String::as_str), Some("ops"));
        let bob = store.insert_user(&record("bob@example.com"), &[]).unwrap();
        let taken = UserUpdate {
            fields: update.fields.clone(),
            ..UserUpdate::default()
        };
        let err = store.update_user(bob.id, &taken, &[]).unwrap_err();
        assert!(matches!(err, Error::FieldValueTaken { .. }), "{err:?}");
        assert_eq!(
            store
                .field_value_holder("team", "ops", Some(bob.id))
                .unwrap(),
            Some(ada.id)
        );
        let filter = UserFilter {
            fields: vec![("team".into(), Some("ops".into()))],
            ..UserFilter::default()
        };
        assert_eq!(store.list_users(&filter).unwrap().len(), 1);
        let log = store.audit_entries(&AuditFilter::default()).unwrap();
        let events: Vec<&str> = log.iter().map(|r| r.event.as_str()).collect();
        assert_eq!(events, ["user_created", "user_updated"]);
    });
}

#[test]
fn the_last_active_superuser_cannot_be_demoted_or_deleted() {
    each(|store| {
        let root = store
            .insert_user(
                &UserRecord {
                    is_superuser: true,
                    ..record("root@example.com")
                },
                &[],
            )
            .unwrap();
        let demote = UserUpdate {
            is_superuser: Some(false),
            protect_last_superuser: true,
            ..UserUpdate::default()
        };
        let err = store.update_user(root.id, &demote, &[]).unwrap_err();
        assert!(matches!(err, Error::LastSuperuser(_)), "{err:?}");
        let err = store.delete_user(root.id, true, &[]).unwrap_err();
        assert!(matches!(err, Error::LastSuperuser(_)), "{err:?}");
        // Nothing of the refused writes stayed.
        assert!(
            store
                .user_by_email_key("root@example.com")
                .unwrap()
                .unwrap()
                .is_superuser
        );
        store
            .delete_user(root.id, false, &[entry(AuditEvent::UserDeleted)])
            .unwrap();
        assert!(
            store
                .user_by_email_key("root@example.com")
                .unwrap()
                .is_none()
        );
    });
}

#[test]
fn tokens_are_found_by_digest_and_names_are_unique_among_live_ones() {
    each(|store| {
        let ada = store.insert_user(&record("ada@example.com"), &[]).unwrap();
        let token = |digest: u8, name: &str| TokenRecord {
            user_id: ada.id,
            name: name.into(),
            digest: [digest; 32],
            prefix: "udb_ab".into(),
            created_at: at(0),
            expires_at: Some(at(100)),
            scopes: None,
        };
        let first = store
            .insert_token(&token(1, "laptop"), &[entry(AuditEvent::TokenIssued)])
            .unwrap();
        let err = store.insert_token(&token(2, "laptop"), &[]).unwrap_err();
        assert!(matches!(err, Error::TokenNameTaken { .. }), "{err:?}");
        let (info, digest, owner) = store.token_by_digest(&[1; 32]).unwrap().unwrap();
        assert_eq!((info.id, owner.id, digest), (first.id, ada.id, [1; 32]));
        assert!(
            store
                .mark_token_used(&info, at(10), &[entry(AuditEvent::TokenUsed)])
                .unwrap()
        );
        assert!(
            !store.mark_token_used(&info, at(200), &[]).unwrap(),
            "expired"
        );
        assert_eq!(store.count_active_tokens(ada.id, at(10)).unwrap(), 1);
        assert!(
            store
                .revoke_token(first.id, at(20), &[entry(AuditEvent::TokenRevoked)])
                .unwrap()
        );
        assert!(!store.revoke_token(first.id, at(21), &[]).unwrap());
        // Revoking frees the name.
        store.insert_token(&token(3, "laptop"), &[]).unwrap();
        let revoked = store
            .revoke_user_tokens(ada.id, at(30), &|_| Vec::new())
            .unwrap();
        assert_eq!(revoked.len(), 1);
        assert_eq!(store.list_tokens(Some(ada.id)).unwrap().len(), 2);
    });
}

#[test]
fn code_sends_are_counted_per_address_and_a_verdict_is_applied_in_its_transaction() {
    each(|store| {
        let ada = store.insert_user(&record("ada@example.com"), &[]).unwrap();
        let none = |sends: &[(String, Timestamp)]| {
            assert!(sends.is_empty());
            Ok(())
        };
        let send = store
            .begin_otp_send("ada@example.com", "login", at(0), at(-3600), &none)
            .unwrap();
        store
            .cancel_otp_send(send, Some(ada.id), "ada@example.com", &[])
            .unwrap();
        store
            .begin_otp_send("ada@example.com", "login", at(1), at(-3600), &none)
            .unwrap();
        let one = |sends: &[(String, Timestamp)]| {
            assert_eq!(sends, [("login".to_string(), at(1))]);
            Err(Error::InvalidCode)
        };
        let refused = store.begin_otp_send("ada@example.com", "login", at(2), at(-3600), &one);
        assert!(matches!(refused, Err(Error::InvalidCode)));
        let code = NewOtpCode {
            user_id: ada.id,
            purpose: "login",
            code_mac: "mac".into(),
            created_at: at(1),
            expires_at: at(600),
        };
        store.save_otp(&code, "ada@example.com", &[]).unwrap();
        let counted = store
            .judge_otp(ada.id, "ada@example.com", "login", |found, owner| {
                assert_eq!(found.unwrap().attempts, 0);
                assert!(!owner.verified);
                OtpVerdict {
                    write: OtpWrite::CountFailure,
                    audit: vec![entry(AuditEvent::OtpFailed)],
                    result: 1,
                }
            })
            .unwrap();
        assert_eq!(counted, 1);
        store
            .judge_otp(ada.id, "ada@example.com", "login", |found, _| {
                assert_eq!(found.unwrap().attempts, 1);
                OtpVerdict {
                    write: OtpWrite::Consume {
                        used_at: at(5),
                        verified_at: Some(at(5)),
                        new_password: None,
                        revoke_tokens: false,
                        discard_other_codes: true,
                        last_login: Some(at(5)),
                    },
                    audit: Vec::new(),
                    result: (),
                }
            })
            .unwrap();
        let user = store.user_by_email_key("ada@example.com").unwrap().unwrap();
        assert_eq!(
            (user.email_verified_at, user.last_login),
            (Some(at(5)), Some(at(5)))
        );
    });
}

#[test]
fn failed_sign_ins_lock_an_address_until_cleared() {
    each(|store| {
        let lock = |n: u32| (n >= 2).then(|| at(60));
        for expected in 1..=2 {
            let reserved = store
                .reserve_login_attempt("x@example.com", at(0), at(-86400), &lock)
                .unwrap();
            assert!(
                matches!(reserved, LoginReservation::Counted { failures, .. } if failures == expected)
            );
        }
        let locked = store
            .reserve_login_attempt("x@example.com", at(1), at(-86400), &lock)
            .unwrap();
        assert_eq!(locked, LoginReservation::Locked { until: at(60) });
        assert!(
            store
                .clear_login_failures("x@example.com", (0, "x@example.com"), &[])
                .unwrap()
        );
        assert!(
            !store
                .clear_login_failures("x@example.com", (0, "x@example.com"), &[])
                .unwrap()
        );
    });
}

#[test]
fn an_address_another_user_has_is_refused_and_lists_and_logs_page_alike() {
    each(|store| {
        let ada = store
            .insert_user(
                &record("ada@example.com"),
                &[entry(AuditEvent::UserCreated)],
            )
            .unwrap();
        let bob = store
            .insert_user(
                &record("bob@example.com"),
                &[entry(AuditEvent::UserCreated)],
            )
            .unwrap();
        let to = |email: &str| UserUpdate {
            email: Some((email.into(), email.to_lowercase())),
            ..UserUpdate::default()
        };
        let err = store
            .update_user(bob.id, &to("ADA@example.com"), &[])
            .unwrap_err();
        assert!(
            matches!(err, Error::UserExists(ref e) if e == "ADA@example.com"),
            "{err:?}"
        );
        // A user's own address, spelt anew, is not another's.
        let ada = store
            .update_user(
                ada.id,
                &to("Ada@Example.com"),
                &[entry(AuditEvent::UserUpdated)],
            )
            .unwrap();
        assert_eq!(ada.email, "Ada@Example.com");

        let page = |limit, offset| {
            let filter = UserFilter {
                limit,
                offset,
                ..UserFilter::default()
            };
            let users = store.list_users(&filter).unwrap();
            users.into_iter().map(|u| u.id).collect::<Vec<_>>()
        };
        assert_eq!(page(Some(1), 1), [bob.id]);
        assert_eq!(page(None, 1), [bob.id]);
        assert_eq!(page(Some(5), 0), [ada.id, bob.id]);

        let log = |filter: AuditFilter| {
            let rows = store.audit_entries(&filter).unwrap();
            rows.into_iter()
                .map(|r| (r.user_id, r.event))
                .collect::<Vec<_>>()
        };
        let ada_rows = AuditFilter {
            user: Some((Some(ada.id), "ada@example.com".into())),
            ..AuditFilter::default()
        };
        assert_eq!(
            log(AuditFilter {
                limit: Some(1),
                ..ada_rows.clone()
            }),
            [(Some(ada.id), "user_updated".to_string())]
        );
        assert_eq!(log(ada_rows).len(), 2);
        let created = log(AuditFilter {
            event: Some(AuditEvent::UserCreated),
            since: Some(at(0)),
            ..AuditFilter::default()
        });
        assert_eq!(created.len(), 2);
        assert!(
            log(AuditFilter {
                since: Some(at(1)),
                ..AuditFilter::default()
            })
            .is_empty()
        );
    });
}

#[test]
fn a_bulk_write_is_all_or_nothing_and_honours_the_conflict_mode() {
    let none = BulkDefinitions::default();
    each(|store| {
        store.insert_user(&record("old@example.com"), &[]).unwrap();
        let row = |email: &str| BulkUser {
            password: BulkPassword::Set("pbkdf2_sha256$1$s$h".into()),
            first_name: Some("New".into()),
            ..BulkUser::new(email, email)
        };
        let audit = bulk_audit();
        let rows = || vec![Ok(row("a@example.com")), Ok(row("old@example.com"))];
        let err = store
            .bulk_write(
                &none,
                &mut rows().into_iter(),
                OnConflict::Fail,
                true,
                &audit,
                None,
            )
            .unwrap_err();
        assert!(
            matches!(err, Error::UserExists(ref e) if e == "old@example.com"),
            "{err:?}"
        );
        assert!(
            store.user_by_email_key("a@example.com").unwrap().is_none(),
            "rolled back"
        );
        let counts = store
            .bulk_write(
                &none,
                &mut rows().into_iter(),
                OnConflict::Skip,
                true,
                &audit,
                None,
            )
            .unwrap();
        assert_eq!((counts.created, counts.skipped), (1, 1));
        let counts = store
            .bulk_write(
                &none,
                &mut rows().into_iter(),
                OnConflict::Update,
                true,
                &audit,
                None,
            )
            .unwrap();
        assert_eq!(counts.updated, 2);
        let old = store.user_by_email_key("old@example.com").unwrap().unwrap();
        assert_eq!(old.first_name, "New");
        let mut failing = vec![Ok(row("b@example.com")), Err(Error::InvalidCode)].into_iter();
        assert!(
            store
                .bulk_write(&none, &mut failing, OnConflict::Fail, true, &audit, None)
                .is_err()
        );
        assert!(
            store.user_by_email_key("b@example.com").unwrap().is_none(),
            "rolled back"
        );
    });
}

#[test]
fn a_dump_loads_into_the_other_backend_whole_and_not_into_one_with_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut stores = stores(dir.path());
    let (first, second) = stores.split_at_mut(1);
    let (sqlite, postgres) = (&mut first[0], &mut second[0]);
    let perm = |p: &str| crate::access::Permission::parse(p).unwrap();
    use super::GroupStore;
    sqlite
        .insert_group("editors", &[perm("blog.add_post")], &[])
        .unwrap();
    let mut ada = record("ada@example.com");
    ada.access.join = vec!["editors".into()];
    ada.access.grant = vec![perm("shop.refund")];
    let ada = sqlite
        .insert_user(&ada, &[entry(AuditEvent::UserCreated)])
        .unwrap();
    sqlite
        .insert_token(
            &TokenRecord {
                user_id: ada.id,
                name: "t".into(),
                digest: [7; 32],
                prefix: "udb_x".into(),
                created_at: at(0),
                expires_at: None,
                scopes: Some(vec![perm("blog.add_post")]),
            },
            &[],
        )
        .unwrap();
    let mut rows: Vec<CopiedRow> = Vec::new();
    sqlite
        .dump(&mut |row| {
            rows.push(row);
            Ok(())
        })
        .unwrap();
    let counts = postgres
        .load(&mut rows.clone().into_iter().map(Ok))
        .unwrap();
    let table_rows = rows
        .iter()
        .filter(|r| !matches!(r, CopiedRow::IdsUsed { .. }))
        .count();
    assert_eq!(counts.iter().sum::<u64>(), table_rows as u64);
    let mut back: Vec<CopiedRow> = Vec::new();
    postgres
        .dump(&mut |row| {
            back.push(row);
            Ok(())
        })
        .unwrap();
    assert_eq!(back, rows);
    for table in [
        "groups",
        "group_permissions",
        "user_groups",
        "user_permissions",
    ] {
        assert!(rows.iter().any(|r| r.table() == table), "{table} copied");
    }
    // A group made after the copy gets a fresh id (the sequence moved on).
    postgres.insert_group("later", &[], &[]).unwrap();
    let err = postgres.load(&mut rows.into_iter().map(Ok)).unwrap_err();
    assert!(matches!(err, Error::NotEmpty), "{err:?}");
    assert_eq!(postgres.pending_migrations().unwrap().len(), 0);
}

#[test]
fn groups_memberships_and_grants_are_kept_and_an_unknown_group_writes_nothing() {
    use super::GroupStore;
    use crate::access::{AccessChange, GroupChange, Permission};
    let perm = |p: &str| Permission::parse(p).unwrap();
    each(|store| {
        let editors = store
            .insert_group(
                "editors",
                &[perm("blog.add_post")],
                &[entry(AuditEvent::GroupCreated)],
            )
            .unwrap();
        assert_eq!(editors.permissions, ["blog.add_post"]);
        assert!(matches!(
            store.insert_group("editors", &[], &[]),
            Err(Error::GroupExists(_))
        ));
        let mut new = record("ed@example.com");
        new.access = AccessChange {
            join: vec!["editors".into()],
            grant: vec![perm("shop.refund")],
            ..AccessChange::default()
        };
        let ed = store.insert_user(&new, &[]).unwrap();
        assert_eq!(
            store.granted_permissions(ed.id).unwrap(),
            ["blog.add_post", "shop.refund"]
        );
        // An unknown group rolls the whole write back: no user, no grant.
        let mut ghost = record("ghost@example.com");
        ghost.access.join = vec!["nope".into()];
        assert!(matches!(
            store.insert_user(&ghost, &[]),
            Err(Error::GroupNotFound(_))
        ));
        assert!(
            store
                .user_by_email_key("ghost@example.com")
                .unwrap()
                .is_none()
        );
        let bad_update = UserUpdate {
            first_name: Some("Ed".into()),
            access: AccessChange {
                join: vec!["nope".into()],
                ..AccessChange::default()
            },
            ..UserUpdate::default()
        };
        assert!(store.update_user(ed.id, &bad_update, &[]).is_err());
        assert_eq!(
            store
                .user_by_email_key("ed@example.com")
                .unwrap()
                .unwrap()
                .first_name,
            ""
        );

        let change = GroupChange {
            rename: Some("writers".into()),
            add: vec![perm("blog.change_post")],
            remove: vec![perm("blog.add_post")],
        };
        let writers = store.update_group("editors", &change, &[]).unwrap();
        assert_eq!((writers.name.as_str(), writers.members), ("writers", 1));
        assert_eq!(writers.permissions, ["blog.change_post"]);
        assert_eq!(
            store.user_access(ed.id).unwrap().group_permissions,
            ["blog.change_post"]
        );
        let members = store
            .list_users(&UserFilter {
                group: Some("writers".into()),
                ..UserFilter::default()
            })
            .unwrap();
        assert_eq!(members.len(), 1);
        let holders = store
            .list_users(&UserFilter {
                permission: Some(crate::user::HeldPermission {
                    permission: "blog.change_post".into(),
                    at: at(0),
                }),
                ..UserFilter::default()
            })
            .unwrap();
        assert_eq!(holders.len(), 1);

        let deleted = store.delete_group("writers", &[]).unwrap();
        assert_eq!(deleted.members, 1);
        assert_eq!(
            store.user_access(ed.id).unwrap().groups,
            Vec::<String>::new()
        );
        assert_eq!(store.granted_permissions(ed.id).unwrap(), ["shop.refund"]);
        assert!(store.list_groups().unwrap().is_empty());
    });
}

#[test]
fn a_tokens_scopes_are_stored_and_read_back() {
    use crate::access::Permission;
    each(|store| {
        let ada = store.insert_user(&record("ada@example.com"), &[]).unwrap();
        let scoped = TokenRecord {
            user_id: ada.id,
            name: "ci".into(),
            digest: [9; 32],
            prefix: "udb_ab".into(),
            created_at: at(0),
            expires_at: None,
            scopes: Some(vec![
                Permission::parse("blog.add_post").unwrap(),
                Permission::parse("blog.publish").unwrap(),
            ]),
        };
        let info = store.insert_token(&scoped, &[]).unwrap();
        assert_eq!(
            info.scopes.as_deref(),
            Some(&["blog.add_post".to_string(), "blog.publish".to_string()][..])
        );
        let (found, _, _) = store.token_by_digest(&[9; 32]).unwrap().unwrap();
        assert_eq!(found.scopes, info.scopes);
    });
}

#[test]
fn a_reset_token_is_used_once_replaced_by_a_newer_one_and_dead_after_a_password_change() {
    use super::{ResetTokenRecord, ResetTokenStore, credential_digest};
    each(|store| {
        let ada = store.insert_user(&record("ada@example.com"), &[]).unwrap();
        let token = |digest: u8| ResetTokenRecord {
            user_id: ada.id,
            digest: [digest; 32],
            prefix: "udbr_ab".into(),
            password_digest: credential_digest("ada@example.com", "!unusable"),
            created_at: at(0),
            expires_at: at(100),
        };
        let first = store.insert_reset_token(&token(1), &[]).unwrap();
        let second = store.insert_reset_token(&token(2), &[]).unwrap();
        let (old, _) = store.reset_token_by_digest(&[1; 32]).unwrap().unwrap();
        assert_eq!((old.id, old.replaced_at), (first, Some(at(0))));
        let set = UserUpdate {
            password: Some("new-hash".into()),
            ..UserUpdate::default()
        };
        assert!(
            store
                .consume_reset_token(first, at(1), &set, &[])
                .unwrap()
                .is_none()
        );
        // Expired at 100: not usable then.
        assert!(
            store
                .consume_reset_token(second, at(100), &set, &[])
                .unwrap()
                .is_none()
        );
        let user = store.consume_reset_token(second, at(1), &set, &[]).unwrap();
        assert_eq!(user.unwrap().password_hash(), "new-hash");
        assert!(
            store
                .consume_reset_token(second, at(2), &set, &[])
                .unwrap()
                .is_none()
        );
        let (used, _) = store.reset_token_by_digest(&[2; 32]).unwrap().unwrap();
        assert_eq!(used.used_at, Some(at(1)));
        // Made against the old hash: the password changed since, so it is dead.
        let third = store.insert_reset_token(&token(3), &[]).unwrap();
        assert!(
            store
                .consume_reset_token(third, at(1), &set, &[])
                .unwrap()
                .is_none()
        );
    });
}

#[test]
fn a_bulk_write_sets_groups_memberships_grants_and_models_in_its_transaction() {
    use super::GroupStore;
    use crate::access::Permission;
    let perm = |p: &str| Permission::parse(p).unwrap();
    let names = |list: &[&str]| Some(list.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let row =
        |email: &str, groups: Option<Vec<String>>, permissions: Option<Vec<Permission>>| BulkUser {
            password: BulkPassword::Absent {
                unusable: "!x".into(),
            },
            groups,
            permissions,
            ..BulkUser::new(email, email)
        };
    let access = |store: &Store, email: &str| {
        let user = store.user_by_email_key(email).unwrap().unwrap();
        let access = store.user_access(user.id).unwrap();
        (access.groups, access.user_permissions)
    };
    let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    each(|store| {
        store.insert_group("ops", &[perm("a.b")], &[]).unwrap();
        store.insert_group("same", &[perm("a.b")], &[]).unwrap();
        let mut old = record("old@example.com");
        old.access.join = vec!["ops".into()];
        old.access.grant = vec![perm("x.y")];
        store.insert_user(&old, &[]).unwrap();
        let mut keep = record("keep@example.com");
        keep.access.join = vec!["ops".into()];
        store.insert_user(&keep, &[]).unwrap();
        let definitions = BulkDefinitions {
            groups: vec![
                BulkGroup {
                    name: "editors".into(),
                    permissions: vec![perm("blog.add_post")],
                },
                BulkGroup {
                    name: "ops".into(),
                    permissions: vec![perm("a.c")],
                },
                BulkGroup {
                    name: "same".into(),
                    permissions: vec![perm("a.b")],
                },
            ],
            permission_models: vec![
                (perm("blog.add_post"), "post".into()),
                (perm("shop.refund"), "order".into()),
            ],
        };
        let mut with_field = row("field@example.com", names(&["ops"]), None);
        with_field.fields = vec![FieldWrite {
            name: "team".into(),
            value: Some("x".into()),
            unique: false,
        }];
        let rows = vec![
            Ok(row(
                "new@example.com",
                names(&["editors", "ops"]),
                Some(vec![perm("shop.refund")]),
            )),
            Ok(with_field),
            Ok(row(
                "old@example.com",
                names(&["editors"]),
                Some(Vec::new()),
            )),
            Ok(row("keep@example.com", None, None)),
        ];
        let counts = store
            .bulk_write(
                &definitions,
                &mut rows.into_iter(),
                OnConflict::Update,
                true,
                &bulk_audit(),
                None,
            )
            .unwrap();
        assert_eq!(
            (
                counts.created,
                counts.updated,
                counts.groups_created,
                counts.groups_updated
            ),
            (2, 2, 1, 1)
        );
        assert_eq!(
            access(store, "new@example.com"),
            (strings(&["editors", "ops"]), strings(&["shop.refund"]))
        );
        assert_eq!(access(store, "field@example.com").0, ["ops"]);
        assert_eq!(
            access(store, "old@example.com"),
            (strings(&["editors"]), Vec::new())
        );
        assert_eq!(access(store, "keep@example.com").0, ["ops"]);
        assert_eq!(
            store.permission_models().unwrap(),
            [
                ("blog.add_post".to_string(), "post".to_string()),
                ("shop.refund".to_string(), "order".to_string())
            ]
        );
        let groups = store.all_groups().unwrap();
        let shown: Vec<(String, Vec<String>, u64)> = groups
            .into_iter()
            .map(|g| (g.name, g.permissions, g.members))
            .collect();
        assert_eq!(
            shown,
            [
                ("editors".to_string(), strings(&["blog.add_post"]), 2),
                ("ops".to_string(), strings(&["a.c"]), 3),
                ("same".to_string(), strings(&["a.b"]), 0),
            ]
        );
        let log = store.audit_entries(&AuditFilter::default()).unwrap();
        let rows: Vec<String> = log
            .iter()
            .map(|r| format!("{} {}", r.event, r.detail))
            .collect();
        assert_eq!(
            rows,
            [
                "group_created group=editors, permissions=blog.add_post, import",
                "group_updated group=ops, permissions=a.c, import",
                "user_imported import, groups=[\"editors\",\"ops\"], \
                 user_permissions=[\"shop.refund\"]",
                "user_imported import, groups=[\"ops\"]",
                "user_updated import, groups=[\"editors\"], user_permissions=[]",
                "user_updated import",
            ]
        );

        // New users without fields (PostgreSQL's batched path); a skipped row
        // changes nothing of the user it names.
        let rows = vec![
            Ok(row(
                "b1@example.com",
                names(&["same"]),
                Some(vec![perm("a.z")]),
            )),
            Ok(row("b2@example.com", None, None)),
            Ok(row("keep@example.com", names(&["editors"]), None)),
            // Repeats are written once.
            Ok(row(
                "b3@example.com",
                names(&["ops", "same", "ops"]),
                Some(vec![perm("a.z"), perm("a.y"), perm("a.z")]),
            )),
        ];
        let counts = store
            .bulk_write(
                &BulkDefinitions::default(),
                &mut rows.into_iter(),
                OnConflict::Skip,
                true,
                &bulk_audit(),
                None,
            )
            .unwrap();
        assert_eq!((counts.created, counts.skipped), (3, 1));
        assert_eq!(
            access(store, "b3@example.com"),
            (strings(&["ops", "same"]), strings(&["a.y", "a.z"]))
        );
        let log = store.audit_entries(&AuditFilter::default()).unwrap();
        let details: Vec<&str> = log[log.len() - 3..]
            .iter()
            .map(|r| r.detail.as_str())
            .collect();
        assert_eq!(
            details[..2],
            [
                "import, groups=[\"same\"], user_permissions=[\"a.z\"]",
                "import"
            ]
        );
        assert_eq!(
            access(store, "b1@example.com"),
            (strings(&["same"]), strings(&["a.z"]))
        );
        assert_eq!(access(store, "b2@example.com"), (Vec::new(), Vec::new()));
        assert_eq!(access(store, "keep@example.com").0, ["ops"]);
        let mut exported = Vec::new();
        store
            .for_each_user(&mut |user, memberships| {
                exported.push((user.email.clone(), memberships.clone()));
                Ok(())
            })
            .unwrap();
        assert_eq!(exported.len(), 7);
        assert_eq!(exported[2].0, "new@example.com");
        assert_eq!(exported[2].1.groups, ["editors", "ops"]);
        assert_eq!(exported[2].1.user_permissions, ["shop.refund"]);
        assert!(exported[5].1.groups.is_empty());

        // An unknown group rolls everything back, the file's groups included.
        let before = store.audit_entries(&AuditFilter::default()).unwrap().len();
        let definitions = BulkDefinitions {
            groups: vec![BulkGroup {
                name: "temp".into(),
                permissions: Vec::new(),
            }],
            permission_models: vec![(perm("a.z"), "zed".into())],
        };
        for on_conflict in [OnConflict::Fail, OnConflict::Update] {
            let rows = vec![Ok(row("c@example.com", names(&["temp", "nope"]), None))];
            let err = store
                .bulk_write(
                    &definitions,
                    &mut rows.into_iter(),
                    on_conflict,
                    true,
                    &bulk_audit(),
                    None,
                )
                .unwrap_err();
            assert!(
                matches!(err, Error::GroupNotFound(ref g) if g == "nope"),
                "{err:?}"
            );
        }
        assert!(store.user_by_email_key("c@example.com").unwrap().is_none());
        assert!(store.group_by_name("temp").unwrap().is_none());
        assert_eq!(store.permission_models().unwrap().len(), 2);
        assert_eq!(
            store.audit_entries(&AuditFilter::default()).unwrap().len(),
            before
        );
    });
}

#[test]
fn export_reads_group_names_holding_spaces_and_commas_whole_and_sorted_bytewise() {
    use crate::access::Permission;
    let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    each(|store| {
        // A group name may hold any printable character; the engines gather a
        // user's groups into one column and split it again.
        let names = ["ops team", "R&D, east", "Z"];
        let definitions = BulkDefinitions {
            groups: names
                .iter()
                .map(|name| BulkGroup {
                    name: name.to_string(),
                    permissions: ["b.x", "a.y"]
                        .map(|p| Permission::parse(p).unwrap())
                        .to_vec(),
                })
                .collect(),
            permission_models: Vec::new(),
        };
        let rows = vec![Ok(BulkUser {
            password: BulkPassword::Absent {
                unusable: "!x".into(),
            },
            groups: Some(strings(&names)),
            permissions: Some(vec![Permission::parse("c.z").unwrap()]),
            ..BulkUser::new("m@example.com", "m@example.com")
        })];
        store
            .bulk_write(
                &definitions,
                &mut rows.into_iter(),
                OnConflict::Fail,
                true,
                &bulk_audit(),
                None,
            )
            .unwrap();
        let mut exported = Vec::new();
        store
            .for_each_user(&mut |user, memberships| {
                exported.push((user.email.clone(), memberships.clone()));
                Ok(())
            })
            .unwrap();
        let sorted = strings(&["R&D, east", "Z", "ops team"]);
        assert_eq!(exported.len(), 1);
        assert_eq!(exported[0].1.groups, sorted);
        assert_eq!(exported[0].1.user_permissions, ["c.z"]);
        let groups: Vec<(String, Vec<String>, u64)> = (store.all_groups().unwrap().into_iter())
            .map(|g| (g.name, g.permissions, g.members))
            .collect();
        let each_group = |name: &String| (name.clone(), strings(&["a.y", "b.x"]), 1);
        assert_eq!(groups, sorted.iter().map(each_group).collect::<Vec<_>>());
    });
}

#[test]
fn a_bulk_write_sets_must_change_password_and_expiry_on_creation_and_update() {
    each(|store| {
        let row = |email: &str, must: Option<bool>, expires: Option<Option<Timestamp>>| BulkUser {
            password: BulkPassword::Absent {
                unusable: "!x".into(),
            },
            must_change_password: must,
            expires_at: expires,
            ..BulkUser::new(email, email)
        };
        let audit = bulk_audit();
        let mut rows = vec![
            Ok(row("a@example.com", Some(true), Some(Some(at(5))))),
            Ok(row("b@example.com", None, None)),
        ]
        .into_iter();
        store
            .bulk_write(
                &Default::default(),
                &mut rows,
                OnConflict::Fail,
                true,
                &audit,
                None,
            )
            .unwrap();
        let a = store.user_by_email_key("a@example.com").unwrap().unwrap();
        assert!(a.must_change_password);
        assert_eq!(a.expires_at, Some(at(5)));
        let b = store.user_by_email_key("b@example.com").unwrap().unwrap();
        assert!(!b.must_change_password && b.expires_at.is_none());
        let mut rows = vec![
            Ok(row("a@example.com", Some(false), Some(None))),
            Ok(row("b@example.com", None, None)),
        ]
        .into_iter();
        store
            .bulk_write(
                &Default::default(),
                &mut rows,
                OnConflict::Update,
                true,
                &audit,
                None,
            )
            .unwrap();
        let a = store.user_by_email_key("a@example.com").unwrap().unwrap();
        assert!(!a.must_change_password && a.expires_at.is_none());
    });
}

mod second_factor {
    use super::*;
    use crate::sealed::Sealed;
    use crate::storage::{SecondFactorStore, TotpRecord};

    fn pending(created: i64) -> TotpRecord {
        TotpRecord {
            secret: Sealed {
                key_id: "0a1b2c3d".into(),
                bytes: vec![created as u8; 44],
            },
            created_at: at(created),
            confirmed_at: None,
            expires_at: Some(at(created + 600)),
            last_step: None,
        }
    }

    fn codes(n: u8) -> Vec<[u8; 32]> {
        (0..n).map(|i| [i; 32]).collect()
    }

    /// A user with a confirmed secret (last step 100) and 10 recovery codes.
    fn enrolled(store: &mut Store, email: &str) -> i64 {
        let user = store.insert_user(&record(email), &[]).unwrap();
        store
            .begin_totp_enrolment(user.id, &pending(0), false, email, &[])
            .unwrap();
        assert!(
            store
                .confirm_totp(user.id, at(0), at(10), 100, &codes(10), email, &[])
                .unwrap()
        );
        user.id
    }

    #[test]
    fn an_enrolment_is_pending_until_confirmed_and_expires() {
        each(|store| {
            let ada = store.insert_user(&record("ada@example.com"), &[]).unwrap();
            let email = "ada@example.com";
            store
                .begin_totp_enrolment(
                    ada.id,
                    &pending(0),
                    false,
                    email,
                    &[entry(AuditEvent::TotpEnrolmentStarted)],
                )
                .unwrap();
            let state = store.second_factor(ada.id).unwrap();
            assert_eq!(state.pending, Some(pending(0)));
            assert_eq!(state.confirmed, None);
            // Expired (600 s later): confirming it writes nothing.
            assert!(
                !store
                    .confirm_totp(ada.id, at(0), at(600), 5, &codes(10), email, &[])
                    .unwrap()
            );
            // Another enrolment replaced it: the old one cannot be confirmed.
            store
                .begin_totp_enrolment(ada.id, &pending(60), false, email, &[])
                .unwrap();
            assert!(
                !store
                    .confirm_totp(ada.id, at(0), at(61), 5, &codes(10), email, &[])
                    .unwrap()
            );
            assert!(
                store
                    .confirm_totp(ada.id, at(60), at(61), 5, &codes(10), email, &[])
                    .unwrap()
            );
            let state = store.second_factor(ada.id).unwrap();
            assert_eq!(state.pending, None);
            let confirmed = state.confirmed.unwrap();
            assert_eq!(confirmed.confirmed_at, Some(at(61)));
            assert_eq!(confirmed.expires_at, None);
            assert_eq!(confirmed.last_step, Some(5));
            assert_eq!(confirmed.secret, pending(60).secret);
            assert_eq!(state.recovery_codes_left, 10);
        });
    }

    #[test]
    fn a_confirmed_secret_is_replaced_only_when_asked_and_keeps_working_until_then() {
        each(|store| {
            let email = "ada@example.com";
            let ada = enrolled(store, email);
            let err = store
                .begin_totp_enrolment(ada, &pending(30), false, email, &[])
                .unwrap_err();
            assert!(matches!(err, Error::SecondFactorExists(_)), "{err:?}");
            assert_eq!(store.second_factor(ada).unwrap().pending, None);
            store
                .begin_totp_enrolment(ada, &pending(30), true, email, &[])
                .unwrap();
            let state = store.second_factor(ada).unwrap();
            assert!(state.confirmed.is_some(), "the old secret still protects");
            assert!(state.pending.is_some());
            assert!(store.accept_totp_step(ada, 101, None, email, &[]).unwrap());
        });
    }

    #[test]
    fn an_accepted_step_reseals_the_secret_only_if_it_is_still_the_one_stored() {
        each(|store| {
            let email = "ada@example.com";
            let ada = enrolled(store, email);
            let stored = pending(0).secret;
            let resealed = Sealed {
                key_id: "4e5f6a7b".into(),
                bytes: vec![7; 44],
            };
            let elsewhere = Sealed {
                key_id: "0a1b2c3d".into(),
                bytes: vec![9; 44],
            };
            // Checked against another secret than the stored one: nothing written.
            assert!(
                !store
                    .accept_totp_step(ada, 101, Some((&elsewhere, &resealed)), email, &[])
                    .unwrap()
            );
            let secret = |store: &mut Store| store.second_factor(ada).unwrap().confirmed.unwrap();
            assert_eq!(secret(store).secret, stored);
            assert!(
                store
                    .accept_totp_step(ada, 101, Some((&stored, &resealed)), email, &[])
                    .unwrap()
            );
            let now = secret(store);
            assert_eq!((now.secret, now.last_step), (resealed.clone(), Some(101)));
            // A replayed step changes nothing.
            assert!(
                !store
                    .accept_totp_step(ada, 101, Some((&resealed, &stored)), email, &[])
                    .unwrap()
            );
            assert_eq!(secret(store).secret, resealed);
        });
    }

    #[test]
    fn a_time_step_is_accepted_once_and_only_after_the_last_one() {
        each(|store| {
            let email = "ada@example.com";
            let ada = enrolled(store, email);
            assert!(
                !store.accept_totp_step(ada, 100, None, email, &[]).unwrap(),
                "used at confirm"
            );
            assert!(!store.accept_totp_step(ada, 99, None, email, &[]).unwrap());
            assert!(
                store
                    .accept_totp_step(ada, 101, None, email, &[entry(AuditEvent::LoginSucceeded)])
                    .unwrap()
            );
            assert!(!store.accept_totp_step(ada, 101, None, email, &[]).unwrap());
            let log = store
                .audit_entries(&AuditFilter {
                    event: Some(AuditEvent::LoginSucceeded),
                    ..AuditFilter::default()
                })
                .unwrap();
            assert_eq!(log.len(), 1);
            // A user without a confirmed secret accepts nothing.
            let bob = store.insert_user(&record("bob@example.com"), &[]).unwrap();
            store
                .begin_totp_enrolment(bob.id, &pending(0), false, "bob@example.com", &[])
                .unwrap();
            assert!(
                !store
                    .accept_totp_step(bob.id, 1, None, "bob@example.com", &[])
                    .unwrap()
            );
        });
    }

    #[test]
    fn a_recovery_code_works_once_and_a_new_set_kills_the_old() {
        each(|store| {
            let email = "ada@example.com";
            let ada = enrolled(store, email);
            assert_eq!(
                store
                    .use_recovery_code(ada, &[3; 32], at(20), email, &[])
                    .unwrap(),
                Some(9)
            );
            assert_eq!(
                store
                    .use_recovery_code(ada, &[3; 32], at(21), email, &[])
                    .unwrap(),
                None
            );
            assert_eq!(
                store
                    .use_recovery_code(ada, &[99; 32], at(21), email, &[])
                    .unwrap(),
                None,
                "not a code of the set"
            );
            let fresh: Vec<[u8; 32]> = (50..60).map(|i| [i; 32]).collect();
            assert!(
                store
                    .replace_recovery_codes(ada, &fresh, at(30), email, &[])
                    .unwrap()
            );
            assert_eq!(store.second_factor(ada).unwrap().recovery_codes_left, 10);
            assert_eq!(
                store
                    .use_recovery_code(ada, &[4; 32], at(31), email, &[])
                    .unwrap(),
                None,
                "the old set died"
            );
            // No confirmed secret: no codes to replace.
            let bob = store.insert_user(&record("bob@example.com"), &[]).unwrap();
            assert!(
                !store
                    .replace_recovery_codes(bob.id, &fresh, at(30), "b", &[])
                    .unwrap()
            );
            assert_eq!(store.second_factor(bob.id).unwrap().recovery_codes_left, 0);
        });
    }

    #[test]
    fn disabling_removes_secret_enrolment_and_codes_and_revokes_tokens_when_asked() {
        each(|store| {
            let email = "ada@example.com";
            let ada = enrolled(store, email);
            store
                .begin_totp_enrolment(ada, &pending(30), true, email, &[])
                .unwrap();
            store
                .insert_token(
                    &TokenRecord {
                        user_id: ada,
                        name: "t".into(),
                        digest: [7; 32],
                        prefix: "udb_x".into(),
                        created_at: at(0),
                        expires_at: None,
                        scopes: None,
                    },
                    &[],
                )
                .unwrap();
            let removed = store
                .disable_second_factor(
                    ada,
                    Some(at(40)),
                    email,
                    &[entry(AuditEvent::SecondFactorDisabled)],
                )
                .unwrap();
            assert!(removed.totp);
            assert_eq!(removed.recovery_codes, 10);
            assert_eq!(removed.revoked_tokens.len(), 1);
            assert_eq!(store.second_factor(ada).unwrap(), Default::default());
            assert_eq!(store.count_active_tokens(ada, at(41)).unwrap(), 0);
            let log = store
                .audit_entries(&AuditFilter {
                    event: Some(AuditEvent::SecondFactorDisabled),
                    ..AuditFilter::default()
                })
                .unwrap();
            assert_eq!(log.len(), 1);
            // Keeping tokens: none revoked.
            let bob = enrolled(store, "bob@example.com");
            let removed = store
                .disable_second_factor(bob, None, "bob@example.com", &[])
                .unwrap();
            assert!(removed.totp);
            assert!(removed.revoked_tokens.is_empty());
        });
    }

    #[test]
    fn a_page_of_users_has_its_second_factors_read_at_once_and_filtered() {
        each(|store| {
            let ada = enrolled(store, "ada@example.com");
            let bob = store.insert_user(&record("bob@example.com"), &[]).unwrap();
            store
                .begin_totp_enrolment(bob.id, &pending(0), false, "bob@example.com", &[])
                .unwrap();
            let carol = store
                .insert_user(&record("carol@example.com"), &[])
                .unwrap();
            let dan = enrolled(store, "dan@example.com");
            assert!(
                store
                    .use_recovery_code(dan, &[3; 32], at(20), "dan@example.com", &[])
                    .unwrap()
                    .is_some()
            );
            let page = store.second_factors_between(ada, carol.id).unwrap();
            assert_eq!(page.len(), 2, "carol has no row, dan is past the page");
            assert_eq!(page[&ada], store.second_factor(ada).unwrap());
            assert_eq!(page[&bob.id], store.second_factor(bob.id).unwrap());
            let all = store.second_factors_between(ada, dan).unwrap();
            assert_eq!(all[&dan].recovery_codes_left, 9);

            let emails = |second_factor: Option<bool>| -> Vec<String> {
                let filter = UserFilter {
                    second_factor,
                    ..UserFilter::default()
                };
                let users = store.list_users(&filter).unwrap();
                users.into_iter().map(|u| u.email).collect()
            };
            assert_eq!(emails(Some(true)), ["ada@example.com", "dan@example.com"]);
            assert_eq!(
                emails(Some(false)),
                ["bob@example.com", "carol@example.com"]
            );
            assert_eq!(emails(None).len(), 4);
        });
    }

    #[test]
    fn deleting_a_user_deletes_its_second_factor() {
        each(|store| {
            let ada = enrolled(store, "ada@example.com");
            store.delete_user(ada, false, &[]).unwrap();
            assert_eq!(store.second_factor(ada).unwrap(), Default::default());
        });
    }

    /// `n` threads, each with its own connection to `target`, run `attempt`
    /// at once; how many said yes.
    fn race(target: &Target, n: usize, attempt: impl Fn(&mut Store) -> bool + Sync) -> usize {
        let stores: Vec<Store> = (0..n)
            .map(|_| Store::open(target, Open::Migrated, &options()).unwrap())
            .collect();
        let start = std::sync::Barrier::new(n);
        std::thread::scope(|scope| {
            let handles: Vec<_> = stores
                .into_iter()
                .map(|mut store| {
                    let (start, attempt) = (&start, &attempt);
                    scope.spawn(move || {
                        start.wait();
                        attempt(&mut store)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .filter(|&yes| yes)
                .count()
        })
    }

    #[test]
    fn ten_connections_accepting_one_step_accept_it_once() {
        let dir = tempfile::tempdir().unwrap();
        for target in targets(dir.path()) {
            let mut store = Store::open(&target, Open::Migrated, &options()).unwrap();
            let ada = enrolled(&mut store, "ada@example.com");
            let accepted = race(&target, 10, |store| {
                store
                    .accept_totp_step(ada, 101, None, "ada@example.com", &[])
                    .unwrap()
            });
            assert_eq!(accepted, 1, "{target:?}");
        }
    }

    #[test]
    fn ten_connections_using_one_recovery_code_use_it_once() {
        let dir = tempfile::tempdir().unwrap();
        for target in targets(dir.path()) {
            let mut store = Store::open(&target, Open::Migrated, &options()).unwrap();
            let ada = enrolled(&mut store, "ada@example.com");
            let used = race(&target, 10, |store| {
                store
                    .use_recovery_code(ada, &[5; 32], at(20), "ada@example.com", &[])
                    .unwrap()
                    .is_some()
            });
            assert_eq!(used, 1, "{target:?}");
            assert_eq!(store.second_factor(ada).unwrap().recovery_codes_left, 9);
        }
    }

    #[test]
    fn copy_carries_the_second_factor_still_sealed() {
        let dir = tempfile::tempdir().unwrap();
        let mut stores = stores(dir.path());
        let (first, second) = stores.split_at_mut(1);
        let (sqlite, postgres) = (&mut first[0], &mut second[0]);
        let ada = enrolled(sqlite, "ada@example.com");
        sqlite
            .use_recovery_code(ada, &[1; 32], at(20), "ada@example.com", &[])
            .unwrap();
        let mut rows: Vec<CopiedRow> = Vec::new();
        sqlite
            .dump(&mut |row| {
                rows.push(row);
                Ok(())
            })
            .unwrap();
        for table in ["totp_secrets", "recovery_codes"] {
            assert!(rows.iter().any(|r| r.table() == table), "{table} dumped");
        }
        postgres.load(&mut rows.into_iter().map(Ok)).unwrap();
        assert_eq!(
            postgres.second_factor(ada).unwrap(),
            sqlite.second_factor(ada).unwrap()
        );
        assert_eq!(postgres.second_factor(ada).unwrap().recovery_codes_left, 9);
    }

    /// Seals "in transit" bytes to a user by naming the user in the key id.
    struct NamingSealer;

    impl crate::storage::TotpSealer for NamingSealer {
        fn seal_in_transit(&self, secret: &crate::totp::TotpSecret, email_key: &str) -> Sealed {
            Sealed {
                key_id: email_key.to_string(),
                bytes: secret.expose().to_vec(),
            }
        }

        fn seal_to_user(
            &self,
            in_transit: &Sealed,
            email_key: &str,
            user_id: i64,
        ) -> crate::error::Result<Sealed> {
            Ok(Sealed {
                key_id: format!("{email_key}={user_id}"),
                bytes: in_transit.bytes.clone(),
            })
        }
    }

    #[test]
    fn a_bulk_write_seals_an_imported_secret_to_its_user_in_its_transaction() {
        each(|store| {
            let ada = enrolled(store, "ada@example.com");
            let row = |email: &str, byte: Option<u8>| BulkUser {
                totp: byte.map(|b| Sealed {
                    key_id: "transit".into(),
                    bytes: vec![b; 40],
                }),
                ..BulkUser::new(email, email)
            };
            let write = |store: &mut Store, rows: Vec<BulkUser>, mode, sealer| {
                store.bulk_write(
                    &Default::default(),
                    &mut rows.into_iter().map(Ok),
                    mode,
                    true,
                    &bulk_audit(),
                    sealer,
                )
            };
            // Without a sealer, a row with a secret fails the whole write.
            let rows = vec![row("bob@example.com", None), row("cy@example.com", Some(2))];
            assert!(write(store, rows, OnConflict::Fail, None).is_err());
            assert!(
                store
                    .user_by_email_key("bob@example.com")
                    .unwrap()
                    .is_none()
            );
            // A new user between rows a batch would take, then an update.
            let rows = vec![
                row("bob@example.com", None),
                row("cy@example.com", Some(2)),
                row("dee@example.com", None),
            ];
            write(store, rows, OnConflict::Fail, Some(&NamingSealer)).unwrap();
            let rows = vec![row("ada@example.com", Some(1))];
            write(store, rows, OnConflict::Update, Some(&NamingSealer)).unwrap();
            let cy = store.user_by_email_key("cy@example.com").unwrap().unwrap();
            let state = store.second_factor(cy.id).unwrap();
            let confirmed = state.confirmed.unwrap();
            assert_eq!(confirmed.secret.key_id, format!("cy@example.com={}", cy.id));
            assert_eq!(confirmed.secret.bytes, vec![2; 40]);
            assert_eq!(confirmed.confirmed_at, Some(at(0)));
            assert_eq!(confirmed.last_step, None);
            assert_eq!(state.recovery_codes_left, 0);
            // Ada's confirmed secret is replaced, and its recovery codes go.
            let state = store.second_factor(ada).unwrap();
            assert_eq!(
                state.confirmed.unwrap().secret.key_id,
                format!("ada@example.com={ada}")
            );
            assert_eq!(state.recovery_codes_left, 0);
            let bob = store.user_by_email_key("bob@example.com").unwrap().unwrap();
            assert_eq!(store.second_factor(bob.id).unwrap().confirmed, None);
            let log = store
                .audit_entries(&AuditFilter {
                    event: Some(AuditEvent::TotpImported),
                    ..AuditFilter::default()
                })
                .unwrap();
            let mut emails: Vec<_> = log.iter().map(|r| r.email.clone()).collect();
            emails.sort();
            assert_eq!(
                emails,
                [
                    Some("ada@example.com".to_string()),
                    Some("cy@example.com".to_string())
                ]
            );
        });
    }
}
