//! The one printer: every byte metaform shows a person or a pipe goes through here.
//!
//! Data (plans, completion scripts, anything a script may capture) goes to stdout;
//! messages, warnings, hints and progress go to stderr, so redirecting the output of
//! `metaform plan --format json` captures only the plan. Colour is decided per stream:
//! on a terminal, unless `NO_COLOR` is set (<https://no-color.org>), or as forced by an
//! explicit choice. Output stays meaningful without colour: prefixes are words
//! (`warning:`, `hint:`), never colour alone. Progress bars are drawn only when stderr
//! is a terminal; messages printed while a bar is shown suspend it so the two never
//! interleave on one line. Text in messages is escaped so a name cannot act on the
//! terminal; data is written as it is (its renderer escapes it). A closed stdout (a pipe
//! to `head`) is an error returned by [`Printer::data`], so the command exits 1.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

use anstyle::{AnsiColor, Style};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::{Error, Result};

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

    /// A progress bar of `len` steps labelled `message`, drawn on stderr only when it
    /// is a terminal; otherwise every call on it does nothing.
    pub fn progress(&self, len: u64, message: &str) -> Progress {
        let template = if self.stderr_color {
            "{msg} [{bar:30.cyan/blue}] {pos}/{len} ({eta})"
        } else {
            "{msg} [{bar:30}] {pos}/{len} ({eta})"
        };
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = ProgressBar::new(len)
            .with_style(style)
            .with_message(message.to_owned());
        Progress {
            bar: self.progress.add(bar),
        }
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

/// A progress bar from [`Printer::progress`]; cleared from the screen when dropped.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// Advances the bar by `delta` steps.
    pub fn inc(&self, delta: u64) {
        self.bar.inc(delta);
    }

    /// Moves the bar to `position` steps.
    pub fn set_position(&self, position: u64) {
        self.bar.set_position(position);
    }

    /// Replaces the bar's label.
    pub fn set_message(&self, message: impl Into<Cow<'static, str>>) {
        self.bar.set_message(message);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
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
