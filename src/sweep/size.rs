//! What a sweep will cost before it runs: its points (checked arithmetic, never a wrapped or zero count), the
//! memory its points and results take, and its runs; and the limits a sweep must fit in (`--max-points`,
//! `--max-memory-mib`), so a design that cannot run is refused before the first run instead of aborting midway.

use super::spec::{DesignKind, SweptParam};

/// The most points a sweep may have unless `--max-points` raises it.
pub const DEFAULT_MAX_POINTS: u64 = 1_000_000;
/// The most `--max-points` may be raised to: beyond it a points log, a CSV and the design no longer fit any
/// machine this runs on.
pub const MAX_POINTS_CEILING: u64 = 1_000_000_000;
/// The most memory (MiB) a sweep's points and results may take unless `--max-memory-mib` raises it.
pub const DEFAULT_MAX_MEMORY_MIB: u64 = 4096;
/// The most `--max-memory-mib` may be raised to (1 PiB).
pub const MAX_MEMORY_MIB_CEILING: u64 = 1 << 30;

/// The budget a sweep must fit in: made by `options` (range-checked there) or [`SweepLimits::DEFAULT`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SweepLimits {
    pub max_points: u64,
    pub max_memory_mib: u64,
}

impl SweepLimits {
    pub const DEFAULT: SweepLimits = SweepLimits {
        max_points: DEFAULT_MAX_POINTS,
        max_memory_mib: DEFAULT_MAX_MEMORY_MIB,
    };
}

impl Default for SweepLimits {
    fn default() -> Self {
        SweepLimits::DEFAULT
    }
}

/// Why a design has no usable point count.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    #[error("the design has no points ({formula})")]
    Zero { formula: String },
    #[error("the design's point count overflows ({formula})")]
    Overflow { formula: String },
    #[error(
        "{points} points ({formula}) exceed the limit of {max} points; raise it with --max-points (at most {MAX_POINTS_CEILING})"
    )]
    TooManyPoints {
        points: u64,
        formula: String,
        max: u64,
    },
    #[error(
        "the sweep needs about {need_mib} MiB ({points} points x {parameters} parameters and {outcomes} outcomes, about {bytes_per_point} bytes a point) beyond the limit of {max_mib} MiB; raise it with --max-memory-mib"
    )]
    TooMuchMemory {
        need_mib: u64,
        points: u64,
        parameters: usize,
        outcomes: usize,
        bytes_per_point: u64,
        max_mib: u64,
    },
}

/// A sweep's size, estimated before anything runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    pub points: u64,
    pub parameters: usize,
    pub outcomes: usize,
    /// Estimated peak memory of the points, the design's own structures and the results (bytes).
    pub memory_bytes: u64,
}

/// How the design's point count is made, for messages: "3 x 4 values", "20 trajectories x (5 + 1)".
fn formula(design: &DesignKind, params: &[SweptParam]) -> String {
    let k = params.len();
    match design {
        DesignKind::Grid => {
            let counts: Vec<String> = params.iter().map(|p| p.values.len().to_string()).collect();
            format!("grid of {} values", counts.join(" x "))
        }
        DesignKind::LatinHypercube { points } if params.iter().any(|p| p.lever) => {
            let counts: Vec<String> = params
                .iter()
                .filter(|p| p.lever)
                .map(|p| p.values.len().to_string())
                .collect();
            format!(
                "latin-hypercube of {points} futures x {} lever settings",
                counts.join(" x ")
            )
        }
        DesignKind::LatinHypercube { points } => format!("latin-hypercube of {points} points"),
        DesignKind::Morris { trajectories, .. } => {
            format!("morris: {trajectories} trajectories x ({k} parameters + 1)")
        }
        DesignKind::Sobol { base_samples } => {
            format!("sobol: {base_samples} base samples x ({k} parameters + 2)")
        }
    }
}

/// The design's point count with checked arithmetic: never zero, never wrapped.
pub fn design_points(design: &DesignKind, params: &[SweptParam]) -> Result<u64, SizeError> {
    let k = params.len() as u64;
    let n = match design {
        DesignKind::Grid => params
            .iter()
            .try_fold(1u64, |acc, p| acc.checked_mul(p.values.len() as u64)),
        // Levers' settings crossed with the uncertainties' samples (no lever: a product of 1).
        DesignKind::LatinHypercube { points } => params
            .iter()
            .filter(|p| p.lever)
            .try_fold(*points as u64, |acc, p| {
                acc.checked_mul(p.values.len() as u64)
            }),
        DesignKind::Morris { trajectories, .. } => k
            .checked_add(1)
            .and_then(|m| (*trajectories as u64).checked_mul(m)),
        DesignKind::Sobol { base_samples } => k
            .checked_add(2)
            .and_then(|m| (*base_samples as u64).checked_mul(m)),
    };
    match n {
        None => Err(SizeError::Overflow {
            formula: formula(design, params),
        }),
        Some(0) => Err(SizeError::Zero {
            formula: formula(design, params),
        }),
        Some(n) => Ok(n),
    }
}

/// Estimated bytes a point takes while a sweep runs and writes its results, for `parameters` swept parameters
/// and `outcomes` outcomes: its values and the design's unit point (a `Vec` header of 24 bytes and 8 bytes a
/// parameter each; a grid holds two copies while it is built), its sums twice (the finished map and the returned
/// results, 24 bytes an outcome and about 80 bytes of bookkeeping), its estimates (32 bytes an outcome), the
/// analysis's per-outcome column (8 bytes), its CSV row (about 12 bytes a number) and its index in the work list.
pub fn bytes_per_point(parameters: usize, outcomes: usize) -> u64 {
    let (k, o) = (parameters as u64, outcomes as u64);
    2 * (24 + 8 * k) + 2 * (80 + 24 * o) + (24 + 32 * o) + 8 * o + 12 * (k + 1 + 3 * o) + 8
}

/// The size of a design over `params` with `outcomes` outcomes, checked against `limits`.
pub fn check(
    design: &DesignKind,
    params: &[SweptParam],
    outcomes: usize,
    limits: &SweepLimits,
) -> Result<Size, SizeError> {
    let points = design_points(design, params)?;
    if points > limits.max_points {
        return Err(SizeError::TooManyPoints {
            points,
            formula: formula(design, params),
            max: limits.max_points,
        });
    }
    let per = bytes_per_point(params.len(), outcomes);
    let memory_bytes = points.saturating_mul(per);
    let need_mib = memory_bytes.div_ceil(1 << 20);
    if need_mib > limits.max_memory_mib {
        return Err(SizeError::TooMuchMemory {
            need_mib,
            points,
            parameters: params.len(),
            outcomes,
            bytes_per_point: per,
            max_mib: limits.max_memory_mib,
        });
    }
    Ok(Size {
        points,
        parameters: params.len(),
        outcomes,
        memory_bytes,
    })
}

impl Size {
    /// The most runs the sweep can take: points x the most replicates a point may take (saturating).
    pub fn most_runs(&self, replicates_per_point: u64) -> u64 {
        self.points.saturating_mul(replicates_per_point)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Target;

    fn grid(counts: &[usize]) -> Vec<SweptParam> {
        counts
            .iter()
            .map(|&n| SweptParam {
                key: "k".into(),
                target: Target::Param(0),
                values: vec![0.0; n],
                lower: f64::NAN,
                upper: f64::NAN,
                lever: false,
            })
            .collect()
    }

    #[test]
    fn point_counts_never_wrap_or_vanish() {
        assert_eq!(design_points(&DesignKind::Grid, &grid(&[2, 3])), Ok(6));
        assert!(matches!(
            design_points(&DesignKind::Grid, &grid(&[2, 0])),
            Err(SizeError::Zero { .. })
        ));
        // 10,000^5 = 10^20 overflows u64.
        assert!(matches!(
            design_points(&DesignKind::Grid, &grid(&[10_000; 5])),
            Err(SizeError::Overflow { .. })
        ));
        let e = check(
            &DesignKind::Grid,
            &grid(&[10_000, 10_000]),
            1,
            &SweepLimits::DEFAULT,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("100000000 points (grid of 10000 x 10000 values) exceed the limit of 1000000 points; raise it with --max-points"),
            "{e}"
        );
        let e = check(
            &DesignKind::Sobol {
                base_samples: 65_536,
            },
            &grid(&[1; 100]),
            20,
            &SweepLimits {
                max_points: MAX_POINTS_CEILING,
                ..SweepLimits::DEFAULT
            },
        )
        .unwrap_err();
        assert!(matches!(e, SizeError::TooMuchMemory { .. }), "{e}");
        assert!(e.to_string().contains("--max-memory-mib"), "{e}");
    }
}
