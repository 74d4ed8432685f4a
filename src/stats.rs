//! Statistics accumulated as runs finish: per-month moments and exact-count histograms, band counts and
//! first-occurrence counts of events. Memory depends on the scenario's shape, never on the number of runs.
//!
//! Integer counts merge exactly in any order; floating sums are merged in a fixed chunk order by the runner, so
//! every figure is byte-identical whatever the thread count.

use crate::model::lanes::Isa;
use crate::model::observe::{EventDef, MetricDef, Scale};

/// Histogram bins per quantile metric. 200 bins put alignment quantiles on a 0.01 grid (interpolated within);
/// fewer bins keep a chunk's counts in cache.
pub const HIST_BINS: usize = 200;
/// First-occurrence month of an event that never happened.
pub const NEVER: u16 = u16::MAX;
/// z for two-sided 95% intervals.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A cheap stand-in for log2 on positive numbers: the binary exponent plus the mantissa's fraction. Monotone,
/// exactly invertible by [`pseudo_exp2`], within 0.09 of log2, and pure bit arithmetic, so bins are the same on
/// every platform and cost no call to the system's `log` in the hot loop. Non-positive values map to -inf.
///
/// Written without a branch on the value (the special cases are selected at the end, the exponent converted
/// through the bits of 2^52 + e), so a loop over a block's lanes vectorises; [`pseudo_log2_reference`] in the tests
/// is the branching form it must match bit for bit.
#[inline(always)]
fn pseudo_log2(v: f64) -> f64 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let bits = v.to_bits();
    let exponent_bits = (bits >> 52) & 0x7ff;
    // 2^52 + e, exactly, minus 2^52: the biased exponent as a float without an integer conversion.
    let exponent = f64::from_bits(TWO_52.to_bits() | exponent_bits) - TWO_52;
    let mantissa = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    let mut y = (exponent - 1023.0) + (mantissa - 1.0);
    // Subnormal: far below any range realign bins.
    y = if exponent_bits == 0 { -1075.0 } else { y };
    y = if v == f64::INFINITY { f64::INFINITY } else { y };
    // NaN and non-positive values (`!(v > 0)` holds for both).
    if v > 0.0 { y } else { f64::NEG_INFINITY }
}

/// The inverse of [`pseudo_log2`].
fn pseudo_exp2(y: f64) -> f64 {
    if !y.is_finite() {
        return if y > 0.0 { f64::INFINITY } else { 0.0 };
    }
    let e = y.floor().clamp(-1022.0, 1023.0);
    let fraction = (y - e).clamp(0.0, 1.0);
    (1.0 + fraction) * f64::from_bits(((e as i64 + 1023) as u64) << 52)
}

/// The smaller of a running extreme and a value, as a select: NaN is passed over (as `f64::min` does), and of two
/// equal values (+0 and -0) the running one is kept. `f64::min` may return either zero, so the sign of a zero
/// extreme could depend on how the compiler lowered it; this does not.
#[inline(always)]
fn lower(running: f64, x: f64) -> f64 {
    if x < running { x } else { running }
}

/// [`lower`] for the largest value.
#[inline(always)]
fn higher(running: f64, x: f64) -> f64 {
    if x > running { x } else { running }
}

/// Mapping of a metric's values in one month onto histogram bins: linear, or on the pseudo-log scale for positive
/// quantities whose spread grows multiplicatively (oil, the rouble, the capacity index).
#[derive(Clone, Copy, Debug)]
struct Binning {
    /// Range on the binning scale.
    lo: f64,
    hi: f64,
    width: f64,
    inv_width: f64,
    log: bool,
}

impl Binning {
    fn new(lo: f64, hi: f64, log: bool) -> Binning {
        let scale = |v: f64| if log { pseudo_log2(v) } else { v };
        let (mut lo, mut hi) = (scale(lo), scale(hi));
        // A metric that cannot vary in a month (the starting state, a replayed month) still gets a usable bin.
        if hi - lo <= 1e-12 * lo.abs().max(1.0) {
            let pad = 1e-9 * lo.abs().max(1.0);
            (lo, hi) = (lo - pad, hi + pad);
        }
        let width = (hi - lo) / HIST_BINS as f64;
        Binning {
            lo,
            hi,
            width,
            inv_width: 1.0 / width,
            log,
        }
    }
    #[inline]
    fn bin(&self, v: f64) -> u8 {
        self.bin_of_scaled(if self.log { pseudo_log2(v) } else { v })
    }
    /// The bin of a value already on the binning scale.
    #[inline(always)]
    fn bin_of_scaled(&self, u: f64) -> u8 {
        self.bin_word(u) as u8
    }
    /// [`Binning::bin_of_scaled`] as a 64-bit word: a loop over lanes that narrows to bytes as it goes stays
    /// scalar, one that keeps words vectorises (the bytes are taken afterwards, in a loop of their own).
    #[inline(always)]
    fn bin_word(&self, u: f64) -> u64 {
        const TWO_52: f64 = 4_503_599_627_370_496.0;
        // Values beyond the range land in the edge bins (NaN fails `x > 0`, so it lands in bin 0); the observed
        // extremes tell the quantiles that this happened.
        let x = (u - self.lo) * self.inv_width;
        let x = if x > 0.0 { x } else { 0.0 };
        let x = if x < (HIST_BINS - 1) as f64 {
            x
        } else {
            (HIST_BINS - 1) as f64
        };
        // x truncated, without a float-to-integer conversion (which does not vectorise): adding 2^52 rounds x to
        // the nearest integer, whose low bits are then the integer; one less if that rounded up.
        let rounded = x + TWO_52;
        (rounded.to_bits() & 0xff) - u64::from(rounded - TWO_52 > x)
    }
    /// Value at a fractional bin position.
    fn value(&self, pos: f64) -> f64 {
        let u = self.lo + pos * self.width;
        if self.log { pseudo_exp2(u) } else { u }
    }
    /// Whether `v` lies within the binned range.
    fn holds(&self, v: f64) -> bool {
        let u = if self.log { pseudo_log2(v) } else { v };
        u >= self.lo && u <= self.hi
    }
}

/// The layout shared by all accumulators of one ensemble.
#[derive(Clone, Debug)]
pub struct Layout {
    pub months: usize,
    pub metrics: Vec<MetricDef>,
    pub events: Vec<EventDef>,
    /// For each metric, its histogram slot (if it has quantiles).
    hist_slot: Vec<Option<usize>>,
    /// For each histogram slot, its metric.
    hist_metric: Vec<usize>,
    /// [month][hist slot]: how values are binned.
    binning: Vec<Binning>,
    /// Metric index of each actor's alignment, and the band thresholds.
    pub band_metrics: Vec<usize>,
    pub west_max: f64,
    pub russia_min: f64,
}

impl Layout {
    /// Metrics on a linear scale get a histogram on their fixed range; metrics whose range follows the scenario
    /// ([`Scale::PerMonth`]) start on a placeholder that [`Layout::bin_per_month`] must replace.
    pub fn new(
        months: usize,
        metrics: Vec<MetricDef>,
        events: Vec<EventDef>,
        west_max: f64,
        russia_min: f64,
    ) -> Layout {
        let mut hist_slot = Vec::new();
        let mut hist_metric = Vec::new();
        let mut slot_binning = Vec::new();
        for (k, m) in metrics.iter().enumerate() {
            let b = match m.scale {
                Scale::Linear { lo, hi } => Some(Binning::new(lo, hi, false)),
                Scale::PerMonth(_) => Some(Binning::new(1.0, 2.0, true)),
                Scale::MomentsOnly { .. } => None,
            };
            match b {
                Some(b) => {
                    hist_slot.push(Some(hist_metric.len()));
                    hist_metric.push(k);
                    slot_binning.push(b);
                }
                None => hist_slot.push(None),
            }
        }
        assert!(events.len() <= 64, "events are tracked in a 64-bit mask");
        let band_metrics = metrics
            .iter()
            .enumerate()
            .filter(|(_, m)| m.metric == "alignment")
            .map(|(i, _)| i)
            .collect();
        let binning = (0..months)
            .flat_map(|_| slot_binning.iter().copied())
            .collect();
        Layout {
            months,
            metrics,
            events,
            hist_slot,
            hist_metric,
            binning,
            band_metrics,
            west_max,
            russia_min,
        }
    }

    /// Bins metric `k` on the pseudo-log scale, month m on `ranges[m]` (lowest, highest; positive).
    pub fn bin_per_month(&mut self, k: usize, ranges: &[(f64, f64)]) {
        let slot = self.hist_slot[k].expect("a metric with quantiles");
        let nh = self.hist_metric.len();
        for (m, &(lo, hi)) in ranges.iter().enumerate().take(self.months) {
            self.binning[m * nh + slot] = Binning::new(lo, hi, true);
        }
    }

    pub fn hist_count(&self) -> usize {
        self.hist_metric.len()
    }

    /// Whether metric `k` has a histogram (and so quantiles).
    pub fn has_hist(&self, k: usize) -> bool {
        self.hist_slot[k].is_some()
    }

    /// The bin value `v` of metric `k` falls in, in month `m`, on the metric's own scale; `None` for a metric
    /// without a histogram or a value outside the binned range. For accumulators that bin estimates on the same
    /// scale as the runs (the outer draws' quantiles of `uncertainty`).
    pub fn bin_of(&self, m: usize, k: usize, v: f64) -> Option<usize> {
        let b = &self.binnings(m)[self.hist_slot[k]?];
        b.holds(v).then(|| usize::from(b.bin(v)))
    }

    /// The value at fractional bin position `pos` (0 ..= [`HIST_BINS`]) of metric `k` in month `m`.
    pub fn bin_value(&self, m: usize, k: usize, pos: f64) -> Option<f64> {
        Some(self.binnings(m)[self.hist_slot[k]?].value(pos))
    }

    #[inline]
    fn binnings(&self, m: usize) -> &[Binning] {
        let nh = self.hist_metric.len();
        &self.binning[m * nh..][..nh]
    }
}

/// An integer counter. Chunks count in `u16` (a chunk has at most 65,535 runs), which halves the memory the hot
/// loop touches; the ensemble's totals count in `u32` (at most 100 million runs).
pub trait Count: Copy + Default + Into<u64> + std::fmt::Debug + PartialEq {
    fn inc(&mut self);
}

impl Count for u16 {
    #[inline]
    fn inc(&mut self) {
        *self += 1;
    }
}

impl Count for u32 {
    #[inline]
    fn inc(&mut self) {
        *self += 1;
    }
}

/// Sums and counts over a set of runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Counts<C: Count> {
    pub runs: u64,
    /// [month][metric]
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
    /// [month][metric]: sums of cubes, for the skewness that decides whether a mean's t interval can be trusted.
    sum_cu: Vec<f64>,
    /// [month][hist slot][bin]
    hist: Vec<C>,
    /// [month][hist slot]: the smallest and largest value seen, so quantiles never leave the observed range (a
    /// metric that is constant across runs reports exactly that constant).
    lowest: Vec<f64>,
    highest: Vec<f64>,
    /// [month][band metric][band: west, multi, russia]
    bands: Vec<C>,
    /// [event][month]: runs whose first occurrence is that month.
    first: Vec<C>,
}

/// The ensemble's totals.
pub type Accumulator = Counts<u32>;

impl<C: Count> Counts<C> {
    pub fn new(l: &Layout) -> Counts<C> {
        let nm = l.metrics.len();
        Counts {
            runs: 0,
            sum: vec![0.0; l.months * nm],
            sum_sq: vec![0.0; l.months * nm],
            sum_cu: vec![0.0; l.months * nm],
            hist: vec![C::default(); l.months * l.hist_count() * HIST_BINS],
            lowest: vec![f64::INFINITY; l.months * l.hist_count()],
            highest: vec![f64::NEG_INFINITY; l.months * l.hist_count()],
            bands: vec![C::default(); l.months * l.band_metrics.len() * 3],
            first: vec![C::default(); l.events.len() * l.months],
        }
    }

    /// Records month `m` of one run, counting each bin at once: the reference the buffered
    /// [`ChunkAccumulator`] is tested against.
    #[cfg(test)]
    pub fn observe(&mut self, l: &Layout, m: usize, values: &[f64]) {
        self.observe_except_bins(l, m, values);
        let nh = l.hist_metric.len();
        let hist = &mut self.hist[m * nh * HIST_BINS..][..nh * HIST_BINS];
        for (slot, (k, b)) in l.hist_metric.iter().zip(l.binnings(m)).enumerate() {
            hist[slot * HIST_BINS + usize::from(b.bin(values[*k]))].inc();
        }
    }

    /// Everything [`Counts::observe`] records but the histogram bins.
    #[inline]
    fn observe_except_bins(&mut self, l: &Layout, m: usize, values: &[f64]) {
        let nm = l.metrics.len();
        let sums = &mut self.sum[m * nm..][..nm];
        let squares = &mut self.sum_sq[m * nm..][..nm];
        let cubes = &mut self.sum_cu[m * nm..][..nm];
        for (((s, q), c), &v) in sums
            .iter_mut()
            .zip(squares.iter_mut())
            .zip(cubes.iter_mut())
            .zip(values)
        {
            *s += v;
            *q += v * v;
            *c += v * v * v;
        }
        let nh = l.hist_metric.len();
        let lowest = &mut self.lowest[m * nh..][..nh];
        let highest = &mut self.highest[m * nh..][..nh];
        for (slot, k) in l.hist_metric.iter().enumerate() {
            let v = values[*k];
            lowest[slot] = lower(lowest[slot], v);
            highest[slot] = higher(highest[slot], v);
        }
        let nb = l.band_metrics.len();
        let bands = &mut self.bands[m * nb * 3..][..nb * 3];
        for (j, &k) in l.band_metrics.iter().enumerate() {
            let v = values[k];
            let band = usize::from(v > l.west_max) + usize::from(v >= l.russia_min);
            bands[j * 3 + band].inc();
        }
    }

    /// Records one finished run: `first[e]` is the month the event first held ([`NEVER`] if it did not).
    pub fn finish_run(&mut self, l: &Layout, first: &[u16]) {
        self.runs += 1;
        for (e, &f) in first.iter().enumerate() {
            if f != NEVER {
                self.first[e * l.months + usize::from(f)].inc();
            }
        }
    }
}

/// Runs whose histogram bins a chunk buffers before counting them: one byte per run, so a block's bins of one
/// month and metric fill one cache line.
pub const BLOCK_RUNS: usize = 64;

/// One chunk's counts (at most `u16::MAX` runs).
///
/// Counting a bin straight away touches a different line of a table of months x metrics x bins for every value, and
/// that table does not fit in the first-level cache. So each run's bins are first written as bytes to a block
/// buffer laid out `[month][hist slot][run]`: a run writes one byte to each of the same few hundred lines the
/// previous run wrote, which stay in cache; when the block is full its bins are counted one row at a time.
#[derive(Clone, Debug)]
pub struct ChunkAccumulator {
    counts: Counts<u16>,
    /// [month][hist slot][run in block]
    block: Vec<u8>,
    block_runs: usize,
}

impl ChunkAccumulator {
    pub fn new(l: &Layout) -> ChunkAccumulator {
        const { assert!(HIST_BINS <= 256, "bins are buffered as bytes") };
        ChunkAccumulator {
            counts: Counts::new(l),
            block: vec![0; l.months * l.hist_count() * BLOCK_RUNS],
            block_runs: 0,
        }
    }

    /// Records month `m` of the current run.
    #[inline]
    pub fn observe(&mut self, l: &Layout, m: usize, values: &[f64]) {
        self.counts.observe_except_bins(l, m, values);
        let nh = l.hist_metric.len();
        let row = &mut self.block[m * nh * BLOCK_RUNS..][..nh * BLOCK_RUNS];
        for (slot, (k, b)) in l.hist_metric.iter().zip(l.binnings(m)).enumerate() {
            row[slot * BLOCK_RUNS + self.block_runs] = b.bin(values[*k]);
        }
    }

    /// Records month `m` of the `L` runs of a block stepped together in lanes (`crate::model::lanes`):
    /// `values[k][j]` is metric `k` of the block's run `j` ([`crate::model::lanes::Lanes::observe_all`]); the runs
    /// are finished afterwards, in run order. The bits are those of [`ChunkAccumulator::observe`] run after run
    /// (each cell's sums still add the runs in run order), but one metric of the whole block is one array, so the
    /// bins, extremes and bands are taken over the lanes with vector instructions (AVX2 where `isa` allows).
    #[inline]
    pub fn observe_lanes<const L: usize>(
        &mut self,
        l: &Layout,
        m: usize,
        values: &[[f64; L]],
        isa: Isa,
    ) {
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 if isa.available() => {
                // SAFETY: the processor has AVX2 (checked just above).
                unsafe { observe_lanes_avx2(self, l, m, values) }
            }
            _ => observe_lanes(self, l, m, values),
        }
    }

    /// Records the end of the current run (see [`Counts::finish_run`]).
    pub fn finish_run(&mut self, l: &Layout, first: &[u16]) {
        self.counts.finish_run(l, first);
        self.block_runs += 1;
        if self.block_runs == BLOCK_RUNS {
            self.count_block();
        }
    }

    fn count_block(&mut self) {
        let used = self.block_runs;
        for (bins, hist) in self
            .block
            .chunks_exact(BLOCK_RUNS)
            .zip(self.counts.hist.chunks_exact_mut(HIST_BINS))
        {
            for &b in &bins[..used] {
                hist[usize::from(b)].inc();
            }
        }
        self.block_runs = 0;
    }

    /// The chunk's counts, every buffered bin counted.
    pub fn finish(mut self) -> Counts<u16> {
        self.count_block();
        self.counts
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn observe_lanes_avx2<const L: usize>(
    acc: &mut ChunkAccumulator,
    l: &Layout,
    m: usize,
    values: &[[f64; L]],
) {
    observe_lanes(acc, l, m, values)
}

/// [`ChunkAccumulator::observe_lanes`] on whatever instruction set the caller is compiled for.
#[inline(always)]
fn observe_lanes<const L: usize>(
    acc: &mut ChunkAccumulator,
    l: &Layout,
    m: usize,
    values: &[[f64; L]],
) {
    let nm = l.metrics.len();
    assert!(
        acc.block_runs + L <= BLOCK_RUNS && values.len() == nm,
        "lanes stay inside a block, one array per metric"
    );
    let c = &mut acc.counts;
    let sums = &mut c.sum[m * nm..][..nm];
    let squares = &mut c.sum_sq[m * nm..][..nm];
    let cubes = &mut c.sum_cu[m * nm..][..nm];
    for (k, v) in values.iter().enumerate() {
        // Powers over the lanes at once; only the sums run lane after lane, in run order. (Plain loops rather
        // than `array::from_fn`, whose closure is not always inlined into this AVX2 function.)
        let (mut square, mut cube) = ([0.0; L], [0.0; L]);
        for j in 0..L {
            square[j] = v[j] * v[j];
            cube[j] = square[j] * v[j];
        }
        let (mut s, mut q, mut cu) = (sums[k], squares[k], cubes[k]);
        for j in 0..L {
            s += v[j];
            q += square[j];
            cu += cube[j];
        }
        (sums[k], squares[k], cubes[k]) = (s, q, cu);
    }
    let nh = l.hist_metric.len();
    let lowest = &mut c.lowest[m * nh..][..nh];
    let highest = &mut c.highest[m * nh..][..nh];
    let row = &mut acc.block[m * nh * BLOCK_RUNS..][..nh * BLOCK_RUNS];
    for (slot, (&k, b)) in l.hist_metric.iter().zip(l.binnings(m)).enumerate() {
        let v = &values[k];
        (lowest[slot], highest[slot]) = extremes(lowest[slot], highest[slot], v);
        let bins = &mut row[slot * BLOCK_RUNS + acc.block_runs..][..L];
        let mut scaled = *v;
        if b.log {
            for u in &mut scaled {
                *u = pseudo_log2(*u);
            }
        }
        let mut words = [0u64; L];
        for (word, &u) in words.iter_mut().zip(&scaled) {
            *word = b.bin_word(u);
        }
        for (bin, &word) in bins.iter_mut().zip(&words) {
            *bin = word as u8;
        }
    }
    let nb = l.band_metrics.len();
    let bands = &mut c.bands[m * nb * 3..][..nb * 3];
    for (jb, &k) in l.band_metrics.iter().enumerate() {
        // A run's band is the number of thresholds it passes (see `observe_except_bins`): counted over the lanes.
        let v = &values[k];
        let past_west = v.iter().map(|&x| u16::from(x > l.west_max)).sum::<u16>();
        let past_russia = v.iter().map(|&x| u16::from(x >= l.russia_min)).sum::<u16>();
        let past_both = v
            .iter()
            .map(|&x| u16::from(x > l.west_max && x >= l.russia_min))
            .sum::<u16>();
        let one = past_west + past_russia - 2 * past_both;
        bands[jb * 3] += L as u16 - one - past_both;
        bands[jb * 3 + 1] += one;
        bands[jb * 3 + 2] += past_both;
    }
}

/// `lower(lower(lo, v[0]), v[1])...` and the same with [`higher`], taken over the lanes in any order: the minimum
/// of a set of floats is one value whatever the order (NaN is passed over either way), except that +0 and -0
/// compare equal and the order decides which is kept, so a zero result is taken again in run order.
#[inline(always)]
fn extremes<const L: usize>(lo: f64, hi: f64, v: &[f64; L]) -> (f64, f64) {
    let mut low = [lo; 4];
    let mut high = [hi; 4];
    // Written as selects (a NaN fails both comparisons and is passed over, as `min` and `max` pass it over), which
    // compile to vector minimum and maximum instructions.
    for chunk in v.chunks_exact(4) {
        for t in 0..4 {
            low[t] = if chunk[t] < low[t] { chunk[t] } else { low[t] };
            high[t] = if chunk[t] > high[t] {
                chunk[t]
            } else {
                high[t]
            };
        }
    }
    for &x in v.chunks_exact(4).remainder() {
        low[0] = lower(low[0], x);
        high[0] = higher(high[0], x);
    }
    let low = lower(lower(low[0], low[1]), lower(low[2], low[3]));
    let high = higher(higher(high[0], high[1]), higher(high[2], high[3]));
    if low == 0.0 || high == 0.0 {
        return v
            .iter()
            .fold((lo, hi), |(lo, hi), &x| (lower(lo, x), higher(hi, x)));
    }
    (low, high)
}

impl Accumulator {
    /// Adds `other` into `self`. Callers merge in a fixed order so that floating sums are reproducible.
    pub fn merge<C: Count>(&mut self, other: &Counts<C>) {
        self.runs += other.runs;
        add(&mut self.sum, &other.sum);
        add(&mut self.sum_sq, &other.sum_sq);
        add(&mut self.sum_cu, &other.sum_cu);
        let widen =
            |a: &mut u32, b: &C| *a += u32::try_from((*b).into()).expect("chunk counts fit u32");
        self.hist
            .iter_mut()
            .zip(&other.hist)
            .for_each(|(a, b)| widen(a, b));
        // Extremes merge exactly in any order, but for the sign of a zero: chunk order decides it, as it does the sums.
        self.lowest
            .iter_mut()
            .zip(&other.lowest)
            .for_each(|(a, b)| *a = lower(*a, *b));
        self.highest
            .iter_mut()
            .zip(&other.highest)
            .for_each(|(a, b)| *a = higher(*a, *b));
        self.bands
            .iter_mut()
            .zip(&other.bands)
            .for_each(|(a, b)| widen(a, b));
        self.first
            .iter_mut()
            .zip(&other.first)
            .for_each(|(a, b)| widen(a, b));
    }

    /// Mean of metric `k` in month `m` with its 95% interval: Student's t, unless the runs are too skewed for it
    /// (Cochran's rule: fewer than 25 g1^2 runs, as when a bounded metric sits at one value in almost every run
    /// and jumps in a few) or identical in every run; a metric the model keeps within bounds then gets the
    /// interval that holds for any distribution on them ([`bounded_mean`]).
    pub fn mean(&self, l: &Layout, m: usize, k: usize) -> Interval {
        let i = m * l.metrics.len() + k;
        let mo = self.moments(l, m, k);
        match l.metrics[k].scale.bounds() {
            Some((lo, hi)) if mo.var == 0.0 || !mo.near_normal(self.sum_cu[i]) => {
                bounded_mean(mo.mean, lo, hi, self.runs)
            }
            _ => mo.interval(),
        }
    }

    /// Moments of metric `k` in month `m` across runs.
    pub fn moments(&self, l: &Layout, m: usize, k: usize) -> Moments {
        let i = m * l.metrics.len() + k;
        Moments::from_sums(self.sum[i], self.sum_sq[i], self.runs)
    }

    /// Quantile `q` of metric `k` in month `m` with a 95% distribution-free interval (order statistics at ranks
    /// n q -/+ z sqrt(n q (1 - q)), widened to the edges of their histogram bins); `None` for a metric without a
    /// histogram. The estimate interpolates uniformly within its bin (on the bin's scale). If any run's value fell
    /// outside the month's binned range, the bins no longer say where the quantile is: every number is NaN
    /// (written as missing) rather than a confident wrong one.
    pub fn quantile(&self, l: &Layout, m: usize, k: usize, q: f64) -> Option<Interval> {
        let s = l.hist_slot[k]?;
        let nh = l.hist_metric.len();
        let h = &self.hist[(m * nh + s) * HIST_BINS..][..HIST_BINS];
        let n = self.runs as f64;
        let bins = &l.binnings(m)[s];
        let i = m * nh + s;
        let (lo, hi) = (self.lowest[i], self.highest[i]);
        if lo <= hi && !(bins.holds(lo) && bins.holds(hi)) {
            return Some(Interval {
                value: f64::NAN,
                ci_low: f64::NAN,
                ci_high: f64::NAN,
            });
        }
        let pos = |rank: f64| rank_position(h, rank.clamp(0.0, n));
        // Within a bin the values are unknown: the interval runs to the outer edges of the bins its order
        // statistics fall in, so it holds the true quantile even when a bin is wider than the order-statistic
        // interval. Edges are clamped to the observed extremes, which bound every order statistic; a side the
        // sample cannot bound (rank 0 or n + 1) runs to the edge of the binned range instead.
        let within = |v: f64| if lo <= hi { v.clamp(lo, hi) } else { v };
        let (r, t) = quantile_ranks(self.runs, q);
        let ci_low = if r == 0 {
            bins.value(0.0)
        } else {
            within(bins.value(pos(r as f64 - 0.5).floor()))
        };
        let ci_high = if t > self.runs {
            bins.value(HIST_BINS as f64)
        } else {
            within(bins.value(pos(t as f64 - 0.5).ceil().min(HIST_BINS as f64)))
        };
        Some(Interval {
            value: within(bins.value(pos(n * q))),
            ci_low,
            ci_high,
        })
    }

    /// Probability of band `b` (0 West-leaning, 1 multi-vector, 2 Russia-aligned) for actor slot `j`.
    pub fn band(&self, l: &Layout, m: usize, j: usize, b: usize) -> Tally {
        let count = self.bands[(m * l.band_metrics.len() + j) * 3 + b];
        Tally {
            count: u64::from(count),
            runs: self.runs,
        }
    }

    /// Probability that event `e` has happened by month `m`.
    pub fn event_by(&self, l: &Layout, e: usize, m: usize) -> Tally {
        let count: u64 = self.first[e * l.months..][..=m]
            .iter()
            .map(|&c| u64::from(c))
            .sum();
        Tally {
            count,
            runs: self.runs,
        }
    }

    /// Median month of first occurrence among runs where event `e` happened.
    pub fn median_first_month(&self, l: &Layout, e: usize) -> Option<usize> {
        let row = &self.first[e * l.months..][..l.months];
        let total: u64 = row.iter().map(|&c| u64::from(c)).sum();
        if total == 0 {
            return None;
        }
        let mut acc = 0u64;
        row.iter().position(|&c| {
            acc += u64::from(c);
            2 * acc >= total
        })
    }
}

fn add(a: &mut [f64], b: &[f64]) {
    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
}

/// Order statistics (1-based ranks) r <= t such that [X_(r), X_(t)] holds the q-quantile with probability at least
/// 95%: exact binomial tails up to [`EXACT_RANKS_UP_TO`] runs, the normal approximation beyond. Rank 0 and rank
/// n + 1 stand for no bound on that side: with few runs the sample cannot bound an outer quantile (at 20 runs,
/// the lowest value is above the 5% quantile in 36% of samples).
/// ((runs, q's bits), (r, t)): one remembered [`quantile_ranks`] answer.
type RankMemo = ((u64, u64), (u64, u64));

pub fn quantile_ranks(n: u64, q: f64) -> (u64, u64) {
    // Asked for every month, metric and quantile of an ensemble with the same n and a handful of q: computed once.
    static CACHE: std::sync::Mutex<Vec<RankMemo>> = std::sync::Mutex::new(Vec::new());
    let key = (n, q.to_bits());
    if let Some((_, ranks)) = CACHE
        .lock()
        .map_or(None, |c| c.iter().find(|(k, _)| *k == key).copied())
    {
        return ranks;
    }
    let ranks = compute_quantile_ranks(n, q);
    if let Ok(mut c) = CACHE.lock() {
        if c.len() >= 64 {
            c.clear();
        }
        c.push((key, ranks));
    }
    ranks
}

fn compute_quantile_ranks(n: u64, q: f64) -> (u64, u64) {
    if n == 0 {
        return (0, 1);
    }
    let tail = (1.0 - 0.95) / 2.0;
    if n <= EXACT_RANKS_UP_TO {
        // P(Bin(n, q) <= i) term by term in log space (no underflow at large n), with the arithmetic of the model
        // so the ranks are the same on every machine.
        let (ln_q, ln_p) = (crate::arith::ln(q), crate::arith::ln(1.0 - q));
        let mut log_pmf = n as f64 * ln_p;
        let mut cdf = 0.0;
        // r: the largest rank with P(Bin <= r - 1) <= tail; t: the smallest with P(Bin <= t - 1) >= 1 - tail.
        let (mut r, mut t) = (0, n + 1);
        for i in 0..=n {
            cdf += crate::arith::exp(log_pmf);
            if cdf <= tail {
                r = i + 1;
            }
            if cdf >= 1.0 - tail {
                t = i + 1;
                break;
            }
            log_pmf += crate::arith::ln((n - i) as f64 / (i + 1) as f64) + ln_q - ln_p;
        }
        return (r, t);
    }
    let nf = n as f64;
    let spread = Z95 * (nf * q * (1.0 - q)).sqrt();
    // r - 1 and t - 1 are the normal bounds on the binomial count.
    let r = (nf * q - spread).floor() + 1.0;
    let t = (nf * q + spread).ceil() + 1.0;
    (r.max(0.0) as u64, (t as u64).min(n + 1))
}

/// Runs up to which quantile intervals use exact binomial ranks.
pub const EXACT_RANKS_UP_TO: u64 = 5000;

/// Fractional bin position of the value at `rank` (0..n) in a histogram, interpolating uniformly within bins.
pub fn rank_position(h: &[u32], rank: f64) -> f64 {
    let mut acc = 0.0;
    for (b, &c) in h.iter().enumerate() {
        let c = f64::from(c);
        if c > 0.0 && acc + c >= rank {
            return b as f64 + ((rank - acc) / c).clamp(0.0, 1.0);
        }
        acc += c;
    }
    h.len() as f64
}

/// A point estimate with its 95% interval: the one interval type of realign (means, proportions, quantiles,
/// differences, effects and sensitivity indices alike). Values are kept at full precision; files round them when
/// they serialise (see [`crate::output::round6`]).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Interval {
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl Interval {
    /// Student's t interval of a mean: value +- t(df) sqrt(var_of_mean).
    pub fn student(mean: f64, var_of_mean: f64, df: f64) -> Interval {
        let half = t975(df) * var_of_mean.max(0.0).sqrt();
        Interval {
            value: mean,
            ci_low: mean - half,
            ci_high: mean + half,
        }
    }

    /// The Wilson score interval of `count` successes in `runs` (Wilson 1927, JASA 22:209-212): near-nominal
    /// coverage near 0 and 1, where the normal (Wald) interval collapses. No runs: NaN in [0, 1].
    /// The Wilson score interval of a share `p` observed over `runs`, for a share that need not be a count of
    /// successes (the rescaled mean of a bounded quantity): no exact 0 or 1 at the ends.
    pub fn wilson_share(p: f64, runs: u64) -> Interval {
        let n = runs as f64;
        let z2 = Z95 * Z95;
        let denom = 1.0 + z2 / n;
        let centre = (p + z2 / (2.0 * n)) / denom;
        let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
        Interval {
            value: p,
            ci_low: (centre - half).max(0.0),
            ci_high: (centre + half).min(1.0),
        }
    }

    pub fn wilson(count: u64, runs: u64) -> Interval {
        if runs == 0 {
            return Interval {
                value: f64::NAN,
                ci_low: 0.0,
                ci_high: 1.0,
            };
        }
        let share = Interval::wilson_share(count as f64 / runs as f64, runs);
        // At 0 or n successes the bound is exactly 0 or 1; rounding must not move it off.
        Interval {
            ci_low: if count == 0 { 0.0 } else { share.ci_low },
            ci_high: if count == runs { 1.0 } else { share.ci_high },
            ..share
        }
    }

    /// Newcombe's (1998, Stat Med 17:873, method 10) interval for the difference `self - other` of two
    /// independent proportions, from their Wilson intervals: d - sqrt((p1 - l1)^2 + (u2 - p2)^2) ..
    /// d + sqrt((u1 - p1)^2 + (p2 - l2)^2), d = p1 - p2.
    pub fn newcombe_difference(&self, other: &Interval) -> Interval {
        let (p1, l1, u1) = (self.value, self.ci_low, self.ci_high);
        let (p2, l2, u2) = (other.value, other.ci_low, other.ci_high);
        let d = p1 - p2;
        Interval {
            value: d,
            ci_low: d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt(),
            ci_high: d + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt(),
        }
    }

    /// Newcombe's (1998, Stat Med 17:2635, method 10) interval for the difference p1 - p2 of two proportions
    /// measured on the same runs: `both` runs had both, `only_first` the first only, `only_second` the second only,
    /// `neither` neither. A score-type interval from the two Wilson intervals, corrected for their correlation: it
    /// keeps its coverage at small counts and never collapses to zero width, where the normal interval of the
    /// mean difference does both.
    pub fn newcombe_paired(both: u64, only_first: u64, only_second: u64, neither: u64) -> Interval {
        let n = both + only_first + only_second + neither;
        let (first, second) = (
            Interval::wilson(both + only_first, n),
            Interval::wilson(both + only_second, n),
        );
        let (a, b, c, d) = (
            both as f64,
            only_first as f64,
            only_second as f64,
            neither as f64,
        );
        // The correlation of the two, as Newcombe corrects it: a positive cross-product difference is reduced by
        // n / 2 (and not below 0), a negative one kept (Altman et al. 2000, Statistics with confidence, p. 52).
        let margins = (a + b) * (c + d) * (a + c) * (b + d);
        let cross = a * d - b * c;
        let corrected = if cross > n as f64 / 2.0 {
            cross - n as f64 / 2.0
        } else {
            cross.min(0.0)
        };
        let phi = if margins > 0.0 {
            corrected / margins.sqrt()
        } else {
            0.0
        };
        let (p1, l1, u1) = (first.value, first.ci_low, first.ci_high);
        let (p2, l2, u2) = (second.value, second.ci_low, second.ci_high);
        let theta = p1 - p2;
        let below = (p1 - l1).powi(2) - 2.0 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2).powi(2);
        let above = (u1 - p1).powi(2) - 2.0 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2).powi(2);
        Interval {
            value: theta,
            ci_low: (theta - below.max(0.0).sqrt()).max(-1.0),
            ci_high: (theta + above.max(0.0).sqrt()).min(1.0),
        }
    }

    pub fn half_width(&self) -> f64 {
        (self.ci_high - self.ci_low) / 2.0
    }

    /// Each number rounded to 6 decimals: what the files hold.
    pub fn rounded(self) -> Interval {
        use crate::output::round6;
        Interval {
            value: round6(self.value),
            ci_low: round6(self.ci_low),
            ci_high: round6(self.ci_high),
        }
    }
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom: tabulated to 30, then the Cornish-Fisher
/// expansion in 1/df (Abramowitz and Stegun 26.7.5; error below 1e-6 from 30 on), tending to [`Z95`]. Pure
/// arithmetic, so the same bits on every machine. Fewer than one degree of freedom: infinite.
pub fn t975(df: f64) -> f64 {
    const TABLE: [f64; 30] = [
        12.706_204_7,
        4.302_652_7,
        3.182_446_3,
        2.776_445_1,
        2.570_581_8,
        2.446_911_9,
        2.364_624_3,
        2.306_004_1,
        2.262_157_2,
        2.228_138_9,
        2.200_985_2,
        2.178_812_8,
        2.160_368_7,
        2.144_786_7,
        2.131_449_5,
        2.119_905_3,
        2.109_815_6,
        2.100_922_0,
        2.093_024_1,
        2.085_963_4,
        2.079_613_8,
        2.073_873_1,
        2.068_657_6,
        2.063_898_6,
        2.059_538_6,
        2.055_529_4,
        2.051_830_5,
        2.048_407_1,
        2.045_229_6,
        2.042_272_5,
    ];
    if df < 1.0 {
        return f64::INFINITY;
    }
    if df <= 30.0 && df.fract() == 0.0 {
        return TABLE[df as usize - 1];
    }
    let z = Z95;
    let (z2, v) = (z * z, df);
    let z3 = z2 * z;
    let z5 = z3 * z2;
    let z7 = z5 * z2;
    let z9 = z7 * z2;
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
        + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z)
            / (92160.0 * v * v * v * v)
}

/// Sample moments from a sum and a sum of squares: the one place the normal interval of a mean is computed from
/// sums (run statistics, sweep points and claim arms alike).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Moments {
    pub n: f64,
    pub mean: f64,
    /// Sample variance (n - 1 in the denominator); 0 for fewer than two values.
    pub var: f64,
}

impl Moments {
    pub fn from_sums(sum: f64, sum_sq: f64, n: u64) -> Moments {
        let nf = n as f64;
        let mean = sum / nf;
        let var = if n > 1 {
            ((sum_sq - nf * mean * mean) / (nf - 1.0)).max(0.0)
        } else {
            0.0
        };
        Moments { n: nf, mean, var }
    }

    /// Whether the mean of these runs is close enough to normal for Student's t: Cochran's rule of thumb, n > 25
    /// g1^2 with g1 the sample skewness (from the sum of cubes `sum_cu`).
    pub fn near_normal(&self, sum_cu: f64) -> bool {
        if self.var == 0.0 || self.n < 2.0 {
            return self.var == 0.0;
        }
        // Population moments: E[(X - mu)^3] = E[X^3] - 3 mu E[X^2] + 2 mu^3.
        let var_pop = self.var * (self.n - 1.0) / self.n;
        let m3 = sum_cu / self.n - 3.0 * self.mean * var_pop - self.mean * self.mean * self.mean;
        let g1 = m3 / (var_pop * var_pop.sqrt());
        self.n > 25.0 * g1 * g1
    }

    /// Variance of the mean (the Monte Carlo noise of the estimate).
    pub fn var_of_mean(&self) -> f64 {
        self.var / self.n
    }

    pub fn sd(&self) -> f64 {
        self.var.sqrt()
    }

    /// The mean with its 95% interval: Student's t with n - 1 degrees of freedom, which keeps its coverage at
    /// small run counts where the normal quantile does not.
    pub fn interval(&self) -> Interval {
        Interval::student(self.mean, self.var_of_mean(), self.n - 1.0)
    }
}

/// A 95% interval for the mean of a quantity that lies in [lo, hi] whatever its distribution: the Wilson score
/// interval of the rescaled mean (x - lo) / (hi - lo), valid because such a quantity's variance is at most
/// p (1 - p) on that scale. Conservative where the runs are spread, it keeps its coverage where they are not:
/// a metric at one value in almost every run, or in every run observed (the runs not seen may still differ, by
/// at most the bounds, in at most the Wilson share of 0 of n).
pub fn bounded_mean(mean: f64, lo: f64, hi: f64, runs: u64) -> Interval {
    let span = hi - lo;
    if runs == 0 || span <= 0.0 || !mean.is_finite() {
        return Interval {
            value: mean,
            ci_low: lo,
            ci_high: hi,
        };
    }
    let p = ((mean - lo) / span).clamp(0.0, 1.0);
    let w = Interval::wilson_share(p, runs);
    // Never narrower than what runs unseen could do to a mean sitting at a bound or at one value.
    let unseen = Interval::wilson(0, runs).ci_high;
    Interval {
        value: mean,
        ci_low: (lo + w.ci_low * span).min(mean - (mean - lo) * unseen),
        ci_high: (lo + w.ci_high * span).max(mean + (hi - mean) * unseen),
    }
}

/// How many of `runs` runs a thing happened in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tally {
    pub count: u64,
    pub runs: u64,
}

impl Tally {
    /// The proportion with its Wilson interval.
    pub fn interval(&self) -> Interval {
        Interval::wilson(self.count, self.runs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-month layout of one metric and no events.
    fn one_metric(name: &'static str, scale: Scale) -> Layout {
        let metric = crate::model::observe::MetricDef {
            metric: name,
            actor: String::new(),
            unit: "",
            scale,
        };
        Layout::new(1, vec![metric], vec![], -0.33, 0.33)
    }

    #[test]
    fn wilson_matches_published_values() {
        // Newcombe (1998), Stat Med 17:857, table I: 81/263 -> 0.2553 .. 0.3662
        let p = Interval::wilson(81, 263);
        assert!(
            (p.ci_low - 0.2553).abs() < 1e-4 && (p.ci_high - 0.3662).abs() < 1e-4,
            "{p:?}"
        );
        // 0/20 -> 0 .. 0.1611
        let z = Interval::wilson(0, 20);
        assert_eq!(z.ci_low, 0.0);
        assert!((z.ci_high - 0.1611).abs() < 1e-4);
        let all = Interval::wilson(20, 20);
        assert_eq!(all.ci_high, 1.0);
    }

    #[test]
    fn newcombe_matches_the_published_example() {
        // Newcombe (1998) table II, example (a): 56/70 vs 48/80 -> difference 0.2, 95% CI 0.0524 .. 0.3339.
        let d = Interval::wilson(56, 70).newcombe_difference(&Interval::wilson(48, 80));
        assert!((d.value - 0.2).abs() < 1e-12);
        assert!(
            (d.ci_low - 0.0524).abs() < 1e-3 && (d.ci_high - 0.3339).abs() < 1e-3,
            "{d:?}"
        );
    }

    #[test]
    fn newcombe_paired_is_antisymmetric_never_collapses_and_covers_at_small_counts() {
        use rand::{RngExt, SeedableRng};
        let d = Interval::newcombe_paired(8, 5, 4, 9);
        assert!((d.value - 1.0 / 26.0).abs() < 1e-12, "{d:?}");
        let e = Interval::newcombe_paired(8, 4, 5, 9);
        assert!((d.ci_low + e.ci_high).abs() < 1e-12 && (d.ci_high + e.ci_low).abs() < 1e-12);
        // No discordant runs: the interval still has width.
        let z = Interval::newcombe_paired(3, 0, 0, 27);
        assert!(z.ci_low < 0.0 && z.ci_high > 0.0, "{z:?}");
        // Coverage: two correlated events on the same 30 runs (a shared uniform, as common random numbers give).
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for (p1, p2) in [(0.3, 0.2), (0.05, 0.02), (0.5, 0.5), (0.9, 0.7)] {
            let (reps, n) = (4000, 30);
            let mut covered = 0;
            for _ in 0..reps {
                let mut c = [0u64; 4];
                for _ in 0..n {
                    let u: f64 = rng.random();
                    let (x, y) = (u < p1, u < p2 || rng.random::<f64>() < 0.02);
                    c[usize::from(!x) * 2 + usize::from(!y)] += 1;
                }
                let i = Interval::newcombe_paired(c[0], c[1], c[2], c[3]);
                // The true difference of the two probabilities (y also holds on 2% of the rest).
                let truth = p1 - (p2 + (1.0 - p2) * 0.02);
                covered += usize::from(i.ci_low <= truth && truth <= i.ci_high);
            }
            let coverage = covered as f64 / reps as f64;
            assert!(coverage >= 0.93, "{p1} {p2}: coverage {coverage}");
        }
    }

    #[test]
    fn moments_give_the_t_interval_of_a_mean() {
        // 1, 2, 3, 4: mean 2.5, variance 5/3, half-width t(3) sqrt(5/12).
        let m = Moments::from_sums(10.0, 30.0, 4);
        assert_eq!(m.mean, 2.5);
        assert!((m.var - 5.0 / 3.0).abs() < 1e-12);
        let i = m.interval();
        assert!((i.half_width() - 3.182_446_3 * (5.0f64 / 12.0).sqrt()).abs() < 1e-9);
        assert_eq!(Moments::from_sums(3.0, 9.0, 1).var, 0.0);
        // The expansion meets the table at 30 and tends to z.
        assert!((t975(30.5) - 2.0415).abs() < 1e-3);
        assert!((t975(31.0) - 2.039_513).abs() < 1e-5);
        assert!((t975(1e6) - Z95).abs() < 1e-5);
    }

    /// Coverage of mean intervals at small run counts, on normal samples (where t is exact) whose mean is known.
    #[test]
    fn mean_intervals_cover_at_small_counts() {
        use rand::SeedableRng;
        use rand::distr::Distribution;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
        for n in [3u64, 5, 10, 30] {
            let reps = 4000;
            let mut covered = 0;
            for _ in 0..reps {
                let (mut s, mut s2) = (0.0, 0.0);
                for _ in 0..n {
                    let x: f64 = crate::arith::StandardNormal.sample(&mut rng);
                    s += x;
                    s2 += x * x;
                }
                let i = Moments::from_sums(s, s2, n).interval();
                covered += usize::from(i.ci_low <= 0.0 && 0.0 <= i.ci_high);
            }
            let coverage = covered as f64 / reps as f64;
            // s.e. 0.34%: 0.94 is three below 0.95.
            assert!(coverage >= 0.94, "n {n}: coverage {coverage}");
        }
    }

    #[test]
    fn pseudo_log_is_monotone_and_inverts_exactly() {
        let mut last = f64::NEG_INFINITY;
        for i in 0..10_000 {
            let v = 1e-3 * 1.003f64.powi(i);
            let y = pseudo_log2(v);
            assert!(y > last, "{v}");
            assert!((y - v.log2()).abs() < 0.09, "{v}");
            assert!((pseudo_exp2(y) - v).abs() <= 1e-12 * v, "{v}");
            last = y;
        }
        assert_eq!(pseudo_log2(8.0), 3.0);
        assert_eq!(pseudo_log2(0.0), f64::NEG_INFINITY);
    }

    /// The branching form [`pseudo_log2`] replaced, kept as its reference.
    fn pseudo_log2_reference(v: f64) -> f64 {
        if v.is_nan() || v <= 0.0 {
            return f64::NEG_INFINITY;
        }
        if v.is_infinite() {
            return f64::INFINITY;
        }
        let bits = v.to_bits();
        let exponent = ((bits >> 52) & 0x7ff) as i64;
        if exponent == 0 {
            return -1075.0;
        }
        let mantissa = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
        (exponent - 1023) as f64 + (mantissa - 1.0)
    }

    /// The float-to-integer form of [`Binning::bin_of_scaled`] that the vectorisable one replaced.
    fn bin_reference(b: &Binning, u: f64) -> u8 {
        ((u - b.lo) * b.inv_width)
            .max(0.0)
            .min((HIST_BINS - 1) as f64) as u8
    }

    /// Awkward values: zeros of both signs, infinities, NaN, subnormals, the largest and smallest normals, and
    /// values on and beside bin edges, then pseudo-random bit patterns.
    fn awkward_values() -> Vec<f64> {
        let mut v = vec![
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            f64::MIN_POSITIVE,
            f64::MIN_POSITIVE / 2.0,
            -f64::MIN_POSITIVE / 4.0,
            f64::MAX,
            f64::MIN,
            1.0,
            -1.0,
            0.33,
            -0.33,
            1.0 + f64::EPSILON,
            1.0 - f64::EPSILON / 2.0,
        ];
        for i in 0..=2 * HIST_BINS {
            let x = -1.2 + 2.4 * i as f64 / (2 * HIST_BINS) as f64;
            v.extend([x, x.next_up(), x.next_down(), 60.0 + x * 50.0]);
        }
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            v.push(f64::from_bits(state));
            v.push((state >> 11) as f64 / (1u64 << 53) as f64 * 300.0 - 20.0);
        }
        v
    }

    #[test]
    fn branch_free_pseudo_log_and_bins_match_their_reference_forms() {
        for v in awkward_values() {
            assert_eq!(
                pseudo_log2(v).to_bits(),
                pseudo_log2_reference(v).to_bits(),
                "pseudo_log2({v:e})"
            );
        }
        for b in [
            Binning::new(-1.0, 1.0, false),
            Binning::new(20.0, 140.0, true),
            Binning::new(5.0, 5.0, false),
        ] {
            for v in awkward_values() {
                let u = if b.log { pseudo_log2(v) } else { v };
                assert_eq!(
                    b.bin_of_scaled(u),
                    bin_reference(&b, u),
                    "bin of {v:e} in {b:?}"
                );
            }
        }
    }

    #[test]
    fn extremes_over_lanes_match_run_order() {
        let values = awkward_values();
        let serial = |lo: f64, hi: f64, v: &[f64]| {
            v.iter()
                .fold((lo, hi), |(lo, hi), &x| (lower(lo, x), higher(hi, x)))
        };
        let mut checked = 0;
        for block in values.chunks_exact(16) {
            let v: [f64; 16] = block.try_into().unwrap();
            for (lo, hi) in [(f64::INFINITY, f64::NEG_INFINITY), (0.0, -0.0), (-0.5, 0.5)] {
                let (a, b) = extremes(lo, hi, &v);
                let (c, d) = serial(lo, hi, &v);
                assert_eq!(
                    (a.to_bits(), b.to_bits()),
                    (c.to_bits(), d.to_bits()),
                    "{v:?}"
                );
                checked += 1;
            }
        }
        // Blocks of zeros of both signs in every order: the run-order result, sign included.
        for mask in 1..1u32 << 16 {
            let signs = mask.wrapping_mul(2_654_435_761).rotate_left(7);
            let mut v = [1.0; 16];
            for (j, x) in v.iter_mut().enumerate() {
                if mask >> j & 1 == 1 {
                    *x = if signs >> j & 1 == 1 { -0.0 } else { 0.0 };
                }
            }
            let (a, b) = extremes(f64::INFINITY, f64::NEG_INFINITY, &v);
            let (c, d) = serial(f64::INFINITY, f64::NEG_INFINITY, &v);
            assert_eq!(
                (a.to_bits(), b.to_bits()),
                (c.to_bits(), d.to_bits()),
                "{v:?}"
            );
            checked += 1;
        }
        assert!(checked > 7_000);
    }

    #[test]
    fn lanes_record_the_same_bits_as_runs_one_at_a_time() {
        use crate::model::observe::MetricDef;
        let metric = |metric, scale| MetricDef {
            metric,
            actor: String::new(),
            unit: "",
            scale,
        };
        let l = Layout::new(
            2,
            vec![
                metric("alignment", Scale::Linear { lo: -1.0, hi: 1.0 }),
                metric("irritation", Scale::MomentsOnly { lo: 0.0, hi: 1.0 }),
                metric("oil_usd_per_bbl", Scale::Linear { lo: 0.0, hi: 400.0 }),
                metric("alignment", Scale::Linear { lo: -1.0, hi: 1.0 }),
            ],
            vec![],
            -0.33,
            0.33,
        );
        let mut l = l;
        l.bin_per_month(2, &[(20.0, 140.0), (10.0, 200.0)]);
        let values = awkward_values();
        let runs = 16 * 70;
        let value =
            |run: usize, m: usize, k: usize| values[(run * 7 + m * 3 + k * 11) % values.len()];
        let isas: Vec<Isa> = Isa::NAMES
            .iter()
            .filter_map(|n| Isa::parse(n))
            .filter(|i| i.available())
            .collect();
        let mut one_at_a_time = ChunkAccumulator::new(&l);
        for run in 0..runs {
            for m in 0..2 {
                let v: Vec<f64> = (0..4).map(|k| value(run, m, k)).collect();
                one_at_a_time.observe(&l, m, &v);
            }
            one_at_a_time.finish_run(&l, &[]);
        }
        let expected = one_at_a_time.finish();
        for isa in isas {
            let mut lanes = ChunkAccumulator::new(&l);
            for block in 0..runs / 16 {
                for m in 0..2 {
                    let v: Vec<[f64; 16]> = (0..4)
                        .map(|k| std::array::from_fn(|j| value(block * 16 + j, m, k)))
                        .collect();
                    lanes.observe_lanes(&l, m, &v, isa);
                }
                for _ in 0..16 {
                    lanes.finish_run(&l, &[]);
                }
            }
            let got = lanes.finish();
            let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got.sum), bits(&expected.sum), "{isa:?}");
            assert_eq!(bits(&got.sum_sq), bits(&expected.sum_sq), "{isa:?}");
            assert_eq!(bits(&got.sum_cu), bits(&expected.sum_cu), "{isa:?}");
            assert_eq!(bits(&got.lowest), bits(&expected.lowest), "{isa:?}");
            assert_eq!(bits(&got.highest), bits(&expected.highest), "{isa:?}");
            assert_eq!(got.hist, expected.hist, "{isa:?}");
            assert_eq!(got.bands, expected.bands, "{isa:?}");
            assert_eq!(got.runs, expected.runs);
        }
    }

    #[test]
    fn values_outside_the_binned_range_give_no_quantile() {
        use crate::model::observe::MetricDef;
        let metric = MetricDef {
            metric: "oil_usd_per_bbl",
            actor: String::new(),
            unit: "",
            scale: Scale::PerMonth(crate::model::observe::Follows::Oil),
        };
        let mut l = Layout::new(1, vec![metric], vec![], -0.33, 0.33);
        l.bin_per_month(0, &[(10.0, 100.0)]);
        let mut a = Accumulator::new(&l);
        for v in [20.0, 50.0, 80.0] {
            a.observe(&l, 0, &[v]);
            a.finish_run(&l, &[]);
        }
        let e = a.quantile(&l, 0, 0, 0.5).unwrap();
        assert!((20.0..=80.0).contains(&e.value), "{e:?}");
        a.observe(&l, 0, &[500.0]);
        a.finish_run(&l, &[]);
        assert!(a.quantile(&l, 0, 0, 0.5).unwrap().value.is_nan());
    }

    #[test]
    fn quantile_ranks_are_the_exact_binomial_ones() {
        // The median of 20: [X_(6), X_(15)] (coverage 95.9%); the 5% quantile of 20 has no lower bound.
        assert_eq!(quantile_ranks(20, 0.5), (6, 15));
        assert_eq!(quantile_ranks(20, 0.05), (0, 4));
        assert_eq!(quantile_ranks(20, 0.95), (17, 21));
        // Exact and normal ranks meet where one hands over to the other.
        let (a, b) = quantile_ranks(EXACT_RANKS_UP_TO, 0.25);
        let (c, d) = quantile_ranks(EXACT_RANKS_UP_TO + 1, 0.25);
        assert!(a.abs_diff(c) <= 2 && b.abs_diff(d) <= 2, "{a} {b} {c} {d}");
    }

    /// Coverage of quantile intervals at small run counts, on a uniform sample whose quantiles are known.
    #[test]
    fn quantile_intervals_cover_at_small_counts() {
        use rand::{RngExt, SeedableRng};
        let l = one_metric("x", Scale::Linear { lo: 0.0, hi: 1.0 });
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for n in [5u64, 20, 50] {
            let reps = 2000;
            let mut covered = [0; 3];
            for _ in 0..reps {
                let mut a = Accumulator::new(&l);
                for _ in 0..n {
                    a.observe(&l, 0, &[rng.random::<f64>()]);
                    a.finish_run(&l, &[]);
                }
                for (c, q) in covered.iter_mut().zip([0.05, 0.5, 0.95]) {
                    let e = a.quantile(&l, 0, 0, q).unwrap();
                    *c += usize::from(e.ci_low <= q && q <= e.ci_high);
                }
            }
            // At least 95% by construction; 2000 replications: s.e. 0.5%, so 93.5% is three s.e. below.
            for (c, q) in covered.iter().zip([0.05, 0.5, 0.95]) {
                let coverage = *c as f64 / reps as f64;
                assert!(coverage >= 0.935, "n {n}, q {q}: coverage {coverage}");
            }
        }
    }

    /// A bounded metric at one value in almost every run, jumping in a few (an early month's trade barrier): the
    /// t interval collapses and misses; the interval the mean gets keeps its coverage, and stays tight on a
    /// well-spread series.
    #[test]
    fn mean_intervals_hold_on_near_degenerate_bounded_series() {
        use rand::{RngExt, SeedableRng};
        let l = one_metric("trade_barrier", Scale::MomentsOnly { lo: 0.0, hi: 1.0 });
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
        for (n, p) in [(1000u64, 0.002), (1000, 0.02), (200, 0.01), (30, 0.1)] {
            let truth = 0.3 + 0.5 * p;
            let reps = 2000;
            let mut covered = 0;
            for _ in 0..reps {
                let mut a = Accumulator::new(&l);
                for _ in 0..n {
                    let jump = rng.random::<f64>() < p;
                    a.observe(&l, 0, &[0.3 + if jump { 0.5 } else { 0.0 }]);
                    a.finish_run(&l, &[]);
                }
                let i = a.mean(&l, 0, 0);
                covered += usize::from(i.ci_low <= truth && truth <= i.ci_high);
            }
            let coverage = covered as f64 / reps as f64;
            assert!(coverage >= 0.94, "n {n}, p {p}: coverage {coverage}");
        }
        // A well-spread series keeps Student's t.
        let mut a = Accumulator::new(&l);
        for i in 0..1000 {
            a.observe(&l, 0, &[0.4 + 0.2 * (i as f64 / 999.0)]);
            a.finish_run(&l, &[]);
        }
        let m = a.moments(&l, 0, 0);
        assert_eq!(a.mean(&l, 0, 0), m.interval());
    }

    #[test]
    fn rank_position_interpolates() {
        let h = [0, 10, 10, 0];
        assert_eq!(rank_position(&h, 0.0), 1.0);
        assert_eq!(rank_position(&h, 5.0), 1.5);
        assert_eq!(rank_position(&h, 10.0), 2.0);
        assert_eq!(rank_position(&h, 15.0), 2.5);
        assert_eq!(rank_position(&h, 20.0), 3.0);
    }

    #[test]
    fn buffered_chunk_counts_equal_direct_counts() {
        use crate::model::observe::MetricDef;
        let metric = |scale| MetricDef {
            metric: "alignment",
            actor: String::new(),
            unit: "",
            scale,
        };
        let l = Layout::new(
            3,
            vec![
                metric(Scale::Linear { lo: -1.0, hi: 1.0 }),
                metric(Scale::MomentsOnly { lo: 0.0, hi: 1.0 }),
                metric(Scale::Linear { lo: 0.0, hi: 400.0 }),
            ],
            vec![],
            -0.33,
            0.33,
        );
        let mut direct = Counts::<u16>::new(&l);
        let mut buffered = ChunkAccumulator::new(&l);
        // 150 runs: two full blocks of 64 and a partial one, values across and beyond every range (and NaN).
        for run in 0..150 {
            for m in 0..3 {
                let x = (run * 7 + m * 13) as f64 / 149.0 * 2.4 - 1.2;
                let v = [
                    x,
                    x * 3.0,
                    if run == 77 {
                        f64::NAN
                    } else {
                        x * 250.0 + 150.0
                    },
                ];
                direct.observe(&l, m, &v);
                buffered.observe(&l, m, &v);
            }
            direct.finish_run(&l, &[]);
            buffered.finish_run(&l, &[]);
        }
        let buffered = buffered.finish();
        assert_eq!(buffered.hist, direct.hist);
        assert_eq!(
            buffered.hist.iter().map(|&c| u64::from(c)).sum::<u64>(),
            150 * 3 * 2
        );
        assert_eq!(buffered.bands, direct.bands);
        assert_eq!(buffered.runs, 150);
    }

    #[test]
    fn quantiles_of_a_uniform_sample_are_close() {
        let l = one_metric("x", Scale::Linear { lo: 0.0, hi: 1.0 });
        let mut a = Accumulator::new(&l);
        let n = 10_000;
        for i in 0..n {
            a.observe(&l, 0, &[(i as f64 + 0.5) / n as f64]);
            a.finish_run(&l, &[]);
        }
        for q in [0.05, 0.5, 0.95] {
            let e = a.quantile(&l, 0, 0, q).unwrap();
            assert!((e.value - q).abs() < 0.003, "q {q}: {e:?}");
            assert!(e.ci_low <= q && q <= e.ci_high);
        }
        let m = a.moments(&l, 0, 0).interval();
        assert!((m.value - 0.5).abs() < 1e-12);
        // s.d. of U(0,1) = 0.2887; half-width 1.96 * 0.2887 / 100 = 0.00566
        assert!(((m.ci_high - m.ci_low) / 2.0 - 0.005_66).abs() < 1e-4);
    }
}
