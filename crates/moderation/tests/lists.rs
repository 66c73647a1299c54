//! Word-list files: format, and errors that point at the offending line.

use std::fs;
use std::path::Path;

use roomcast_moderation::{
    Category, Dictionary, ListSource, ModerationError, ModerationOptions, ScreenRequest, Screener,
};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> ListSource {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    ListSource::new(Category::Custom, path)
}

#[test]
fn comments_blank_lines_and_whitespace_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let abuse = write(
        dir.path(),
        "abuse.txt",
        "\u{feff}# insults\n\n  fuck  \r\n#not a term\n\t\nshit\r\n   # indented comment\n!!!\n".as_bytes(),
    );
    let abuse = ListSource::new(Category::Abuse, abuse.path);
    let politics = ListSource::new(
        Category::Politics,
        write(dir.path(), "politics.txt", "法轮功".as_bytes()).path,
    );

    let dictionary = Dictionary::from_files(&[abuse, politics]).unwrap();
    assert_eq!(dictionary.len(), 3);
    let found: Vec<_> = dictionary
        .find_all("fuckshit法轮功notaterm")
        .into_iter()
        .map(|m| (m.category, m.term))
        .collect();
    assert_eq!(
        found,
        [
            (Category::Abuse, "fuck"),
            (Category::Abuse, "shit"),
            (Category::Politics, "法轮功"),
        ]
    );
}

#[test]
fn missing_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.txt");
    let error = Dictionary::from_files(&[ListSource::new(Category::Porn, &path)]).unwrap_err();
    let ModerationError::ListFile {
        path: reported, line, ..
    } = &error
    else {
        panic!("unexpected error {error:?}");
    };
    assert_eq!((reported, *line), (&path, None));
    assert!(error.to_string().contains("missing.txt"), "{error}");
    assert!(!error.retryable());
}

#[test]
fn invalid_utf8_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let source = write(dir.path(), "broken.txt", b"good\n# comment\nbad \xff\xfe term\nmore\n");
    let error = Dictionary::from_files(std::slice::from_ref(&source)).unwrap_err();
    assert!(
        matches!(&error, ModerationError::ListFile { path, line: Some(3), reason } if *path == source.path && reason.contains("utf-8")),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.starts_with("word list "), "{message}");
    assert!(message.contains("broken.txt line 3: invalid utf-8"), "{message}");
}

#[test]
fn build_loads_configured_lists() {
    let dir = tempfile::tempdir().unwrap();
    let porn = ListSource::new(Category::Porn, write(dir.path(), "porn.txt", b"porn\n").path);
    let ads = ListSource::new(Category::Ads, write(dir.path(), "ads.txt", b"buy now\n").path);
    let options = ModerationOptions {
        lists: vec![porn, ads],
        ..ModerationOptions::default()
    };
    let screener = Screener::build(&options).unwrap();
    assert_eq!(screener.dictionary().len(), 2);
    let outcome = screener.screen_blocking(ScreenRequest::text("BUY NOW")).unwrap();
    assert_eq!(outcome.fields, ["*******"]);
    assert!(
        screener
            .screen_blocking(ScreenRequest::text("p o r n"))
            .unwrap()
            .is_blocked()
    );
}

#[test]
fn build_loads_allow_lists() {
    let dir = tempfile::tempdir().unwrap();
    let abuse = ListSource::new(Category::Abuse, write(dir.path(), "abuse.txt", b"cock\n").path);
    let allow = write(dir.path(), "allow.txt", "# phrases\nCock Robin\n\n".as_bytes()).path;
    let options = ModerationOptions {
        lists: vec![abuse],
        allow_lists: vec![allow],
        ..ModerationOptions::default()
    };
    let screener = Screener::build(&options).unwrap();
    assert_eq!(screener.dictionary().allow_len(), 1);
    assert!(
        screener
            .screen_blocking(ScreenRequest::text("cock robin"))
            .unwrap()
            .is_clean()
    );
    assert!(
        !screener
            .screen_blocking(ScreenRequest::text("cock"))
            .unwrap()
            .is_clean()
    );

    let missing = ModerationOptions {
        allow_lists: vec![dir.path().join("missing.txt")],
        ..options
    };
    assert!(matches!(
        Screener::build(&missing),
        Err(ModerationError::ListFile { .. })
    ));
}

#[test]
fn build_fails_on_a_bad_list_and_skips_lists_when_disabled() {
    let missing = ListSource::new(Category::Porn, "/nonexistent/roomcast/porn.txt");
    let options = ModerationOptions {
        lists: vec![missing],
        ..ModerationOptions::default()
    };
    assert!(matches!(
        Screener::build(&options),
        Err(ModerationError::ListFile { .. })
    ));

    let disabled = ModerationOptions {
        enabled: false,
        ..options
    };
    assert!(!Screener::build(&disabled).unwrap().is_enabled());
}
