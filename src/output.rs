//! The one printer: every byte metaform shows a person or a pipe goes through here.
//!
//! Data (plans, completion scripts, anything a script may capture) goes to stdout;
//! messages, warnings, hints and progress go to stderr, so redirecting the output of
//! `metaform plan --format json` captures only the plan. Colour is decided per stream:
//! on a terminal, unless `NO_COLOR` is set (<https://no-color.org>), or as forced by an
//! explicit choice. Output stays meaningful without colour: prefixes are words
//! (`warning:`, `hint:`), never colour alone. Progress ([`Printer::progress`]) is drawn
//! only when stderr is a terminal: a spinner, or a bar while items are applied, with the
//! run's [`Counters`] redrawn ten times a second and cleared at the end; messages printed
//! meanwhile suspend it so the two never interleave on one line. Into a pipe or a file
//! nothing is drawn: a long run prints a plain progress line at most every
//! [`LINE_INTERVAL`], a run shorter than that none. Text in messages is escaped so a
//! name cannot act on the terminal; data is written as it is (its renderer escapes it).
//! A closed stdout (a pipe to `head`) is an error returned by [`Printer::data`], so the
//! command exits 1.

use std::io::{IsTerminal, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::error::{Error, Result};
use crate::progress::{self, Counters, Counts, LINE_INTERVAL, LineSchedule};

/// How often progress on a terminal is redrawn.
const REDRAW_INTERVAL: Duration = Duration::from_millis(100);

/// Width of the bar of items applied, in characters.
const BAR_WIDTH: u64 = 30;

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour a stream only when it is a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    /// Always colour, even into a pipe or with `NO_COLOR` set.
    Always,
    /// Never colour.
    Never,
}

/// Whether to colour one stream: an explicit choice wins; `Auto` colours a terminal
/// unless `NO_COLOR` holds a non-empty value (an empty `NO_COLOR` counts as unset, as
/// <https://no-color.org> specifies).
pub fn use_color(is_tty: bool, no_color: Option<&str>, choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_tty && no_color.is_none_or(str::is_empty),
    }
}

/// The kind of a stderr message, which decides its prefix and style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Info,
    Warn,
    Error,
    Hint,
}

/// The text of one stderr message, newline-terminated, styled when `color` is set.
/// Messages often quote names from a source or a target: their control characters and
/// bidirectional overrides are escaped ([`crate::core::escape::printable_message`]).
fn message_text(level: Level, message: &str, color: bool) -> String {
    let message = crate::core::escape::printable_message(message);
    let (label, style, leading) = match level {
        Level::Info => return format!("{message}\n"),
        Level::Warn => ("warning:", AnsiColor::Yellow, ""),
        Level::Error => ("error:", AnsiColor::Red, ""),
        Level::Hint => ("hint:", AnsiColor::Cyan, "\n"),
    };
    if color {
        let style = Style::new().bold().fg_color(Some(style.into()));
        format!("{leading}{style}{label}{style:#} {message}\n")
    } else {
        format!("{leading}{label} {message}\n")
    }
}

/// Writes data and messages to the right stream with the right styling.
///
/// Cheap to clone: clones share the progress bars, so a message printed through any
/// clone suspends every bar.
#[derive(Debug, Clone)]
pub struct Printer {
    stdout_color: bool,
    stderr_color: bool,
    stderr_tty: bool,
    progress: MultiProgress,
}

impl Printer {
    /// A printer for this process's stdout and stderr, reading `NO_COLOR` and whether
    /// each stream is a terminal once, now.
    pub fn new(choice: ColorChoice) -> Self {
        let no_color = std::env::var_os("NO_COLOR").map(|v| v.to_string_lossy().into_owned());
        let stderr_tty = std::io::stderr().is_terminal();
        let target = if stderr_tty {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Self {
            stdout_color: use_color(std::io::stdout().is_terminal(), no_color.as_deref(), choice),
            stderr_color: use_color(stderr_tty, no_color.as_deref(), choice),
            stderr_tty,
            progress: MultiProgress::with_draw_target(target),
        }
    }

    /// Whether data written to stdout may carry colour: renderers that take a colour
    /// flag (the plan's text renderer, diffs) ask this.
    pub fn color_enabled_stdout(&self) -> bool {
        self.stdout_color
    }

    /// Writes data to stdout, adding a final newline when `text` lacks one (an empty
    /// `text` writes nothing). Fails when stdout is closed, e.g. a pipe to `head`.
    pub fn data(&self, text: &str) -> Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        let newline = if text.ends_with('\n') { "" } else { "\n" };
        self.progress
            .suspend(|| {
                let mut out = std::io::stdout().lock();
                write_to(&mut out, self.stdout_color, text)
                    .and_then(|()| write_to(&mut out, false, newline))
                    .and_then(|()| out.flush())
            })
            .map_err(Error::Stdout)
    }

    /// A plain message to stderr (progress, notes, summaries meant for a person).
    pub fn info(&self, message: &str) {
        self.message(Level::Info, message);
    }

    /// A `warning: …` message to stderr.
    pub fn warn(&self, message: &str) {
        self.message(Level::Warn, message);
    }

    /// An `error: …` message to stderr.
    pub fn error(&self, message: &str) {
        self.message(Level::Error, message);
    }

    /// A question to stderr, as it is: no prefix and no newline, so the answer is typed
    /// on the same line.
    pub fn prompt(&self, question: &str) {
        let text = crate::core::escape::printable_message(question);
        self.progress.suspend(|| {
            let mut err = std::io::stderr().lock();
            let _ = write_to(&mut err, false, &text).and_then(|()| err.flush());
        });
    }

    /// A blank line, then `hint: …`, to stderr: what to do next after an error.
    pub fn hint(&self, message: &str) {
        self.message(Level::Hint, message);
    }

    /// Shows the progress of `counters` under `label` (the command's name) until the
    /// returned view is dropped, counting from their values now. On a terminal: a
    /// spinner (with a bar once items are being applied) redrawn every 100 ms, cleared
    /// at the end. Elsewhere: a line such as `plan: read 120000 objects in 431 requests
    /// (35 s)` every [`LINE_INTERVAL`], none for a shorter run.
    pub fn progress(&self, label: &'static str, counters: &Counters) -> ProgressView {
        let start = counters.counts();
        let shown = if self.stderr_tty {
            Shown::Drawn(self.drawn(label, counters.clone(), start))
        } else {
            Shown::Lines(Lines::start(self.clone(), label, counters.clone(), start))
        };
        ProgressView { shown }
    }

    /// The spinner of [`Printer::progress`] on a terminal, already drawn once.
    fn drawn(&self, label: &'static str, counters: Counters, start: Counts) -> ProgressBar {
        let text = move |state: &ProgressState, out: &mut dyn std::fmt::Write| {
            let counts = counters.counts().since(start);
            let _ = write!(
                out,
                "{label}: {}{}",
                items_bar(counts),
                progress::status(counts, state.elapsed())
            );
        };
        let template = if self.stderr_color {
            "{spinner:.cyan} {counts}"
        } else {
            "{spinner} {counts}"
        };
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            .with_key("counts", text);
        let bar = self
            .progress
            .add(ProgressBar::new_spinner().with_style(style));
        bar.enable_steady_tick(REDRAW_INTERVAL);
        bar.tick();
        bar
    }

    /// Writes one message to stderr, suspending any progress bar meanwhile. A failure
    /// to write to stderr is ignored: there is nowhere left to report it.
    fn message(&self, level: Level, message: &str) {
        let text = message_text(level, message, self.stderr_color);
        self.progress.suspend(|| {
            let mut err = std::io::stderr().lock();
            let _ = write_to(&mut err, self.stderr_color, &text).and_then(|()| err.flush());
        });
    }
}

/// Writes `text` to `stream`. Styled text goes through anstream, which passes ANSI
/// sequences on Unix and translates them for older Windows consoles; unstyled text is
/// written as it is, so data is never altered when colour is off.
fn write_to<W: anstream::stream::RawStream + anstream::stream::AsLockedWrite>(
    stream: &mut W,
    styled: bool,
    text: &str,
) -> std::io::Result<()> {
    if styled {
        anstream::AutoStream::new(stream, anstream::ColorChoice::Always).write_all(text.as_bytes())
    } else {
        stream.write_all(text.as_bytes())
    }
}

/// `[=====>    ] ` for the items applied so far, nothing while none are counted.
fn items_bar(counts: Counts) -> String {
    if counts.total == 0 {
        return String::new();
    }
    let filled = (counts.done.min(counts.total) * BAR_WIDTH / counts.total) as usize;
    let width = BAR_WIDTH as usize;
    let head = if filled < width { ">" } else { "" };
    format!(
        "[{}{head}{}] ",
        "=".repeat(filled),
        " ".repeat(width - filled - head.len())
    )
}

/// Progress shown by [`Printer::progress`]; drawing stops, and a drawn line is cleared,
/// when it is dropped.
#[derive(Debug)]
pub struct ProgressView {
    shown: Shown,
}

#[derive(Debug)]
enum Shown {
    /// A spinner on a terminal.
    Drawn(ProgressBar),
    /// Lines every [`LINE_INTERVAL`] into a pipe or a file.
    Lines(Lines),
}

impl Drop for ProgressView {
    fn drop(&mut self) {
        match &mut self.shown {
            Shown::Drawn(bar) => bar.finish_and_clear(),
            Shown::Lines(lines) => lines.stop(),
        }
    }
}

/// The thread that prints a progress line when one is due ([`LineSchedule`]).
#[derive(Debug)]
struct Lines {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Lines {
    /// Starts printing the lines of `counters` (from their values `start`) with `printer`.
    fn start(printer: Printer, label: &'static str, counters: Counters, start: Counts) -> Lines {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || {
                let began = Instant::now();
                let mut schedule = LineSchedule::new(began, LINE_INTERVAL);
                loop {
                    let wait = schedule
                        .next_due()
                        .saturating_duration_since(Instant::now());
                    match stopped.recv_timeout(wait) {
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            let now = Instant::now();
                            if schedule.due(now) {
                                let counts = counters.counts().since(start);
                                printer.info(&progress::line(label, counts, now - began));
                            }
                        }
                        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                }
            })
            // Without a thread there are no lines; the run itself goes on.
            .ok();
        Lines {
            stop: Some(stop),
            thread,
        }
    }

    /// Stops the thread and waits for it (it wakes at once).
    fn stop(&mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Auto colours a terminal when NO_COLOR is unset.
    #[test]
    fn auto_colours_a_terminal() {
        assert!(use_color(true, None, ColorChoice::Auto));
    }

    /// Auto never colours a pipe or file.
    #[test]
    fn auto_does_not_colour_a_pipe() {
        assert!(!use_color(false, None, ColorChoice::Auto));
    }

    /// A non-empty NO_COLOR turns colour off on a terminal, whatever its value.
    #[test]
    fn no_color_turns_colour_off() {
        assert!(!use_color(true, Some("1"), ColorChoice::Auto));
        assert!(!use_color(true, Some("0"), ColorChoice::Auto));
    }

    /// An empty NO_COLOR counts as unset, as no-color.org specifies.
    #[test]
    fn empty_no_color_counts_as_unset() {
        assert!(use_color(true, Some(""), ColorChoice::Auto));
    }

    /// An explicit choice wins over the terminal check and NO_COLOR.
    #[test]
    fn explicit_choice_wins() {
        assert!(use_color(false, Some("1"), ColorChoice::Always));
        assert!(!use_color(true, None, ColorChoice::Never));
    }

    /// Without colour, prefixes are plain words and carry no escape sequences.
    #[test]
    fn plain_messages_have_word_prefixes() {
        assert_eq!(message_text(Level::Info, "done", false), "done\n");
        assert_eq!(message_text(Level::Warn, "slow", false), "warning: slow\n");
        assert_eq!(
            message_text(Level::Error, "failed", false),
            "error: failed\n"
        );
    }

    /// A hint is set apart by a blank line before it.
    #[test]
    fn hint_follows_a_blank_line() {
        assert_eq!(
            message_text(Level::Hint, "run `metaform plan`", false),
            "\nhint: run `metaform plan`\n"
        );
    }

    /// The bar of items applied fills with the items done and is absent while reading.
    #[test]
    fn items_bar_fills_with_the_items_done() {
        let at = |done, total| {
            items_bar(Counts {
                done,
                total,
                ..Counts::default()
            })
        };
        assert_eq!(at(0, 0), "");
        assert_eq!(at(0, 10), format!("[>{}] ", " ".repeat(29)));
        assert_eq!(
            at(5, 10),
            format!("[{}>{}] ", "=".repeat(15), " ".repeat(14))
        );
        assert_eq!(at(10, 10), format!("[{}] ", "=".repeat(30)));
    }

    /// Styled messages read the same once their escape sequences are stripped.
    #[test]
    fn styled_messages_strip_to_the_plain_text() {
        for level in [Level::Info, Level::Warn, Level::Error, Level::Hint] {
            let styled = message_text(level, "x", true);
            let stripped = anstream::adapter::strip_str(&styled).to_string();
            assert_eq!(stripped, message_text(level, "x", false));
        }
        assert!(message_text(Level::Error, "x", true).contains('\x1b'));
    }
}
