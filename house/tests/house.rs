//! The house rules on the real repository: no import cycles in the server or the connector,
//! floors that import no feature, one owner per table. On failure it prints the whole report,
//! as `cargo run -p proofroom-house` does.

use std::path::Path;

#[test]
fn the_house_is_in_order() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let report = proofroom_house::check_repo(root).expect("the source can be read");

    // A check that read nothing would pass: make sure it saw the house.
    assert!(report.crates.iter().all(|krate| krate.module_count > 5), "{report}");
    assert!(report.tables.uses.len() > 20, "{report}");

    assert_eq!(report.finding_count(), 0, "the house rules are broken:\n{report}");
}
