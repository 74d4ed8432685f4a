//! Sampling designs for parameter sweeps, all on the unit cube `[0,1]^k` and mapped to factor bounds
//! by [`scale`]: Latin hypercube, Morris trajectories, Saltelli's A/B/A_B^i matrices. Every design
//! is a pure function of its arguments and seed, so a sweep can be rebuilt (and resumed, sharded,
//! hashed) from its definition alone.

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Bounds of one swept factor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Factor {
    pub lower: f64,
    pub upper: f64,
}

/// Maps a point of the unit cube to factor values: x_i = lower_i + u_i (upper_i - lower_i).
pub fn scale(unit: &[f64], factors: &[Factor]) -> Vec<f64> {
    assert_eq!(
        unit.len(),
        factors.len(),
        "scale: point has {} coordinates but there are {} factors",
        unit.len(),
        factors.len()
    );
    unit.iter()
        .zip(factors)
        .map(|(u, f)| f.lower + u * (f.upper - f.lower))
        .collect()
}

/// Fisher-Yates shuffle written out (rather than `SliceRandom::shuffle`) so the designs do not
/// change if rand changes its shuffling algorithm.
fn shuffle<T>(v: &mut [T], rng: &mut impl Rng) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
}

/// Latin hypercube (McKay, Beckman & Conover 1979, Technometrics 21(2):239,
/// doi:10.1080/00401706.1979.10489755): n points in [0,1)^k; in each dimension d, point j lies in
/// stratum pi_d(j) of the n strata [m/n, (m+1)/n), with pi_d a random permutation and a uniform
/// position within the stratum: u_jd = (pi_d(j) + U) / n. Randomness: ChaCha8 seeded with `seed`;
/// per dimension, the permutation, then the n positions.
pub fn latin_hypercube(n: usize, k: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut points = vec![vec![0.0; k]; n];
    let nf = n as f64;
    for d in 0..k {
        let mut perm: Vec<usize> = (0..n).collect();
        shuffle(&mut perm, &mut rng);
        for (point, &m) in points.iter_mut().zip(&perm) {
            let u: f64 = rng.random();
            let hi = (m + 1) as f64 / nf;
            let mut v = (m as f64 + u) / nf;
            // Rounding can carry u near 1 onto the next stratum's edge; keep the point strictly
            // inside its own.
            if v >= hi {
                v = f64::from_bits(hi.to_bits() - 1);
            }
            point[d] = v;
        }
    }
    points
}

/// Morris one-at-a-time design: r trajectories of k + 1 points each, on the p-level grid
/// {0, 1/(p-1), ..., 1}.
#[derive(Clone, Debug, PartialEq)]
pub struct MorrisDesign {
    pub trajectories: usize,
    pub k: usize,
    pub levels: usize,
    /// Step on the unit scale, p / (2 (p - 1)).
    pub delta: f64,
    /// r * (k + 1) points in the unit cube, trajectory after trajectory.
    pub points: Vec<Vec<f64>>,
    /// For trajectory t and step s (0..k), which factor moved between point s and s + 1.
    pub moved: Vec<Vec<usize>>,
}

/// Morris trajectories (Morris 1991, Technometrics 33(2):161, doi:10.1080/00401706.1991.10484804;
/// the trajectory construction as used by Campolongo, Cariboni & Saltelli 2007, Environ. Model.
/// Softw. 22:1509, doi:10.1016/j.envsoft.2006.10.004, without their optimisation step).
///
/// Per trajectory: a random base point x* with coordinates in {0, 1/(p-1), ..., 1 - delta}, a
/// random direction per factor and a random factor order. A factor moving "+" starts at x*_i and
/// steps to x*_i + delta; one moving "-" starts at x*_i + delta and steps to x*_i. This is Morris's
/// B* = (J x* + delta/2 ((2B - J) D* + J)) P* written out, and keeps every point on the grid.
/// delta = p / (2 (p - 1)), i.e. p/2 grid steps, so that for even p every level is equally
/// likely to be visited. Levels are handled as integers so points lie exactly on the grid.
pub fn morris(trajectories: usize, k: usize, levels: usize, seed: u64) -> MorrisDesign {
    assert!(
        levels >= 2 && levels.is_multiple_of(2),
        "morris: levels must be even and >= 2, got {levels}"
    );
    assert!(k >= 1, "morris: need at least one factor");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let p = levels;
    let jump = p / 2; // delta in grid steps
    let grid = (p - 1) as f64;
    let delta = p as f64 / (2.0 * grid);
    let mut points = Vec::with_capacity(trajectories * (k + 1));
    let mut moved = Vec::with_capacity(trajectories);
    for _ in 0..trajectories {
        // Base levels 0..=p-1-jump, so that base + jump stays on the grid.
        let base: Vec<usize> = (0..k).map(|_| rng.random_range(0..p - jump)).collect();
        let up: Vec<bool> = (0..k).map(|_| rng.random::<bool>()).collect();
        let mut order: Vec<usize> = (0..k).collect();
        shuffle(&mut order, &mut rng);
        let mut level: Vec<usize> = (0..k)
            .map(|i| if up[i] { base[i] } else { base[i] + jump })
            .collect();
        points.push(level.iter().map(|&l| l as f64 / grid).collect::<Vec<f64>>());
        for &i in &order {
            level[i] = if up[i] { base[i] + jump } else { base[i] };
            points.push(level.iter().map(|&l| l as f64 / grid).collect());
        }
        moved.push(order);
    }
    MorrisDesign {
        trajectories,
        k,
        levels,
        delta,
        points,
        moved,
    }
}

/// Saltelli design: matrices A and B and, per factor i, A_B^i (A with column i from B).
#[derive(Clone, Debug, PartialEq)]
pub struct SaltelliDesign {
    pub n: usize,
    pub k: usize,
    /// A (rows 0..n), B (n..2n), then A_B^0, ..., A_B^(k-1), n rows each: n (k + 2) points.
    pub points: Vec<Vec<f64>>,
}

/// Saltelli et al. 2010 (Comput. Phys. Commun. 181:259, doi:10.1016/j.cpc.2009.09.018) design:
/// row j of A is dims 0..k and row j of B dims k..2k of point j of one Owen-scrambled Sobol
/// sequence in 2k dimensions (Burley 2020, "Practical Hash-based Owen Scrambling", JCGT 9(4);
/// crate sobol_burley), so A and B are independent yet jointly low-discrepancy; A_B^i is A with
/// column i from B. No points are skipped: scrambling already removes the all-zero first point
/// that motivates skipping in unscrambled sequences. Cost: n (k + 2) model runs.
pub fn saltelli(n: usize, k: usize, seed: u32) -> SaltelliDesign {
    assert!(
        n <= 1 << 16,
        "saltelli: n = {n} exceeds 65536, the most points sobol_burley can give"
    );
    assert!(
        2 * k <= sobol_burley::NUM_DIMENSIONS as usize,
        "saltelli: 2k = {} exceeds the {} Sobol dimensions sobol_burley has",
        2 * k,
        sobol_burley::NUM_DIMENSIONS
    );
    let row = |j: usize, dims: std::ops::Range<usize>| -> Vec<f64> {
        dims.map(|d| f64::from(sobol_burley::sample(j as u32, d as u32, seed)))
            .collect()
    };
    let a: Vec<Vec<f64>> = (0..n).map(|j| row(j, 0..k)).collect();
    let b: Vec<Vec<f64>> = (0..n).map(|j| row(j, k..2 * k)).collect();
    let mut points = Vec::with_capacity(n * (k + 2));
    points.extend(a.iter().cloned());
    points.extend(b.iter().cloned());
    for i in 0..k {
        for (ra, rb) in a.iter().zip(&b) {
            let mut r = ra.clone();
            r[i] = rb[i];
            points.push(r);
        }
    }
    SaltelliDesign { n, k, points }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_maps_unit_cube_to_bounds() {
        let f = [
            Factor {
                lower: -1.0,
                upper: 3.0,
            },
            Factor {
                lower: 10.0,
                upper: 10.5,
            },
        ];
        assert_eq!(scale(&[0.0, 0.0], &f), vec![-1.0, 10.0]);
        assert_eq!(scale(&[0.5, 1.0], &f), vec![1.0, 10.5]);
    }

    #[test]
    fn latin_hypercube_one_point_per_stratum() {
        for &(n, k) in &[(1, 3), (7, 2), (100, 5), (1000, 3)] {
            let pts = latin_hypercube(n, k, 42);
            assert_eq!(pts.len(), n);
            for d in 0..k {
                let mut count = vec![0usize; n];
                for p in &pts {
                    let v = p[d];
                    assert!((0.0..1.0).contains(&v), "value {v} outside [0,1)");
                    let m = (0..n)
                        .find(|&m| m as f64 / n as f64 <= v && v < (m + 1) as f64 / n as f64)
                        .unwrap();
                    count[m] += 1;
                }
                assert!(
                    count.iter().all(|&c| c == 1),
                    "n={n} dim {d}: strata counts {count:?}"
                );
            }
        }
    }

    #[test]
    fn latin_hypercube_is_deterministic_per_seed() {
        let a = latin_hypercube(50, 4, 7);
        let b = latin_hypercube(50, 4, 7);
        let c = latin_hypercube(50, 4, 8);
        assert_eq!(a, b);
        assert_ne!(a, c);
        // Not just a different permutation of the same values: positions within strata differ too.
        assert!(
            a.iter()
                .zip(&c)
                .all(|(x, y)| x.iter().zip(y).all(|(u, v)| u != v))
        );
    }

    #[test]
    fn morris_trajectory_structure() {
        for &(r, k, p) in &[(50, 4, 4), (10, 7, 6), (5, 3, 2), (20, 1, 8)] {
            let d = morris(r, k, p, 3);
            assert_eq!(d.points.len(), r * (k + 1));
            assert_eq!(d.moved.len(), r);
            assert!((d.delta - p as f64 / (2.0 * (p - 1) as f64)).abs() < 1e-15);
            for t in 0..r {
                let traj = &d.points[t * (k + 1)..(t + 1) * (k + 1)];
                let mut seen = vec![0; k];
                for s in 0..k {
                    let changed: Vec<usize> =
                        (0..k).filter(|&i| traj[s][i] != traj[s + 1][i]).collect();
                    assert_eq!(changed, vec![d.moved[t][s]], "trajectory {t} step {s}");
                    let i = changed[0];
                    // Grid values are l/(p-1), so a difference of p/2 levels equals delta only to
                    // rounding (1 ulp).
                    assert!(((traj[s + 1][i] - traj[s][i]).abs() - d.delta).abs() < 1e-12);
                    seen[i] += 1;
                }
                assert!(
                    seen.iter().all(|&c| c == 1),
                    "trajectory {t}: moves per factor {seen:?}"
                );
            }
            for x in d.points.iter().flatten() {
                assert!((0.0..=1.0).contains(x));
                let l = x * (p - 1) as f64;
                assert!(
                    (l - l.round()).abs() < 1e-9,
                    "{x} not on the {p}-level grid"
                );
            }
        }
    }

    #[test]
    fn morris_uses_both_directions_and_is_deterministic() {
        let d = morris(40, 3, 4, 11);
        assert_eq!(d, morris(40, 3, 4, 11));
        assert_ne!(d.points, morris(40, 3, 4, 12).points);
        let (mut up, mut down) = (0, 0);
        for t in 0..40 {
            for s in 0..3 {
                let i = d.moved[t][s];
                if d.points[t * 4 + s + 1][i] > d.points[t * 4 + s][i] {
                    up += 1
                } else {
                    down += 1
                }
            }
        }
        assert!(up > 20 && down > 20, "up {up} down {down}");
    }

    #[test]
    #[should_panic(expected = "levels must be even")]
    fn morris_rejects_odd_levels() {
        morris(4, 2, 5, 0);
    }

    #[test]
    fn saltelli_structure() {
        let (n, k) = (64, 5);
        let d = saltelli(n, k, 9);
        assert_eq!(d.points.len(), n * (k + 2));
        let a = &d.points[0..n];
        let b = &d.points[n..2 * n];
        assert_ne!(a, b);
        for i in 0..k {
            let abi = &d.points[(2 + i) * n..(3 + i) * n];
            for j in 0..n {
                for c in 0..k {
                    let want = if c == i { b[j][c] } else { a[j][c] };
                    assert_eq!(abi[j][c], want, "A_B^{i} row {j} col {c}");
                }
            }
        }
        // Sobol stratification: with n a power of two, each column of A has one point per 1/n
        // interval.
        for c in 0..k {
            let mut count = vec![0; n];
            for r in a {
                assert!((0.0..1.0).contains(&r[c]));
                count[(r[c] * n as f64) as usize] += 1;
            }
            assert!(count.iter().all(|&x| x == 1), "column {c}: {count:?}");
        }
        assert_eq!(d, saltelli(n, k, 9));
        assert_ne!(d.points, saltelli(n, k, 10).points);
    }

    #[test]
    #[should_panic(expected = "exceeds 65536")]
    fn saltelli_rejects_too_many_points() {
        saltelli(65537, 1, 0);
    }

    #[test]
    #[should_panic(expected = "Sobol dimensions")]
    fn saltelli_rejects_too_many_factors() {
        saltelli(4, 129, 0);
    }
}
