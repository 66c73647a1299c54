//! The moderation evasion corpus (`crates/moderation/corpus/`) through the
//! real server: every case is sent over a WebSocket as a chat message, and
//! its fate read from what the server does — `80001` for a block, the
//! delivered message (unchanged) and the audit log for a flag — so folding,
//! the evasion passes, word boundaries, the ads detector and the
//! `[moderation]` policy settings are checked end to end.

mod support;

#[path = "../../moderation/tests/support/corpus.rs"]
mod corpus;

use corpus::Seen;
use std::io::Write;
use support::*;

#[tokio::test]
async fn evasion_corpus_holds_through_the_server() {
    let mut files = Vec::new();
    let mut c = message_config();
    let options = corpus::options();
    c.moderation.actions = options.actions;
    c.moderation.cross_word = options.cross_word;
    c.moderation.ads = options.ads;
    for (category, terms) in corpus::terms() {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        for term in terms {
            writeln!(f, "{term}").unwrap();
        }
        f.flush().unwrap();
        c.moderation.lists.push(ListSource::new(category, f.path()));
        files.push(f);
    }
    let (server, room) = TestServer::with_room_in(c, "modcorpus", Some("owner1")).await;
    let mut alice = server.joined("alice", &room).await;
    let mut rx = server.joined_guest(&room).await;
    let mut audit = moderation_at(server.grpc).await;
    let mut recorded = 0;

    let cases = corpus::cases();
    assert!(cases.len() >= 150, "corpus too small: {}", cases.len());
    let mut results = Vec::with_capacity(cases.len());
    for case in cases {
        let reply = alice.send_msg(&room, &case.text).await;
        let seen = match reply["code"].as_i64() {
            Some(80001) => Seen::Blocked,
            Some(0) => {
                let m = rx.next_event_of("message").await;
                assert_eq!(seq_of(&m), reply_seq(&reply));
                assert_eq!(text_of(&m), case.text, "line {}: delivered text changed", case.line);
                Seen::Clean
            }
            _ => panic!("line {}: unexpected reply {reply}", case.line),
        };
        // Every hit is in the audit log before the reply: new entries on a
        // delivered message are flags.
        let entries = audit
            .query_audit(pb::QueryAuditRequest {
                room_id: room.clone(),
                limit: 1000,
                ..Default::default()
            })
            .await
            .expect("audit")
            .into_inner()
            .entries;
        let new = &entries[..entries.len() - recorded];
        recorded = entries.len();
        let seen = if seen == Seen::Clean && !new.is_empty() {
            assert!(new.iter().all(|e| e.action == "flag"), "line {}: {new:?}", case.line);
            Seen::Flagged
        } else {
            seen
        };
        results.push((case, seen));
    }
    println!("{}", corpus::check(&results));
    rx.assert_no_event(QUIET).await;
    server.stop().await;
}
