//! The alignment model: state, submodels and the monthly schedule (docs/MODEL.md, ODD sections 2, 3 and 7).
//!
//! The model never does I/O, never reads a clock or the environment, and never creates a random generator: every
//! draw comes from the generator the runner hands to [`World::step`]. The number and order of draws per month is
//! fixed (they are drawn whether or not they are used), so two runs with the same stream see the same numbers
//! whatever their parameters: common random numbers across the design points of a sweep and the arms of a
//! paired experiment (same scenario name and seed). Adding or removing a partner shifts later partners' draws.

pub mod conflict;
pub mod crisis;
pub mod drivers;
pub mod economy;
pub mod lanes;
pub mod loyalty_auction;
pub mod mediation;
pub mod observe;
pub mod params;
pub mod partner_choice;
pub mod patron_capacity;
pub mod policy;
pub mod pressure;
pub mod union;

use rand::Rng;

pub use params::{ACTOR_ATTRS, PARAM_SPECS, Params};

/// An actor's role, declared in the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Patron,
    Partner,
    Contested,
}

impl Role {
    pub const NAMES: [&'static str; 3] = ["patron", "partner", "contested"];
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "patron" => Some(Role::Patron),
            "partner" => Some(Role::Partner),
            "contested" => Some(Role::Contested),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Patron => "patron",
            Role::Partner => "partner",
            Role::Contested => "contested",
        }
    }
}

/// One actor as resolved from the scenario: attribute values in [`ACTOR_ATTRS`] order.
#[derive(Clone, Debug, PartialEq)]
pub struct ActorDef {
    pub name: String,
    pub role: Role,
    pub attrs: Vec<f64>,
}

impl ActorDef {
    pub fn attr(&self, key: &str) -> f64 {
        self.attrs[params::attr_index(key)]
    }
}

/// Scheduled political events of one month (the scenario's `[[calendar]]`), known on the vantage date.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CalendarMonth {
    /// The West decides whether to renew its sanctions on the patron this month.
    pub sanctions_renewal: bool,
    /// A new member joins the union this month.
    pub enlargement: bool,
    /// Bit i: partner i (in partner order) holds a national election this month.
    pub elections: u64,
}

/// Everything a run needs, resolved and validated by the scenario loader. Month 0 is the start month (the state
/// the scenario describes); steps 1..=horizon are simulated.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelConfig {
    pub params: Params,
    /// In the scenario's order (sorted by name); exactly one patron, one contested state, one or more partners.
    pub actors: Vec<ActorDef>,
    /// ln of the multiplicative oil shock per month index (0 = no shock); length horizon + 1.
    pub oil_shock_log: Vec<f64>,
    /// Replayed oil price per month index where the data cover it.
    pub oil_replay_usd_per_bbl: Vec<Option<f64>>,
    /// Replayed rouble rate per month index where the data cover it.
    pub rub_replay_per_usd: Vec<Option<f64>>,
    /// Western engagement per month index, the scheduled changes applied.
    pub west_engagement: Vec<f64>,
    /// Scheduled political events per month index; length horizon + 1.
    pub calendar: Vec<CalendarMonth>,
    /// Where the forecast starts: month 0 unless a rolling origin moves it (ODD 3, "Rolling origins").
    pub origin: ForecastOrigin,
}

/// A forecast re-issued at a later month of the scenario (`realign run --origin`). Months before the origin are
/// simulated with the drivers the data replay, and not reported; the forecast's month 0 is the origin.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ForecastOrigin {
    /// Month index of the origin; 0 is the scenario's start (an ordinary forecast).
    pub month: usize,
    /// The state every run starts from at the origin (a named run's, already carrying `overrides`), or `None`:
    /// each run reaches the origin along its own path.
    pub state: Option<Box<World>>,
    /// State values observed at the origin (an initial-state file), set in each run's state there.
    pub overrides: Vec<StateOverride>,
}

/// One state variable set at a forecast origin. Rest points stay the vantage's (ODD 5): what is set is where the
/// world is, not where it tends to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StateOverride {
    /// A partner's alignment (partner index in partner order).
    Alignment(usize, f64),
    /// The patron's irritation with a partner.
    Irritation(usize, f64),
    /// The patron's trade barriers against a partner.
    TradeBarrier(usize, f64),
    /// A partner's counter-measures against the patron.
    Defiance(usize, f64),
    /// A partner's standing in the West.
    WestStanding(usize, f64),
    /// A partner's economic stress.
    EconomicStress(usize, f64),
    /// The patron's stance.
    Stance(f64),
    /// The contested state's alignment.
    ContestedAlignment(f64),
    /// The intensity of the conflict.
    ConflictIntensity(f64),
    /// The union's cohesion.
    Cohesion(f64),
}

impl World {
    /// Sets observed state values (a rolling origin's initial-state file).
    pub fn apply_overrides(&mut self, overrides: &[StateOverride]) {
        for o in overrides {
            match *o {
                StateOverride::Alignment(i, v) => {
                    self.partners[i].alignment = v;
                    self.partners[i].alignment_before = v;
                }
                StateOverride::Irritation(i, v) => self.partners[i].irritation = v,
                StateOverride::TradeBarrier(i, v) => self.partners[i].trade_barrier = v,
                StateOverride::Defiance(i, v) => self.partners[i].defiance = v,
                StateOverride::WestStanding(i, v) => self.partners[i].west_standing = v,
                StateOverride::EconomicStress(i, v) => self.partners[i].stress = v,
                StateOverride::Stance(v) => self.stance = v,
                StateOverride::ContestedAlignment(v) => self.contested_alignment = v,
                StateOverride::ConflictIntensity(v) => self.conflict_intensity = v,
                StateOverride::Cohesion(v) => self.cohesion = v,
            }
        }
    }
}

impl ModelConfig {
    pub fn horizon_months(&self) -> usize {
        self.params.horizon_months as usize
    }
    /// Months the forecast reports after its month 0 (the origin): the horizon less the months before the origin.
    pub fn forecast_months(&self) -> usize {
        self.horizon_months() - self.origin.month
    }
    pub fn partner_indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.actors
            .iter()
            .enumerate()
            .filter(|(_, a)| a.role == Role::Partner)
            .map(|(i, _)| i)
    }
    fn actor_with_role(&self, role: Role) -> &ActorDef {
        self.actors
            .iter()
            .find(|a| a.role == role)
            .expect("validated: one actor per role")
    }
    pub fn partner_count(&self) -> usize {
        self.partner_indices().count()
    }
    /// Random draws per run: fixed, whatever the parameters (see the module docs).
    pub fn draws_per_run(&self) -> usize {
        self.horizon_months()
            * (DRAWS_PER_MONTH_FIXED + DRAWS_PER_PARTNER_MONTH * self.partner_count())
    }
}

/// Draws per month not tied to a partner: oil shock, rouble shock, sanctions renewal, stance noise, revision.
pub const DRAWS_PER_MONTH_FIXED: usize = 5;
/// Draws per partner per month: review and choice, position noise, regime crisis, sovereignty crisis, offer to
/// host, patron accepts, contested accepts, success, sanction or loan.
pub const DRAWS_PER_PARTNER_MONTH: usize = 9;

/// A partner's foreign-policy line (ODD 7.4). Mediation is a decision of its own (7.6), taken beside the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    Bandwagon,
    Hedge,
    Balance,
}

impl Choice {
    pub const ALL: [Choice; 3] = [Choice::Bandwagon, Choice::Hedge, Choice::Balance];
}

/// A partner's values on the vantage date. Targets are the vantage value plus the effect of what has changed
/// since, so the vantage state is the model's rest point (ODD 5).
#[derive(Clone, Debug, PartialEq)]
pub struct Vantage {
    pub distance: f64,
    pub irritation: f64,
    pub threat: f64,
    pub trade_barrier: f64,
    pub defiance: f64,
    pub stress: f64,
    pub west_standing: f64,
    pub openness: f64,
    pub offer: f64,
    /// Unmet loyalty price.
    pub shortfall: f64,
}

/// A partner's state variables.
#[derive(Clone, Debug, PartialEq)]
pub struct Partner {
    pub alignment: f64,
    /// Position before this month's choice (irritation reads the month's drift; others read it for coordination).
    pub alignment_before: f64,
    /// This month's position noise: statements and visits, which irritation does not read as drift.
    pub noise_move: f64,
    pub dependence: f64,
    pub threat: f64,
    pub west_standing: f64,
    pub loyalty_price: f64,
    /// The price asked on the vantage date.
    pub base_price: f64,
    pub auction_propensity: f64,
    /// The patron's trade barriers against the partner.
    pub trade_barrier: f64,
    /// The patron's irritation with this partner.
    pub irritation: f64,
    /// The contested state's openness to this partner as a venue.
    pub openness: f64,
    pub recognises_crimea: bool,
    pub union_member: bool,
    pub weight: f64,
    pub autocracy: f64,
    pub west_offer: f64,
    pub third_pole: f64,
    /// The partner's own economic stress, 0..1.
    pub stress: f64,
    /// The partner's own counter-measures against the patron, 0..1.
    pub defiance: f64,
    /// Record as a venue for talks, 0..1.
    pub venue: f64,
    /// Stabilisation support from the patron (share of full financing), 0..1.
    pub support: f64,
    /// The current foreign-policy line.
    pub strategy: Choice,
    /// Position of the partner's multi-vector line: its vantage alignment.
    pub hedge_position: f64,
    /// Utility added to hedging so that the vantage line leads by `partner_choice.hedge_margin` (solved at start).
    pub hedge_intercept: f64,
    pub vantage: Vantage,
    // What happened this month (reset at the start of each step).
    pub offered: bool,
    pub hosted: bool,
    pub ceasefire: bool,
    pub sanctioned: bool,
    pub loan: bool,
    pub crisis: bool,
    pub left_union: bool,
}

/// World-level values on the vantage date (see [`Vantage`]).
#[derive(Clone, Debug, PartialEq)]
pub struct WorldVantage {
    pub pain: f64,
    pub budget_share: f64,
    pub usd_capacity: f64,
    pub conflict_intensity: f64,
    /// Partners' weighted mean distance from the patron.
    pub distance: f64,
    /// Members' weighted mean closeness and barrier.
    pub member_closeness: f64,
    pub member_barrier: f64,
    pub stance: f64,
    /// Total weight of the partners.
    pub total_weight: f64,
}

/// The whole world in one month.
#[derive(Clone, Debug, PartialEq)]
pub struct World {
    pub month: usize,
    pub oil_usd_per_bbl: f64,
    /// ln of the oil price (the state of the oil process).
    pub log_oil: f64,
    /// Log deviation of the rouble from its oil-implied level.
    pub rub_deviation_log: f64,
    pub rub_per_usd: f64,
    pub west_engagement: f64,
    /// The patron's real fiscal index in roubles, 1 = mid-2014 (oil enters here, once).
    pub capacity_index: f64,
    /// The patron's real budget valued in USD, 1 = mid-2014: what it can pay partners.
    pub usd_capacity: f64,
    /// Share of full integration financing the patron pays, 0..1.
    pub budget_share: f64,
    /// Patron's economic pain, 0..1.
    pub pain: f64,
    pub patron_alignment: f64,
    pub stance: f64,
    /// The stance the patron returns to without pressure: the vantage stance, lowered by a revision.
    pub stance_rest: f64,
    /// Set when the patron revises its policy; stays set.
    pub revised: bool,
    /// Rally effect of Western sanctions renewed, 0..1, fading.
    pub siege: f64,
    pub conflict_intensity: f64,
    pub contested_alignment: f64,
    pub cohesion: f64,
    pub partners: Vec<Partner>,
    /// Set when cohesion first falls below the threshold or enough members have left; stays set.
    pub union_fractured: bool,
    /// Weight of the partners that have left the union.
    pub exited_weight: f64,
    pub vantage: WorldVantage,
}

/// Per-partner events, in [`Event`] order for each partner, then the global events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The partner enters the West-leaning band.
    LeavesOrbit,
    /// The partner hosts a mediation round (both sides accepted).
    HostsMediation,
    /// The patron sanctions the partner.
    Sanctioned,
    /// The partner leaves the Eurasian Economic Union.
    LeavesUnion,
    /// A leadership or regime crisis in the partner.
    RegimeCrisis,
    /// The patron grants the partner a stabilisation loan or discount.
    StabilisationLoan,
}

impl Event {
    pub const PER_PARTNER: [Event; 6] = [
        Event::LeavesOrbit,
        Event::HostsMediation,
        Event::Sanctioned,
        Event::LeavesUnion,
        Event::RegimeCrisis,
        Event::StabilisationLoan,
    ];
    pub fn id(self) -> &'static str {
        match self {
            Event::LeavesOrbit => "leaves_orbit",
            Event::HostsMediation => "hosts_mediation",
            Event::Sanctioned => "sanctioned",
            Event::LeavesUnion => "leaves_union",
            Event::RegimeCrisis => "crisis",
            Event::StabilisationLoan => "stabilisation_loan",
        }
    }
}

/// Events about the whole system.
pub const GLOBAL_EVENTS: [(&str, &str); 4] = [
    (
        "any_partner_leaves_orbit",
        "a partner enters the West-leaning band",
    ),
    ("ceasefire", "a mediation round succeeds (ceasefire)"),
    ("policy_revision", "the patron revises its policy"),
    (
        "union_fracture",
        "the union fractures (cohesion collapses, or weighty members leave)",
    ),
];

/// Distance of a position from the patron, 0..1.
#[inline]
pub fn distance(alignment: f64) -> f64 {
    (1.0 - alignment) / 2.0
}

impl World {
    /// The state in month 0, as the scenario describes it.
    pub fn initial(cfg: &ModelConfig) -> World {
        let p = &cfg.params;
        let patron = cfg.actor_with_role(Role::Patron);
        let contested = cfg.actor_with_role(Role::Contested);
        let west = cfg.west_engagement[0];
        let mut partners: Vec<Partner> = cfg
            .partner_indices()
            .map(|i| {
                let a = &cfg.actors[i];
                let alignment = a.attr("alignment");
                let standing = a.attr("west_standing");
                let offer = a.attr("west_offer");
                Partner {
                    alignment,
                    alignment_before: alignment,
                    noise_move: 0.0,
                    dependence: a.attr("dependence"),
                    threat: a.attr("threat"),
                    west_standing: standing,
                    loyalty_price: a.attr("loyalty_price"),
                    base_price: a.attr("loyalty_price"),
                    auction_propensity: a.attr("auction_propensity"),
                    trade_barrier: a.attr("trade_barrier"),
                    irritation: a.attr("irritation"),
                    openness: a.attr("openness"),
                    recognises_crimea: a.attr("recognises_crimea") != 0.0,
                    union_member: a.attr("union_member") != 0.0,
                    weight: a.attr("weight"),
                    autocracy: a.attr("autocracy"),
                    west_offer: offer,
                    third_pole: a.attr("third_pole"),
                    stress: a.attr("economic_stress"),
                    defiance: a.attr("defiance"),
                    venue: a.attr("venue_record"),
                    support: 0.0,
                    strategy: Choice::Hedge,
                    hedge_position: alignment,
                    hedge_intercept: 0.0,
                    vantage: Vantage {
                        distance: distance(alignment),
                        irritation: a.attr("irritation"),
                        threat: a.attr("threat"),
                        trade_barrier: a.attr("trade_barrier"),
                        defiance: a.attr("defiance"),
                        stress: a.attr("economic_stress"),
                        west_standing: standing,
                        openness: a.attr("openness"),
                        offer: loyalty_auction::western_offer(west, offer, standing),
                        shortfall: 0.0,
                    },
                    offered: false,
                    hosted: false,
                    ceasefire: false,
                    sanctioned: false,
                    loan: false,
                    crisis: false,
                    left_union: false,
                }
            })
            .collect();
        let fiscal = patron_capacity::Fiscal::new(p, p.oil_start_usd_per_bbl, p.rub_start_per_usd);
        let budget_share = patron_capacity::affordable_share(p, fiscal.usd_capacity);
        let total_weight: f64 = partners.iter().map(|x| x.weight).sum();
        for x in &mut partners {
            x.vantage.shortfall = loyalty_auction::shortfall(x.loyalty_price, budget_share);
        }
        let (_, member_closeness, member_barrier) = union::member_means(&partners);
        let vantage = WorldVantage {
            pain: fiscal.pain,
            budget_share,
            usd_capacity: fiscal.usd_capacity,
            conflict_intensity: contested.attr("conflict_intensity"),
            distance: policy::weighted_distance(&partners),
            member_closeness,
            member_barrier,
            stance: patron.attr("stance"),
            total_weight,
        };
        // The vantage line leads its best alternative by the margin (ODD 5): solved once, on the vantage state.
        let others = partner_choice::others_distance_shift(&partners, total_weight);
        for (x, shift) in partners.iter_mut().zip(others) {
            let u = partner_choice::utilities(p, budget_share, west, p.initial_cohesion, shift, x);
            let best_other = u[0].max(u[2]);
            x.hedge_intercept = best_other + p.hedge_margin - u[1];
        }
        let mut w = World {
            month: 0,
            oil_usd_per_bbl: p.oil_start_usd_per_bbl,
            log_oil: crate::arith::ln(p.oil_start_usd_per_bbl),
            rub_deviation_log: 0.0,
            rub_per_usd: p.rub_start_per_usd,
            west_engagement: west,
            capacity_index: fiscal.index,
            usd_capacity: fiscal.usd_capacity,
            budget_share,
            pain: fiscal.pain,
            patron_alignment: patron.attr("alignment"),
            stance: patron.attr("stance"),
            stance_rest: patron.attr("stance"),
            revised: false,
            siege: 0.0,
            conflict_intensity: contested.attr("conflict_intensity"),
            contested_alignment: contested.attr("alignment"),
            cohesion: p.initial_cohesion,
            partners,
            union_fractured: false,
            exited_weight: 0.0,
            vantage,
        };
        w.union_fractured = union::fractured(p, &w);
        w
    }

    /// One month, in the order of ODD section 3. `patron` carries the patron's fixed attributes.
    pub fn step<R: Rng + ?Sized>(&mut self, cfg: &ModelConfig, patron: &Constants, rng: &mut R) {
        let p = &cfg.params;
        self.month += 1;
        for x in &mut self.partners {
            x.alignment_before = x.alignment;
            x.offered = false;
            x.hosted = false;
            x.ceasefire = false;
            x.sanctioned = false;
            x.loan = false;
            x.crisis = false;
            x.left_union = false;
        }
        let calendar = cfg.calendar[self.month];
        // 1. Drivers and the West's scheduled decisions.
        drivers::step(&patron.drivers, cfg, self, rng);
        let renewed = policy::renewal(calendar, self.west_engagement, rng);
        // 2. The patron's budget.
        patron_capacity::step(p, self);
        // 3. Partners' economies and asking prices.
        let rub_log_change = crate::arith::ln(self.rub_per_usd / p.rub_start_per_usd);
        for x in &mut self.partners {
            economy::step(p, rub_log_change, x);
            loyalty_auction::step(p, self.west_engagement, x);
        }
        // 4. Lines: reviewed simultaneously, each partner reading the others' positions of last month.
        // (No allocation: the sum over partners is taken once, each partner's own share taken out of it.)
        let shift_sum = partner_choice::weighted_shift_sum(&self.partners);
        let (budget_share, west, cohesion, total_weight) = (
            self.budget_share,
            self.west_engagement,
            self.cohesion,
            self.vantage.total_weight,
        );
        for x in &mut self.partners {
            let shift = partner_choice::others_shift(shift_sum, total_weight, x);
            partner_choice::step(p, budget_share, west, cohesion, shift, x, rng);
        }
        // 5. Crises: regime (elections, stress) and sovereignty (threat), each a jump.
        let rescue_gap = self.vantage.budget_share - self.budget_share;
        for (i, x) in self.partners.iter_mut().enumerate() {
            let election = calendar.elections >> i & 1 == 1;
            crisis::step(
                p,
                self.west_engagement,
                rescue_gap,
                patron.pressure,
                election,
                x,
                rng,
            );
        }
        // 6. Mediation: offers, acceptance, success; then the fighting.
        let any_ceasefire = mediation::step(p, self, rng);
        conflict::step(p, self, any_ceasefire);
        // 7. The patron answers: irritation, then pay or punish; threat and barriers follow.
        pressure::step(p, patron, self, rng);
        // 8. The patron's stance, and revision.
        policy::step(p, patron, self, renewed, rng);
        // 9. Union cohesion and exits.
        union::step(p, self, calendar.enlargement);
    }

    /// Whether a partner is in the West-leaning band.
    pub fn west_leaning(p: &Params, alignment: f64) -> bool {
        alignment <= p.band_west_max
    }
}

/// Quantities fixed for a whole ensemble, derived once from the configuration so the monthly step does not
/// recompute logarithms and powers of parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Constants {
    pub domestic_hardening: f64,
    pub pressure: f64,
    pub drivers: drivers::Consts,
}

impl Constants {
    pub fn from_config(cfg: &ModelConfig) -> Constants {
        let patron = cfg.actor_with_role(Role::Patron);
        Constants {
            domestic_hardening: patron.attr("domestic_hardening"),
            pressure: patron.attr("pressure"),
            drivers: drivers::Consts::new(&cfg.params),
        }
    }
}

/// Clamp to the unit interval.
#[inline]
pub(crate) fn unit(x: f64) -> f64 {
    x.clamp(0.0, 1.0)
}

/// Clamp to the alignment scale.
#[inline]
pub(crate) fn align(x: f64) -> f64 {
    x.clamp(-1.0, 1.0)
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// A world with one Belarus-like partner, for submodel tests.
    pub fn world() -> World {
        World {
            month: 0,
            oil_usd_per_bbl: 62.34,
            log_oil: 62.34f64.ln(),
            rub_deviation_log: 0.0,
            rub_per_usd: 56.26,
            west_engagement: 0.5,
            capacity_index: 0.93,
            usd_capacity: 0.62,
            budget_share: 0.7,
            pain: 0.2,
            patron_alignment: 1.0,
            stance: 0.9,
            stance_rest: 0.9,
            revised: false,
            siege: 0.0,
            conflict_intensity: 0.8,
            contested_alignment: -0.6,
            cohesion: 0.6,
            partners: vec![partner()],
            union_fractured: false,
            exited_weight: 0.0,
            vantage: WorldVantage {
                pain: 0.2,
                budget_share: 0.7,
                usd_capacity: 0.62,
                conflict_intensity: 0.8,
                distance: 0.25,
                member_closeness: 0.75,
                member_barrier: 0.3,
                stance: 0.9,
                total_weight: 1.0,
            },
        }
    }

    /// A Belarus-like partner for hand-computed submodel tests.
    pub fn partner() -> Partner {
        Partner {
            alignment: 0.5,
            alignment_before: 0.5,
            noise_move: 0.0,
            dependence: 0.5,
            threat: 0.5,
            west_standing: 0.2,
            loyalty_price: 0.8,
            base_price: 0.8,
            auction_propensity: 1.0,
            trade_barrier: 0.3,
            irritation: 0.9,
            openness: 0.7,
            recognises_crimea: false,
            union_member: true,
            weight: 1.0,
            autocracy: 0.9,
            west_offer: 0.3,
            third_pole: 0.0,
            stress: 0.5,
            defiance: 0.4,
            venue: 1.0,
            support: 0.0,
            strategy: Choice::Hedge,
            hedge_position: 0.5,
            hedge_intercept: 0.0,
            vantage: Vantage {
                distance: 0.25,
                irritation: 0.9,
                threat: 0.5,
                trade_barrier: 0.3,
                defiance: 0.4,
                stress: 0.5,
                west_standing: 0.2,
                openness: 0.7,
                offer: 0.09,
                shortfall: 0.1,
            },
            offered: false,
            hosted: false,
            ceasefire: false,
            sanctioned: false,
            loan: false,
            crisis: false,
            left_union: false,
        }
    }
}
