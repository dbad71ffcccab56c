//! What a push shows while it runs: a progress bar on a terminal, plain lines otherwise (logs,
//! cron, tests), or nothing.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::{ItemError, Progress};

pub(crate) struct Output {
    /// Made at the first [`Output::start`] on a terminal; until then lines go straight to stderr.
    bar: OnceLock<ProgressBar>,
    tty: bool,
    quiet: bool,
}

impl Output {
    pub fn new(progress: Progress) -> Self {
        let tty = match progress {
            Progress::Auto => std::io::stderr().is_terminal(),
            Progress::Plain | Progress::Quiet => false,
        };
        Self { bar: OnceLock::new(), tty, quiet: progress == Progress::Quiet }
    }

    fn bar(&self) -> Option<&ProgressBar> {
        self.bar.get()
    }

    /// A line for the log: above the bar, or on stderr.
    pub fn line(&self, text: &str) {
        if self.quiet {
            return;
        }
        match self.bar() {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    pub fn error(&self, e: &ItemError) {
        self.line(&format!("error: {e}"));
    }

    /// The bar now counts the `total` images of one session or of the branding.
    pub fn start(&self, label: &str, total: usize) {
        if !self.tty {
            return;
        }
        let bar = self.bar.get_or_init(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:.bold} [{bar:30.cyan/blue}] {pos}/{len} {wide_msg}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        {
            bar.set_prefix(label.to_string());
            bar.set_length(total as u64);
            bar.set_position(0);
            bar.set_message("");
        }
    }

    pub fn message(&self, text: &str) {
        if let Some(bar) = self.bar() {
            bar.set_message(text.to_string());
        }
    }

    pub fn inc(&self) {
        if let Some(bar) = self.bar() {
            bar.inc(1);
        }
    }

    /// Clears the bar and prints the summary on stdout.
    pub fn finish(&self, summary: &str) {
        if let Some(bar) = self.bar() {
            bar.finish_and_clear();
        }
        if !self.quiet {
            println!("{summary}");
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Some(bar) = self.bar() {
            bar.finish_and_clear();
        }
    }
}

/// `2.4 MB`, `812 KB`, `97 B` (decimal units, as file browsers show them).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if value < 100.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn bytes_read_like_a_file_browser() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1000), "1.0 KB");
        assert_eq!(human_bytes(812_345), "812 KB");
        assert_eq!(human_bytes(2_400_000), "2.4 MB");
        assert_eq!(human_bytes(9_999_999), "10.0 MB");
        assert_eq!(human_bytes(3_000_000_000), "3.0 GB");
    }
}
