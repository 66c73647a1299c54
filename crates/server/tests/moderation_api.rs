//! Moderation list management and the audit log through the admin API.

mod support;

use pb::ChangeOp;
use serde_json::json;
use support::*;

async fn mod_client(server: &TestServer) -> ModClient {
    moderation_at(server.grpc).await
}

fn term(category: &str, text: &str) -> pb::Term {
    pb::Term {
        category: category.into(),
        text: text.into(),
    }
}

async fn change(m: &mut ModClient, op: ChangeOp, terms: Vec<pb::Term>, allow: Vec<&str>) -> pb::ChangeTermsResponse {
    m.change_terms(pb::ChangeTermsRequest {
        op: op as i32,
        terms,
        allow: allow.into_iter().map(String::from).collect(),
    })
    .await
    .expect("change terms")
    .into_inner()
}

/// Base configuration without member tips.
fn config() -> Config {
    let mut c = base_config();
    c.rooms.member_tips = false;
    c
}

async fn setup() -> (TestServer, String, Client, Client) {
    let (server, room) = TestServer::with_room_in(config(), "modroom", None).await;
    let alice = server.joined("alice", &room).await;
    let bob = server.joined("bob", &room).await;
    (server, room, alice, bob)
}

#[tokio::test]
async fn added_terms_apply_at_once_and_removed_terms_stop() {
    let (server, room, mut alice, mut bob) = setup().await;
    let mut m = mod_client(&server).await;
    assert_eq!(alice.send_msg(&room, "zorblax is here").await["code"], 0);
    assert_eq!(text_of(&bob.next_event_of("message").await), "zorblax is here");

    let r = change(
        &mut m,
        ChangeOp::Add,
        vec![term("porn", "zorblax"), term("abuse", "blorp")],
        vec![],
    )
    .await;
    assert_eq!((r.added, r.terms), (2, 2));
    // The change is live when the call returns: no screening gap.
    assert_eq!(alice.send_msg(&room, "z o r b l a x").await["code"], 80001);
    assert_eq!(alice.send_msg(&room, "you blorp").await["code"], 0);
    assert_eq!(text_of(&bob.next_event_of("message").await), "you *****");

    let r = change(&mut m, ChangeOp::Remove, vec![term("porn", "ZORBLAX")], vec![]).await;
    assert_eq!((r.removed, r.terms), (1, 1), "removal matches the folded form");
    assert_eq!(alice.send_msg(&room, "zorblax again").await["code"], 0);

    // Allow-list phrases override hits inside them.
    change(&mut m, ChangeOp::Add, vec![term("porn", "grux")], vec!["grux fighters"]).await;
    assert_eq!(alice.send_msg(&room, "grux fighters rock").await["code"], 0);
    assert_eq!(alice.send_msg(&room, "just grux").await["code"], 80001);

    // Replace swaps the whole list.
    let r = change(&mut m, ChangeOp::Replace, vec![term("custom", "newword")], vec![]).await;
    assert_eq!((r.terms, r.allow), (1, 0));
    assert_eq!(alice.send_msg(&room, "just grux").await["code"], 0);
    assert_eq!(alice.send_msg(&room, "newword").await["code"], 80001);
}

#[tokio::test]
async fn bulk_import_and_paged_listing() {
    let (server, room, mut alice, _bob) = setup().await;
    let mut m = mod_client(&server).await;
    let words: Vec<String> = (0..20_000).map(|i| format!("spamword{i:05}")).collect();
    let text = format!("# imported\n\n{}\n", words.join("\n"));
    let r: pb::ImportTermsResponse = m
        .import_terms(pb::ImportTermsRequest {
            category: "ads".into(),
            text,
            replace: false,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((r.added, r.terms), (20_000, 20_000));
    assert_eq!(
        alice.send_msg(&room, "buy spamword12345 now").await["code"],
        0,
        "ads are masked"
    );

    let mut seen = 0;
    let mut cursor = String::new();
    loop {
        let page = m
            .list_terms(pb::ListTermsRequest {
                category: "ads".into(),
                cursor: cursor.clone(),
                limit: 7000,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.total, 20_000);
        seen += page.terms.len();
        if page.next_cursor.is_empty() {
            break;
        }
        cursor = page.next_cursor;
    }
    assert_eq!(seen, 20_000);
    let none = m
        .list_terms(pb::ListTermsRequest {
            category: "porn".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(none.total, 0);
}

#[tokio::test]
async fn audit_log_records_hits_and_filters() {
    let (server, room, mut alice, mut bob) = setup().await;
    let mut m = mod_client(&server).await;
    change(
        &mut m,
        ChangeOp::Add,
        vec![term("porn", "xxxword"), term("abuse", "meanie")],
        vec![],
    )
    .await;
    assert_eq!(alice.send_msg(&room, "xxxword").await["code"], 80001);
    assert_eq!(bob.send_msg(&room, "you meanie").await["code"], 0);
    assert_eq!(alice.send_msg(&room, "clean").await["code"], 0);

    let all = m
        .query_audit(pb::QueryAuditRequest::default())
        .await
        .unwrap()
        .into_inner()
        .entries;
    assert_eq!(all.len(), 2);
    assert_eq!(
        (
            all[0].user_id.as_str(),
            all[0].category.as_str(),
            all[0].action.as_str()
        ),
        ("bob", "abuse", "mask")
    );
    assert_eq!(
        (all[1].user_id.as_str(), all[1].term.as_str(), all[1].action.as_str()),
        ("alice", "xxxword", "block")
    );
    assert_eq!(all[1].room_id, room);
    let only_alice = m
        .query_audit(pb::QueryAuditRequest {
            user_id: "alice".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .entries;
    assert_eq!(only_alice.len(), 1);
    let only_porn = m
        .query_audit(pb::QueryAuditRequest {
            category: "porn".into(),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .entries;
    assert_eq!(only_porn.len(), 1);
}

#[tokio::test]
async fn bad_list_requests_are_rejected() {
    let (server, _room, _alice, _bob) = setup().await;
    let mut m = mod_client(&server).await;
    let e = m
        .change_terms(pb::ChangeTermsRequest {
            op: ChangeOp::Add as i32,
            terms: vec![term("nsfw", "x")],
            allow: vec![],
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument);
    assert_eq!(status_code(&e), 10004);
    let e = m
        .change_terms(pb::ChangeTermsRequest {
            op: ChangeOp::Unspecified as i32,
            terms: vec![],
            allow: vec![],
        })
        .await
        .unwrap_err();
    assert_eq!(status_code(&e), 10004);
    let mut anon = bare_moderation_client(server.grpc).await;
    let e = anon.list_terms(pb::ListTermsRequest::default()).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unauthenticated);
}

#[tokio::test]
async fn apps_choose_which_custom_fields_are_screened() {
    let mut c = config();
    c.apps[0].screen_custom = ScreenedCustomFields {
        data: false,
        desc: true,
        ext: true,
    };
    let (server, room) = TestServer::with_room_in(c, "custom", None).await;
    let mut alice = server.joined("alice", &room).await;
    let mut m = mod_client(&server).await;
    change(&mut m, ChangeOp::Add, vec![term("porn", "forbiddenword")], vec![]).await;
    let custom = |data: &str, desc: &str| json!([{ "MsgType": "TIMCustomElem", "MsgContent": { "Data": data, "Desc": desc, "Ext": "" } }]);
    let r = alice
        .request(
            "send",
            json!({ "roomId": room, "msgBody": custom("forbiddenword", "gift") }),
        )
        .await;
    assert_eq!(r["code"], 0, "Data is not screened for this app: {r}");
    let r = alice
        .request(
            "send",
            json!({ "roomId": room, "msgBody": custom("x", "forbiddenword") }),
        )
        .await;
    assert_eq!(r["code"], 80001, "Desc still is: {r}");
}

#[tokio::test]
async fn nicknames_and_room_profiles_set_by_users_are_screened() {
    let (server, room) = TestServer::with_room_in(config(), "profiles", Some("owner1")).await;
    let mut m = mod_client(&server).await;
    change(
        &mut m,
        ChangeOp::Add,
        vec![term("porn", "nastyword"), term("abuse", "jerkface")],
        vec![],
    )
    .await;

    let mut alice = server.joined("alice", &room).await;
    let mut owner = server.joined("owner1", &room).await;

    let r = alice
        .request("updateProfile", json!({ "nick": "n a s t y w o r d" }))
        .await;
    assert_eq!(r["code"], 80001, "{r}");
    let r = alice.request("updateProfile", json!({ "nick": "big jerkface" })).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["nick"], "big ********");
    assert_eq!(alice.send_msg(&room, "hi").await["code"], 0);
    let msg = owner.next_event_of("message").await;
    assert_eq!(
        msg["nick"], "big ********",
        "the stored, masked nick is stamped on messages"
    );

    let r = owner
        .request("modifyRoom", json!({ "roomId": room, "name": "nastyword" }))
        .await;
    assert_eq!(r["code"], 80001, "{r}");
    let r = owner
        .request(
            "modifyRoom",
            json!({ "roomId": room, "introduction": "no jerkface here" }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["profile"]["introduction"], "no ******** here", "{r}");
    let tip = alice.next_event_of("tip").await;
    assert_eq!(tip["tip"]["changes"]["introduction"], "no ******** here");

    // The operator's own text is not screened.
    let mut admin = server.admin().await;
    let resp = admin
        .modify_room(pb::ModifyRoomRequest {
            room_id: room.clone(),
            name: Some("nastyword".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.room.unwrap().name, "nastyword");
}
