//! The calendar sync, against two real CalDAV servers (Radicale and Xandikos, from PyPI) and the
//! real connector binary: the studio's sessions and appointments reach a photographer's
//! calendar once however often the sync runs, what they book on the phone comes back to the
//! inbox, changes to a session made on the phone come back as proposed changes, repeating
//! events and daylight-saving nights keep their times, clashes are listed, and one user's
//! broken account stops nobody else.

use std::path::Path;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use proofroom_tests::dav::{DavServer, PASSWORD, Peer, phone_event};
use proofroom_tests::library::{STUDIO_TOML, studio_today};
use proofroom_tests::smtp::SmtpServer;
use proofroom_tests::{LibraryBuilder, connector_binary, inbox_files, printed};

/// Runs `calendar sync` on `library` (with `env` set); answers the exit code and what it
/// printed.
async fn calendar_sync(library: &Path, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut command = tokio::process::Command::new(connector_binary());
    command.args(["calendar", "sync", "--library"]).arg(library);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().await.expect("the connector runs");
    (output.status.code(), printed(&output))
}

async fn synced(library: &Path) -> String {
    let (code, said) = calendar_sync(library, &[]).await;
    assert_eq!(code, Some(0), "{said}");
    said
}

/// A studio library whose connector.toml has `users` (from [`DavServer::user_toml`]), each
/// with the test servers' password in its file.
fn studio(users: &[(&str, String)]) -> LibraryBuilder {
    let library = LibraryBuilder::new();
    library.write("studio.toml", STUDIO_TOML);
    let mut toml = String::from("server = \"http://127.0.0.1:9\"\n\n");
    for (id, entry) in users {
        library.write(&format!("secrets/{id}.password"), format!("{PASSWORD}\n"));
        toml.push_str(entry);
    }
    library.write("connector.toml", toml);
    library
}

/// A session on `day` from `from` to `to` (local `HH:MM`), worked by `staff`.
fn session_at(
    library: &LibraryBuilder,
    id: &str,
    day: NaiveDate,
    from: &str,
    to: &str,
    staff: &str,
    extra: &str,
) {
    library
        .session(id)
        .client((id, "Ann", id, &format!("{id}@example.com")))
        .setting(&format!(
            "starts = \"{day} {from}\"\nends = \"{day} {to}\"\nlocation = \"Rose Garden\"\nstaff = [{staff}]\n{extra}"
        ))
        .write();
}

fn ics_day(day: NaiveDate) -> String {
    day.format("%Y%m%d").to_string()
}

fn uids(events: &[(String, String)]) -> Vec<String> {
    let mut found: Vec<String> = events
        .iter()
        .map(|(_, data)| {
            data.lines()
                .find_map(|l| l.strip_prefix("UID:"))
                .expect("every event has a UID")
                .trim()
                .to_string()
        })
        .collect();
    found.sort();
    found
}

fn event_with<'a>(events: &'a [(String, String)], uid: &str) -> &'a (String, String) {
    events
        .iter()
        .find(|(_, data)| data.lines().any(|l| l.trim() == format!("UID:{uid}")))
        .unwrap_or_else(|| panic!("no event {uid} in {:?}", uids(events)))
}

fn task_lines(library: &Path, kind: &str) -> Vec<String> {
    let files = inbox_files(library);
    let tasks = files.get("tasks.csv").cloned().unwrap_or_default();
    tasks.lines().filter(|l| l.contains(&format!(",{kind},"))).map(str::to_string).collect()
}

const SMITH_UID: &str = "proofroom-session-smith@maplelane.example";

#[tokio::test]
async fn populate_out_and_back_three_times_never_duplicates_anything() {
    for peer in Peer::ALL {
        let Some(server) = DavServer::start(peer, &["anna"]).await else { return };
        let today = studio_today();
        let calendar = server.calendar_href("anna");
        // What the phone had before the first sync.
        let soon = ics_day(today + Days::new(5));
        server
            .put(
                "anna",
                &calendar,
                "dentist.ics",
                "text/calendar",
                &phone_event(
                    "dentist@phone",
                    "Dentist",
                    "Europe/Lisbon",
                    &format!("{soon}T190000"),
                    &format!("{soon}T200000"),
                    "",
                ),
            )
            .await;
        let long_ago = ics_day(today - Days::new(200));
        server
            .put(
                "anna",
                &calendar,
                "lunch.ics",
                "text/calendar",
                &phone_event(
                    "lunch@phone",
                    "Old lunch",
                    "America/Chicago",
                    &format!("{long_ago}T120000"),
                    &format!("{long_ago}T130000"),
                    "",
                ),
            )
            .await;
        server
            .put(
                "anna",
                &calendar,
                "maybe.ics",
                "text/calendar",
                &phone_event(
                    "maybe@phone",
                    "Maybe coffee",
                    "America/Chicago",
                    &format!("{soon}T090000"),
                    &format!("{soon}T100000"),
                    "STATUS:TENTATIVE\r\n",
                ),
            )
            .await;

        let library = studio(&[("anna", server.user_toml("anna", ""))]);
        session_at(&library, "smith", today + Days::new(10), "14:00", "18:00", "\"anna\"", "");
        session_at(&library, "jones", today + Days::new(11), "10:00", "12:00", "\"ben\"", "");
        library.write(
            "calendar/consult.toml",
            format!(
                "title = \"Consultation\"\nstarts = \"{0} 10:00\"\nends = \"{0} 11:00\"\nstaff = [\"anna\"]\nrepeat = \"FREQ=WEEKLY;COUNT=3\"\n",
                today + Days::new(3)
            ),
        );

        let first = synced(library.path()).await;
        assert!(
            first.contains("note: sessions/jones/session.toml names \"ben\" in staff, who is no user in connector.toml"),
            "{first}"
        );
        assert!(
            first.contains("anna: calendar — 2 sent, 0 updated, 0 removed; 1 appointment and"),
            "{peer:?}: {first}"
        );
        for run in 2..=3 {
            let again = synced(library.path()).await;
            assert!(
                again.contains("anna: calendar — 0 sent, 0 updated, 0 removed; 0 appointments"),
                "{peer:?} run {run}: {again}"
            );
        }
        let events = server.events("anna").await;
        assert_eq!(
            uids(&events),
            vec![
                "dentist@phone".to_string(),
                "lunch@phone".into(),
                "maybe@phone".into(),
                "proofroom-calendar-consult@maplelane.example".into(),
                SMITH_UID.into(),
            ],
            "{peer:?}: the studio's two events once each, the phone's three untouched"
        );
        let (_, smith) = event_with(&events, SMITH_UID);
        assert!(smith.contains("DTSTART;TZID=America/Chicago:"), "{peer:?}: its own zone: {smith}");
        assert!(smith.contains("SUMMARY:Session smith — Ann smith"), "{smith}");
        assert!(smith.contains("LOCATION:Rose Garden"), "{smith}");
        let (_, consult) = event_with(&events, "proofroom-calendar-consult@maplelane.example");
        assert!(consult.contains("RRULE:FREQ=WEEKLY;COUNT=3"), "{consult}");

        // Back: the future appointment, not the one from months ago, not the tentative one.
        let inbox = inbox_files(library.path());
        let appointments: Vec<&String> =
            inbox.keys().filter(|k| k.starts_with("appointments/")).collect();
        assert_eq!(
            appointments,
            vec!["appointments/dentist@phone.ics", "appointments/dentist@phone.json"],
            "{peer:?}"
        );
        let dentist: serde_json::Value =
            serde_json::from_str(&inbox["appointments/dentist@phone.json"]).unwrap();
        assert_eq!(dentist["title"], "Dentist");
        assert_eq!(dentist["time_zone"], "Europe/Lisbon", "its own zone kept");
        assert_eq!(dentist["starts"], format!("{} 19:00", today + Days::new(5)));
        assert_eq!(dentist["link_with"], "appointment = \"dentist@phone\"");
        assert_eq!(task_lines(library.path(), "appointment").len(), 1, "{peer:?}: one task line");

        // Tentative ones only when the user asks for them.
        library.write(
            "connector.toml",
            format!("{}\n", server.user_toml("anna", "include_tentative = true")),
        );
        let with_tentative = synced(library.path()).await;
        assert!(
            with_tentative
                .contains("anna: calendar — 0 sent, 0 updated, 0 removed; 1 appointment and"),
            "{peer:?}: {with_tentative}"
        );
        let maybe: serde_json::Value =
            serde_json::from_str(&inbox_files(library.path())["appointments/maybe@phone.json"])
                .unwrap();
        assert_eq!(maybe["tentative"], true);
        assert_eq!(uids(&server.events("anna").await).len(), 5, "{peer:?}: still nothing doubled");
    }
}

#[tokio::test]
async fn a_session_moved_on_the_phone_comes_back_as_a_proposed_change_and_links_update_the_same_event()
 {
    for peer in Peer::ALL {
        let Some(server) = DavServer::start(peer, &["anna"]).await else { return };
        let today = studio_today();
        let day = today + Days::new(10);
        let library = studio(&[("anna", server.user_toml("anna", ""))]);
        session_at(&library, "smith", day, "14:00", "18:00", "\"anna\"", "");
        synced(library.path()).await;
        let manifest_before =
            std::fs::read_to_string(library.file("sessions/smith/session.toml")).unwrap();

        // Anna moves the wedding an hour later on her phone.
        let (href, data) = event_with(&server.events("anna").await, SMITH_UID).clone();
        let moved = data
            .replace(&format!("{}T140000", ics_day(day)), &format!("{}T150000", ics_day(day)))
            .replace(&format!("{}T180000", ics_day(day)), &format!("{}T190000", ics_day(day)));
        let (status, _) =
            server.request("PUT", "anna", &href, Some(("text/calendar", &moved))).await;
        assert!(status.is_success());
        let said = synced(library.path()).await;
        assert!(said.contains("1 proposed change back"), "{peer:?}: {said}");
        let inbox = inbox_files(library.path());
        let (name, change) = inbox
            .iter()
            .find(|(k, _)| k.starts_with("session-changes/smith-"))
            .unwrap_or_else(|| panic!("{peer:?}: no proposed change in {:?}", inbox.keys()));
        let change: serde_json::Value = serde_json::from_str(change).unwrap();
        assert_eq!(change["studio"]["starts"], format!("{day} 14:00"));
        assert_eq!(change["phone"]["starts"], format!("{day} 15:00"));
        assert_eq!(change["phone"]["time_zone"], "America/Chicago");
        let tasks = task_lines(library.path(), "session-change");
        assert_eq!(tasks.len(), 1, "{tasks:?}");
        assert!(tasks[0].contains(",smith,") && tasks[0].contains(name.as_str()), "{tasks:?}");
        assert!(
            tasks[0].contains(&format!("anna (phone) moved it from {day} 14:00 to {day} 15:00 (America/Chicago) on their calendar")),
            "{tasks:?}"
        );
        assert_eq!(
            std::fs::read_to_string(library.file("sessions/smith/session.toml")).unwrap(),
            manifest_before,
            "the library stays the studio's"
        );
        let quiet = synced(library.path()).await;
        assert!(quiet.contains("0 proposed changes"), "reported once: {quiet}");

        // Anna books an engagement shoot on the road; the studio makes it a session.
        let shoot_day = ics_day(today + Days::new(20));
        server
            .put(
                "anna",
                &server.calendar_href("anna"),
                "lee.ics",
                "text/calendar",
                &phone_event(
                    "lee-shoot@phone",
                    "Engagement shoot Lee",
                    "America/Chicago",
                    &format!("{shoot_day}T100000"),
                    &format!("{shoot_day}T120000"),
                    "",
                ),
            )
            .await;
        let said = synced(library.path()).await;
        assert!(said.contains("1 appointment and"), "{said}");
        assert!(inbox_files(library.path()).contains_key("appointments/lee-shoot@phone.json"));
        session_at(
            &library,
            "lee",
            today + Days::new(20),
            "10:00",
            "12:30",
            "\"anna\"",
            "appointment = \"lee-shoot@phone\"\n",
        );
        let said = synced(library.path()).await;
        assert!(
            said.contains("0 sent, 1 updated"),
            "{peer:?}: the phone's event is updated, not doubled: {said}"
        );
        let events = server.events("anna").await;
        assert_eq!(
            uids(&events),
            vec!["lee-shoot@phone".to_string(), SMITH_UID.into()],
            "{peer:?}"
        );
        let (_, lee) = event_with(&events, "lee-shoot@phone");
        assert!(lee.contains("SUMMARY:Session lee — Ann lee"), "{lee}");
        assert!(lee.contains("T123000"), "the session's end: {lee}");

        // A mistake in a session's file keeps its event where it is until it is fixed.
        let good = std::fs::read_to_string(library.file("sessions/smith/session.toml")).unwrap();
        library.write("sessions/smith/session.toml", good.replace("starts", "strats"));
        let (code, said) = calendar_sync(library.path(), &[]).await;
        assert_eq!(code, Some(3), "the mistake is told: {said}");
        assert!(
            said.contains("error: sessions/smith/session.toml") && said.contains("0 removed"),
            "{peer:?}: {said}"
        );
        assert_eq!(uids(&server.events("anna").await).len(), 2, "{peer:?}: nothing taken off");
        library.write("sessions/smith/session.toml", good);

        // A session taken off the calendar (no staff) leaves it.
        session_at(&library, "smith", day, "14:00", "18:00", "", "");
        let said = synced(library.path()).await;
        assert!(said.contains("1 removed"), "{said}");
        assert_eq!(uids(&server.events("anna").await), vec!["lee-shoot@phone".to_string()]);
    }
}

/// The second Sunday of March of next year: where America/Chicago's clocks go forward.
fn next_spring_forward(today: NaiveDate) -> NaiveDate {
    let march = NaiveDate::from_ymd_opt(today.year() + 1, 3, 1).unwrap();
    let first_sunday =
        (0..7).map(|d| march + Days::new(d)).find(|d| d.weekday() == Weekday::Sun).unwrap();
    first_sunday + Days::new(7)
}

#[tokio::test]
async fn repeats_daylight_saving_and_zone_changes_keep_their_times_and_clashes_are_listed() {
    for peer in Peer::ALL {
        let Some(server) = DavServer::start(peer, &["anna"]).await else { return };
        let Some(smtp) = SmtpServer::start() else { return };
        let today = studio_today();
        let library = studio(&[(
            "anna",
            server.user_toml("anna", "warnings_to = \"anna@maplelane.example\""),
        )]);
        let toml = std::fs::read_to_string(library.file("connector.toml")).unwrap();
        library.write(
            "connector.toml",
            format!(
                "{toml}\n[smtp]\nurl = \"{}\"\nfrom = \"Maple Lane <studio@maplelane.example>\"\n",
                smtp.url()
            ),
        );
        // A weekly class Anna teaches, made on her phone, skipping its second week.
        let first = today + Days::new(7);
        let skipped = first + Days::new(7);
        let class = phone_event(
            "class@phone",
            "Photo class",
            "America/Chicago",
            &format!("{}T150000", ics_day(first)),
            &format!("{}T170000", ics_day(first)),
            &format!(
                "RRULE:FREQ=WEEKLY;COUNT=6\r\nEXDATE;TZID=America/Chicago:{}T150000\r\n",
                ics_day(skipped)
            ),
        );
        server
            .put("anna", &server.calendar_href("anna"), "class.ics", "text/calendar", &class)
            .await;
        // One session in the skipped week, one over the third class, one across the night the
        // clocks go forward (00:30 to 04:30 on the clock: three hours).
        session_at(&library, "free-week", skipped, "15:30", "16:30", "\"anna\"", "");
        session_at(&library, "clash", first + Days::new(14), "16:00", "18:00", "\"anna\"", "");
        let spring = next_spring_forward(today);
        session_at(&library, "night", spring, "00:30", "04:30", "\"anna\"", "");

        let said = synced(library.path()).await;
        assert!(said.contains("1 clash between appointments and sessions"), "{peer:?}: {said}");
        let conflicts = inbox_files(library.path())["conflicts.csv"].clone();
        let rows: Vec<&str> = conflicts.lines().skip(1).collect();
        assert_eq!(rows.len(), 1, "{conflicts}");
        assert!(
            rows[0].starts_with(&format!(
                "anna,Photo class,class@phone,{} 15:00,",
                first + Days::new(14)
            )),
            "{conflicts}"
        );
        assert!(rows[0].contains(",clash,"), "{conflicts}");
        let appointment: serde_json::Value =
            serde_json::from_str(&inbox_files(library.path())["appointments/class@phone.json"])
                .unwrap();
        assert_eq!(appointment["repeat"], "FREQ=WEEKLY;COUNT=6");
        assert_eq!(appointment["exceptions"][0], format!("{skipped} 15:00"));
        let mail = smtp.wait_for(1).await;
        assert_eq!(mail.len(), 1, "{mail:?}");
        assert_eq!(mail[0].subject, "Calendar clash for anna (phone)");
        assert!(
            mail[0].body.contains(&format!(
                "Photo class at {} 15:00 overlaps session clash",
                first + Days::new(14)
            )),
            "{}",
            mail[0].body
        );

        let events = server.events("anna").await;
        let (_, night) = event_with(&events, "proofroom-session-night@maplelane.example");
        assert!(
            night.contains(&format!("DTSTART;TZID=America/Chicago:{}T003000", ics_day(spring))),
            "{night}"
        );
        assert!(
            night.contains(&format!("DTEND;TZID=America/Chicago:{}T043000", ics_day(spring))),
            "{night}"
        );

        // The calendar's own zone changes, and the studio's computer travels: nothing moves.
        let proppatch = r#"<?xml version="1.0"?><propertyupdate xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><set><prop><C:calendar-timezone>BEGIN:VCALENDAR&#13;
VERSION:2.0&#13;
BEGIN:VTIMEZONE&#13;
TZID:Asia/Tokyo&#13;
BEGIN:STANDARD&#13;
DTSTART:19700101T000000&#13;
TZOFFSETFROM:+0900&#13;
TZOFFSETTO:+0900&#13;
END:STANDARD&#13;
END:VTIMEZONE&#13;
END:VCALENDAR&#13;
</C:calendar-timezone></prop></set></propertyupdate>"#;
        let (status, body) = server
            .request(
                "PROPPATCH",
                "anna",
                &server.calendar_href("anna"),
                Some(("text/xml", proppatch)),
            )
            .await;
        assert!(status.is_success(), "{peer:?}: PROPPATCH {status} {body}");
        let (code, said) = calendar_sync(library.path(), &[("TZ", "Pacific/Auckland")]).await;
        assert_eq!(code, Some(0), "{said}");
        assert!(said.contains("anna: calendar — 0 sent, 0 updated, 0 removed; 0 appointments and 0 proposed changes"), "{peer:?}: {said}");
        assert_eq!(server.events("anna").await, events, "{peer:?}: every event as it was");
    }
}

#[tokio::test]
async fn one_users_broken_account_stops_nobody_else() {
    let Some(server) = DavServer::start(Peer::Radicale, &["anna", "carl"]).await else { return };
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let today = studio_today();
    let ben = format!(
        "[[users]]\nid = \"ben\"\nurl = \"http://127.0.0.1:{closed}/\"\nuser_name = \"ben\"\npassword_file = \"secrets/ben.password\"\n"
    );
    let Some(smtp) = SmtpServer::start() else { return };
    let library = studio(&[
        ("ben", format!("{ben}warnings_to = \"ben@maplelane.example\"\n")),
        ("anna", server.user_toml("anna", "warnings_to = \"anna@maplelane.example\"")),
        ("carl", server.user_toml("carl", "warnings_to = \"carl@maplelane.example\"")),
    ]);
    library.write("secrets/carl.password", "not the password\n");
    let toml = std::fs::read_to_string(library.file("connector.toml")).unwrap();
    library.write(
        "connector.toml",
        format!("{toml}\n[smtp]\nurl = \"{}\"\nfrom = \"Maple Lane Photography <studio@maplelane.example>\"\n", smtp.url()),
    );
    session_at(
        &library,
        "smith",
        today + Days::new(10),
        "14:00",
        "18:00",
        "\"anna\", \"ben\", \"carl\"",
        "",
    );

    let (code, said) = calendar_sync(library.path(), &[]).await;
    assert_eq!(code, Some(3), "some users failed: {said}");
    assert!(said.contains("error: ben: "), "{said}");
    assert!(said.contains("Connection refused") || said.contains("connect"), "{said}");
    assert!(
        said.contains("error: carl: ") && said.contains("refused the user name and password (401)"),
        "{said}"
    );
    assert!(said.contains("anna: calendar — 1 sent"), "{said}");
    assert_eq!(uids(&server.events("anna").await), vec![SMITH_UID.to_string()]);

    // Ben and Carl are told, once; Anna, whose sync went well, is not.
    let mail = smtp.wait_for(2).await;
    let mut to: Vec<&str> = mail.iter().map(|m| m.to.as_str()).collect();
    to.sort();
    assert_eq!(to, vec!["ben@maplelane.example", "carl@maplelane.example"], "{mail:?}");
    let carl = mail.iter().find(|m| m.to == "carl@maplelane.example").unwrap();
    assert_eq!(carl.subject, "Calendar sync for carl (phone) failed");
    assert!(carl.body.contains("refused the user name and password"), "{}", carl.body);
    let (code, _) = calendar_sync(library.path(), &[]).await;
    assert_eq!(code, Some(3));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 2, "the same warning is not sent again");

    // `--user` syncs one user alone.
    let (code, said) = {
        let mut command = tokio::process::Command::new(connector_binary());
        command.args(["calendar", "sync", "--user", "anna", "--library"]).arg(library.path());
        let output = command.output().await.unwrap();
        (output.status.code(), printed(&output))
    };
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("anna: calendar") && !said.contains("ben"), "{said}");
}

#[tokio::test]
async fn a_client_group_reaches_the_address_book_and_contacts_added_there_come_back() {
    for peer in Peer::ALL {
        let Some(server) = DavServer::start(peer, &["anna"]).await else { return };
        let library =
            studio(&[("anna", server.user_toml("anna", "contacts_group = \"weddings-2026\""))]);
        library.write(
            "clients/smith.toml",
            "name = \"Ann Smith\"\nemail = \"ann@example.com\"\nphones = [\"+1 555 0100\"]\naddress = \"12 Main St, Springfield\"\ngroups = [\"weddings-2026\"]\n",
        );
        library.write("clients/jones.toml", "name = \"Bo Jones\"\ngroups = [\"portraits\"]\n");
        let lee = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:lee@phone\r\nFN:Lee Park\r\nN:Park;Lee;;;\r\nEMAIL;TYPE=INTERNET:lee@example.com\r\nTEL:+1 555 0199\r\nEND:VCARD\r\n";
        server.put("anna", &server.contacts_href("anna"), "lee.vcf", "text/vcard", lee).await;

        let said = synced(library.path()).await;
        assert!(
            said.contains("contacts — 1 sent, 0 updated, 0 removed; 1 contact back"),
            "{peer:?}: {said}"
        );
        let again = synced(library.path()).await;
        assert!(
            again.contains("contacts — 0 sent, 0 updated, 0 removed; 0 contacts back"),
            "{peer:?}: {again}"
        );
        let cards = server.cards("anna").await;
        assert_eq!(cards.len(), 2, "{peer:?}: Ann and Lee, not Bo: {cards:?}");
        let ann = &cards.iter().find(|(_, c)| c.contains("FN:Ann Smith")).expect("Ann's card").1;
        assert!(ann.contains("UID:proofroom-client-smith@maplelane.example"), "{ann}");
        assert!(ann.contains("TEL:+1 555 0100") && ann.contains("ann@example.com"), "{ann}");

        let inbox = inbox_files(library.path());
        let contact: serde_json::Value =
            serde_json::from_str(&inbox["contacts/lee@phone.json"]).expect("Lee in the inbox");
        assert_eq!(contact["name"], "Lee Park");
        assert_eq!(contact["emails"][0], "lee@example.com");
        assert_eq!(contact["group"], "weddings-2026");
        assert_eq!(task_lines(library.path(), "contact").len(), 1);

        // Changes follow; leaving the group takes the card off the phone.
        library.write(
            "clients/smith.toml",
            "name = \"Ann Smith\"\nemail = \"ann@example.com\"\nphones = [\"+1 555 0111\"]\ngroups = [\"weddings-2026\"]\n",
        );
        assert!(synced(library.path()).await.contains("contacts — 0 sent, 1 updated"), "{peer:?}");
        assert!(server.cards("anna").await.iter().any(|(_, c)| c.contains("TEL:+1 555 0111")));
        library.write("clients/smith.toml", "name = \"Ann Smith\"\ngroups = []\n");
        assert!(
            synced(library.path()).await.contains("contacts — 0 sent, 0 updated, 1 removed"),
            "{peer:?}"
        );
        assert_eq!(
            server.cards("anna").await.len(),
            1,
            "{peer:?}: only Lee's, which is the phone's"
        );
    }
}

/// A local OAuth2 token endpoint (and device-code endpoint), as Google's answer them: it
/// records every form it was sent.
struct TokenEndpoint {
    url: String,
    forms: std::sync::Arc<std::sync::Mutex<Vec<std::collections::HashMap<String, String>>>>,
    refuse: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: actix_web::dev::ServerHandle,
}

impl TokenEndpoint {
    async fn start() -> Self {
        use actix_web::{App, HttpResponse, HttpServer, web};
        type Forms =
            std::sync::Arc<std::sync::Mutex<Vec<std::collections::HashMap<String, String>>>>;
        let forms: Forms = Default::default();
        let refuse = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (f, r) = (forms.clone(), refuse.clone());
        let server = HttpServer::new(move || {
            let (forms, refuse) = (f.clone(), r.clone());
            let device_forms = f.clone();
            App::new()
                .route(
                    "/token",
                    web::post().to(move |form: web::Form<std::collections::HashMap<String, String>>| {
                        let (forms, refuse) = (forms.clone(), refuse.clone());
                        async move {
                            let form = form.into_inner();
                            let mut all = forms.lock().unwrap();
                            all.push(form.clone());
                            let n = all.len();
                            let grant = form.get("grant_type").cloned().unwrap_or_default();
                            if grant.ends_with("device_code") && all.iter().filter(|f| f.get("grant_type") == Some(&grant)).count() == 1 {
                                return HttpResponse::BadRequest().json(serde_json::json!({"error": "authorization_pending"}));
                            }
                            if refuse.load(std::sync::atomic::Ordering::SeqCst) {
                                return HttpResponse::BadRequest().json(serde_json::json!({"error": "invalid_grant"}));
                            }
                            let mut answer = serde_json::json!({"access_token": format!("at-{n}"), "expires_in": 3600, "token_type": "Bearer"});
                            if grant != "refresh_token" {
                                answer["refresh_token"] = serde_json::json!("rt-1");
                            }
                            HttpResponse::Ok().json(answer)
                        }
                    }),
                )
                .route(
                    "/device",
                    web::post().to(move |form: web::Form<std::collections::HashMap<String, String>>| {
                        let forms = device_forms.clone();
                        async move {
                            forms.lock().unwrap().push(form.into_inner());
                            HttpResponse::Ok().json(serde_json::json!({
                                "device_code": "dev-1", "user_code": "WXYZ-1234",
                                "verification_url": "https://www.google.com/device",
                                "interval": 1, "expires_in": 60
                            }))
                        }
                    }),
                )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self { url, forms, refuse, handle }
    }

    fn grants(&self) -> Vec<String> {
        self.forms
            .lock()
            .unwrap()
            .iter()
            .map(|f| f.get("grant_type").cloned().unwrap_or_else(|| "device".into()))
            .collect()
    }
}

impl Drop for TokenEndpoint {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

#[tokio::test]
async fn an_oauth2_account_is_authorized_once_and_refreshes_its_access_tokens_itself() {
    let Some(server) = DavServer::start(Peer::Xandikos, &["anna"]).await else { return };
    let endpoint = TokenEndpoint::start().await;
    let anna = format!(
        "[[users]]\nid = \"anna\"\nurl = \"{}\"\nuser_name = \"anna@gmail.example\"\n[users.oauth]\nclient_id = \"studio.apps.example\"\nclient_secret_file = \"secrets/oauth-client\"\nauth_url = \"{1}/auth\"\ntoken_url = \"{1}/token\"\ndevice_url = \"{1}/device\"\n",
        server.url(),
        endpoint.url
    );
    let library = studio(&[]);
    library.write("connector.toml", anna);
    library.write("secrets/oauth-client", "s3cret\n");
    session_at(&library, "smith", studio_today() + Days::new(10), "14:00", "18:00", "\"anna\"", "");

    let (code, said) = calendar_sync(library.path(), &[]).await;
    assert_eq!(code, Some(3), "{said}");
    assert!(
        said.contains("not authorized yet: run `proofroom-connector calendar authorize anna"),
        "{said}"
    );

    // On a computer without a browser: a code to enter on her phone.
    let output = tokio::process::Command::new(connector_binary())
        .args(["calendar", "authorize", "anna", "--device", "--library"])
        .arg(library.path())
        .output()
        .await
        .unwrap();
    let said = printed(&output);
    assert!(output.status.success(), "{said}");
    assert!(
        said.contains("open https://www.google.com/device and enter the code WXYZ-1234"),
        "{said}"
    );
    let kept = library.file(".proofroom/oauth/anna.json");
    let tokens: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&kept).unwrap()).unwrap();
    assert_eq!(tokens["refresh_token"], "rt-1");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the token is the studio account's alone");
    }
    assert_eq!(
        endpoint.grants(),
        vec![
            "device",
            "urn:ietf:params:oauth:grant-type:device_code",
            "urn:ietf:params:oauth:grant-type:device_code"
        ]
    );

    // The access token it got is used while it is fresh; then the refresh token gets another.
    synced(library.path()).await;
    synced(library.path()).await;
    assert_eq!(endpoint.grants().len(), 3, "no refresh while the access token is fresh");
    assert_eq!(uids(&server.events("anna").await), vec![SMITH_UID.to_string()]);
    let mut tokens = tokens;
    tokens["expires_at"] = serde_json::json!("2020-01-01T00:00:00Z");
    std::fs::write(&kept, tokens.to_string()).unwrap();
    synced(library.path()).await;
    let forms = endpoint.forms.lock().unwrap().clone();
    let refresh = forms.last().unwrap();
    assert_eq!(refresh["grant_type"], "refresh_token");
    assert_eq!(refresh["refresh_token"], "rt-1");
    assert_eq!(
        (refresh["client_id"].as_str(), refresh["client_secret"].as_str()),
        ("studio.apps.example", "s3cret")
    );

    // Access taken back in the account: a clear error naming what to run.
    endpoint.refuse.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut tokens: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&kept).unwrap()).unwrap();
    tokens["expires_at"] = serde_json::json!("2020-01-01T00:00:00Z");
    std::fs::write(&kept, tokens.to_string()).unwrap();
    let (code, said) = calendar_sync(library.path(), &[]).await;
    assert_eq!(code, Some(3), "{said}");
    assert!(
        said.contains("invalid_grant): run `proofroom-connector calendar authorize anna` again"),
        "{said}"
    );
    endpoint.refuse.store(false, std::sync::atomic::Ordering::SeqCst);

    // In a browser on this computer: it comes back to the loopback address with a code.
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(connector_binary())
        .args(["calendar", "authorize", "anna", "--library"])
        .arg(library.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines.next_line().await.unwrap().expect("the address to open");
        if let Some(at) = line.trim().strip_prefix(&format!("{}/auth?", endpoint.url)) {
            break reqwest::Url::parse(&format!("http://x/?{at}")).unwrap();
        }
    };
    let get = |key: &str| address.query_pairs().find(|(k, _)| k == key).unwrap().1.to_string();
    let back = format!("{}?code=c-1&state={}", get("redirect_uri"), get("state"));
    let page = reqwest::get(&back).await.unwrap().text().await.unwrap();
    assert!(page.contains("Proofroom is authorized"), "{page}");
    assert!(child.wait().await.unwrap().success());
    let forms = endpoint.forms.lock().unwrap().clone();
    let exchange = forms.last().unwrap();
    assert_eq!(
        (exchange["grant_type"].as_str(), exchange["code"].as_str()),
        ("authorization_code", "c-1")
    );
    use base64::Engine;
    use sha2::Digest;
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(exchange["code_verifier"].as_bytes()));
    assert_eq!(challenge, get("code_challenge"), "PKCE: the verifier matches the challenge");
    synced(library.path()).await;
}

#[tokio::test]
async fn sync_and_the_daemon_do_the_calendar_after_the_push_and_the_pull() {
    let Some(server) = DavServer::start(Peer::Radicale, &["anna"]).await else { return };
    let app = proofroom_tests::TestApp::spawn().await;
    let library = studio(&[("anna", server.user_toml("anna", ""))]);
    session_at(&library, "smith", studio_today() + Days::new(10), "14:00", "18:00", "\"anna\"", "");
    let said = app.sync(library.path()).await;
    assert!(said.contains("anna: calendar — 1 sent, 0 updated, 0 removed"), "{said}");
    assert_eq!(uids(&server.events("anna").await), vec![SMITH_UID.to_string()]);
    // The run log keeps the calendar's line with the rest.
    let logs = tokio::process::Command::new(connector_binary())
        .args(["logs", "--library"])
        .arg(library.path())
        .output()
        .await
        .unwrap();
    assert!(printed(&logs).contains("anna: calendar — 1 sent"), "{}", printed(&logs));
    // `--only calendar` syncs the calendar alone.
    let only = app.connector(library.path(), &["sync", "--only", "calendar"]).await;
    assert!(only.status.success(), "{}", printed(&only));
    assert!(
        printed(&only).contains("anna: calendar — 0 sent, 0 updated, 0 removed"),
        "{}",
        printed(&only)
    );
}
