//! `canyu text ...`: bulk similarity and sentiment tools over text files,
//! streaming, with a progress bar on stderr and results on stdout.

use crate::error::{CliError, CliResult};
use canyu_text::sentiment::{self, eval as sentiment_eval};
use canyu_text::similar::{self, Scores};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use std::cell::Cell;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

#[derive(Subcommand)]
pub enum TextCommand {
    /// Score text pairs: reads `text1<TAB>text2` lines and prints one similarity
    /// score in [0, 1] per line (4 decimals). Lines with more than two tab-separated
    /// fields use the fields given by `--columns`. A header line (e.g. PAWS-X's
    /// `id sentence1 sentence2 label`) is recognised and answered with `score`.
    Pairs {
        /// Input file (`-` for stdin).
        #[arg(long)]
        input: PathBuf,
        /// 0-based fields holding the two texts, for lines with more than two fields.
        #[arg(long, default_value = "1,2")]
        columns: String,
        /// Also print the three measures: `score<TAB>jaccard<TAB>sequence<TAB>words`.
        #[arg(long)]
        detail: bool,
    },
    /// Find near-duplicates: reads one text per line and prints each group of
    /// near-duplicate lines as a JSON array of 0-based line numbers, one group per line.
    Dedup {
        /// Input file (`-` for stdin).
        #[arg(long)]
        input: PathBuf,
        /// Lines whose similarity score is at least this are duplicates.
        #[arg(long, default_value_t = 0.5)]
        threshold: f32,
        /// Compare characters only (3-gram Jaccard and LCS ratio, no jieba words):
        /// about twice as fast, for near-identical text at ingest scale.
        #[arg(long)]
        chars_only: bool,
    },
    /// Measure the similarity score on labelled pairs (PAWS-X style TSV with a header:
    /// `id, sentence1, sentence2, label`): ROC-AUC and best-threshold accuracy of
    /// canyu's score beside plain character-3-gram Jaccard and the other measures.
    Eval {
        /// Labelled pairs (e.g. ../shared/data/pawsx-zh-dev.tsv).
        #[arg(long)]
        input: PathBuf,
        /// 0-based fields holding the two texts.
        #[arg(long, default_value = "1,2")]
        columns: String,
        /// 0-based field holding the label (1 = similar, 0 = not).
        #[arg(long, default_value_t = 3)]
        label: usize,
    },
    /// Score sentiment: reads one text per line and prints the probability that it
    /// is positive, in [0, 1] (4 decimals), one line per input line. A line with a
    /// tab is scored on its first field (so a labelled `text<TAB>label` file works);
    /// a first line whose first field is `text` is a header and answered with `score`.
    Sentiment {
        /// Input file (`-` for stdin).
        #[arg(long)]
        input: PathBuf,
    },
    /// Measure the sentiment scorer on labelled reviews (`text<TAB>label`, 1 =
    /// positive, e.g. ../shared/data/reviews-zh-sentiment.tsv): held-out accuracy,
    /// ROC-AUC and calibration, leave-one-domain-out beside a character-bigram naive
    /// Bayes, and throughput.
    SentimentEval {
        /// Labelled reviews.
        #[arg(long)]
        input: PathBuf,
    },
    /// Re-fit the sentiment weights on the training split of labelled reviews and
    /// print them as the `Model::SHIPPED` constant of crates/text/src/sentiment/mod.rs.
    SentimentFit {
        /// Labelled reviews.
        #[arg(long)]
        input: PathBuf,
    },
}

pub async fn run(cmd: TextCommand) -> CliResult<()> {
    match cmd {
        TextCommand::Pairs { input, columns, detail } => pairs(&input, parse_columns(&columns)?, detail),
        TextCommand::Dedup { input, threshold, chars_only } => dedup(&input, threshold, chars_only),
        TextCommand::Eval { input, columns, label } => eval(&input, parse_columns(&columns)?, label),
        TextCommand::Sentiment { input } => sentiment_scores(&input),
        TextCommand::SentimentEval { input } => sentiment_report(&input),
        TextCommand::SentimentFit { input } => sentiment_fit(&input),
    }
}

fn parse_columns(spec: &str) -> CliResult<(usize, usize)> {
    let parsed: Option<(usize, usize)> =
        spec.split_once(',').and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)));
    match parsed {
        Some((a, b)) if a != b => Ok((a, b)),
        _ => {
            Err(format!("--columns must be two different 0-based field numbers like 1,2 (got {spec:?})")
                .into())
        }
    }
}

/// Opens `path` (or stdin for `-`) with a progress bar counting its bytes.
fn open_input(path: &Path, verb: &str) -> CliResult<(Box<dyn BufRead>, ProgressBar)> {
    let (reader, len): (Box<dyn Read>, Option<u64>) = if path.as_os_str() == "-" {
        (Box::new(std::io::stdin()), None)
    } else {
        let file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let len = file.metadata().ok().map(|m| m.len());
        (Box::new(file), len)
    };
    let bar = match len {
        Some(len) => {
            let bar = ProgressBar::new(len);
            bar.set_style(
                ProgressStyle::with_template(&format!(
                    "{{spinner}} {verb} [{{bar:40}}] {{bytes}}/{{total_bytes}} {{msg}} eta {{eta}}"
                ))
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar
        }
        None => {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template(&format!("{{spinner}} {verb} {{bytes}} {{msg}}"))
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        }
    };
    Ok((Box::new(BufReader::with_capacity(1 << 16, reader)), bar))
}

/// Reads one line (lossy UTF-8, without the line ending) into `buf`; false at the end.
fn read_line(
    reader: &mut dyn BufRead,
    bytes: &mut Vec<u8>,
    buf: &mut String,
) -> std::io::Result<Option<u64>> {
    bytes.clear();
    let n = reader.read_until(b'\n', bytes)?;
    if n == 0 {
        return Ok(None);
    }
    while matches!(bytes.last(), Some(b'\n' | b'\r')) {
        bytes.pop();
    }
    buf.clear();
    buf.push_str(&String::from_utf8_lossy(bytes));
    Ok(Some(n as u64))
}

fn is_header_field(field: &str) -> bool {
    matches!(
        field.trim().to_ascii_lowercase().as_str(),
        "sentence1" | "sentence2" | "text1" | "text2" | "text_a" | "text_b" | "s1" | "s2" | "query" | "title"
    )
}

/// The two texts of a pair line: the two fields of a 2-field line, else `columns`.
fn pair_fields(line: &str, columns: (usize, usize)) -> Option<(&str, &str)> {
    let fields: Vec<&str> = line.split('\t').collect();
    if fields.len() == 2 {
        return Some((fields[0], fields[1]));
    }
    Some((fields.get(columns.0)?, fields.get(columns.1)?))
}

/// Lines scored together, on all cores.
const PAIR_CHUNK: usize = 4_096;

fn score_chunk(lines: &[String], columns: (usize, usize)) -> Vec<Option<Scores>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 16);
    let per = lines.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(per)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|l| pair_fields(l, columns).map(|(a, b)| similar::scores(a, b)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|_| vec![None; per])).collect()
    })
}

fn pairs(input: &Path, columns: (usize, usize), detail: bool) -> CliResult<()> {
    let (mut reader, bar) = open_input(input, "scoring")?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let (mut bytes, mut line) = (Vec::new(), String::new());
    let mut chunk: Vec<String> = Vec::with_capacity(PAIR_CHUNK);
    let (mut total, mut bad, mut first) = (0u64, 0u64, true);
    let started = Instant::now();
    let mut flush = |chunk: &mut Vec<String>, out: &mut BufWriter<_>| -> CliResult<()> {
        for s in score_chunk(chunk, columns) {
            match s {
                Some(s) if detail => {
                    writeln!(out, "{:.4}\t{:.4}\t{:.4}\t{:.4}", s.combined(), s.jaccard, s.sequence, s.words)?
                }
                Some(s) => writeln!(out, "{:.4}", s.combined())?,
                None => {
                    bad += 1;
                    writeln!(out, "nan")?
                }
            }
        }
        chunk.clear();
        Ok(())
    };
    while let Some(n) = read_line(&mut *reader, &mut bytes, &mut line)? {
        bar.inc(n);
        if first {
            first = false;
            if let Some((a, b)) = pair_fields(&line, columns)
                && is_header_field(a)
                && is_header_field(b)
            {
                writeln!(out, "{}", if detail { "score\tjaccard\tsequence\twords" } else { "score" })?;
                continue;
            }
        }
        total += 1;
        chunk.push(std::mem::take(&mut line));
        if chunk.len() == PAIR_CHUNK {
            flush(&mut chunk, &mut out)?;
            bar.set_message(format!("{total} pairs"));
        }
    }
    flush(&mut chunk, &mut out)?;
    out.flush()?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    eprintln!("scored {total} pairs in {secs:.2} s ({:.0} pairs/s)", total as f64 / secs.max(1e-9));
    if bad > 0 {
        eprintln!("warning: {bad} lines lacked the text fields and were scored nan");
    }
    Ok(())
}

fn dedup(input: &Path, threshold: f32, chars_only: bool) -> CliResult<()> {
    if !(0.0..=1.0).contains(&threshold) {
        return Err(format!("--threshold must be between 0 and 1 (got {threshold})").into());
    }
    let (mut reader, bar) = open_input(input, "deduplicating")?;
    let error: Rc<Cell<Option<std::io::Error>>> = Rc::new(Cell::new(None));
    let read_error = Rc::clone(&error);
    let bytes_read = Rc::new(Cell::new(0u64));
    let counter = Rc::clone(&bytes_read);
    let (mut bytes, mut line) = (Vec::new(), String::new());
    let lines = std::iter::from_fn(move || match read_line(&mut *reader, &mut bytes, &mut line) {
        Ok(Some(n)) => {
            counter.set(counter.get() + n);
            Some(std::mem::take(&mut line))
        }
        Ok(None) => None,
        Err(e) => {
            read_error.set(Some(e));
            None
        }
    });
    let started = Instant::now();
    let progress_bar = bar.clone();
    let lines_done = Cell::new(0usize);
    let options = similar::DedupOptions { threshold, chars_only };
    let groups = similar::dedup_groups_with(lines, options, |done| {
        lines_done.set(done);
        progress_bar.set_position(bytes_read.get());
        progress_bar.set_message(format!("{done} lines"));
    });
    let lines_done = lines_done.get();
    if let Some(e) = error.take() {
        bar.abandon();
        return Err(CliError(format!("cannot read {}: {e}", input.display())));
    }
    let secs = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut grouped = 0usize;
    let mut text = String::new();
    for group in &groups {
        grouped += group.len();
        text.clear();
        text.push('[');
        for (i, line) in group.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&line.to_string());
        }
        text.push(']');
        writeln!(out, "{text}")?;
    }
    out.flush()?;
    eprintln!(
        "{lines_done} lines, {} groups of near-duplicates covering {grouped} lines, in {secs:.2} s ({:.0} lines/s)",
        groups.len(),
        lines_done as f64 / secs.max(1e-9)
    );
    Ok(())
}

/// One measure of a pair, as a column of the evaluation.
type Measure = fn(&Scores) -> f32;

fn eval(input: &Path, columns: (usize, usize), label_col: usize) -> CliResult<()> {
    let (mut reader, bar) = open_input(input, "scoring")?;
    let (mut bytes, mut line) = (Vec::new(), String::new());
    let mut lines = Vec::new();
    let mut labels = Vec::new();
    let mut skipped = 0usize;
    while let Some(n) = read_line(&mut *reader, &mut bytes, &mut line)? {
        bar.inc(n);
        let fields: Vec<&str> = line.split('\t').collect();
        let label = match fields.get(label_col).map(|l| l.trim()) {
            Some("1") => true,
            Some("0") => false,
            _ => {
                skipped += 1; // the header, or a malformed line
                continue;
            }
        };
        let (Some(a), Some(b)) = (fields.get(columns.0), fields.get(columns.1)) else {
            skipped += 1;
            continue;
        };
        lines.push(format!("{a}\t{b}"));
        labels.push(label);
    }
    if lines.is_empty() {
        return Err(format!("{}: no labelled pairs found", input.display()).into());
    }
    let started = Instant::now();
    let scores: Vec<Scores> = lines
        .chunks(PAIR_CHUNK)
        .flat_map(|chunk| score_chunk(chunk, (0, 1)))
        .map(Option::unwrap_or_default)
        .collect();
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let positives = labels.iter().filter(|&&l| l).count();
    println!(
        "{} pairs ({positives} positive, {} negative; {skipped} lines skipped), scored in {secs:.2} s",
        labels.len(),
        labels.len() - positives
    );
    println!("{:<34} {:>8} {:>9} {:>10}", "scorer", "ROC-AUC", "best-acc", "threshold");
    let rows: [(&str, Measure); 4] = [
        ("canyu (combined score)", Scores::combined),
        ("char-3-gram Jaccard (baseline)", |s| s.jaccard),
        ("  sequence (LCS ratio)", |s| s.sequence),
        ("  words (TF-IDF cosine)", |s| s.words),
    ];
    for (name, f) in rows {
        let values: Vec<f32> = scores.iter().map(f).collect();
        let auc = similar::roc_auc(&values, &labels);
        let (acc, t) = similar::best_threshold_accuracy(&values, &labels);
        println!("{name:<34} {auc:>8.4} {acc:>9.4} {t:>10.4}");
    }
    println!("(majority class: {:.4})", positives.max(labels.len() - positives) as f64 / labels.len() as f64);
    Ok(())
}

/// The text of a sentiment input line: its first tab-separated field.
fn sentiment_text(line: &str) -> &str {
    line.split('\t').next().unwrap_or(line)
}

fn sentiment_scores(input: &Path) -> CliResult<()> {
    let (mut reader, bar) = open_input(input, "scoring")?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let (mut bytes, mut line) = (Vec::new(), String::new());
    let (mut total, mut first) = (0u64, true);
    let started = Instant::now();
    while let Some(n) = read_line(&mut *reader, &mut bytes, &mut line)? {
        bar.inc(n);
        let text = sentiment_text(&line);
        if std::mem::take(&mut first) && text.trim().eq_ignore_ascii_case("text") {
            writeln!(out, "score")?;
            continue;
        }
        writeln!(out, "{:.4}", sentiment::positive_probability(text))?;
        total += 1;
    }
    out.flush()?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    eprintln!("scored {total} texts in {secs:.2} s ({:.0} texts/s)", total as f64 / secs.max(1e-9));
    Ok(())
}

/// Reads labelled `text<TAB>label` reviews.
fn read_labelled(input: &Path) -> CliResult<Vec<sentiment_eval::Labelled>> {
    let (mut reader, bar) = open_input(input, "reading")?;
    let mut data = String::new();
    let (mut bytes, mut line) = (Vec::new(), String::new());
    while let Some(n) = read_line(&mut *reader, &mut bytes, &mut line)? {
        bar.inc(n);
        data.push_str(&line);
        data.push('\n');
    }
    bar.finish_and_clear();
    let (examples, skipped) = sentiment_eval::parse_tsv(&data);
    if examples.is_empty() {
        return Err(
            format!("{}: no labelled texts found (`text<TAB>label`, label 0 or 1)", input.display()).into()
        );
    }
    if skipped > 1 {
        eprintln!("warning: {skipped} lines without a 0/1 label were skipped");
    }
    Ok(examples)
}

/// A spinner on stderr while a step without a measurable length runs.
fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Runs of the throughput measurement; the median is reported.
const THROUGHPUT_RUNS: usize = 5;

fn sentiment_report(input: &Path) -> CliResult<()> {
    let examples = read_labelled(input)?;
    let bar = spinner("fitting and measuring (train split, four domains left out, naive Bayes)");
    let report = sentiment_eval::evaluate(&examples);
    bar.finish_and_clear();
    print!("{report}");
    // Throughput of the shipped scorer alone, one thread, as a web request uses it.
    let mut rates: Vec<f64> = (0..THROUGHPUT_RUNS)
        .map(|_| {
            let started = Instant::now();
            let sum: f32 = examples.iter().map(|e| sentiment::positive_probability(&e.text)).sum();
            std::hint::black_box(sum);
            examples.len() as f64 / started.elapsed().as_secs_f64().max(1e-9)
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    let mean_chars =
        examples.iter().map(|e| e.text.chars().count()).sum::<usize>() as f64 / examples.len() as f64;
    println!();
    println!(
        "throughput: {median:.0} texts/s on one thread ({:.1} µs per text of {mean_chars:.0} characters on average; median of {THROUGHPUT_RUNS} runs)",
        1e6 / median
    );
    Ok(())
}

fn sentiment_fit(input: &Path) -> CliResult<()> {
    let examples = read_labelled(input)?;
    let bar = spinner("fitting on the training split");
    let model = sentiment_eval::fit_training_split(&examples);
    bar.finish_and_clear();
    let held: Vec<&sentiment_eval::Labelled> =
        examples.iter().filter(|e| sentiment_eval::is_held_out(&e.text)).collect();
    let metrics = |m: &sentiment::Model| {
        let probs: Vec<f32> = held.iter().map(|e| m.probability(&sentiment::features(&e.text))).collect();
        let labels: Vec<bool> = held.iter().map(|e| e.positive).collect();
        sentiment_eval::Metrics::of(&probs, &labels)
    };
    let (new, old) = (metrics(&model), metrics(&sentiment::Model::SHIPPED));
    println!("// Paste into crates/text/src/sentiment/mod.rs as `Model::SHIPPED`:");
    println!("{}", sentiment_eval::model_source(&model));
    eprintln!(
        "held-out {} texts: refitted accuracy {:.4} ROC-AUC {:.4} log-loss {:.4}; shipped accuracy {:.4} ROC-AUC {:.4} log-loss {:.4}",
        new.n, new.accuracy, new.auc, new.log_loss, old.accuracy, old.auc, old.log_loss
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_fields() {
        assert_eq!(parse_columns("1,2").ok(), Some((1, 2)));
        assert_eq!(parse_columns(" 0 , 3 ").ok(), Some((0, 3)));
        assert!(parse_columns("1").is_err());
        assert!(parse_columns("2,2").is_err());
        assert_eq!(pair_fields("a\tb", (1, 2)), Some(("a", "b")));
        assert_eq!(pair_fields("7\ta\tb\t1", (1, 2)), Some(("a", "b")));
        assert_eq!(pair_fields("only one", (1, 2)), None);
        assert!(is_header_field("sentence1") && !is_header_field("续航"));
    }

    #[test]
    fn sentiment_scores_the_first_field() {
        assert_eq!(sentiment_text("续航太差了\t0"), "续航太差了");
        assert_eq!(sentiment_text("没有标签"), "没有标签");
        assert_eq!(sentiment_text(""), "");
    }
}
