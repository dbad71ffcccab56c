//! The signed PDF of an e-signed contract: the document as the client read it, then a
//! certificate page with the evidence, the document hash and the audit trail.
//!
//! The PDF must stand on its own for years, away from the site, so it is PDF/A-3a: archival,
//! fonts embedded (text stays searchable and extractable), tagged for screen readers, and
//! carrying the evidence as the attached file `evidence.json`, which PDF/A-3 allows. Contracts
//! are plain Markdown, so the layout is done here with the fonts' own advances rather than with
//! a layout engine.

use std::num::NonZeroU16;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDateTime, TimeZone, Timelike};
use krilla::color::luma;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Rect, Transform};
use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, ListNumbering, Node, SpanTag, Tag, TagGroup,
    TagKind, TagTree,
};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};
use proofroom_wire::contracts::{AuditEntry, SignatureEvidence};
use pulldown_cmark::{Event, HeadingLevel, LinkType, Options, Parser, Tag as Md, TagEnd};
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

/// Paper size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    Letter,
    A4,
}

/// What the signed PDF is made from.
pub struct SignedDocument<'a> {
    /// The studio's name (page footer, PDF author).
    pub studio: &'a str,
    /// The contract's title.
    pub title: &'a str,
    /// The filled Markdown the client read.
    pub markdown: &'a str,
    pub evidence: &'a SignatureEvidence,
    /// The client's drawn signature, a PNG (the server checked it: at most 2000×2000 px),
    /// shown on the certificate page. One that cannot be read is left out, never an error.
    pub drawing_png: Option<&'a [u8]>,
    /// The audit trail's rows, in order.
    pub audit: &'a [AuditEntry],
    /// The studio's zone: audit times are shown in it (and in UTC).
    pub time_zone: chrono_tz::Tz,
    pub paper: Paper,
    /// Attached to the PDF as the file `evidence.json` (application/json).
    pub evidence_json: &'a [u8],
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded fonts could not be read")]
    Font,
    #[error("rendering the contract PDF failed: {0}")]
    Render(String),
}

/// Renders the signed PDF (PDF/A-3a, `evidence_json` attached).
pub fn render(doc: &SignedDocument<'_>) -> Result<Vec<u8>, PdfError> {
    render_counted(doc).map(|(pdf, _)| pdf)
}

// --- Geometry and type sizes (points) ---

const MARGIN: f32 = 56.0;
/// Room under the text for the footer.
const FOOTER_ROOM: f32 = 20.0;
const BODY: f32 = 10.5;
const SMALL: f32 = 8.0;
const TITLE: f32 = 20.0;
const LEADING: f32 = 1.4;
/// Indent of each list or block-quote level.
const STEP: f32 = 20.0;
/// Deeper Markdown nesting than this is laid out (and tagged) flat: indents would eat the line
/// and a deep tag tree is no help to a reader.
const MAX_DEPTH: usize = 10;
/// A PDF string may hold 32767 bytes; metadata is cut well below that.
const MAX_META_CHARS: usize = 2000;
const GRAY: u8 = 90;
/// The box the drawn signature is scaled to fit, and the space between it and its border.
const DRAWING_WIDTH: f32 = 220.0;
const DRAWING_HEIGHT: f32 = 66.0;
const DRAWING_PAD: f32 = 4.0;
/// Bigger pictures than this (in pixels, either way) are not drawn.
const DRAWING_MAX_PX: u32 = 4000;
const DRAWING_ALT: &str = "The signer's drawn signature";

// --- Fonts ---

static REGULAR_TTF: &[u8] = include_bytes!("../../../static/fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../../static/fonts/DejaVuSans-Bold.ttf");
static OBLIQUE_TTF: &[u8] = include_bytes!("../../../static/fonts/DejaVuSans-Oblique.ttf");

/// Characters below this are looked up once, when the fonts load: nearly all contract text.
const COMMON_CHARS: usize = 0x2200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Regular,
    Bold,
    Oblique,
}

/// One font: krilla's handle (for drawing and subsetting) and skrifa's tables (for measuring).
struct Face {
    font: Font,
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
    /// Glyph id and advance (in ems) of each char below [`COMMON_CHARS`].
    common: Vec<Option<(u32, f32)>>,
}

impl Face {
    fn load(data: &'static [u8]) -> Option<Face> {
        let font = Font::new(data.into(), 0)?;
        let font_ref = FontRef::new(data).ok()?;
        let units_per_em =
            f32::from(font_ref.metrics(Size::unscaled(), LocationRef::default()).units_per_em);
        if units_per_em <= 0.0 {
            return None;
        }
        let mut face = Face {
            font,
            charmap: font_ref.charmap(),
            metrics: font_ref.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em,
            common: Vec::new(),
        };
        face.common = (0..COMMON_CHARS as u32)
            .map(|c| char::from_u32(c).and_then(|c| face.lookup(c)))
            .collect();
        Some(face)
    }

    fn lookup(&self, c: char) -> Option<(u32, f32)> {
        let glyph = self.charmap.map(c)?;
        if glyph.to_u32() == 0 {
            return None;
        }
        let advance = self.metrics.advance_width(glyph)? / self.units_per_em;
        Some((glyph.to_u32(), advance))
    }

    /// Glyph id and advance in ems; `None` when the font lacks the char.
    fn glyph(&self, c: char) -> Option<(u32, f32)> {
        match self.common.get(c as usize) {
            Some(found) => *found,
            None => self.lookup(c),
        }
    }

    /// The char drawn for `c`: `None` for what prints as nothing (controls, byte-order marks,
    /// variation selectors), `?` for what the font lacks or PDF/A forbids (private use).
    fn printable(&self, c: char) -> Option<char> {
        let c = match c {
            '\t' => ' ',
            '\u{AD}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}' => return None,
            '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' => return None,
            '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}' => '?',
            c if c.is_control() => return None,
            c => c,
        };
        Some(if self.glyph(c).is_some() { c } else { '?' })
    }

    /// `text` as drawn by this face, and its width at `size`.
    fn clean(&self, text: &str, size: f32) -> (String, f32) {
        let mut out = String::with_capacity(text.len());
        let mut width = 0.0;
        for c in text.chars().filter_map(|c| self.printable(c)) {
            width += self.glyph(c).map_or(0.0, |(_, advance)| advance * size);
            out.push(c);
        }
        (out, width)
    }

    /// `text` cut with an ellipsis to fit `max` points at `size`.
    fn fit(&self, text: &str, size: f32, max: f32) -> (String, f32) {
        let (text, width) = self.clean(text, size);
        if width <= max {
            return (text, width);
        }
        let ellipsis = self.glyph('…').map_or(0.0, |(_, advance)| advance * size);
        let mut out = String::new();
        let mut used = ellipsis;
        for c in text.chars() {
            let w = self.glyph(c).map_or(0.0, |(_, advance)| advance * size);
            if used + w > max {
                break;
            }
            used += w;
            out.push(c);
        }
        out.push('…');
        (out, used)
    }
}

struct Fonts {
    regular: Face,
    bold: Face,
    oblique: Face,
}

impl Fonts {
    fn face(&self, style: Style) -> &Face {
        match style {
            Style::Regular => &self.regular,
            Style::Bold => &self.bold,
            Style::Oblique => &self.oblique,
        }
    }
}

/// The fonts, parsed once per process: a warm render only measures and subsets.
fn fonts() -> Result<&'static Fonts, PdfError> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Some(Fonts {
                regular: Face::load(REGULAR_TTF)?,
                bold: Face::load(BOLD_TTF)?,
                oblique: Face::load(OBLIQUE_TTF)?,
            })
        })
        .as_ref()
        .ok_or(PdfError::Font)
}

// --- Line breaking ---

/// Inline content of one block.
#[derive(Debug, Clone)]
enum Inline {
    Text(Style, String),
    Break,
}

/// Text of one style on a line, with its width.
struct Run {
    style: Style,
    text: String,
    width: f32,
}

#[derive(Default)]
struct Line {
    runs: Vec<Run>,
    width: f32,
}

impl Line {
    fn push(&mut self, style: Style, c: char, width: f32) {
        match self.runs.last_mut() {
            Some(run) if run.style == style => {
                run.text.push(c);
                run.width += width;
            }
            _ => self.runs.push(Run { style, text: c.to_string(), width }),
        }
        self.width += width;
    }
}

/// Greedy line breaking at spaces, measured with the fonts' advances. A word longer than a line
/// is broken between chars. `preserve` keeps spaces and line ends (code, raw HTML).
struct Wrapper<'f> {
    fonts: &'f Fonts,
    size: f32,
    avail: f32,
    preserve: bool,
    lines: Vec<Line>,
    line: Line,
    word: Vec<(Style, char, f32)>,
    word_width: f32,
    /// Spaces seen since the last word: the style of the first and how many.
    space: Option<(Style, usize)>,
}

impl<'f> Wrapper<'f> {
    fn wrap(
        fonts: &'f Fonts,
        inline: &[Inline],
        size: f32,
        avail: f32,
        preserve: bool,
    ) -> Vec<Line> {
        let mut w = Wrapper {
            fonts,
            size,
            avail,
            preserve,
            lines: Vec::new(),
            line: Line::default(),
            word: Vec::new(),
            word_width: 0.0,
            space: None,
        };
        for item in inline {
            match item {
                Inline::Text(style, text) => {
                    for c in text.chars() {
                        w.char(*style, c);
                    }
                }
                Inline::Break => w.hard_break(),
            }
        }
        w.commit_word();
        if !w.line.runs.is_empty() {
            w.lines.push(std::mem::take(&mut w.line));
        }
        w.lines
    }

    fn char(&mut self, style: Style, c: char) {
        if c == '\r' {
            return;
        }
        if c == '\n' && self.preserve {
            self.hard_break();
        } else if is_break_space(c) {
            self.commit_word();
            // Verbatim text keeps every space (a tab as four); other text collapses them.
            let add = match c {
                '\t' if self.preserve => 4,
                _ if self.preserve => 1,
                _ => 0,
            };
            self.space = Some(match self.space {
                Some((first, n)) => (first, n + add),
                None => (style, add.max(1)),
            });
        } else {
            let face = self.fonts.face(style);
            if let Some(c) = face.printable(c) {
                let width = face.glyph(c).map_or(0.0, |(_, advance)| advance * self.size);
                self.word.push((style, c, width));
                self.word_width += width;
            }
        }
    }

    fn hard_break(&mut self) {
        self.commit_word();
        self.space = None;
        self.lines.push(std::mem::take(&mut self.line));
    }

    fn space_width(&self, style: Style) -> f32 {
        self.fonts.face(style).glyph(' ').map_or(0.0, |(_, advance)| advance * self.size)
    }

    fn commit_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        let word = std::mem::take(&mut self.word);
        let word_width = std::mem::replace(&mut self.word_width, 0.0);
        let space = self.space.take();
        let leading = self.line.runs.is_empty();
        if let Some((style, count)) = space.filter(|_| !leading || self.preserve) {
            let one = self.space_width(style);
            if self.line.width + one * count as f32 + word_width > self.avail && !leading {
                self.lines.push(std::mem::take(&mut self.line));
            } else if self.line.width + one * count as f32 <= self.avail {
                for _ in 0..count {
                    self.line.push(style, ' ', one);
                }
            }
        }
        if self.line.width + word_width <= self.avail {
            for (style, c, width) in word {
                self.line.push(style, c, width);
            }
            return;
        }
        if !self.line.runs.is_empty() && word_width <= self.avail {
            self.lines.push(std::mem::take(&mut self.line));
            for (style, c, width) in word {
                self.line.push(style, c, width);
            }
            return;
        }
        // Longer than a line: break it between chars.
        for (style, c, width) in word {
            if !self.line.runs.is_empty() && self.line.width + width > self.avail {
                self.lines.push(std::mem::take(&mut self.line));
            }
            self.line.push(style, c, width);
        }
    }
}

/// A space lines may break at (a no-break space is not one).
fn is_break_space(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{A0}' | '\u{202F}' | '\u{2007}')
}

// --- Pages and structure ---

/// Something drawn on a page, at positions from the page's top left.
enum Item {
    Text { x: f32, y: f32, style: Style, size: f32, gray: u8, text: String, leaf: usize },
    Rule { x0: f32, y0: f32, x1: f32, y1: f32 },
    // A picture in a thin frame; `x`, `y` are the picture's top left.
    Picture { x: f32, y: f32, width: f32, height: f32, image: Image, leaf: usize },
}

/// A node of the document's logical structure (the PDF tag tree).
enum Sem {
    Root,
    Section,
    Heading(u16, String),
    P,
    List(bool),
    Item,
    Label,
    Body,
    Quote,
    Figure,
}

enum Kid {
    Node(usize),
    Leaf(usize),
}

struct SemNode {
    sem: Sem,
    kids: Vec<Kid>,
}

/// How a block is laid out.
struct Block {
    size: f32,
    indent: f32,
    preserve: bool,
    node: usize,
    /// A list item's marker and its label node, hung left of the block's first line.
    label: Option<(String, usize)>,
    gray: u8,
}

/// Blocks placed down pages, with the structure they belong to.
struct Flow<'f> {
    fonts: &'f Fonts,
    page_width: f32,
    page_height: f32,
    width: f32,
    bottom: f32,
    pages: Vec<Vec<Item>>,
    y: f32,
    fresh: bool,
    sem: Vec<SemNode>,
    leaves: usize,
    /// Where the bars of the open block quotes go, left of their lines.
    bars: Vec<f32>,
}

impl<'f> Flow<'f> {
    fn new(fonts: &'f Fonts, paper: Paper) -> Self {
        let (page_width, page_height) = match paper {
            Paper::Letter => (612.0, 792.0),
            Paper::A4 => (595.28, 841.89),
        };
        Flow {
            fonts,
            page_width,
            page_height,
            width: page_width - 2.0 * MARGIN,
            bottom: page_height - MARGIN - FOOTER_ROOM,
            pages: Vec::new(),
            y: MARGIN,
            fresh: true,
            sem: vec![SemNode { sem: Sem::Root, kids: Vec::new() }],
            leaves: 0,
            bars: Vec::new(),
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
        self.fresh = true;
    }

    fn node(&mut self, parent: usize, sem: Sem) -> usize {
        let id = self.sem.len();
        self.sem.push(SemNode { sem, kids: Vec::new() });
        if let Some(p) = self.sem.get_mut(parent) {
            p.kids.push(Kid::Node(id));
        }
        id
    }

    fn leaf(&mut self, node: usize) -> usize {
        let id = self.leaves;
        self.leaves += 1;
        if let Some(n) = self.sem.get_mut(node) {
            n.kids.push(Kid::Leaf(id));
        }
        id
    }

    fn push(&mut self, item: Item) {
        if self.pages.is_empty() {
            self.new_page();
        }
        self.fresh = false;
        if let Some(page) = self.pages.last_mut() {
            page.push(item);
        }
    }

    /// Vertical space, dropped at the top of a page.
    fn space(&mut self, amount: f32) {
        if !self.fresh {
            self.y += amount;
        }
    }

    /// Starts a new page unless `height` still fits on this one.
    fn keep(&mut self, height: f32) {
        if self.y + height > self.bottom && !self.fresh {
            self.new_page();
        }
    }

    /// The baseline of the next line of `height`.
    fn line(&mut self, height: f32) -> f32 {
        self.keep(height);
        let top = self.y;
        self.y += height;
        for i in 0..self.bars.len() {
            let x = self.bars[i];
            self.push(Item::Rule { x0: x, y0: top, x1: x, y1: top + height });
        }
        top + height * 0.78
    }

    fn text(&mut self, x: f32, y: f32, run: Run, block: &Block, node: usize) {
        let leaf = self.leaf(node);
        self.push(Item::Text {
            x,
            y,
            style: run.style,
            size: block.size,
            gray: block.gray,
            text: run.text,
            leaf,
        });
    }

    fn paragraph(&mut self, inline: &[Inline], block: Block) {
        let avail = (self.width - block.indent).max(self.width * 0.3);
        let mut lines = Wrapper::wrap(self.fonts, inline, block.size, avail, block.preserve);
        if lines.is_empty() && block.label.is_some() {
            lines.push(Line::default());
        }
        let left = MARGIN + self.width - avail;
        let height = block.size * LEADING;
        let mut label = block.label.clone();
        for line in lines {
            let y = self.line(height);
            if let Some((marker, node)) = label.take() {
                let (text, width) = self.fonts.regular.clean(&marker, block.size);
                let x = (left - width - block.size * 0.5).max(MARGIN * 0.5);
                self.text(x, y, Run { style: Style::Regular, text, width }, &block, node);
            }
            let mut x = left;
            for run in line.runs {
                let width = run.width;
                self.text(x, y, run, &block, block.node);
                x += width;
            }
        }
    }

    fn rule(&mut self, indent: f32) {
        self.space(BODY * 0.4);
        let y = self.line(BODY) - BODY * 0.3;
        self.push(Item::Rule { x0: MARGIN + indent, y0: y, x1: MARGIN + self.width, y1: y });
        self.space(BODY * 0.4);
    }
}

// --- Markdown ---

/// Walks pulldown-cmark's events, laying out blocks as they close.
struct Markdown<'a, 'f> {
    flow: &'a mut Flow<'f>,
    /// Open containers (lists, items, quotes): their structure node, added indent, and
    /// whether they drew a quote bar.
    containers: Vec<(usize, f32, bool)>,
    root: usize,
    inline: Vec<Inline>,
    /// The plain text of `inline`, to name headings and compare links with their text.
    plain: String,
    bold: u32,
    emphasis: u32,
    links: Vec<(String, usize, bool)>,
    /// Next number of each open list (`None`: bulleted).
    lists: Vec<Option<u64>>,
    label: Option<(String, usize)>,
    verbatim: Option<String>,
    table_cell: usize,
}

impl<'a, 'f> Markdown<'a, 'f> {
    fn render(flow: &'a mut Flow<'f>, root: usize, text: &str) {
        let mut md = Markdown {
            flow,
            containers: Vec::new(),
            root,
            inline: Vec::new(),
            plain: String::new(),
            bold: 0,
            emphasis: 0,
            links: Vec::new(),
            lists: Vec::new(),
            label: None,
            verbatim: None,
            table_cell: 0,
        };
        let options = Options::ENABLE_TABLES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_FOOTNOTES;
        for event in Parser::new_ext(text, options) {
            md.event(event);
        }
        md.flush();
        md.pending_label();
    }

    fn parent(&self) -> usize {
        self.containers.last().map_or(self.root, |(node, _, _)| *node)
    }

    fn indent(&self) -> f32 {
        let total: f32 = self.containers.iter().map(|(_, indent, _)| indent).sum();
        total.min(self.flow.width * 0.5)
    }

    /// A structure node under the current one, or the current one past [`MAX_DEPTH`].
    fn child(&mut self, sem: Sem) -> usize {
        if self.containers.len() >= MAX_DEPTH {
            self.parent()
        } else {
            let parent = self.parent();
            self.flow.node(parent, sem)
        }
    }

    fn open(&mut self, sem: Sem, indent: f32) {
        let deep = self.containers.len() >= MAX_DEPTH;
        let bar = matches!(sem, Sem::Quote) && !deep;
        if bar {
            let x = MARGIN + self.indent() + 5.0;
            self.flow.bars.push(x);
        }
        let node = self.child(sem);
        self.containers.push((node, if deep { 0.0 } else { indent }, bar));
    }

    fn close(&mut self) {
        if let Some((_, _, true)) = self.containers.pop() {
            self.flow.bars.pop();
        }
    }

    fn style(&self) -> Style {
        if self.bold > 0 {
            Style::Bold
        } else if self.emphasis > 0 {
            Style::Oblique
        } else {
            Style::Regular
        }
    }

    fn push_text(&mut self, text: &str) {
        if let Some(raw) = &mut self.verbatim {
            raw.push_str(text);
            return;
        }
        let style = self.style();
        match self.inline.last_mut() {
            Some(Inline::Text(s, t)) if *s == style => t.push_str(text),
            _ => self.inline.push(Inline::Text(style, text.to_string())),
        }
        self.plain.push_str(text);
    }

    /// Lays out the pending inline content as a paragraph.
    fn flush(&mut self) {
        if self.inline.is_empty() {
            return;
        }
        let inline = std::mem::take(&mut self.inline);
        self.plain.clear();
        if inline.iter().all(|i| matches!(i, Inline::Text(_, t) if t.trim().is_empty())) {
            return;
        }
        let node = self.flow.node(self.parent(), Sem::P);
        let block = Block {
            size: BODY,
            indent: self.indent(),
            preserve: false,
            node,
            label: self.label.take(),
            gray: 0,
        };
        self.flow.paragraph(&inline, block);
        self.flow.space(if self.lists.is_empty() { BODY * 0.6 } else { BODY * 0.3 });
    }

    /// A list item's marker that no block took (an empty item).
    fn pending_label(&mut self) {
        if let Some(label) = self.label.take() {
            let node = label.1;
            let block = Block {
                size: BODY,
                indent: self.indent(),
                preserve: false,
                node,
                label: Some(label),
                gray: 0,
            };
            self.flow.paragraph(&[], block);
        }
    }

    fn heading(&mut self, level: HeadingLevel) {
        let inline: Vec<Inline> = std::mem::take(&mut self.inline)
            .into_iter()
            .map(|i| match i {
                Inline::Text(Style::Regular, t) => Inline::Text(Style::Bold, t),
                other => other,
            })
            .collect();
        let title = std::mem::take(&mut self.plain).trim().to_string();
        let (level, size) = match level {
            HeadingLevel::H1 => (1, 17.0),
            HeadingLevel::H2 => (2, 14.5),
            HeadingLevel::H3 => (3, 12.5),
            HeadingLevel::H4 => (4, 11.5),
            HeadingLevel::H5 => (5, 11.0),
            HeadingLevel::H6 => (6, 11.0),
        };
        self.flow.space(size * 0.7);
        // Keep a heading with the first lines under it.
        self.flow.keep(size * LEADING + 2.0 * BODY * LEADING);
        let node = self.flow.node(self.parent(), Sem::Heading(level, title));
        let block = Block {
            size,
            indent: self.indent(),
            preserve: false,
            node,
            label: self.label.take(),
            gray: 0,
        };
        self.flow.paragraph(&inline, block);
        self.flow.space(size * 0.3);
    }

    fn verbatim_end(&mut self) {
        let Some(raw) = self.verbatim.take() else { return };
        let raw = raw.trim_end_matches(['\n', '\r']);
        if raw.is_empty() {
            return;
        }
        let node = self.flow.node(self.parent(), Sem::P);
        let block = Block {
            size: 9.0,
            indent: self.indent() + STEP * 0.5,
            preserve: true,
            node,
            label: self.label.take(),
            gray: 0,
        };
        self.flow.paragraph(&[Inline::Text(Style::Regular, raw.to_string())], block);
        self.flow.space(BODY * 0.6);
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                self.push_text(&t)
            }
            // Raw HTML is shown as written, never interpreted.
            Event::Html(t) | Event::InlineHtml(t) => self.push_text(&t),
            Event::FootnoteReference(label) => self.push_text(&format!("[{label}]")),
            Event::SoftBreak => self.push_text(if self.verbatim.is_some() { "\n" } else { " " }),
            Event::HardBreak => {
                if let Some(raw) = &mut self.verbatim {
                    raw.push('\n');
                } else {
                    self.inline.push(Inline::Break);
                }
            }
            Event::Rule => {
                self.flush();
                let indent = self.indent();
                self.flow.rule(indent);
            }
            Event::TaskListMarker(done) => self.push_text(if done { "[x] " } else { "[ ] " }),
        }
    }

    fn start(&mut self, tag: Md<'_>) {
        match tag {
            Md::Paragraph | Md::Heading { .. } | Md::TableHead | Md::TableRow => {
                self.flush();
                self.table_cell = 0;
                if matches!(tag, Md::TableHead) {
                    self.bold += 1;
                }
            }
            Md::BlockQuote(_) => {
                self.flush();
                self.open(Sem::Quote, STEP);
            }
            Md::CodeBlock(_) | Md::HtmlBlock => {
                self.flush();
                self.verbatim = Some(String::new());
            }
            Md::List(start) => {
                self.flush();
                self.open(Sem::List(start.is_some()), STEP);
                self.lists.push(start);
            }
            Md::Item => {
                self.flush();
                self.pending_label();
                let depth = self.lists.len();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let marker = format!("{n}.");
                        *n = n.saturating_add(1);
                        marker
                    }
                    _ => ["•", "◦", "▪"][depth.saturating_sub(1) % 3].to_string(),
                };
                let deep = self.containers.len() >= MAX_DEPTH;
                let item = self.child(Sem::Item);
                let (label, body) = if deep {
                    (item, item)
                } else {
                    (self.flow.node(item, Sem::Label), self.flow.node(item, Sem::Body))
                };
                self.containers.push((body, 0.0, false));
                self.label = Some((marker, label));
            }
            Md::FootnoteDefinition(label) => {
                self.flush();
                self.push_text(&format!("[{label}] "));
            }
            Md::TableCell => {
                if self.table_cell > 0 {
                    self.push_text(" | ");
                }
                self.table_cell += 1;
            }
            Md::Table(_) => self.flush(),
            Md::Emphasis => self.emphasis += 1,
            Md::Strong => self.bold += 1,
            Md::Link { link_type, dest_url, .. } => {
                let email = matches!(link_type, LinkType::Email);
                // As on the page: an address that is no web or mail link is not shown.
                let url = if super::document::link_is_safe(link_type, &dest_url) {
                    dest_url.to_string()
                } else {
                    String::new()
                };
                self.links.push((url, self.plain.len(), email));
            }
            // An image shows its alt text, which arrives as text.
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::TableRow | TagEnd::FootnoteDefinition => self.flush(),
            TagEnd::TableHead => {
                self.flush();
                self.bold = self.bold.saturating_sub(1);
            }
            TagEnd::Table => self.flow.space(BODY * 0.3),
            TagEnd::Heading(level) => self.heading(level),
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.close();
            }
            TagEnd::CodeBlock | TagEnd::HtmlBlock => self.verbatim_end(),
            TagEnd::List(_) => {
                self.flush();
                self.close();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.flow.space(BODY * 0.3);
                }
            }
            TagEnd::Item => {
                self.flush();
                self.pending_label();
                self.close();
            }
            TagEnd::Emphasis => self.emphasis = self.emphasis.saturating_sub(1),
            TagEnd::Strong => self.bold = self.bold.saturating_sub(1),
            TagEnd::Link => {
                if let Some((url, start, email)) = self.links.pop() {
                    let text = self.plain.get(start..).unwrap_or_default().trim();
                    let same = text == url
                        || (email && text == url.trim_start_matches("mailto:"))
                        || url.strip_prefix("mailto:") == Some(text);
                    if !url.is_empty() && !same {
                        self.push_text(&format!(" ({url})"));
                    }
                }
            }
            _ => {}
        }
    }
}

// --- Certificate ---

fn utc(at: &NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn certificate(
    flow: &mut Flow<'_>,
    section: usize,
    doc: &SignedDocument<'_>,
    drawing: Option<&Image>,
) {
    let e = doc.evidence;
    let para = |flow: &mut Flow<'_>, inline: &[Inline], size: f32, gray: u8, after: f32| {
        let node = flow.node(section, Sem::P);
        flow.paragraph(
            inline,
            Block { size, indent: 0.0, preserve: false, node, label: None, gray },
        );
        flow.space(after);
    };
    let field = |flow: &mut Flow<'_>, label: &str, value: &str| {
        let inline = [
            Inline::Text(Style::Bold, format!("{label}: ")),
            Inline::Text(Style::Regular, value.into()),
        ];
        para(flow, &inline, BODY, 0, BODY * 0.45);
    };
    // A hash on one line of its own, in a size that fits it.
    let hash = |flow: &mut Flow<'_>, label: &str, value: &str| {
        flow.keep(2.0 * BODY * LEADING);
        para(flow, &[Inline::Text(Style::Bold, format!("{label}:"))], BODY, 0, 0.0);
        let (_, width) = flow.fonts.regular.clean(value, 1.0);
        let size = if width > 0.0 { (flow.width / width).clamp(6.0, 10.0) } else { 10.0 };
        para(flow, &[Inline::Text(Style::Regular, value.into())], size, 0, BODY * 0.45);
    };

    let heading = flow.node(section, Sem::Heading(1, "Certificate of signature".into()));
    let block =
        Block { size: 17.0, indent: 0.0, preserve: false, node: heading, label: None, gray: 0 };
    flow.paragraph(&[Inline::Text(Style::Bold, "Certificate of signature".into())], block);
    flow.space(BODY * 0.5);
    let intro = format!(
        "This certificate records how “{}” was signed electronically. The same evidence is \
         attached to this PDF as the file evidence.json.",
        doc.title
    );
    para(flow, &[Inline::Text(Style::Regular, intro)], BODY, GRAY, BODY);

    hash(flow, "Document SHA-256", &e.document_sha256);
    field(flow, "Signer name (typed)", &e.signer_name);
    field(flow, "Name on record", &e.client_name);
    field(flow, "Legal name confirmed", if e.legal_name_confirmed { "yes" } else { "no" });
    field(flow, "Email", &e.email);
    field(flow, "Client id", &e.client_id);
    field(flow, "Signed at (UTC)", &utc(&e.signed_at));
    field(flow, "Signed at (studio time)", &e.signed_at_local);
    field(flow, "IP address", &e.ip_address);
    field(flow, "User agent", &e.user_agent);
    field(flow, "Consent given", &e.consent_text);
    // The picture goes under its hash; without one the evidence says none was drawn.
    let drawing = drawing.filter(|_| e.drawing_sha256.is_some());
    let fitted = drawing.and_then(|image| Some((image, fit_drawing(image)?)));
    if let Some((_, (_, height))) = fitted {
        // The picture stays with the lines above it.
        flow.keep(2.0 * BODY * LEADING + BODY * 0.45 + height + 2.0 * DRAWING_PAD);
    }
    match &e.drawing_sha256 {
        Some(drawing) => hash(flow, "Drawn signature SHA-256", drawing),
        None => field(flow, "Drawn signature", "no signature drawn"),
    }
    if let Some((image, (width, height))) = fitted {
        picture(flow, section, image, width, height);
    }

    flow.space(BODY * 0.6);
    flow.keep(14.5 * LEADING + 3.0 * BODY * LEADING);
    let heading = flow.node(section, Sem::Heading(2, "Audit trail".into()));
    let block =
        Block { size: 14.5, indent: 0.0, preserve: false, node: heading, label: None, gray: 0 };
    flow.paragraph(&[Inline::Text(Style::Bold, "Audit trail".into())], block);
    flow.space(BODY * 0.3);
    let note = format!(
        "Times are in {} with UTC in brackets. Each row's SHA-256 chains it to the row before.",
        doc.time_zone.name()
    );
    para(flow, &[Inline::Text(Style::Regular, note)], SMALL + 1.0, GRAY, BODY * 0.5);
    if doc.audit.is_empty() {
        para(flow, &[Inline::Text(Style::Regular, "No audit entries.".into())], BODY, 0, 0.0);
        return;
    }
    let list = flow.node(section, Sem::List(true));
    for entry in doc.audit {
        let local = doc.time_zone.from_utc_datetime(&entry.at).format("%Y-%m-%d %H:%M:%S %Z");
        let row = format!(
            "{} · {local} ({}) · {} · {}",
            entry.position,
            utc(&entry.at),
            entry.action,
            entry.detail
        );
        flow.keep(BODY * LEADING + SMALL * LEADING);
        let item = flow.node(list, Sem::Item);
        let body = flow.node(item, Sem::Body);
        for (text, size, gray, after) in
            [(row, 9.5, 0, 0.0), (format!("sha256 {}", entry.sha256), SMALL, GRAY, BODY * 0.5)]
        {
            let node = flow.node(body, Sem::P);
            let block = Block { size, indent: 0.0, preserve: false, node, label: None, gray };
            flow.paragraph(&[Inline::Text(Style::Regular, text)], block);
            flow.space(after);
        }
    }
}

/// The drawn signature's size in points: scaled to fit its box, keeping its shape.
fn fit_drawing(image: &Image) -> Option<(f32, f32)> {
    let (px_width, px_height) = image.size();
    if px_width == 0 || px_height == 0 {
        return None;
    }
    let (px_width, px_height) = (px_width as f32, px_height as f32);
    let scale = (DRAWING_WIDTH / px_width).min(DRAWING_HEIGHT / px_height);
    Some((px_width * scale, px_height * scale))
}

/// The drawn signature at the left margin, framed, with the flow moved under it.
fn picture(flow: &mut Flow<'_>, section: usize, image: &Image, width: f32, height: f32) {
    flow.keep(height + 2.0 * DRAWING_PAD);
    if flow.pages.is_empty() {
        flow.new_page();
    }
    let node = flow.node(section, Sem::Figure);
    let leaf = flow.leaf(node);
    let (x, y) = (MARGIN + DRAWING_PAD, flow.y + DRAWING_PAD);
    flow.push(Item::Picture { x, y, width, height, image: image.clone(), leaf });
    flow.y += height + 2.0 * DRAWING_PAD;
    flow.space(BODY * 0.45);
}

/// The drawn signature as krilla reads it; `None` when there is none or it is not usable.
fn drawing(doc: &SignedDocument<'_>) -> Option<Image> {
    let png = doc.drawing_png?;
    // No interpolation: PDF/A forbids it.
    let image = Image::from_png(png.to_vec().into(), false).ok()?;
    let (width, height) = image.size();
    let sane = |px: u32| (1..=DRAWING_MAX_PX).contains(&px);
    (sane(width) && sane(height)).then_some(image)
}

// --- Drawing ---

fn fill(gray: u8) -> Fill {
    Fill {
        paint: luma::Color::new(gray).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn draw_text(surface: &mut Surface<'_>, face: &Face, x: f32, y: f32, size: f32, text: &str) {
    let glyphs: Vec<KrillaGlyph> = text
        .char_indices()
        .filter_map(|(i, c)| {
            let (glyph, advance) = face.glyph(c)?;
            Some(KrillaGlyph::new(
                GlyphId::new(glyph),
                advance,
                0.0,
                0.0,
                0.0,
                i..i + c.len_utf8(),
                None,
            ))
        })
        .collect();
    if !glyphs.is_empty() {
        surface.draw_glyphs(Point::from_xy(x, y), &glyphs, face.font.clone(), text, size, false);
    }
}

struct Footer<'a> {
    title: &'a str,
    studio: &'a str,
    page: usize,
    pages: usize,
}

fn draw_footer(surface: &mut Surface<'_>, flow: &Flow<'_>, footer: &Footer<'_>) {
    let face = &flow.fonts.regular;
    let y = flow.page_height - MARGIN + 16.0;
    let page = format!("page {} of {}", footer.page, footer.pages);
    let left = match footer.title.trim() {
        "" => page,
        title => format!("{title} · {page}"),
    };
    let (studio, studio_width) = face.fit(footer.studio, SMALL, flow.width * 0.3);
    let (left, _) = face.fit(&left, SMALL, flow.width - studio_width - 12.0);
    surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(ArtifactType::Footer)));
    surface.set_fill(Some(fill(GRAY)));
    draw_text(surface, face, MARGIN, y, SMALL, &left);
    draw_text(surface, face, MARGIN + flow.width - studio_width, y, SMALL, &studio);
    surface.set_fill(Some(fill(0)));
    surface.end_tagged();
}

fn draw_item(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    item: &Item,
    ids: &mut [Option<Identifier>],
) {
    match item {
        Item::Text { x, y, style, size, gray, text, leaf } => {
            let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
            if *gray != 0 {
                surface.set_fill(Some(fill(*gray)));
            }
            draw_text(surface, fonts.face(*style), *x, *y, *size, text);
            if *gray != 0 {
                surface.set_fill(Some(fill(0)));
            }
            surface.end_tagged();
            if let Some(slot) = ids.get_mut(*leaf) {
                *slot = Some(id);
            }
        }
        Item::Rule { x0, y0, x1, y1 } => {
            let mut path = PathBuilder::new();
            path.move_to(*x0, *y0);
            path.line_to(*x1, *y1);
            let Some(path) = path.finish() else { return };
            surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(ArtifactType::Layout)));
            surface.set_fill(None);
            surface.set_stroke(Some(Stroke {
                paint: luma::Color::new(160).into(),
                width: 0.6,
                ..Stroke::default()
            }));
            surface.draw_path(&path);
            surface.set_stroke(None);
            surface.set_fill(Some(fill(0)));
            surface.end_tagged();
        }
        Item::Picture { x, y, width, height, image, leaf } => {
            let Some(size) = krilla::geom::Size::from_wh(*width, *height) else { return };
            let frame = Rect::from_xywh(
                x - DRAWING_PAD,
                y - DRAWING_PAD,
                width + 2.0 * DRAWING_PAD,
                height + 2.0 * DRAWING_PAD,
            );
            let mut path = PathBuilder::new();
            if let Some(frame) = frame {
                path.push_rect(frame);
            }
            if let Some(path) = path.finish() {
                surface
                    .start_tagged(ContentTag::Artifact(Artifact::with_kind(ArtifactType::Layout)));
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: luma::Color::new(200).into(),
                    width: 0.5,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
                surface.set_fill(Some(fill(0)));
                surface.end_tagged();
            }
            let id = surface.start_tagged(ContentTag::Other);
            surface.push_transform(&Transform::from_translate(*x, *y));
            surface.draw_image(image.clone(), size);
            surface.pop();
            surface.end_tagged();
            if let Some(slot) = ids.get_mut(*leaf) {
                *slot = Some(id);
            }
        }
    }
}

/// The tag tree under structure node `n`; `None` when it holds nothing drawn.
fn tag_node(sem: &[SemNode], n: usize, ids: &mut [Option<Identifier>]) -> Option<Node> {
    let node = sem.get(n)?;
    let tag: TagKind = match &node.sem {
        Sem::Root | Sem::Section => Tag::Section.into(),
        Sem::Heading(level, title) => {
            let level = NonZeroU16::new(*level).unwrap_or(NonZeroU16::MIN);
            Tag::Hn(level, Some(clip(title))).into()
        }
        Sem::P => Tag::P.into(),
        Sem::List(true) => Tag::L(ListNumbering::Decimal).into(),
        Sem::List(false) => Tag::L(ListNumbering::Disc).into(),
        Sem::Item => Tag::LI.into(),
        Sem::Label => Tag::Lbl.into(),
        Sem::Body => Tag::LBody.into(),
        Sem::Quote => Tag::BlockQuote.into(),
        Sem::Figure => Tag::Figure(Some(DRAWING_ALT.into())).into(),
    };
    let mut group = TagGroup::new(tag);
    for kid in &node.kids {
        match kid {
            Kid::Leaf(leaf) => {
                if let Some(id) = ids.get_mut(*leaf).and_then(Option::take) {
                    group.push(Node::Leaf(id));
                }
            }
            Kid::Node(child) => {
                if let Some(child) = tag_node(sem, *child, ids) {
                    group.push(child);
                }
            }
        }
    }
    (!group.children.is_empty()).then_some(Node::Group(group))
}

fn pdf_date(at: &NaiveDateTime) -> DateTime {
    let year = u16::try_from(at.year().clamp(0, 9999)).unwrap_or(0);
    // chrono's fields are in range; the casts cannot truncate.
    DateTime::new(year)
        .month(at.month() as u8)
        .day(at.day() as u8)
        .hour(at.hour() as u8)
        .minute(at.minute() as u8)
        .second(at.second().min(59) as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

fn clip(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(MAX_META_CHARS).collect()
}

fn krilla_error(error: KrillaError) -> PdfError {
    match error {
        KrillaError::Validation(errors) => {
            let list: Vec<_> = errors.iter().map(|(e, _)| format!("{e:?}")).collect();
            PdfError::Render(format!("PDF/A validation: {}", list.join("; ")))
        }
        other => PdfError::Render(other.to_string()),
    }
}

/// Renders, and says how many pages the PDF has. A drawn signature krilla fails on (a PNG whose
/// header reads but whose pixels do not) is left out rather than failing the PDF.
fn render_counted(doc: &SignedDocument<'_>) -> Result<(Vec<u8>, usize), PdfError> {
    match drawing(doc) {
        Some(image) => render_with(doc, Some(&image)).or_else(|_| render_with(doc, None)),
        None => render_with(doc, None),
    }
}

fn render_with(
    doc: &SignedDocument<'_>,
    drawing: Option<&Image>,
) -> Result<(Vec<u8>, usize), PdfError> {
    let fonts = fonts()?;
    let mut flow = Flow::new(fonts, doc.paper);

    let document = flow.node(0, Sem::Section);
    flow.new_page();
    let title = flow.node(document, Sem::Heading(1, doc.title.trim().to_string()));
    let block =
        Block { size: TITLE, indent: 0.0, preserve: false, node: title, label: None, gray: 0 };
    flow.paragraph(&[Inline::Text(Style::Bold, doc.title.into())], block);
    flow.space(BODY);
    Markdown::render(&mut flow, document, doc.markdown);

    let evidence = flow.node(0, Sem::Section);
    flow.new_page();
    certificate(&mut flow, evidence, doc, drawing);

    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A3_A)
        .finish()
        .map_err(|e| PdfError::Render(format!("{e:?}")))?;
    let settings = SerializeSettings { configuration, enable_tagging: true, ..Default::default() };
    let mut pdf = Document::new_with(settings);
    let page_settings = PageSettings::from_wh(flow.page_width, flow.page_height)
        .ok_or_else(|| PdfError::Render("bad page size".into()))?;
    let mut ids: Vec<Option<Identifier>> = (0..flow.leaves).map(|_| None).collect();
    let pages = flow.pages.len();
    for (index, items) in flow.pages.iter().enumerate() {
        let mut page = pdf.start_page_with(page_settings.clone());
        let mut surface = page.surface();
        for item in items {
            draw_item(&mut surface, fonts, item, &mut ids);
        }
        let footer = Footer { title: doc.title, studio: doc.studio, page: index + 1, pages };
        draw_footer(&mut surface, &flow, &footer);
        surface.finish();
        page.finish();
    }

    let mut tree = TagTree::new();
    if let Some(Node::Group(root)) = tag_node(&flow.sem, 0, &mut ids) {
        for child in root.children {
            tree.push(child);
        }
    }
    pdf.set_tag_tree(tree);

    let e = doc.evidence;
    let signed_at = pdf_date(&e.signed_at);
    let metadata = Metadata::new()
        .title(clip(doc.title))
        .authors(vec![clip(doc.studio)])
        .creator("Proofroom".into())
        .language("en".into())
        .creation_date(signed_at)
        .description(clip(&format!(
            "Signed by {} on {}. Document SHA-256 {}.",
            e.signer_name,
            utc(&e.signed_at),
            e.document_sha256
        )))
        .keywords(vec![format!("document-sha256:{}", clip(&e.document_sha256))]);
    pdf.set_metadata(metadata);

    let mime = MimeType::new("application/json")
        .ok_or_else(|| PdfError::Render("bad MIME type".into()))?;
    pdf.embed_file(EmbeddedFile {
        path: "evidence.json".into(),
        mime_type: Some(mime),
        description: Some("Signature evidence (JSON)".into()),
        association_kind: AssociationKind::Data,
        data: doc.evidence_json.to_vec().into(),
        modification_date: Some(signed_at),
        compress: None,
        location: None,
    })
    .ok_or_else(|| PdfError::Render("evidence.json attached twice".into()))?;

    let bytes = pdf.finish().map_err(krilla_error)?;
    Ok((bytes, pages))
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::process::{Command, Stdio};

    use chrono::NaiveDate;

    use super::*;

    const DOC_HASH: &str = "3f6c2a5e9b1d4c7f80a2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5";

    fn at(h: u32, m: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap().and_hms_opt(h, m, s).unwrap()
    }

    fn evidence() -> SignatureEvidence {
        SignatureEvidence {
            document_sha256: DOC_HASH.into(),
            signer_name: "Ann O'Brien-Núñez".into(),
            client_name: "Ann OBrien".into(),
            legal_name_confirmed: true,
            email: "ann@example.com".into(),
            client_id: "C-20391".into(),
            signed_at: at(17, 15, 42),
            signed_at_local: "2026-12-03 11:15 America/Chicago".into(),
            ip_address: "203.0.113.77".into(),
            user_agent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                         Chrome/131.0.0.0 Safari/537.36"
                .into(),
            consent_text: proofroom_wire::contracts::CONSENT_TEXT.into(),
            drawing_sha256: Some(
                "aa11bb22cc33dd44ee55ff66aa77bb88cc99dd00ee11ff22aa33bb44cc55dd66".into(),
            ),
        }
    }

    fn audit() -> Vec<AuditEntry> {
        let rows = [
            (at(15, 2, 9), "published", "by the studio, document 3f6c2a5e"),
            (at(16, 40, 0), "viewed", "by ann@example.com from 203.0.113.77"),
            (at(17, 15, 42), "signed", "by Ann O'Brien-Núñez from 203.0.113.77"),
        ];
        rows.iter()
            .enumerate()
            .map(|(i, (at, action, detail))| AuditEntry {
                position: i as i32 + 1,
                at: *at,
                action: (*action).into(),
                detail: (*detail).into(),
                sha256: format!("{:0>64}", format!("{:x}", 0xabcdef12u64 + i as u64)),
            })
            .collect()
    }

    const SAMPLE: &str = "# Portrait session agreement\n\n\
        This agreement is between **Ann** and *Lumen Studio*. See [our terms](https://example.com/terms) \
        or <https://example.com/faq>.\n\n\
        ## What is included\n\n\
        - One hour in the studio\n- Twenty edited photos\n  1. nested first\n  2. nested second\n\n\
        > A quoted line that is indented.\n\n\
        Raw <b>html</b> stays literal.\n\n<div class=\"x\">block html</div>\n\n\
        ![a camera on a tripod](camera.png)\n\n\
        ---\n\n\
        `inline code` and\n\n```\nfn main() {\n    println!(\"hi\");\n}\n```\n\n\
        | Item | Price |\n|---|---|\n| Session | $200 |\n\n\
        Line one  \nLine two\n";

    fn render_sample(markdown: &str, audit: &[AuditEntry], paper: Paper) -> (Vec<u8>, usize) {
        let evidence = evidence();
        let json = serde_json::to_vec(&evidence).unwrap();
        let doc = SignedDocument {
            studio: "Lumen Studio",
            title: "Portrait session agreement",
            markdown,
            evidence: &evidence,
            drawing_png: None,
            audit,
            time_zone: chrono_tz::America::Chicago,
            paper,
            evidence_json: &json,
        };
        render_counted(&doc).unwrap()
    }

    fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> Option<String> {
        let mut child = Command::new(tool)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        child.stdin.take().unwrap().write_all(pdf).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{tool} failed");
        Some(String::from_utf8(out.stdout).unwrap())
    }

    /// The PDF's text as `pdftotext` reads it; `None` when poppler-utils is not installed.
    fn pdftotext(pdf: &[u8]) -> Option<String> {
        poppler("pdftotext", &["-enc", "UTF-8", "-", "-"], pdf)
    }

    fn pdfinfo_pages(pdf: &[u8]) -> Option<usize> {
        let info = poppler("pdfinfo", &["-"], pdf)?;
        let line = info.lines().find(|l| l.starts_with("Pages:"))?;
        line["Pages:".len()..].trim().parse().ok()
    }

    fn squash(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn renders_document_and_certificate_with_extractable_evidence() {
        let audit = audit();
        let (pdf, pages) = render_sample(SAMPLE, &audit, Paper::Letter);
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(pages, 2);
        let Some(text) = pdftotext(&pdf) else {
            eprintln!("pdftotext not installed: text checks skipped");
            return;
        };
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        let on_a_line = |s: &str| lines.iter().any(|l| l.contains(s));
        let e = evidence();
        for s in [
            DOC_HASH,
            e.signer_name.as_str(),
            e.client_name.as_str(),
            e.email.as_str(),
            e.client_id.as_str(),
            e.ip_address.as_str(),
            e.signed_at_local.as_str(),
            e.drawing_sha256.as_deref().unwrap(),
            "2026-12-03 17:15:42 UTC",
            "Legal name confirmed: yes",
            "Certificate of signature",
            "Portrait session agreement · page 1 of 2",
            "Lumen Studio",
            "1 · 2026-12-03 09:02:09 CST (2026-12-03 15:02:09 UTC) · published · by the studio",
            "3 · 2026-12-03 11:15:42 CST (2026-12-03 17:15:42 UTC) · signed",
            &audit[2].sha256,
            "Raw <b>html</b> stays literal.",
            "<div class=\"x\">block html</div>",
            "a camera on a tripod",
            "Line one",
        ] {
            assert!(on_a_line(s), "{s:?} not on a line of:\n{text}");
        }
        let flat = squash(&text);
        assert!(flat.contains(&squash(&e.consent_text)), "consent missing:\n{text}");
        assert!(flat.contains(&squash(&e.user_agent)), "user agent missing:\n{text}");
        assert!(
            flat.contains("See our terms (https://example.com/terms) or https://example.com/faq.")
        );
        assert!(!flat.contains("https://example.com/faq (https"));
    }

    #[test]
    fn says_when_no_signature_was_drawn_and_no_audit_rows() {
        let mut evidence = evidence();
        evidence.drawing_sha256 = None;
        evidence.legal_name_confirmed = false;
        let doc = SignedDocument {
            studio: "",
            title: "",
            markdown: "",
            evidence: &evidence,
            drawing_png: None,
            audit: &[],
            time_zone: chrono_tz::UTC,
            paper: Paper::A4,
            evidence_json: b"{}",
        };
        let (pdf, pages) = render_counted(&doc).unwrap();
        assert_eq!(pages, 2);
        if let Some(text) = pdftotext(&pdf) {
            assert!(text.contains("Drawn signature: no signature drawn"), "{text}");
            assert!(text.contains("Legal name confirmed: no"), "{text}");
            assert!(text.contains("No audit entries."), "{text}");
        }
    }

    /// About six pages of paragraphs, headings and lists.
    fn long_contract() -> String {
        let mut md = String::new();
        for section in 1..=12 {
            md.push_str(&format!("## {section}. Terms of section {section}\n\n"));
            for p in 0..3 {
                md.push_str(&format!(
                    "Paragraph {p} of section {section}. The studio will deliver the edited \
                     photographs within thirty days of the session. The client may choose \
                     **twenty images** from the *online gallery*, and further images may be \
                     bought at the prices listed on the studio's site. Prints are made on \
                     archival paper and shipped insured.\n\n"
                ));
            }
            md.push_str("- Retouching of skin and stray hairs\n- Colour correction\n");
            md.push_str("  1. first nested point\n  2. second nested point\n\n");
        }
        md
    }

    #[test]
    fn six_page_contract_gets_its_pages_and_a_certificate() {
        let audit = audit();
        let (pdf, pages) = render_sample(&long_contract(), &audit, Paper::Letter);
        assert!(pages >= 7, "{pages} pages");
        if let Some(counted) = pdfinfo_pages(&pdf) {
            assert_eq!(counted, pages);
        }
        if let Some(text) = pdftotext(&pdf) {
            let last = format!("page {pages} of {pages}");
            assert!(text.contains(&last), "{last} missing");
            assert!(text.contains("Paragraph 2 of section 12."));
            let certificate = text.split('\u{c}').nth(pages - 1).unwrap();
            assert!(certificate.contains("Certificate of signature"));
        }
    }

    #[test]
    fn attaches_the_evidence_json() {
        let (pdf, _) = render_sample("Short.", &audit(), Paper::A4);
        assert!(pdf.windows(13).any(|w| w == b"evidence.json"));
        assert!(pdf.windows(9).any(|w| w == b"pdfaid:pa"), "no PDF/A identification");
        let dir = std::env::temp_dir().join(format!("proofroom-pdf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("signed.pdf");
        std::fs::write(&file, &pdf).unwrap();
        let out = Command::new("pdfdetach")
            .args(["-save", "1", "-o"])
            .arg(dir.join("evidence.json"))
            .arg(&file)
            .output();
        if let Ok(out) = out {
            assert!(out.status.success());
            let json = std::fs::read(dir.join("evidence.json")).unwrap();
            assert_eq!(json, serde_json::to_vec(&evidence()).unwrap());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn same_input_gives_the_same_bytes() {
        let audit = audit();
        assert_eq!(
            render_sample(SAMPLE, &audit, Paper::A4).0,
            render_sample(SAMPLE, &audit, Paper::A4).0
        );
    }

    #[test]
    fn hostile_input_renders() {
        let audit = audit();
        let huge_word = "x".repeat(40_000);
        let huge_heading = format!("# {huge_word}");
        let deep_quote = format!("{} deep", ">".repeat(3000));
        let mut deep_list = String::new();
        for i in 0..300 {
            deep_list.push_str(&"  ".repeat(i));
            deep_list.push_str("- item\n");
        }
        let odd = "emoji 😀👍🏽 flags 🇫🇷 private \u{E000}\u{F8FF} controls \u{0}\u{7}\u{1b}[31m \
                   bom \u{FEFF} rtl مرحبا cjk 你好 combining e\u{301} zwj a\u{200D}b tab\tend \
                   nbsp a\u{a0}b soft\u{ad}hyphen \u{FFFD}";
        for md in [
            "",
            " ",
            "\n\n\n",
            huge_word.as_str(),
            huge_heading.as_str(),
            deep_quote.as_str(),
            deep_list.as_str(),
            odd,
            "- \n- \n1. \n",
            "```\n\n\n```",
            "#\n\n######\n\n|a|\n|-|\n",
            "<script>alert(1)</script>\n\n<!-- comment -->",
            "[link]()\n\n[](http://x)\n\n![]()\n\n<mailto:a@b.c> <a@b.c>",
            "Footnote[^1].\n\n[^1]: The note.",
            "- [x] done\n- [ ] open",
        ] {
            let (pdf, _) = render_sample(md, &audit, Paper::A4);
            assert!(pdf.starts_with(b"%PDF-"), "{md:?}");
        }
        // Hostile evidence and titles too.
        let mut evidence = evidence();
        evidence.signer_name = odd.into();
        evidence.user_agent = huge_word.clone();
        evidence.document_sha256 = huge_word.clone();
        let title = format!("{odd}{huge_word}");
        let doc = SignedDocument {
            studio: odd,
            title: &title,
            markdown: odd,
            evidence: &evidence,
            drawing_png: None,
            audit: &audit,
            time_zone: chrono_tz::Asia::Kolkata,
            paper: Paper::Letter,
            evidence_json: huge_word.as_bytes(),
        };
        assert!(render(&doc).unwrap().starts_with(b"%PDF-"));

        // Dates at chrono's ends, in a zone far from UTC.
        let mut extreme = audit.clone();
        extreme[0].at = NaiveDateTime::MIN;
        extreme[1].at = NaiveDateTime::MAX;
        extreme[2].position = -1;
        let mut evidence = self::evidence();
        evidence.signed_at = NaiveDateTime::MAX;
        let doc = SignedDocument {
            studio: "S",
            title: "T",
            markdown: "x",
            evidence: &evidence,
            drawing_png: None,
            audit: &extreme,
            time_zone: chrono_tz::Pacific::Kiritimati,
            paper: Paper::A4,
            evidence_json: b"{}",
        };
        assert!(render(&doc).unwrap().starts_with(b"%PDF-"));
    }

    /// A PNG like the signature pad's: dark strokes on a transparent background (RGBA, 8 bit),
    /// its pixel data stored without compression.
    fn signature_png(width: u32, height: u32) -> Vec<u8> {
        fn crc32(bytes: &[u8]) -> u32 {
            let mut crc = !0u32;
            for &b in bytes {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
                }
            }
            !crc
        }
        fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let start = png.len();
            png.extend_from_slice(kind);
            png.extend_from_slice(data);
            let crc = crc32(&png[start..]);
            png.extend_from_slice(&crc.to_be_bytes());
        }
        let mut raw = Vec::new();
        for y in 0..height {
            raw.push(0); // filter: none
            for x in 0..width {
                // A wave across the picture, two pixels thick.
                let wave = height as f32 * (0.5 + 0.35 * (x as f32 / 9.0).sin());
                let ink = (y as f32 - wave).abs() < 1.5;
                raw.extend_from_slice(if ink { &[20, 20, 60, 255] } else { &[0, 0, 0, 0] });
            }
        }
        let mut zlib = vec![0x78, 0x01];
        let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
        for (i, block) in blocks.iter().enumerate() {
            zlib.push(u8::from(i + 1 == blocks.len()));
            let len = block.len() as u16;
            zlib.extend_from_slice(&len.to_le_bytes());
            zlib.extend_from_slice(&(!len).to_le_bytes());
            zlib.extend_from_slice(block);
        }
        let (mut a, mut b) = (1u32, 0u32);
        for &byte in &raw {
            a = (a + u32::from(byte)) % 65_521;
            b = (b + a) % 65_521;
        }
        zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());

        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut header = Vec::new();
        header.extend_from_slice(&width.to_be_bytes());
        header.extend_from_slice(&height.to_be_bytes());
        header.extend_from_slice(&[8, 6, 0, 0, 0]); // 8 bit RGBA
        chunk(&mut png, b"IHDR", &header);
        chunk(&mut png, b"IDAT", &zlib);
        chunk(&mut png, b"IEND", &[]);
        png
    }

    fn render_with_drawing(drawing_png: Option<&[u8]>) -> Vec<u8> {
        render_drawing(drawing_png, false)
    }

    /// `strict`: the drawing must be drawn, not left out after a failed first try.
    fn render_drawing(drawing_png: Option<&[u8]>, strict: bool) -> Vec<u8> {
        let evidence = evidence();
        let audit = audit();
        let json = serde_json::to_vec(&evidence).unwrap();
        let doc = SignedDocument {
            studio: "Lumen Studio",
            title: "Portrait session agreement",
            markdown: SAMPLE,
            evidence: &evidence,
            drawing_png,
            audit: &audit,
            time_zone: chrono_tz::America::Chicago,
            paper: Paper::Letter,
            evidence_json: &json,
        };
        if strict {
            let image = drawing(&doc).expect("a readable drawing");
            // krilla's PDF/A-3a validation runs in here.
            render_with(&doc, Some(&image)).unwrap().0
        } else {
            render(&doc).unwrap()
        }
    }

    /// How many images (not soft masks) `pdfimages -list` finds; `None` without poppler-utils.
    fn image_count(pdf: &[u8]) -> Option<usize> {
        let dir = std::env::temp_dir().join(format!(
            "proofroom-pdf-images-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("signed.pdf");
        std::fs::write(&file, pdf).unwrap();
        let out = Command::new("pdfimages").arg("-list").arg(&file).output();
        std::fs::remove_dir_all(&dir).unwrap();
        let out = out.ok()?;
        assert!(out.status.success(), "pdfimages failed");
        let list = String::from_utf8(out.stdout).unwrap();
        // Two header lines, then one row per image: page, num, type, ...
        Some(list.lines().skip(2).filter(|l| l.split_whitespace().nth(2) == Some("image")).count())
    }

    #[test]
    fn draws_the_signature_picture_on_the_certificate() {
        let png = signature_png(600, 180);
        let pdf = render_drawing(Some(&png), true);
        let plain = render_with_drawing(None);
        assert_ne!(pdf, plain);
        assert_eq!(pdf, render_with_drawing(Some(&png)));
        assert_eq!(pdf, render_drawing(Some(&png), true), "not deterministic");
        if let Some(count) = image_count(&pdf) {
            assert_eq!(count, 1);
        } else {
            eprintln!("pdfimages not installed: image count skipped");
        }
        let (Some(text), Some(plain_text)) = (pdftotext(&pdf), pdftotext(&plain)) else {
            return;
        };
        assert_eq!(squash(&text), squash(&plain_text));
        let e = evidence();
        for s in [
            DOC_HASH,
            "Drawn signature SHA-256:",
            e.drawing_sha256.as_deref().unwrap(),
            "Audit trail",
            &audit()[2].sha256,
        ] {
            assert!(text.contains(s), "{s:?} missing:\n{text}");
        }
        assert!(!text.contains(DRAWING_ALT), "the alt text is not page text");
    }

    #[test]
    fn no_drawing_no_picture() {
        let pdf = render_with_drawing(None);
        if let Some(count) = image_count(&pdf) {
            assert_eq!(count, 0);
        }
    }

    #[test]
    fn unreadable_drawings_are_left_out() {
        let good = signature_png(60, 18);
        // A header that reads, then pixel data cut short.
        let truncated = &good[..good.len() - 40];
        let mut bad_crc = good.clone();
        let last = bad_crc.len() - 20;
        bad_crc[last] ^= 0xff;
        let huge = {
            let mut png = signature_png(1, 1);
            // IHDR's width, with the chunk's CRC now wrong too.
            png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
            png
        };
        let inputs: [&[u8]; 7] = [
            b"",
            b"not a png at all",
            &[0x89, b'P', b'N', b'G', 0, 0, 0],
            truncated,
            &bad_crc,
            &huge,
            &good[..33],
        ];
        let plain = render_with_drawing(None);
        for (i, png) in inputs.into_iter().enumerate() {
            let pdf = render_with_drawing(Some(png));
            // Rendered as if there were no drawing.
            assert_eq!(pdf, plain, "input {i}");
            if let Some(count) = image_count(&pdf) {
                assert_eq!(count, 0, "input {i}");
            }
        }
        // Tiny and extreme shapes still fit the box.
        for (w, h) in [(1, 1), (2000, 1), (1, 2000), (3, 2000)] {
            let pdf = render_drawing(Some(&signature_png(w, h)), true);
            if let Some(count) = image_count(&pdf) {
                assert_eq!(count, 1, "{w}×{h}");
            }
        }
    }

    #[test]
    fn missing_glyphs_become_question_marks() {
        let (pdf, _) = render_sample("smile 你 here 😀", &audit(), Paper::A4);
        if let Some(text) = pdftotext(&pdf) {
            assert!(text.contains("smile ? here"), "{text}");
            // DejaVu Sans draws some emoji itself.
            assert!(text.contains("here 😀"), "{text}");
        }
    }

    #[test]
    fn long_words_are_broken_not_lost() {
        let word = "y".repeat(300);
        let (pdf, _) = render_sample(&word, &audit(), Paper::A4);
        if let Some(text) = pdftotext(&pdf) {
            let ys: usize =
                text.lines().filter(|l| l.chars().all(|c| c == 'y')).map(str::len).sum();
            assert_eq!(ys, 300);
        }
    }
}
