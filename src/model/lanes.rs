//! The model in lanes: the same monthly schedule as [`World::step`], stepped over a block of `L` runs at once as
//! a structure of arrays (one array of `L` values per state variable), every submodel a loop over the lanes whose
//! branches are selects, so the compiler turns it into vector instructions (docs/MODEL.md, "The lane form").
//!
//! The model is unchanged: this is an implementation of it, and [`World::step`] stays the readable reference. Each
//! lane is one run with its own generator, drawing the same numbers in the same order as the scalar step (every
//! month's draws are a fixed list, drawn whatever their use, so they are taken per lane at the start of the month;
//! the ziggurat's rejection loop stays per lane). Every lane then does the same IEEE operations in the same order as
//! the scalar code, `exp` and `ln` included ([`crate::arith`], branch-free, no fused multiply-add), so a lane's
//! states are the scalar run's states bit for bit, on every instruction set ([`Isa`]). tests/lanes.rs checks it
//! over every shipped scenario.
//!
//! Quantities the step never changes (a partner's dependence, weight, vantage values, ...) are the same in every
//! lane, since every lane starts from the same initial state; they are kept once, in [`Lanes::initial`].

// Loops index several lane arrays by the lane, as the scalar code reads several fields: clearer than zips.
#![allow(clippy::needless_range_loop)]

use rand::{Rng, RngExt};

use super::{CalendarMonth, Choice, Constants, ModelConfig, Partner, World, align, distance, unit};
use crate::arith::{StandardNormal, exp, ln};

/// Runs stepped together: 16 doubles, four AVX2 registers per state variable.
pub const LANES: usize = 16;

/// The instruction set the lane step is compiled for. Every one gives the same bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// Whatever the build's baseline target allows (SSE2 on x86-64), on any processor.
    Portable,
    /// AVX2 (x86-64 only; chosen when the processor has it).
    Avx2,
}

impl Isa {
    pub const NAMES: [&'static str; 2] = ["portable", "avx2"];

    /// The best this processor supports.
    pub fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            return Isa::Avx2;
        }
        Isa::Portable
    }

    /// Whether this processor can run it.
    pub fn available(self) -> bool {
        match self {
            Isa::Portable => true,
            Isa::Avx2 => Isa::detect() == Isa::Avx2,
        }
    }

    pub fn parse(s: &str) -> Option<Isa> {
        match s {
            "portable" => Some(Isa::Portable),
            "avx2" => Some(Isa::Avx2),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            Isa::Avx2 => "avx2",
        }
    }
}

/// One partner's changing state, a value per lane.
#[derive(Clone, Debug)]
pub struct PartnerLanes<const L: usize> {
    pub alignment: [f64; L],
    pub alignment_before: [f64; L],
    pub noise_move: [f64; L],
    pub threat: [f64; L],
    pub west_standing: [f64; L],
    pub loyalty_price: [f64; L],
    pub trade_barrier: [f64; L],
    pub irritation: [f64; L],
    pub openness: [f64; L],
    pub recognises_crimea: [bool; L],
    pub union_member: [bool; L],
    pub stress: [f64; L],
    pub defiance: [f64; L],
    pub venue: [f64; L],
    pub support: [f64; L],
    /// Index in [`Choice::ALL`].
    pub strategy: [u8; L],
    pub offered: [bool; L],
    pub hosted: [bool; L],
    pub ceasefire: [bool; L],
    pub sanctioned: [bool; L],
    pub loan: [bool; L],
    pub crisis: [bool; L],
    pub left_union: [bool; L],
}

fn choice_index(c: Choice) -> u8 {
    match c {
        Choice::Bandwagon => 0,
        Choice::Hedge => 1,
        Choice::Balance => 2,
    }
}

impl<const L: usize> PartnerLanes<L> {
    fn splat(x: &Partner) -> PartnerLanes<L> {
        PartnerLanes {
            alignment: [x.alignment; L],
            alignment_before: [x.alignment_before; L],
            noise_move: [x.noise_move; L],
            threat: [x.threat; L],
            west_standing: [x.west_standing; L],
            loyalty_price: [x.loyalty_price; L],
            trade_barrier: [x.trade_barrier; L],
            irritation: [x.irritation; L],
            openness: [x.openness; L],
            recognises_crimea: [x.recognises_crimea; L],
            union_member: [x.union_member; L],
            stress: [x.stress; L],
            defiance: [x.defiance; L],
            venue: [x.venue; L],
            support: [x.support; L],
            strategy: [choice_index(x.strategy); L],
            offered: [x.offered; L],
            hosted: [x.hosted; L],
            ceasefire: [x.ceasefire; L],
            sanctioned: [x.sanctioned; L],
            loan: [x.loan; L],
            crisis: [x.crisis; L],
            left_union: [x.left_union; L],
        }
    }
}

/// A block of `L` runs' worlds.
#[derive(Clone, Debug)]
pub struct Lanes<const L: usize> {
    /// The state every lane starts from; also holds what the step never changes.
    pub initial: World,
    pub month: usize,
    pub oil_usd_per_bbl: [f64; L],
    pub log_oil: [f64; L],
    pub rub_deviation_log: [f64; L],
    pub rub_per_usd: [f64; L],
    /// The same in every lane: the schedule's.
    pub west_engagement: f64,
    pub capacity_index: [f64; L],
    pub usd_capacity: [f64; L],
    pub budget_share: [f64; L],
    pub pain: [f64; L],
    pub stance: [f64; L],
    pub stance_rest: [f64; L],
    pub revised: [bool; L],
    pub siege: [f64; L],
    pub conflict_intensity: [f64; L],
    pub contested_alignment: [f64; L],
    pub cohesion: [f64; L],
    pub partners: Vec<PartnerLanes<L>>,
    pub union_fractured: [bool; L],
    pub exited_weight: [f64; L],
    /// This month's draws, [draw][lane], in the scalar step's order (see [`Draw`]).
    draws: Vec<[f64; L]>,
}

/// Positions of a month's draws in [`Lanes`]' buffer: the scalar step's order.
struct Draw {
    partners: usize,
}

impl Draw {
    const OIL: usize = 0;
    const RUB: usize = 1;
    const RENEWAL: usize = 2;
    /// Partner choice: uniform, then the position's normal.
    fn choice(&self, i: usize) -> usize {
        3 + 2 * i
    }
    /// Crises: regime, then sovereignty.
    fn crisis(&self, i: usize) -> usize {
        3 + 2 * self.partners + 2 * i
    }
    /// Mediation: offer, patron, contested, success.
    fn mediation(&self, i: usize) -> usize {
        3 + 4 * self.partners + 4 * i
    }
    /// Pressure: sanction or loan.
    fn pressure(&self, i: usize) -> usize {
        3 + 8 * self.partners + i
    }
    /// Policy: the stance's normal, then the revision's uniform.
    fn policy(&self) -> usize {
        3 + 9 * self.partners
    }
    fn count(&self) -> usize {
        self.policy() + 2
    }
}

impl<const L: usize> Lanes<L> {
    /// Every lane at `initial`.
    pub fn new(initial: &World) -> Lanes<L> {
        let w = initial;
        let draws = Draw {
            partners: w.partners.len(),
        }
        .count();
        Lanes {
            initial: w.clone(),
            month: w.month,
            oil_usd_per_bbl: [w.oil_usd_per_bbl; L],
            log_oil: [w.log_oil; L],
            rub_deviation_log: [w.rub_deviation_log; L],
            rub_per_usd: [w.rub_per_usd; L],
            west_engagement: w.west_engagement,
            capacity_index: [w.capacity_index; L],
            usd_capacity: [w.usd_capacity; L],
            budget_share: [w.budget_share; L],
            pain: [w.pain; L],
            stance: [w.stance; L],
            stance_rest: [w.stance_rest; L],
            revised: [w.revised; L],
            siege: [w.siege; L],
            conflict_intensity: [w.conflict_intensity; L],
            contested_alignment: [w.contested_alignment; L],
            cohesion: [w.cohesion; L],
            partners: w.partners.iter().map(PartnerLanes::splat).collect(),
            union_fractured: [w.union_fractured; L],
            exited_weight: [w.exited_weight; L],
            draws: vec![[0.0; L]; draws],
        }
    }

    /// Every lane back to the initial state.
    pub fn reset(&mut self) {
        let draws = std::mem::take(&mut self.draws);
        let mut fresh = Lanes::new(&self.initial);
        fresh.draws = draws;
        *self = fresh;
    }

    /// Takes this month's draws from each lane's generator, in the scalar step's order.
    fn draw<R: Rng>(&mut self, rngs: &mut [R; L]) {
        let d = Draw {
            partners: self.partners.len(),
        };
        let n = self.partners.len();
        for (l, rng) in rngs.iter_mut().enumerate() {
            let buf = &mut self.draws;
            buf[Draw::OIL][l] = rng.sample(StandardNormal);
            buf[Draw::RUB][l] = rng.sample(StandardNormal);
            buf[Draw::RENEWAL][l] = rng.random();
            for i in 0..n {
                buf[d.choice(i)][l] = rng.random();
                buf[d.choice(i) + 1][l] = rng.sample(StandardNormal);
            }
            for i in 0..n {
                buf[d.crisis(i)][l] = rng.random();
                buf[d.crisis(i) + 1][l] = rng.random();
            }
            for i in 0..n {
                for k in 0..4 {
                    buf[d.mediation(i) + k][l] = rng.random();
                }
            }
            for i in 0..n {
                buf[d.pressure(i)][l] = rng.random();
            }
            buf[d.policy()][l] = rng.sample(StandardNormal);
            buf[d.policy() + 1][l] = rng.random();
        }
    }

    /// One month of every lane, `rngs[l]` lane `l`'s generator, on instruction set `isa` (which must be
    /// [`Isa::available`]; the portable path is taken otherwise).
    pub fn step<R: Rng>(
        &mut self,
        cfg: &ModelConfig,
        patron: &Constants,
        rngs: &mut [R; L],
        isa: Isa,
    ) {
        self.draw(rngs);
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 if isa.available() => {
                // SAFETY: the processor has AVX2 (checked just above).
                unsafe { step_avx2(self, cfg, patron) }
            }
            _ => step_portable(self, cfg, patron),
        }
    }

    /// Lane `l`'s state as a [`World`] (for tests and for anything that reads a whole world).
    pub fn world(&self, l: usize, out: &mut World) {
        out.clone_from(&self.initial);
        out.month = self.month;
        out.oil_usd_per_bbl = self.oil_usd_per_bbl[l];
        out.log_oil = self.log_oil[l];
        out.rub_deviation_log = self.rub_deviation_log[l];
        out.rub_per_usd = self.rub_per_usd[l];
        out.west_engagement = self.west_engagement;
        out.capacity_index = self.capacity_index[l];
        out.usd_capacity = self.usd_capacity[l];
        out.budget_share = self.budget_share[l];
        out.pain = self.pain[l];
        out.stance = self.stance[l];
        out.stance_rest = self.stance_rest[l];
        out.revised = self.revised[l];
        out.siege = self.siege[l];
        out.conflict_intensity = self.conflict_intensity[l];
        out.contested_alignment = self.contested_alignment[l];
        out.cohesion = self.cohesion[l];
        out.union_fractured = self.union_fractured[l];
        out.exited_weight = self.exited_weight[l];
        for (x, q) in out.partners.iter_mut().zip(&self.partners) {
            x.alignment = q.alignment[l];
            x.alignment_before = q.alignment_before[l];
            x.noise_move = q.noise_move[l];
            x.threat = q.threat[l];
            x.west_standing = q.west_standing[l];
            x.loyalty_price = q.loyalty_price[l];
            x.trade_barrier = q.trade_barrier[l];
            x.irritation = q.irritation[l];
            x.openness = q.openness[l];
            x.recognises_crimea = q.recognises_crimea[l];
            x.union_member = q.union_member[l];
            x.stress = q.stress[l];
            x.defiance = q.defiance[l];
            x.venue = q.venue[l];
            x.support = q.support[l];
            x.strategy = Choice::ALL[usize::from(q.strategy[l])];
            x.offered = q.offered[l];
            x.hosted = q.hosted[l];
            x.ceasefire = q.ceasefire[l];
            x.sanctioned = q.sanctioned[l];
            x.loan = q.loan[l];
            x.crisis = q.crisis[l];
            x.left_union = q.left_union[l];
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn step_avx2<const L: usize>(w: &mut Lanes<L>, cfg: &ModelConfig, patron: &Constants) {
    step_lanes(w, cfg, patron)
}

fn step_portable<const L: usize>(w: &mut Lanes<L>, cfg: &ModelConfig, patron: &Constants) {
    step_lanes(w, cfg, patron)
}

/// [`World::step`] over the lanes, submodel by submodel, each the scalar code's operations in the scalar code's
/// order (the comments name the scalar function each loop mirrors).
#[inline(always)]
fn step_lanes<const L: usize>(w: &mut Lanes<L>, cfg: &ModelConfig, patron: &Constants) {
    let p = &cfg.params;
    let d = Draw {
        partners: w.partners.len(),
    };
    w.month += 1;
    let m = w.month;
    for q in &mut w.partners {
        q.alignment_before = q.alignment;
        q.offered = [false; L];
        q.hosted = [false; L];
        q.ceasefire = [false; L];
        q.sanctioned = [false; L];
        q.loan = [false; L];
        q.crisis = [false; L];
        q.left_union = [false; L];
    }
    let calendar: CalendarMonth = cfg.calendar[m];
    let draws = &w.draws;
    // 1. drivers::step
    let c = &patron.drivers;
    match cfg.oil_replay_usd_per_bbl[m] {
        Some(replayed) => {
            let log = ln(replayed);
            w.oil_usd_per_bbl = [replayed; L];
            w.log_oil = [log; L];
        }
        None => {
            let sigma = c.sigma_oil_at(m);
            let shock = cfg.oil_shock_log[m];
            let eps = &draws[Draw::OIL];
            for l in 0..L {
                w.log_oil[l] = c.next_log_oil(w.log_oil[l], eps[l], sigma, shock);
                w.oil_usd_per_bbl[l] = exp(w.log_oil[l]);
            }
        }
    }
    match cfg.rub_replay_per_usd[m] {
        Some(replayed) => {
            let log = ln(replayed);
            for l in 0..L {
                let implied = c.log_oil_implied_rub(w.log_oil[l]);
                w.rub_per_usd[l] = replayed;
                w.rub_deviation_log[l] = log - implied;
            }
        }
        None => {
            let eps = &draws[Draw::RUB];
            for l in 0..L {
                let implied = c.log_oil_implied_rub(w.log_oil[l]);
                w.rub_deviation_log[l] = c.next_rub_deviation(w.rub_deviation_log[l], eps[l]);
                w.rub_per_usd[l] = exp(implied + w.rub_deviation_log[l]);
            }
        }
    }
    w.west_engagement = cfg.west_engagement[m];
    let west = w.west_engagement;
    // policy::renewal
    let mut renewed = [false; L];
    for l in 0..L {
        renewed[l] = calendar.sanctions_renewal && draws[Draw::RENEWAL][l] < west;
    }
    // 2. patron_capacity::step (Fiscal::new, affordable_share)
    for l in 0..L {
        let r = w.rub_per_usd[l] / p.rub_reference_per_usd;
        let deflator = exp(p.price_pass_through * ln(r));
        let index = p.oil_revenue_share * (w.oil_usd_per_bbl[l] / p.oil_reference_usd_per_bbl) * r
            / deflator
            + (1.0 - p.oil_revenue_share);
        let usd_capacity = index * deflator / r;
        w.capacity_index[l] = index;
        w.usd_capacity[l] = usd_capacity;
        w.pain[l] = unit((1.0 - index) / p.pain_full_gap);
        let target = unit(usd_capacity / p.full_financing_capacity);
        w.budget_share[l] =
            unit(w.budget_share[l] + p.budget_adjust_per_month * (target - w.budget_share[l]));
    }
    // 3. economy::step and loyalty_auction::step
    let mut rub_log_change = [0.0; L];
    for l in 0..L {
        rub_log_change[l] = ln(w.rub_per_usd[l] / p.rub_start_per_usd);
    }
    for (q, x) in w.partners.iter_mut().zip(&w.initial.partners) {
        // The partner's constants copied to the stack: the compiler cannot tell the initial partners (on the
        // heap) from the lanes written here, and would reload them every lane instead of vectorising.
        let x = &x.clone();
        let v = &x.vantage;
        for l in 0..L {
            let target = unit(
                v.stress
                    + p.economy_rouble_gain * x.dependence * rub_log_change[l]
                    + p.economy_ban_gain * (q.trade_barrier[l] - v.trade_barrier)
                    - q.support[l],
            );
            q.stress[l] = unit(q.stress[l] + p.economy_adjust_per_month * (target - q.stress[l]));
            let offer = west * x.west_offer * (1.0 + q.west_standing[l]) / 2.0;
            let target = unit(
                x.base_price
                    + p.leverage_gain * x.auction_propensity * (offer - v.offer)
                    + p.price_stress_gain * (q.stress[l] - v.stress),
            );
            q.loyalty_price[l] =
                unit(q.loyalty_price[l] + p.price_adjust_per_month * (target - q.loyalty_price[l]));
        }
    }
    // 4. partner_choice: the weighted shift sum over partners, in partner order.
    let total_weight = w.initial.vantage.total_weight;
    // Iterator sums of floats start from -0.0 (the scalar code sums with `Iterator::sum`): so does this one, so
    // that a sum of zeros has the same sign.
    let mut shift_sum = [-0.0; L];
    for (q, x) in w.partners.iter().zip(&w.initial.partners) {
        for l in 0..L {
            shift_sum[l] += x.weight * (distance(q.alignment_before[l]) - x.vantage.distance);
        }
    }
    let review = 1.0 / p.spell_months;
    for (i, (q, x)) in w.partners.iter_mut().zip(&w.initial.partners).enumerate() {
        // Constants on the stack, as in economy above.
        let x = &x.clone();
        let uniform = &draws[d.choice(i)];
        let eps = &draws[d.choice(i) + 1];
        let rest = total_weight - x.weight;
        // A review is rare (once in spell_months); its logit is computed per reviewing lane, as the scalar code.
        for l in 0..L {
            if uniform[l] < review {
                let others = if rest > 0.0 {
                    (shift_sum[l]
                        - x.weight * (distance(q.alignment_before[l]) - x.vantage.distance))
                        / rest
                } else {
                    0.0
                };
                let u = utilities(p, w.budget_share[l], west, w.cohesion[l], others, x, q, l);
                let prob = super::partner_choice::probabilities(p.rationality, &u);
                q.strategy[l] =
                    choice_index(super::partner_choice::pick(&prob, uniform[l] / review));
            }
        }
        let strategy = q.strategy;
        for l in 0..L {
            let s = strategy[l];
            let move_to = if s == 0 {
                p.target_bandwagon
            } else if s == 1 {
                x.hedge_position
            } else {
                p.target_balance
            };
            q.noise_move[l] = p.position_noise_per_month * eps[l];
            q.alignment[l] = align(
                q.alignment[l]
                    + p.position_adjust_per_month * (move_to - q.alignment[l])
                    + q.noise_move[l],
            );
        }
    }
    // 5. crisis::step
    for (i, (q, x)) in w.partners.iter_mut().zip(&w.initial.partners).enumerate() {
        // Constants on the stack, as in economy above.
        let x = &x.clone();
        let election = calendar.elections >> i & 1 == 1;
        let (u_regime, u_sovereignty) = (&draws[d.crisis(i)], &draws[d.crisis(i) + 1]);
        let base = p.crisis_rate_per_month
            + if election {
                p.crisis_election_probability
            } else {
                0.0
            };
        let (mut lambda, mut lambda_s) = ([0.0; L], [0.0; L]);
        for l in 0..L {
            lambda[l] = unit(
                base * (1.0 + p.crisis_stress_gain * (q.stress[l] - x.vantage.stress).max(0.0)),
            );
            // The regime crisis's outcome changes neither the threat nor the pressure.
            lambda_s[l] =
                unit(p.sovereignty_rate_per_month * patron.pressure * q.threat[l] * q.threat[l]);
        }
        for l in 0..L {
            let rescue_gap = w.initial.vantage.budget_share - w.budget_share[l];
            let (lambda, lambda_s) = (lambda[l], lambda_s[l]);
            // Crises are rare: the outcome (with its `exp`) is computed only in a lane that has one.
            if u_regime[l] < lambda {
                q.crisis[l] = true;
                let v = u_regime[l] / lambda;
                let f = turn_factor(p, west, rescue_gap, x);
                let share = unit(p.break_share * (1.0 - p.break_regime_cost * x.autocracy) * f);
                if v < share {
                    let to = q.alignment[l].min(p.break_alignment);
                    turn_away(p, q, l, to, v / share);
                } else {
                    comply(p, q, l);
                    if (v - share) / (1.0 - share) < p.crimea_on_consolidation {
                        q.recognises_crimea[l] = true;
                    }
                }
            }
            if u_sovereignty[l] < lambda_s {
                q.crisis[l] = true;
                let v = u_sovereignty[l] / lambda_s;
                let f = turn_factor(p, west, rescue_gap, x);
                let e = unit(p.sovereignty_exit_share * (1.0 - x.dependence) * f);
                if v < e {
                    let to = align(q.alignment[l] - p.consolidation_shift);
                    turn_away(p, q, l, to, v / e);
                } else {
                    comply(p, q, l);
                }
            }
        }
    }
    // 6. mediation::step, then conflict::step
    let mut success = [0.0; L];
    for l in 0..L {
        success[l] = unit(
            p.success_base
                + p.success_softening * (1.0 - w.stance[l])
                + p.success_ripeness * w.conflict_intensity[l] * w.pain[l]
                + p.success_brokers * west,
        );
    }
    let mut any_ceasefire = [false; L];
    for (i, (q, x)) in w.partners.iter_mut().zip(&w.initial.partners).enumerate() {
        // Constants on the stack, as in economy above.
        let x = &x.clone();
        let k = d.mediation(i);
        let (u_offer, u_patron, u_contested, u_success) =
            (&draws[k], &draws[k + 1], &draws[k + 2], &draws[k + 3]);
        let vantage_alignment = 1.0 - 2.0 * x.vantage.distance;
        // The logistic offer first, in a loop of floats alone (its `exp` vectorises there), then the rest.
        let mut offer_probability = [0.0; L];
        for l in 0..L {
            let utility = p.w_mediation_west * west * x.west_offer * q.openness[l]
                + p.w_shield * q.threat[l]
                + p.w_face * w.pain[l] * w.conflict_intensity[l]
                + p.w_status * q.venue[l]
                - p.mediation_cost;
            offer_probability[l] = 1.0 / (1.0 + exp(-p.rationality * utility));
        }
        // Floats, then the draws' verdicts, then floats again: a loop that stores a verdict (a byte) among its
        // floats is left scalar by the compiler, one that only reads it is not.
        let (mut patron_acceptance, mut contested_acceptance) = ([0.0; L], [0.0; L]);
        for l in 0..L {
            patron_acceptance[l] = unit(
                p.patron_base_acceptance
                    + p.patron_pain_acceptance * w.pain[l]
                    + p.patron_friend_acceptance * q.alignment[l].max(0.0)
                    - p.irritation_refusal * q.irritation[l]
                    - p.defiance_refusal * q.defiance[l],
            );
            contested_acceptance[l] =
                unit(q.openness[l] + p.standing_acceptance_gain * q.west_standing[l]);
        }
        for l in 0..L {
            let offered = u_offer[l] < offer_probability[l];
            let hosted = offered
                && u_patron[l] < patron_acceptance[l]
                && u_contested[l] < contested_acceptance[l];
            let ceasefire = hosted && u_success[l] < success[l];
            q.offered[l] = offered;
            q.hosted[l] = hosted;
            q.ceasefire[l] = ceasefire;
            any_ceasefire[l] |= ceasefire;
        }
        // The flags copied to the stack: a float loop that reads a partner's flags in place stays scalar, one
        // that reads a copy vectorises.
        let (hosted, ceasefire, recognises) = (q.hosted, q.ceasefire, q.recognises_crimea);
        for l in 0..L {
            let (hosted, ceasefire) = (hosted[l], ceasefire[l]);
            q.venue[l] = ((1.0 - p.venue_decay_per_month) * q.venue[l]
                + if hosted { p.venue_gain } else { 0.0 })
            .min(1.0);
            let crimea = if recognises[l] {
                p.crimea_recognition_penalty
            } else {
                0.0
            };
            let target_openness =
                unit(x.vantage.openness - (q.alignment[l].abs() - vantage_alignment.abs()))
                    * (1.0 - crimea);
            q.openness[l] += p.openness_adjust_per_month * (target_openness - q.openness[l]);
            q.west_standing[l] = unit(
                q.west_standing[l]
                    + p.standing_adjust_per_month * (x.vantage.west_standing - q.west_standing[l])
                    + if hosted { p.standing_host_gain } else { 0.0 }
                    + if ceasefire {
                        p.standing_success_gain
                    } else {
                        0.0
                    },
            );
        }
    }
    {
        let v = &w.initial.vantage;
        for l in 0..L {
            let target = unit(v.conflict_intensity + (w.stance[l] - v.stance));
            let mut k = unit(
                w.conflict_intensity[l]
                    + p.intensity_adjust_per_month * (target - w.conflict_intensity[l]),
            );
            k = if any_ceasefire[l] {
                k * (1.0 - p.ceasefire_intensity_cut)
            } else {
                k
            };
            w.conflict_intensity[l] = k;
            let target = align(-(p.contested_west_base + p.contested_west_per_intensity * k));
            w.contested_alignment[l] +=
                p.contested_adjust_per_month * (target - w.contested_alignment[l]);
        }
    }
    // 7. pressure::step
    for (i, (q, x)) in w.partners.iter_mut().zip(&w.initial.partners).enumerate() {
        pressure_lanes(
            p,
            patron,
            q,
            &x.clone(),
            &draws[d.pressure(i)],
            &w.budget_share,
            &w.conflict_intensity,
            w.initial.vantage.conflict_intensity,
        );
    }
    // 8. policy::step (weighted_distance over partners in order, then the stance and revision)
    let mut weighted = [0.0; L];
    {
        let mut sum = [0.0; L];
        let mut weight = 0.0;
        for (q, x) in w.partners.iter().zip(&w.initial.partners) {
            for l in 0..L {
                sum[l] += x.weight * distance(q.alignment[l]);
            }
            weight += x.weight;
        }
        for l in 0..L {
            weighted[l] = if weight > 0.0 { sum[l] / weight } else { 0.0 };
        }
    }
    let mut hosted_any = [false; L];
    for q in &w.partners {
        for l in 0..L {
            hosted_any[l] |= q.hosted[l];
        }
    }
    {
        let v = &w.initial.vantage;
        let (eps, u) = (&draws[d.policy()], &draws[d.policy() + 1]);
        for l in 0..L {
            w.siege[l] = ((1.0 - p.siege_decay_per_month) * w.siege[l]
                + if renewed[l] { 1.0 } else { 0.0 })
            .min(1.0);
            let face = if hosted_any[l] { p.face_softening } else { 0.0 };
            let target = unit(
                w.stance_rest[l]
                    + patron.domestic_hardening
                        * (p.war_hardening * (w.conflict_intensity[l] - v.conflict_intensity)
                            + p.siege_hardening * w.siege[l])
                    - p.pain_softening * (w.pain[l] - v.pain)
                    - p.distance_softening * (weighted[l] - v.distance)
                    - face,
            );
            w.stance[l] = unit(
                w.stance[l]
                    + p.stance_adjust_per_month * (target - w.stance[l])
                    + p.stance_noise_per_month * eps[l],
            );
        }
        // The revision's `exp` in a loop of floats alone, so that it vectorises.
        let mut revision = [0.0; L];
        for l in 0..L {
            revision[l] = unit(
                p.revision_rate_per_month * exp(p.revision_sensitivity * (v.stance - w.stance[l])),
            );
        }
        let mut revise = [false; L];
        for l in 0..L {
            revise[l] = !w.revised[l] && u[l] < revision[l];
            w.revised[l] |= revise[l];
        }
        for l in 0..L {
            let revise = revise[l];
            w.stance_rest[l] = if revise {
                unit(w.stance_rest[l] - p.revision_shift)
            } else {
                w.stance_rest[l]
            };
            w.stance[l] = if revise {
                unit(w.stance[l] - p.revision_shift)
            } else {
                w.stance[l]
            };
        }
    }
    // 9. union::step
    {
        for (q, x) in w.partners.iter_mut().zip(&w.initial.partners) {
            // Constants on the stack, as in economy above.
            let x = &x.clone();
            for l in 0..L {
                let leaves = q.union_member[l] && q.alignment[l] <= p.exit_alignment;
                q.union_member[l] &= !leaves;
                q.left_union[l] |= leaves;
            }
            let left = q.left_union;
            for l in 0..L {
                // Adding +0.0 leaves a sum that is never -0.0 unchanged: the scalar `if` as a select.
                w.exited_weight[l] += if left[l] { x.weight } else { 0.0 };
            }
        }
        // union::member_means, partner by partner in order.
        let (mut n, mut closeness, mut barrier) = ([0.0; L], [0.0; L], [0.0; L]);
        for (q, x) in w.partners.iter().zip(&w.initial.partners) {
            let members = q.union_member;
            for l in 0..L {
                let member = members[l];
                n[l] += if member { x.weight } else { 0.0 };
                closeness[l] += if member {
                    x.weight * (1.0 + q.alignment[l]) / 2.0
                } else {
                    0.0
                };
                barrier[l] += if member {
                    x.weight * q.trade_barrier[l]
                } else {
                    0.0
                };
            }
        }
        let v = &w.initial.vantage;
        let boost = if calendar.enlargement {
            p.enlargement_boost
        } else {
            0.0
        };
        for l in 0..L {
            let target = if n[l] > 0.0 {
                let (closeness, barrier) = (closeness[l] / n[l], barrier[l] / n[l]);
                unit(
                    p.initial_cohesion
                        + p.cohesion_capacity_weight * (w.usd_capacity[l] - v.usd_capacity)
                        + p.cohesion_alignment_weight * (closeness - v.member_closeness)
                        - p.cohesion_barrier_weight * (barrier - v.member_barrier),
                )
            } else {
                0.0
            };
            w.cohesion[l] = unit(
                w.cohesion[l] + p.cohesion_adjust_per_month * (target - w.cohesion[l]) + boost,
            );
        }
        for l in 0..L {
            // union::fractured
            let fractured = w.cohesion[l] < p.fracture_threshold
                || (w.exited_weight[l] > 0.0
                    && w.exited_weight[l] >= p.exit_weight_share * v.total_weight);
            w.union_fractured[l] |= fractured;
        }
    }
}

/// pressure::step for one partner over the lanes. A function of its own, so that the compiler knows `q` is all it
/// writes: inlined, its loops keep that knowledge and vectorise (written inline in the long step, they did not).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn pressure_lanes<const L: usize>(
    p: &super::Params,
    patron: &Constants,
    q: &mut PartnerLanes<L>,
    x: &Partner,
    u: &[f64; L],
    budget_share: &[f64; L],
    conflict_intensity: &[f64; L],
    vantage_conflict: f64,
) {
    let v = &x.vantage;
    let pressure = patron.pressure;
    let mut balancing = [false; L];
    for l in 0..L {
        balancing[l] = q.strategy[l] == 2;
    }
    let (mut p_sanctions, mut p_loan, mut unmet) = ([0.0; L], [0.0; L], [0.0; L]);
    for l in 0..L {
        let budget_share = budget_share[l];
        let drift = (q.alignment_before[l] - q.alignment[l] + q.noise_move[l]).max(0.0);
        let target_irritation = unit(
            v.irritation
                + p.irritation_independence_gain * (distance(q.alignment[l]) - v.distance)
                + p.irritation_defiance_gain * (q.defiance[l] - v.defiance),
        );
        q.irritation[l] = unit(
            q.irritation[l]
                + p.irritation_adjust_per_month * (target_irritation - q.irritation[l])
                + p.irritation_drift_gain * drift,
        );
        let p_sanction = if q.irritation[l] <= p.sanction_threshold {
            0.0
        } else {
            unit(
                p.sanction_rate_per_month * pressure * (q.irritation[l] - p.sanction_threshold)
                    / (1.0 - p.sanction_threshold)
                    * (1.0 - p.punish_preference * budget_share),
            )
        };
        let received = unit(budget_share + q.support[l]);
        unmet[l] = (q.loyalty_price[l] - received).max(0.0);
        p_loan[l] = if balancing[l] || unmet[l] <= 0.0 {
            0.0
        } else {
            unit(p.loan_rate_per_month * q.stress[l] * budget_share)
        }
        .min(1.0 - p_sanction);
        p_sanctions[l] = p_sanction;
    }
    // The draw's verdict in a loop of its own (see mediation above), then the floats that read it.
    for l in 0..L {
        let sanctioned = u[l] < p_sanctions[l];
        q.sanctioned[l] = sanctioned;
        q.loan[l] = !sanctioned && u[l] < p_sanctions[l] + p_loan[l];
    }
    // Flags read from a copy (see mediation).
    let (sanctioned, loans) = (q.sanctioned, q.loan);
    for l in 0..L {
        let (sanctioned, loan, unmet) = (sanctioned[l], loans[l], unmet[l]);
        let war = conflict_intensity[l] - vantage_conflict;
        let s = if sanctioned { 1.0 } else { 0.0 };
        let threat_target = v.threat
            + p.threat_irritation_gain * pressure * (q.irritation[l] - v.irritation)
            + p.threat_war_gain * war;
        q.threat[l] = unit(
            q.threat[l]
                + p.threat_adjust_per_month * (threat_target - q.threat[l])
                + p.threat_from_sanction * s,
        );
        q.trade_barrier[l] = unit(
            q.trade_barrier[l]
                + p.barrier_adjust_per_month * (v.trade_barrier - q.trade_barrier[l])
                + p.barrier_from_sanction * s,
        );
        let target_defiance = unit(
            v.defiance + p.defiance_shortfall_gain * x.auction_propensity * (unmet - v.shortfall),
        );
        q.defiance[l] = unit(
            q.defiance[l]
                + p.defiance_adjust_per_month * (target_defiance - q.defiance[l])
                + p.defiance_from_sanction * x.auction_propensity * s,
        );
        let support = q.support[l] * (1.0 - p.support_decay_per_month);
        // The scalar code's `if loan { ... }` as selects.
        q.defiance[l] = if loan {
            q.defiance[l] * (1.0 - p.loan_conditionality)
        } else {
            q.defiance[l]
        };
        q.support[l] = if loan {
            (support + p.loan_support).min(1.0)
        } else {
            support
        };
        q.stress[l] = if loan {
            unit(q.stress[l] - p.loan_relief)
        } else {
            q.stress[l]
        };
    }
}

/// partner_choice::utilities for lane `l`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn utilities<const L: usize>(
    p: &super::Params,
    budget_share: f64,
    west: f64,
    cohesion: f64,
    others_shift: f64,
    x: &Partner,
    q: &PartnerLanes<L>,
    l: usize,
) -> [f64; 3] {
    let got = unit(budget_share + q.support[l]);
    let subsidy = x.dependence * got * (1.0 - q.trade_barrier[l]);
    let offer = west * x.west_offer * (1.0 + q.west_standing[l]) / 2.0;
    let union = if q.union_member[l] { cohesion } else { 0.0 };
    let (dep, t) = (x.dependence, q.threat[l]);
    [
        p.w_subsidy * subsidy - p.w_shortfall * (q.loyalty_price[l] - got).max(0.0)
            + p.w_coercion * t * dep
            + p.w_union * union,
        p.w_threat * t
            + p.w_west * p.hedge_offer_share * offer
            + p.w_pole * x.third_pole * (1.0 - budget_share)
            + p.w_coordination * others_shift
            + x.hedge_intercept,
        p.w_west * offer
            - p.w_retaliation * dep * (1.0 + q.irritation[l])
            - p.w_regime * x.autocracy
            - p.w_union * union
            + p.w_sovereignty * t * (1.0 - dep)
            - p.w_holdout * q.stress[l]
            + p.w_coordination * others_shift,
    ]
}

/// crisis::turn_factor.
#[inline(always)]
fn turn_factor(p: &super::Params, west: f64, rescue_gap: f64, x: &Partner) -> f64 {
    exp(p.break_offer_gain * (west * x.west_offer - 0.25) + p.break_rescue_gain * rescue_gap)
}

/// crisis::turn_away for lane `l`.
#[inline(always)]
fn turn_away<const L: usize>(
    p: &super::Params,
    q: &mut PartnerLanes<L>,
    l: usize,
    alignment: f64,
    exit_draw: f64,
) {
    q.alignment[l] = alignment;
    q.strategy[l] = 2;
    if exit_draw < p.exit_on_break && q.union_member[l] {
        q.union_member[l] = false;
        q.left_union[l] = true;
    }
}

/// crisis::comply for lane `l`.
#[inline(always)]
fn comply<const L: usize>(p: &super::Params, q: &mut PartnerLanes<L>, l: usize) {
    q.alignment[l] = align(q.alignment[l] + p.consolidation_shift);
    q.strategy[l] = 0;
}

impl<const L: usize> Lanes<L> {
    /// [`World::apply_overrides`] in every lane.
    pub fn apply_overrides(&mut self, overrides: &[super::StateOverride]) {
        use super::StateOverride as O;
        for o in overrides {
            match *o {
                O::Alignment(i, v) => {
                    self.partners[i].alignment = [v; L];
                    self.partners[i].alignment_before = [v; L];
                }
                O::Irritation(i, v) => self.partners[i].irritation = [v; L],
                O::TradeBarrier(i, v) => self.partners[i].trade_barrier = [v; L],
                O::Defiance(i, v) => self.partners[i].defiance = [v; L],
                O::WestStanding(i, v) => self.partners[i].west_standing = [v; L],
                O::EconomicStress(i, v) => self.partners[i].stress = [v; L],
                O::Stance(v) => self.stance = [v; L],
                O::ContestedAlignment(v) => self.contested_alignment = [v; L],
                O::ConflictIntensity(v) => self.conflict_intensity = [v; L],
                O::Cohesion(v) => self.cohesion = [v; L],
            }
        }
    }

    /// [`super::observe::observe`] of every lane at once, the same values in the same order, metric by metric:
    /// `out[k][l]` is metric `k` of lane `l`, so the statistics can read one metric of the whole block as one array
    /// (`stats::ChunkAccumulator::observe_lanes`).
    #[inline]
    pub fn observe_all(&self, cfg: &ModelConfig, out: &mut [[f64; L]]) {
        use super::Role;
        let mut k = 0;
        let mut put = |v: &[f64; L]| {
            out[k] = *v;
            k += 1;
        };
        let mut partner = 0;
        for a in &cfg.actors {
            match a.role {
                Role::Patron => put(&[self.initial.patron_alignment; L]),
                Role::Contested => put(&self.contested_alignment),
                Role::Partner => {
                    partner += 1;
                    put(&self.partners[partner - 1].alignment);
                }
            }
        }
        put(&self.oil_usd_per_bbl);
        put(&self.rub_per_usd);
        put(&[self.west_engagement; L]);
        put(&self.cohesion);
        put(&std::array::from_fn(|l| {
            super::patron_capacity::budget_bn_usd_per_year(&cfg.params, self.budget_share[l])
        }));
        put(&self.capacity_index);
        put(&self.stance);
        put(&self.conflict_intensity);
        for q in &self.partners {
            put(&q.threat);
            put(&q.irritation);
            put(&q.west_standing);
            put(&q.loyalty_price);
            put(&q.trade_barrier);
            put(&q.stress);
            put(&q.defiance);
        }
        debug_assert_eq!(k, out.len(), "observe_all writes every metric");
    }

    /// [`super::observe::events`] of every lane at once.
    #[inline]
    pub fn events_all(&self, cfg: &ModelConfig, out: &mut [u64; L]) {
        const PER_PARTNER: usize = super::Event::PER_PARTNER.len();
        let p = &cfg.params;
        let mut any_west = [false; L];
        let mut any_ceasefire = [false; L];
        *out = [0; L];
        for (i, q) in self.partners.iter().enumerate() {
            for l in 0..L {
                let west = World::west_leaning(p, q.alignment[l]);
                any_west[l] |= west;
                any_ceasefire[l] |= q.ceasefire[l];
                let bits = u64::from(west)
                    | u64::from(q.hosted[l]) << 1
                    | u64::from(q.sanctioned[l]) << 2
                    | u64::from(q.left_union[l]) << 3
                    | u64::from(q.crisis[l]) << 4
                    | u64::from(q.loan[l]) << 5;
                out[l] |= bits << (PER_PARTNER * i);
            }
        }
        let k = PER_PARTNER * self.partners.len();
        for l in 0..L {
            let global = u64::from(any_west[l])
                | u64::from(any_ceasefire[l]) << 1
                | u64::from(self.revised[l]) << 2
                | u64::from(self.union_fractured[l]) << 3;
            out[l] |= global << k;
        }
    }
}
