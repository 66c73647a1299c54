//! Configuration parsing, defaults and validation.

use std::collections::BTreeMap;

use roomcast_moderation::{
    Action, ActionTable, Category, Dictionary, ListSource, ModerationError, ModerationOptions, Screener,
};

#[test]
fn defaults() {
    let options = ModerationOptions::default();
    assert!(options.enabled);
    assert_eq!((options.workers, options.queue_capacity), (2, 4096));
    assert!(options.lists.is_empty() && options.actions.is_empty() && options.allow_lists.is_empty());
    assert_eq!(
        (options.audit_capacity, options.max_terms_per_list),
        (10_000, 1_000_000)
    );
    options.validate().unwrap();

    let table = ActionTable::default();
    let expected = [
        (Category::Porn, Action::Block),
        (Category::Politics, Action::Block),
        (Category::Abuse, Action::Mask),
        (Category::Ads, Action::Mask),
        (Category::Custom, Action::Block),
    ];
    for (category, action) in expected {
        assert_eq!(table.get(category), action, "{category}");
        assert_eq!(category.default_action(), action);
    }
}

#[test]
fn empty_json_gives_defaults() {
    let options: ModerationOptions = serde_json::from_str("{}").unwrap();
    assert_eq!(options, ModerationOptions::default());
}

#[test]
fn full_json_round_trips() {
    let json = r#"{
        "enabled": true,
        "workers": 4,
        "queue_capacity": 100,
        "lists": [{"category": "politics", "path": "/etc/roomcast/politics.txt"}],
        "actions": {"porn": "flag", "ads": "block"},
        "allow_lists": ["/etc/roomcast/allow.txt"],
        "audit_capacity": 500,
        "max_terms_per_list": 200000
    }"#;
    let options: ModerationOptions = serde_json::from_str(json).unwrap();
    assert_eq!(options.workers, 4);
    assert_eq!(
        options.lists,
        [ListSource::new(Category::Politics, "/etc/roomcast/politics.txt")]
    );
    assert_eq!(
        options.actions,
        BTreeMap::from([(Category::Porn, Action::Flag), (Category::Ads, Action::Block)])
    );
    assert_eq!(
        options.allow_lists,
        [std::path::PathBuf::from("/etc/roomcast/allow.txt")]
    );
    assert_eq!((options.audit_capacity, options.max_terms_per_list), (500, 200_000));
    let table = options.action_table();
    assert_eq!(table.get(Category::Porn), Action::Flag);
    assert_eq!(table.get(Category::Ads), Action::Block);
    assert_eq!(table.get(Category::Abuse), Action::Mask);

    let back: ModerationOptions = serde_json::from_str(&serde_json::to_string(&options).unwrap()).unwrap();
    assert_eq!(back, options);
}

#[test]
fn unknown_fields_and_values_are_rejected() {
    for json in [
        r#"{"worker": 2}"#,
        r#"{"lists": [{"category": "abuse", "path": "a", "extra": 1}]}"#,
        r#"{"lists": [{"category": "spam", "path": "a"}]}"#,
        r#"{"actions": {"porn": "delete"}}"#,
        r#"{"actions": {"Porn": "block"}}"#,
    ] {
        assert!(serde_json::from_str::<ModerationOptions>(json).is_err(), "{json}");
    }
}

#[test]
fn validate_bounds() {
    let with = |workers, queue_capacity| ModerationOptions {
        workers,
        queue_capacity,
        ..ModerationOptions::default()
    };
    for (workers, queue) in [(1, 1), (256, 1_000_000)] {
        with(workers, queue).validate().unwrap();
    }
    for (workers, queue) in [(0, 1), (257, 1), (1, 0), (1, 1_000_001)] {
        let error = with(workers, queue).validate().unwrap_err();
        assert!(matches!(error, ModerationError::InvalidOptions(_)), "{error:?}");
        assert!(error.to_string().starts_with("invalid moderation options: "));
        assert!(!error.retryable());
        assert!(Screener::with_dictionary(Dictionary::empty(), &with(workers, queue)).is_err());
    }
    for (audit_capacity, max_terms_per_list) in [(10_000_001, 1), (0, 0), (0, 10_000_001)] {
        let options = ModerationOptions {
            audit_capacity,
            max_terms_per_list,
            ..ModerationOptions::default()
        };
        assert!(options.validate().is_err(), "{audit_capacity} {max_terms_per_list}");
    }
    let empty_allow = ModerationOptions {
        allow_lists: vec!["".into()],
        ..ModerationOptions::default()
    };
    assert!(empty_allow.validate().is_err());
    let empty_path = ModerationOptions {
        lists: vec![ListSource::new(Category::Ads, "")],
        ..ModerationOptions::default()
    };
    assert!(empty_path.validate().is_err());
}

#[test]
fn names_are_lowercase_everywhere() {
    for category in Category::ALL {
        let name = category.as_str();
        assert_eq!(category.to_string(), name);
        assert_eq!(serde_json::to_string(&category).unwrap(), format!("\"{name}\""));
        assert_eq!(name, name.to_lowercase());
    }
    assert_eq!(serde_json::to_string(&Action::Block).unwrap(), "\"block\"");
    assert_eq!(Action::Mask.to_string(), "mask");
    assert!(Action::Block > Action::Mask && Action::Mask > Action::Flag);
}

#[test]
fn error_messages_are_lowercase_and_classified() {
    assert_eq!(ModerationError::Overloaded.to_string(), "moderation queue is full");
    assert_eq!(ModerationError::Unavailable.to_string(), "moderation is unavailable");
    assert!(ModerationError::Overloaded.retryable());
    assert!(ModerationError::Unavailable.retryable());
    let list = ModerationError::ListFile {
        path: "/x/y.txt".into(),
        line: None,
        reason: "no such file".into(),
    };
    assert_eq!(list.to_string(), "word list /x/y.txt: no such file");
}
