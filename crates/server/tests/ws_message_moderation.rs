//! Content moderation of messages over real WebSockets: blocked terms
//! (including evasions), masked terms, and clean text left untouched.

mod support;

use serde_json::json;
use std::io::Write;
use support::*;

fn word_list(terms: &[&str]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    writeln!(f, "# test word list").unwrap();
    for t in terms {
        writeln!(f, "{t}").unwrap();
    }
    f.flush().unwrap();
    f
}

struct Lists {
    _files: Vec<tempfile::NamedTempFile>,
}

fn moderated_config() -> (Config, Lists) {
    let porn = word_list(&["sexcam"]);
    let politics = word_list(&["overthrowgov"]);
    let custom = word_list(&["secretcode"]);
    let abuse = word_list(&["idiot"]);
    let ads = word_list(&["buycoins"]);
    let mut c = message_config();
    c.moderation.lists = vec![
        ListSource::new(Category::Porn, porn.path()),
        ListSource::new(Category::Politics, politics.path()),
        ListSource::new(Category::Custom, custom.path()),
        ListSource::new(Category::Abuse, abuse.path()),
        ListSource::new(Category::Ads, ads.path()),
    ];
    (
        c,
        Lists {
            _files: vec![porn, politics, custom, abuse, ads],
        },
    )
}

#[tokio::test]
async fn blocked_terms_are_rejected_with_80001_including_evasions() {
    let (c, _lists) = moderated_config();
    let (server, room) = TestServer::with_room_in(c, "modblock", Some("owner1")).await;
    let mut alice = server.joined("alice", &room).await;
    let mut rx = server.joined_guest(&room).await;

    let texts = [
        "free sexcam here",
        "SEXCAM",
        "S E X C A M",
        "s.e-x_c*a/m",
        "ｓｅｘｃａｍ",
        "ＳＥＸ ＣＡＭ",
        "sex\u{200B}cam",
        "s\u{200D}e\u{2060}x\u{FEFF}c\u{200C}am",
        "𝐬𝐞𝐱𝐜𝐚𝐦",
        "ⓢⓔⓧⓒⓐⓜ",
        "sex🔥cam",
        "join to overthrowgov now",
        "the secret code is",
        // A blocked term wins over a masked one in the same message.
        "idiot sexcam",
    ];
    for text in texts {
        let r = alice.send_msg(&room, text).await;
        assert_eq!(r["code"], 80001, "{text:?} must be blocked: {r}");
    }
    // Every screened field of a custom element, and any element of the body.
    for field in ["Data", "Desc", "Ext"] {
        let mut content = json!({ "Data": "ok", "Desc": "ok", "Ext": "ok" });
        content[field] = json!("watch S E X C A M");
        let body = json!([{ "MsgType": "TIMCustomElem", "MsgContent": content }]);
        let r = send(&mut alice, &room, body, None, None).await;
        assert_eq!(r["code"], 80001, "custom {field} must be screened: {r}");
    }
    let body = json!([
        { "MsgType": "TIMTextElem", "MsgContent": { "Text": "harmless" } },
        { "MsgType": "TIMTextElem", "MsgContent": { "Text": "ｓｅｘｃａｍ" } }
    ]);
    let r = send(&mut alice, &room, body, None, None).await;
    assert_eq!(r["code"], 80001, "second text element must be screened: {r}");
    // With a msgKey the block is not remembered as a success.
    let r = send(&mut alice, &room, text_body("sexcam"), None, Some("mk")).await;
    assert_eq!(r["code"], 80001, "{r}");
    let r = send(&mut alice, &room, text_body("sexcam"), None, Some("mk")).await;
    assert_eq!(r["code"], 80001, "{r}");
    rx.assert_no_event(QUIET).await;

    // Admin-API messages are screened unless told otherwise.
    let mut admin = server.admin().await;
    let err = admin
        .send_message(admin_msg(&room, &text_body("s e x c a m"), pb::Priority::High, ""))
        .await
        .expect_err("admin message with a blocked term");
    assert_eq!(status_code(&err), 80001, "{err:?}");
    rx.assert_no_event(QUIET).await;
    let mut req = admin_msg(&room, &text_body("sexcam (trusted)"), pb::Priority::High, "");
    req.skip_moderation = true;
    let resp = admin
        .send_message(req)
        .await
        .expect("trusted admin message")
        .into_inner();
    let m = rx.next_event_of("message").await;
    assert_eq!(seq_of(&m), resp.seq);
    assert_eq!(text_of(&m), "sexcam (trusted)");

    // Blocked messages consumed no seq: the next one follows directly.
    let r = alice.send_msg(&room, "all good").await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(reply_seq(&r), resp.seq + 1);
    assert_eq!(text_of(&rx.next_event_of("message").await), "all good");

    server.stop().await;
}

#[tokio::test]
async fn masked_terms_are_starred_per_original_character() {
    let (c, _lists) = moderated_config();
    let (server, room) = TestServer::with_room_in(c, "modmask", Some("owner1")).await;
    let mut alice = server.joined("alice", &room).await;
    let mut rx = server.joined_guest(&room).await;

    let cases = [
        ("you idiot!", "you *****!"),
        ("IDIOT", "*****"),
        ("you I D I O T", "you *********"),
        ("you ｉｄｉｏｔ!", "you *****!"),
        ("id\u{200B}iot", "******"),
        ("idiot and idiot", "***** and *****"),
        ("please BuyCoins today", "please ******** today"),
        ("你好 idiot 你好", "你好 ***** 你好"),
    ];
    for (text, expected) in cases {
        let r = alice.send_msg(&room, text).await;
        assert_eq!(r["code"], 0, "{text:?}: {r}");
        let m = rx.next_event_of("message").await;
        assert_eq!(seq_of(&m), reply_seq(&r));
        let got = text_of(&m);
        assert_eq!(got, expected, "masking {text:?}");
        assert_eq!(got.chars().count(), text.chars().count());
    }

    // Custom element fields are masked individually; the face is untouched.
    let body = json!([
        { "MsgType": "TIMCustomElem", "MsgContent": {
            "Data": "{\"say\":\"idiot\"}", "Desc": "what an IDIOT", "Ext": "buy coins" } },
        { "MsgType": "TIMFaceElem", "MsgContent": { "Index": 3, "Data": "smile" } }
    ]);
    let r = send(&mut alice, &room, body, None, None).await;
    assert_eq!(r["code"], 0, "{r}");
    let m = rx.next_event_of("message").await;
    let content = &m["msgBody"][0]["MsgContent"];
    assert_eq!(content["Data"], "{\"say\":\"*****\"}");
    assert_eq!(content["Desc"], "what an *****");
    assert_eq!(content["Ext"], "*********");
    assert_eq!(
        m["msgBody"][1],
        json!({ "MsgType": "TIMFaceElem", "MsgContent": { "Index": 3, "Data": "smile" } })
    );

    // Several screened fields across elements, masked in place.
    let body = json!([
        { "MsgType": "TIMTextElem", "MsgContent": { "Text": "idiot" } },
        { "MsgType": "TIMCustomElem", "MsgContent": { "Data": "fine", "Desc": "i d i o t", "Ext": "" } },
        { "MsgType": "TIMTextElem", "MsgContent": { "Text": "fine too" } },
        { "MsgType": "TIMTextElem", "MsgContent": { "Text": "ＩＤＩＯＴ!" } }
    ]);
    let r = send(&mut alice, &room, body, None, None).await;
    assert_eq!(r["code"], 0, "{r}");
    let m = rx.next_event_of("message").await;
    assert_eq!(
        m["msgBody"],
        json!([
            { "MsgType": "TIMTextElem", "MsgContent": { "Text": "*****" } },
            { "MsgType": "TIMCustomElem", "MsgContent": { "Data": "fine", "Desc": "*********", "Ext": "" } },
            { "MsgType": "TIMTextElem", "MsgContent": { "Text": "fine too" } },
            { "MsgType": "TIMTextElem", "MsgContent": { "Text": "*****!" } }
        ])
    );
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}

#[tokio::test]
async fn clean_messages_pass_untouched() {
    let (c, _lists) = moderated_config();
    let (server, room) = TestServer::with_room_in(c, "modclean", Some("owner1")).await;
    let mut alice = server.joined("alice", &room).await;
    let mut rx = server.joined_guest(&room).await;

    let texts = [
        "Hello, World!",
        "ｆｕｌｌ ｗｉｄｔｈ and 你好 👋🏽 café",
        "an idiom, not an insult; sex ed cam era",
        "zero\u{200B}width\u{200D}joiner",
        "  spaces  \t tabs \n newlines  ",
        "\"quotes\" \\ backslash </script>",
    ];
    for text in texts {
        let r = alice.send_msg(&room, text).await;
        assert_eq!(r["code"], 0, "{text:?}: {r}");
        let m = rx.next_event_of("message").await;
        assert_eq!(text_of(&m), text, "clean text changed");
    }
    let body = json!([
        { "MsgType": "TIMTextElem", "MsgContent": { "Text": "gift for you" } },
        { "MsgType": "TIMCustomElem", "MsgContent": { "Data": "{\"k\":[1,2,3]}", "Desc": "desc", "Ext": "ext" } }
    ]);
    let r = send(&mut alice, &room, body.clone(), None, None).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(rx.next_event_of("message").await["msgBody"], body);
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}
