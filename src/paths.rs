//! `paths.bin`: every run's path, stored compactly (`realign run --paths`), so that `realign condition` and
//! `realign signposts` can re-read the ensemble run by run without running it again.
//!
//! # Format (version 1, every integer little-endian)
//!
//! | offset | bytes | what |
//! |---|---|---|
//! | 0 | 8 | magic `RLGNPATH` |
//! | 8 | 4 | format version (u32, 1) |
//! | 12 | 4 | J, the length of the JSON header (u32, at most 1 MiB) |
//! | 16 | 8 | runs (u64; written last, so precision mode can grow the ensemble while the file streams) |
//! | 24 | 4 | R, bytes per record (u32) |
//! | 28 | 4 | zero (reserved) |
//! | 32 | J | the JSON header ([`Header`]): scenario name and hash, seed, start month, months, events, actors, drivers, quantisation |
//! | 32 + J | runs x R | one record per run, run 0 first |
//! | end - 32 | 32 | checksum: SHA-256 of (bytes 0 .. 32 + J, then the SHA-256 of all records) |
//!
//! A record of E events, A actors, D drivers and M months (month 0, the initial state, to the horizon):
//! - E x u16: the month each event first held, [`crate::stats::NEVER`] (65535) if it never did;
//! - M x A x i8, `[month][actor]`: alignment as round(127 a), so a step of 1/127 = 0.0079 and an error of at most
//!   0.0039 on the -1..+1 scale; -128 marks a missing value;
//! - M x D x u16, `[month][driver]`: oil (USD/bbl) and the rouble (RUB/USD) on a log scale,
//!   code = round((ln x - ln 0.01) / [`DRIVER_LN_STEP`]) over 0.01 .. 100,000, so a relative step of 0.0246% and a
//!   relative error of at most 0.0123%; 65535 marks a missing value.
//!
//! The baseline (16 events, 4 actors, 2 drivers, 37 months) has R = 32 + 148 + 148 = 328 bytes.
//!
//! The file is written streaming, in run order (chunk after chunk, whatever the thread count), through
//! [`crate::output::OutDir::stream`]: a temporary file renamed into place when whole. A reader checks the magic,
//! the version, the header, the length (a truncated file is refused before a record is read) and, after streaming
//! the records, the checksum; a caller's results are only used once [`PathsFile::scan`] returns `Ok`.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::output::{OutDir, OutputError, StreamFile};
use crate::stats::{Layout, NEVER};

/// The file's name in a run folder.
pub const FILE: &str = "paths.bin";
pub const MAGIC: [u8; 8] = *b"RLGNPATH";
pub const VERSION: u32 = 1;
/// Bytes before the JSON header.
const PREFIX_BYTES: usize = 32;
/// Bytes of the trailing checksum.
const CHECKSUM_BYTES: usize = 32;
/// The largest JSON header a reader accepts (a baseline's is about 3 KiB).
pub const MAX_HEADER_BYTES: u32 = 1 << 20;
/// Alignment code = round(ALIGNMENT_SCALE x alignment).
pub const ALIGNMENT_SCALE: f64 = 127.0;
/// The alignment code of a missing value.
pub const ALIGNMENT_MISSING: i8 = i8::MIN;
/// The smallest driver value coded (USD/bbl or RUB/USD); smaller values are coded as this.
pub const DRIVER_LO: f64 = 0.01;
/// The largest driver value coded; larger values are coded as this.
pub const DRIVER_HI: f64 = 100_000.0;
/// Step of the driver code in ln units: ln(DRIVER_HI / DRIVER_LO) / 65534 = 2.4595e-4, a relative step of 0.0246%.
pub const DRIVER_LN_STEP: f64 = 2.459_501_274_294_003e-4;
/// The driver code of a missing (not finite, not positive) value.
pub const DRIVER_MISSING: u16 = u16::MAX;
/// The drivers a record keeps, as the metrics `model::observe` names them.
pub const DRIVERS: [(&str, &str); 2] = [("oil_usd_per_bbl", "USD/bbl"), ("rub_per_usd", "RUB/USD")];

#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    #[error(
        "{}: no {FILE} in this run folder: rerun with `realign run SCENARIO --paths --out {}`",
        dir.display(),
        dir.display()
    )]
    Missing { dir: PathBuf },
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a realign paths file (no RLGNPATH magic)", path.display())]
    Foreign { path: PathBuf },
    #[error("{}: paths format version {found}; this realign reads version {VERSION}: rerun with --paths", path.display())]
    Version { path: PathBuf, found: u32 },
    #[error("{}: bad header: {what}", path.display())]
    Header { path: PathBuf, what: String },
    #[error(
        "{}: truncated or padded: {runs} runs of {record_bytes} bytes make {expected} bytes, the file has {found}",
        path.display()
    )]
    Length {
        path: PathBuf,
        runs: u64,
        record_bytes: u64,
        expected: u64,
        found: u64,
    },
    #[error("{}: checksum mismatch: the file is corrupted; rerun with --paths", path.display())]
    Checksum { path: PathBuf },
    #[error("{}: run {run}: {what}; the file is corrupted", path.display())]
    Record {
        path: PathBuf,
        run: u64,
        what: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventInfo {
    pub id: String,
    /// Empty for a global event.
    pub actor: String,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriverInfo {
    pub metric: String,
    pub unit: String,
}

/// How values are coded (fixed by the format version; written so the file documents itself).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quantisation {
    pub first_month: String,
    pub alignment: String,
    pub alignment_scale: f64,
    pub drivers: String,
    pub driver_lo: f64,
    pub driver_hi: f64,
    pub driver_ln_step: f64,
}

impl Default for Quantisation {
    fn default() -> Quantisation {
        Quantisation {
            first_month: "u16 month index (0 = start month), 65535 = never".into(),
            alignment: "i8 = round(127 * alignment), -128 = missing".into(),
            alignment_scale: ALIGNMENT_SCALE,
            drivers: "u16 = round((ln x - ln driver_lo) / driver_ln_step), 65535 = missing".into(),
            driver_lo: DRIVER_LO,
            driver_hi: DRIVER_HI,
            driver_ln_step: DRIVER_LN_STEP,
        }
    }
}

/// The JSON header: what the records hold and where they came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    pub realign_version: String,
    pub scenario: String,
    pub scenario_hash: String,
    pub seed: u64,
    /// Month 0, `YYYY-MM`.
    pub start_month: String,
    /// Months per path, month 0 (the initial state) to the horizon.
    pub months: usize,
    pub events: Vec<EventInfo>,
    /// Actors whose alignment is kept, in record order.
    pub actors: Vec<String>,
    pub drivers: Vec<DriverInfo>,
    pub quantisation: Quantisation,
    pub record_bytes: usize,
    pub record_layout: String,
}

impl Header {
    /// A header for records of these events, actors and months (drivers: [`DRIVERS`]).
    pub fn new(
        scenario: &str,
        scenario_hash: &str,
        seed: u64,
        start_month: crate::scenario::month::Month,
        months: usize,
        events: Vec<EventInfo>,
        actors: Vec<String>,
    ) -> Header {
        let mut h = Header {
            format: "realign paths".into(),
            version: VERSION,
            realign_version: env!("CARGO_PKG_VERSION").into(),
            scenario: scenario.into(),
            scenario_hash: scenario_hash.into(),
            seed,
            start_month: start_month.to_string(),
            months,
            events,
            actors,
            drivers: DRIVERS
                .iter()
                .map(|(metric, unit)| DriverInfo {
                    metric: (*metric).into(),
                    unit: (*unit).into(),
                })
                .collect(),
            quantisation: Quantisation::default(),
            record_bytes: 0,
            record_layout:
                "events x u16 first month; months x actors x i8 alignment; months x drivers x u16 \
                            log-coded value; little-endian"
                    .into(),
        };
        h.record_bytes = h.computed_record_bytes();
        h
    }

    /// The header of a scenario's run.
    pub fn for_scenario(s: &crate::scenario::Scenario, layout: &Layout) -> Header {
        Header::new(
            &s.name,
            &crate::output::manifest::scenario_hash(s),
            s.seed,
            s.first_month(),
            layout.months,
            layout
                .events
                .iter()
                .map(|e| EventInfo {
                    id: e.id.into(),
                    actor: e.actor.clone(),
                    description: e.description.clone(),
                })
                .collect(),
            layout
                .metrics
                .iter()
                .filter(|m| m.metric == "alignment")
                .map(|m| m.actor.clone())
                .collect(),
        )
    }

    fn computed_record_bytes(&self) -> usize {
        2 * self.events.len()
            + self.months * self.actors.len()
            + 2 * self.months * self.drivers.len()
    }

    fn alignment_offset(&self) -> usize {
        2 * self.events.len()
    }

    fn driver_offset(&self) -> usize {
        self.alignment_offset() + self.months * self.actors.len()
    }

    pub fn start(&self) -> crate::scenario::month::Month {
        crate::scenario::month::Month::parse(&self.start_month).expect("checked when read")
    }

    /// `YYYY-MM` of month index `m`.
    pub fn month_label(&self, m: usize) -> String {
        self.start().plus(m).to_string()
    }

    /// Index of driver `metric`, if the file keeps it.
    pub fn driver(&self, metric: &str) -> Option<usize> {
        self.drivers.iter().position(|d| d.metric == metric)
    }

    /// What a reader requires of a header (names that cannot form a path or markup, a consistent shape).
    fn check(&self) -> Result<(), String> {
        if self.format != "realign paths" || self.version != VERSION {
            return Err(format!("format {:?} version {}", self.format, self.version));
        }
        if !crate::scenario::valid_scenario_name(&self.scenario) {
            return Err("scenario name is not a valid name".into());
        }
        if crate::scenario::month::Month::parse(&self.start_month).is_none() {
            return Err(format!("start month {:?}", self.start_month));
        }
        if self.months == 0 || self.months >= usize::from(NEVER) {
            return Err(format!("{} months", self.months));
        }
        if self.events.len() > 64 || self.actors.len() > 64 {
            return Err("too many events or actors".into());
        }
        let plain = |s: &str| {
            s.len() <= 200
                && s.chars()
                    .all(|c| !c.is_control() && !matches!(c, '<' | '>' | '&' | '"'))
        };
        for e in &self.events {
            if !crate::scenario::valid_scenario_name(&e.id)
                || !(e.actor.is_empty() || crate::scenario::valid_actor_name(&e.actor))
                || !plain(&e.description)
            {
                return Err(format!("event {:?} of {:?}", e.id, e.actor));
            }
        }
        if let Some(a) = self
            .actors
            .iter()
            .find(|a| !crate::scenario::valid_actor_name(a))
        {
            return Err(format!("actor {a:?}"));
        }
        let drivers: Vec<&str> = self.drivers.iter().map(|d| d.metric.as_str()).collect();
        let known: Vec<&str> = DRIVERS.iter().map(|d| d.0).collect();
        if drivers != known {
            return Err(format!("drivers {drivers:?}, expected {known:?}"));
        }
        if self.quantisation != Quantisation::default() {
            return Err("quantisation differs from format version 1".into());
        }
        if self.record_bytes != self.computed_record_bytes() {
            return Err(format!(
                "record_bytes {} but the shape needs {}",
                self.record_bytes,
                self.computed_record_bytes()
            ));
        }
        Ok(())
    }
}

/// Alignment code of `a`.
pub fn encode_alignment(a: f64) -> i8 {
    if a.is_nan() {
        ALIGNMENT_MISSING
    } else {
        (a.clamp(-1.0, 1.0) * ALIGNMENT_SCALE).round() as i8
    }
}

pub fn decode_alignment(code: i8) -> f64 {
    if code == ALIGNMENT_MISSING {
        f64::NAN
    } else {
        f64::from(code) / ALIGNMENT_SCALE
    }
}

/// Driver code of `x` (USD/bbl or RUB/USD). [`crate::arith::ln`], so the same code on every machine.
pub fn encode_driver(x: f64) -> u16 {
    if !(x.is_finite() && x > 0.0) {
        return DRIVER_MISSING;
    }
    let code = ((crate::arith::ln(x) - crate::arith::ln(DRIVER_LO)) / DRIVER_LN_STEP).round();
    code.clamp(0.0, f64::from(DRIVER_MISSING - 1)) as u16
}

pub fn decode_driver(code: u16) -> f64 {
    if code == DRIVER_MISSING {
        f64::NAN
    } else {
        crate::arith::exp(crate::arith::ln(DRIVER_LO) + f64::from(code) * DRIVER_LN_STEP)
    }
}

/// One run's record built from its values: `first[e]`, `alignment[m * A + a]`, `drivers[m * D + d]`.
pub fn encode_record(h: &Header, first: &[u16], alignment: &[f64], drivers: &[f64]) -> Vec<u8> {
    let mut rec = vec![0u8; h.record_bytes];
    for (e, f) in first.iter().enumerate() {
        rec[2 * e..2 * e + 2].copy_from_slice(&f.to_le_bytes());
    }
    let a0 = h.alignment_offset();
    for (i, a) in alignment.iter().enumerate() {
        rec[a0 + i] = encode_alignment(*a) as u8;
    }
    let d0 = h.driver_offset();
    for (i, x) in drivers.iter().enumerate() {
        rec[d0 + 2 * i..d0 + 2 * i + 2].copy_from_slice(&encode_driver(*x).to_le_bytes());
    }
    rec
}

/// What the runner records of a run: which of the layout's metrics are kept, and where they go in a record.
#[derive(Clone, Debug)]
pub struct Codec {
    /// Metric indices of the actors' alignments, in header order.
    alignment: Vec<usize>,
    /// Metric indices of [`DRIVERS`].
    drivers: Vec<usize>,
    events: usize,
    alignment_offset: usize,
    driver_offset: usize,
    pub record_bytes: usize,
}

impl Codec {
    pub fn new(layout: &Layout) -> Codec {
        let alignment: Vec<usize> = (0..layout.metrics.len())
            .filter(|&k| layout.metrics[k].metric == "alignment")
            .collect();
        let drivers: Vec<usize> = DRIVERS
            .iter()
            .map(|(name, _)| {
                layout
                    .metrics
                    .iter()
                    .position(|m| m.metric == *name)
                    .expect("every scenario observes oil and the rouble")
            })
            .collect();
        let events = layout.events.len();
        let alignment_offset = 2 * events;
        let driver_offset = alignment_offset + layout.months * alignment.len();
        Codec {
            record_bytes: driver_offset + 2 * layout.months * drivers.len(),
            alignment,
            drivers,
            events,
            alignment_offset,
            driver_offset,
        }
    }

    /// Writes month `m`'s kept values (`values` as `model::observe` fills them) into the record `rec`.
    #[inline]
    pub fn record_month(&self, rec: &mut [u8], m: usize, values: &[f64]) {
        let na = self.alignment.len();
        for (a, &k) in self.alignment.iter().enumerate() {
            rec[self.alignment_offset + m * na + a] = encode_alignment(values[k]) as u8;
        }
        let nd = self.drivers.len();
        for (d, &k) in self.drivers.iter().enumerate() {
            let at = self.driver_offset + 2 * (m * nd + d);
            rec[at..at + 2].copy_from_slice(&encode_driver(values[k]).to_le_bytes());
        }
    }

    /// Writes the events' first months into the record `rec`.
    #[inline]
    pub fn record_first(&self, rec: &mut [u8], first: &[u16]) {
        debug_assert_eq!(first.len(), self.events);
        for (e, f) in first.iter().enumerate() {
            rec[2 * e..2 * e + 2].copy_from_slice(&f.to_le_bytes());
        }
    }
}

/// Writes paths.bin streaming: the prefix and header first, then records as chunks finish (in chunk order), then
/// the run count and the checksum. Memory: one chunk's records at a time, whatever the number of runs.
pub struct PathsWriter {
    stream: StreamFile,
    prefix: Vec<u8>,
    records: Sha256,
    record_bytes: usize,
    runs: u64,
    pub codec: Option<Codec>,
}

impl PathsWriter {
    /// Starts `paths.bin` in `out`. `codec` is what the runner records with (None when records are pushed whole,
    /// as tests do).
    pub fn create(
        out: &OutDir,
        header: &Header,
        codec: Option<Codec>,
    ) -> Result<PathsWriter, OutputError> {
        if let Some(c) = &codec {
            assert_eq!(
                c.record_bytes, header.record_bytes,
                "codec and header agree"
            );
        }
        let json = serde_json::to_vec(header).expect("header serialises");
        let mut prefix = Vec::with_capacity(PREFIX_BYTES + json.len());
        prefix.extend_from_slice(&MAGIC);
        prefix.extend_from_slice(&VERSION.to_le_bytes());
        prefix.extend_from_slice(&(json.len() as u32).to_le_bytes());
        prefix.extend_from_slice(&0u64.to_le_bytes());
        prefix.extend_from_slice(&(header.record_bytes as u32).to_le_bytes());
        prefix.extend_from_slice(&0u32.to_le_bytes());
        prefix.extend_from_slice(&json);
        let mut stream = out.stream(FILE)?;
        stream.write(&prefix);
        Ok(PathsWriter {
            stream,
            prefix,
            records: Sha256::new(),
            record_bytes: header.record_bytes,
            runs: 0,
            codec,
        })
    }

    /// Appends whole records, in run order.
    pub fn push(&mut self, records: &[u8]) {
        assert!(
            records.len().is_multiple_of(self.record_bytes.max(1)),
            "whole records"
        );
        self.records.update(records);
        self.stream.write(records);
        self.runs += (records.len() / self.record_bytes.max(1)) as u64;
    }

    pub fn runs(&self) -> u64 {
        self.runs
    }

    /// Writes the run count and the checksum, and moves the file into place.
    pub fn finish(mut self, out: &mut OutDir) -> Result<(), OutputError> {
        let runs = self.runs.to_le_bytes();
        self.prefix[16..24].copy_from_slice(&runs);
        self.stream.write_at(16, &runs);
        let mut sum = Sha256::new();
        sum.update(&self.prefix);
        sum.update(self.records.finalize_reset());
        self.stream.write(&sum.finalize());
        out.finish_stream(self.stream)
    }
}

/// A paths.bin opened for reading: its header checked, its length matched against the run count.
pub struct PathsFile {
    pub path: PathBuf,
    pub header: Header,
    pub runs: u64,
    prefix: Vec<u8>,
}

/// One run's record.
pub struct Record<'a> {
    pub bytes: &'a [u8],
    pub header: &'a Header,
}

impl Record<'_> {
    /// The month event `e` first held, or [`NEVER`].
    pub fn first(&self, e: usize) -> u16 {
        u16::from_le_bytes([self.bytes[2 * e], self.bytes[2 * e + 1]])
    }

    /// Whether event `e` had happened by month `m`.
    pub fn happened_by(&self, e: usize, m: usize) -> bool {
        let f = self.first(e);
        f != NEVER && usize::from(f) <= m
    }

    pub fn alignment_code(&self, m: usize, a: usize) -> i8 {
        self.bytes[self.header.alignment_offset() + m * self.header.actors.len() + a] as i8
    }

    pub fn alignment(&self, m: usize, a: usize) -> f64 {
        decode_alignment(self.alignment_code(m, a))
    }

    pub fn driver_code(&self, m: usize, d: usize) -> u16 {
        let at = self.header.driver_offset() + 2 * (m * self.header.drivers.len() + d);
        u16::from_le_bytes([self.bytes[at], self.bytes[at + 1]])
    }

    pub fn driver(&self, m: usize, d: usize) -> f64 {
        decode_driver(self.driver_code(m, d))
    }
}

impl PathsFile {
    /// Opens `dir/paths.bin`: refused if absent, foreign, of another version, with a bad header, or of a length
    /// that does not match its run count (truncated or padded).
    pub fn open(dir: &Path) -> Result<PathsFile, PathsError> {
        let path = dir.join(FILE);
        let read_err = |source| PathsError::Read {
            path: path.clone(),
            source,
        };
        let mut f = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(PathsError::Missing {
                    dir: dir.to_path_buf(),
                });
            }
            Err(e) => return Err(read_err(e)),
        };
        let meta = f.metadata().map_err(read_err)?;
        if !meta.is_file() {
            return Err(PathsError::Foreign { path });
        }
        let found = meta.len();
        let mut prefix = vec![0u8; PREFIX_BYTES];
        if f.read_exact(&mut prefix).is_err() || prefix[..8] != MAGIC {
            return Err(PathsError::Foreign { path });
        }
        let u32_at = |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4"));
        let version = u32_at(&prefix, 8);
        if version != VERSION {
            return Err(PathsError::Version {
                path,
                found: version,
            });
        }
        let json_len = u32_at(&prefix, 12);
        let runs = u64::from_le_bytes(prefix[16..24].try_into().expect("8"));
        let record_bytes = u64::from(u32_at(&prefix, 24));
        let header_err = |what: String| PathsError::Header {
            path: path.clone(),
            what,
        };
        if json_len > MAX_HEADER_BYTES || u64::from(json_len) + PREFIX_BYTES as u64 > found {
            return Err(header_err(format!("header length {json_len}")));
        }
        let mut json = vec![0u8; json_len as usize];
        f.read_exact(&mut json).map_err(read_err)?;
        let header: Header =
            serde_json::from_slice(&json).map_err(|e| header_err(e.to_string()))?;
        header.check().map_err(header_err)?;
        if header.record_bytes as u64 != record_bytes {
            return Err(header_err(format!(
                "record size {record_bytes} in the prefix, {} in the header",
                header.record_bytes
            )));
        }
        let expected = runs
            .checked_mul(record_bytes)
            .and_then(|b| b.checked_add(PREFIX_BYTES as u64 + u64::from(json_len)))
            .and_then(|b| b.checked_add(CHECKSUM_BYTES as u64));
        if expected != Some(found) {
            return Err(PathsError::Length {
                path,
                runs,
                record_bytes,
                expected: expected.unwrap_or(u64::MAX),
                found,
            });
        }
        if runs == 0 {
            return Err(header_err("no runs".into()));
        }
        prefix.extend_from_slice(&json);
        Ok(PathsFile {
            path,
            header,
            runs,
            prefix,
        })
    }

    /// Streams every record, run 0 first, to `visit(run, record)`, then checks the checksum. Memory: a fixed read
    /// buffer, whatever the number of runs. An `Err` means the file is corrupt (or unreadable): whatever `visit`
    /// gathered must be thrown away.
    pub fn scan(&self, mut visit: impl FnMut(u64, &Record)) -> Result<(), PathsError> {
        let read_err = |source| PathsError::Read {
            path: self.path.clone(),
            source,
        };
        let mut f = std::fs::File::open(&self.path).map_err(read_err)?;
        std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(self.prefix.len() as u64))
            .map_err(read_err)?;
        let rb = self.header.record_bytes;
        // About 1 MiB of whole records per read.
        let per_block = ((1 << 20) / rb.max(1)).max(1);
        let mut buf = vec![0u8; per_block * rb];
        let mut hash = Sha256::new();
        let months = self.header.months;
        let mut run = 0u64;
        while run < self.runs {
            let n = ((self.runs - run) as usize).min(per_block);
            let block = &mut buf[..n * rb];
            f.read_exact(block).map_err(read_err)?;
            hash.update(&*block);
            for bytes in block.chunks_exact(rb) {
                let rec = Record {
                    bytes,
                    header: &self.header,
                };
                if let Some(e) = (0..self.header.events.len()).find(|&e| {
                    let m = rec.first(e);
                    m != NEVER && usize::from(m) >= months
                }) {
                    return Err(PathsError::Record {
                        path: self.path.clone(),
                        run,
                        what: format!("event {e} first held in month {}", rec.first(e)),
                    });
                }
                visit(run, &rec);
                run += 1;
            }
        }
        let mut stored = [0u8; CHECKSUM_BYTES];
        f.read_exact(&mut stored).map_err(read_err)?;
        let mut sum = Sha256::new();
        sum.update(&self.prefix);
        sum.update(hash.finalize());
        if sum.finalize().as_slice() != stored {
            return Err(PathsError::Checksum {
                path: self.path.clone(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_within_the_stated_resolution() {
        for a in [-1.0, -0.51, 0.0, 0.3, 0.999, 1.0] {
            assert!((decode_alignment(encode_alignment(a)) - a).abs() <= 0.5 / 127.0 + 1e-12);
        }
        assert!(decode_alignment(encode_alignment(f64::NAN)).is_nan());
        // The step is ln(HI / LO) / 65534, so the top code is HI.
        let step = (DRIVER_HI / DRIVER_LO).ln() / 65534.0;
        assert!((step - DRIVER_LN_STEP).abs() < 1e-12, "{step}");
        for x in [0.02, 1.0, 48.7, 62.34, 56.26, 150.0, 9999.0] {
            let back = decode_driver(encode_driver(x));
            assert!(
                (back / x - 1.0).abs() <= 0.5 * DRIVER_LN_STEP + 1e-9,
                "{x} -> {back}"
            );
        }
        assert_eq!(encode_driver(f64::NAN), DRIVER_MISSING);
        assert_eq!(encode_driver(-1.0), DRIVER_MISSING);
        assert_eq!(encode_driver(1e9), DRIVER_MISSING - 1);
    }

    fn header() -> Header {
        Header::new(
            "t",
            "h",
            1,
            crate::scenario::month::Month::parse("2014-12").unwrap(),
            4,
            vec![EventInfo {
                id: "e".into(),
                actor: String::new(),
                description: "an event".into(),
            }],
            vec!["A".into()],
        )
    }

    #[test]
    fn a_file_reads_back_and_a_damaged_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let h = header();
        assert_eq!(h.record_bytes, 2 + 4 + 16);
        let mut out = OutDir::create(dir.path()).unwrap();
        let mut w = PathsWriter::create(&out, &h, None).unwrap();
        for r in 0..3u16 {
            w.push(&encode_record(
                &h,
                &[if r == 1 { NEVER } else { r }],
                &[0.1, 0.2, 0.3, f64::from(r) / 10.0],
                &[60.0, 56.0, 61.0, 57.0, 62.0, 58.0, 63.0, 59.0],
            ));
        }
        w.finish(&mut out).unwrap();
        drop(out);
        let p = PathsFile::open(dir.path()).unwrap();
        assert_eq!(p.runs, 3);
        let mut seen = Vec::new();
        p.scan(|run, r| {
            seen.push((run, r.first(0), r.alignment_code(3, 0), r.driver(1, 1)));
        })
        .unwrap();
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[1].1, NEVER);
        assert_eq!(seen[2].2, encode_alignment(0.2));
        assert!((seen[0].3 / 57.0 - 1.0).abs() < 2e-4);

        let file = dir.path().join(FILE);
        let whole = std::fs::read(&file).unwrap();
        // Truncated: refused before a record is read.
        std::fs::write(&file, &whole[..whole.len() - 5]).unwrap();
        assert!(matches!(
            PathsFile::open(dir.path()),
            Err(PathsError::Length { .. })
        ));
        // A flipped bit in a record: the checksum.
        let mut bad = whole.clone();
        let at = bad.len() - 40;
        bad[at] ^= 1;
        std::fs::write(&file, &bad).unwrap();
        let p = PathsFile::open(dir.path()).unwrap();
        assert!(matches!(
            p.scan(|_, _| {}),
            Err(PathsError::Checksum { .. })
        ));
        // Foreign bytes.
        std::fs::write(&file, b"scenario,month\n").unwrap();
        assert!(matches!(
            PathsFile::open(dir.path()),
            Err(PathsError::Foreign { .. })
        ));
        std::fs::remove_file(&file).unwrap();
        let e = PathsFile::open(dir.path()).err().unwrap();
        assert!(e.to_string().contains("--paths"), "{e}");
    }
}
