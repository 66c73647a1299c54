//! The audit log: what is recorded, query filters, ordering and the bound.

use std::time::{SystemTime, UNIX_EPOCH};

use roomcast_moderation::{
    Action, AuditQuery, Category, HitCount, ModerationOptions, ScreenRequest, Screener, Term, WordList,
};

fn screener(capacity: usize) -> Screener {
    let options = ModerationOptions {
        audit_capacity: capacity,
        ..ModerationOptions::default()
    };
    let screener = Screener::build(&options).unwrap();
    screener
        .set_global_terms(WordList::terms([
            Term::new(Category::Abuse, "idiot"),
            Term::new(Category::Porn, "porn"),
        ]))
        .unwrap();
    screener
}

fn send(screener: &Screener, app: u64, room: &str, user: &str, text: &str) {
    let request = ScreenRequest::for_app(app, room, user, vec!["clean".into(), text.into()]);
    screener.screen_blocking(request).unwrap();
}

fn now_ms() -> u64 {
    u64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

#[test]
fn records_every_hit_with_its_context() {
    let screener = screener(100);
    let start = now_ms();
    send(&screener, 1, "r1", "alice", "idiot porn");
    let records = screener.audit(&AuditQuery::app(1));
    assert_eq!(records.len(), 2);
    // Newest first; both hits of one message share a time, so they keep
    // reverse order of position.
    let porn = &records[0];
    assert_eq!(porn.app, Some(1));
    assert_eq!(porn.room.as_deref(), Some("r1"));
    assert_eq!(porn.user.as_deref(), Some("alice"));
    assert_eq!((porn.category, porn.action), (Category::Porn, Action::Block));
    assert_eq!((porn.term.as_str(), porn.field), ("porn", 1));
    assert!(porn.time_ms >= start && porn.time_ms <= now_ms());
    assert_eq!(records[1].term, "idiot");
    assert_eq!(records[1].action, Action::Mask);
}

#[test]
fn query_filters() {
    let screener = screener(100);
    send(&screener, 1, "r1", "alice", "idiot");
    send(&screener, 1, "r2", "bob", "porn");
    send(&screener, 1, "r1", "bob", "idiot");
    send(&screener, 2, "r1", "alice", "idiot");
    screener.screen_blocking(ScreenRequest::text("idiot")).unwrap();

    let users = |query: AuditQuery| -> Vec<String> {
        screener
            .audit(&query)
            .into_iter()
            .map(|r| format!("{}:{}", r.user.unwrap_or_default(), r.term))
            .collect()
    };
    // App is always an exact filter: no record of app 2 shows for app 1.
    assert_eq!(users(AuditQuery::app(1)), ["bob:idiot", "bob:porn", "alice:idiot"]);
    assert_eq!(users(AuditQuery::app(2)), ["alice:idiot"]);
    assert_eq!(users(AuditQuery::app(3)), Vec::<String>::new());
    // `None` selects messages screened without an app.
    assert_eq!(users(AuditQuery::default()), [":idiot"]);
    assert_eq!(users(AuditQuery::app(1).room("r1")), ["bob:idiot", "alice:idiot"]);
    assert_eq!(users(AuditQuery::app(1).user("bob")), ["bob:idiot", "bob:porn"]);
    assert_eq!(users(AuditQuery::app(1).category(Category::Porn)), ["bob:porn"]);
    assert_eq!(users(AuditQuery::app(1).limit(2)), ["bob:idiot", "bob:porn"]);
    assert_eq!(users(AuditQuery::app(1).room("r1").user("alice")), ["alice:idiot"]);
    assert_eq!(
        users(AuditQuery::app(1).since_ms(now_ms() + 60_000)),
        Vec::<String>::new()
    );
    assert_eq!(users(AuditQuery::app(1).since_ms(0)).len(), 3);
}

#[test]
fn log_is_bounded_but_counters_are_not() {
    let screener = screener(5);
    for i in 0..8 {
        send(&screener, 1, "r", &format!("u{i}"), "idiot");
    }
    let records = screener.audit(&AuditQuery::app(1).limit(100));
    let users: Vec<_> = records.iter().map(|r| r.user.clone().unwrap()).collect();
    assert_eq!(users, ["u7", "u6", "u5", "u4", "u3"]);
    assert_eq!(screener.audit_len(), (5, 5));
    assert_eq!(
        screener.hit_counts(),
        [HitCount {
            category: Category::Abuse,
            action: Action::Mask,
            count: 8
        }]
    );
}

#[test]
fn zero_capacity_keeps_no_records() {
    let screener = screener(0);
    send(&screener, 1, "r", "u", "idiot porn");
    assert!(screener.audit(&AuditQuery::app(1)).is_empty());
    assert_eq!(screener.hit_counts().len(), 2);
}

#[test]
fn clean_and_allowed_messages_are_not_recorded() {
    let screener = screener(10);
    screener
        .set_app_terms(1, WordList::default().with_allow(["idiot proof"]))
        .unwrap();
    send(&screener, 1, "r", "u", "hello");
    send(&screener, 1, "r", "u", "idiot-proof");
    assert!(screener.audit(&AuditQuery::app(1)).is_empty());
    assert!(screener.hit_counts().is_empty());
}

#[test]
fn a_stuffed_message_cannot_flood_the_log() {
    let screener = screener(1_000);
    send(&screener, 1, "r", "victim", "porn");
    // Every occurrence is a hit (and counted), but a repeated term is
    // recorded once per field, and distinct terms at most
    // MAX_AUDIT_RECORDS_PER_MESSAGE times.
    let stuffed = "idiot ".repeat(2_000);
    let request = ScreenRequest::for_app(1, "r", "spammer", vec![stuffed]);
    let outcome = screener.screen_blocking(request).unwrap();
    assert_eq!(outcome.hits.len(), 2_000);
    let records = screener.audit(&AuditQuery::app(1).user("spammer"));
    assert_eq!(records.len(), 1);

    screener
        .set_global_terms(WordList::terms(
            (0..100).map(|i| Term::new(Category::Abuse, format!("w{i}"))),
        ))
        .unwrap();
    let many: Vec<String> = (0..100).map(|i| format!("w{i}")).collect();
    let request = ScreenRequest::for_app(1, "r", "spammer2", vec![many.join(" ")]);
    assert_eq!(screener.screen_blocking(request).unwrap().hits.len(), 100);
    let records = screener.audit(&AuditQuery::app(1).user("spammer2"));
    assert_eq!(records.len(), roomcast_moderation::MAX_AUDIT_RECORDS_PER_MESSAGE);
    // The earlier record survives.
    assert_eq!(screener.audit(&AuditQuery::app(1).user("victim")).len(), 1);
    let abuse = screener
        .hit_counts()
        .into_iter()
        .find(|c| c.category == Category::Abuse)
        .unwrap();
    assert_eq!(abuse.count, 2_100);
}
