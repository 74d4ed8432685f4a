//! The alignment model: state, submodels and the monthly schedule (docs/MODEL.md, ODD sections 2, 3 and 7).
//!
//! The model never does I/O, never reads a clock or the environment, and never creates a random generator: every
//! draw comes from the generator the runner hands to [`World::step`]. The number and order of draws per month is
//! fixed (they are drawn whether or not they are used), so two runs with the same stream see the same numbers
//! whatever their parameters: common random numbers across the design points of a sweep and the arms of a
//! paired experiment (same scenario name and seed). Adding or removing a partner shifts later partners' draws.

pub mod conflict;
pub mod drivers;
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
}

impl ModelConfig {
    pub fn horizon_months(&self) -> usize {
        self.params.horizon_months as usize
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

/// Draws per month not tied to a partner: oil shock, rouble shock, stance noise.
pub const DRAWS_PER_MONTH_FIXED: usize = 3;
/// Draws per partner per month: choice, position noise, patron accepts, contested accepts, success, sanction.
pub const DRAWS_PER_PARTNER_MONTH: usize = 6;

/// The option a partner picks in a month (ODD 7.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    Bandwagon,
    Hedge,
    Mediate,
    Balance,
}

impl Choice {
    pub const ALL: [Choice; 4] = [
        Choice::Bandwagon,
        Choice::Hedge,
        Choice::Mediate,
        Choice::Balance,
    ];
}

/// A partner's state variables.
#[derive(Clone, Debug, PartialEq)]
pub struct Partner {
    pub alignment: f64,
    /// Position before this month's choice (irritation reads the month's drift).
    pub alignment_before: f64,
    pub dependence: f64,
    pub threat: f64,
    pub west_standing: f64,
    pub loyalty_price: f64,
    /// The price asked before any Western leverage (the starting price).
    pub base_price: f64,
    pub auction_propensity: f64,
    pub trade_barrier: f64,
    /// The patron's irritation with this partner.
    pub irritation: f64,
    /// The contested state's openness to this partner as mediator.
    pub openness: f64,
    pub recognises_crimea: bool,
    pub union_member: bool,
    // What happened this month (reset at the start of each step).
    /// The option picked this month; `None` before the first month (no inertia bonus in month 1).
    pub choice: Option<Choice>,
    pub hosted: bool,
    pub ceasefire: bool,
    pub sanctioned: bool,
    pub left_union: bool,
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
    /// Patron's fiscal capacity, 1 = pre-crisis (mid-2014).
    pub capacity_index: f64,
    /// Share of full integration financing the patron pays, 0..1.
    pub budget_share: f64,
    /// Patron's economic pain, 0..1.
    pub pain: f64,
    pub patron_alignment: f64,
    pub stance: f64,
    pub conflict_intensity: f64,
    pub contested_alignment: f64,
    pub cohesion: f64,
    pub partners: Vec<Partner>,
    /// Set when cohesion first falls below the threshold or a member leaves; stays set.
    pub union_fractured: bool,
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
}

impl Event {
    pub const PER_PARTNER: [Event; 4] = [
        Event::LeavesOrbit,
        Event::HostsMediation,
        Event::Sanctioned,
        Event::LeavesUnion,
    ];
    pub fn id(self) -> &'static str {
        match self {
            Event::LeavesOrbit => "leaves_orbit",
            Event::HostsMediation => "hosts_mediation",
            Event::Sanctioned => "sanctioned",
            Event::LeavesUnion => "leaves_union",
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
    (
        "policy_revision",
        "the patron's stance falls to the revision threshold",
    ),
    (
        "union_fracture",
        "union cohesion falls below the threshold, or a member leaves",
    ),
];

impl World {
    /// The state in month 0, as the scenario describes it.
    pub fn initial(cfg: &ModelConfig) -> World {
        let p = &cfg.params;
        let patron = cfg.actor_with_role(Role::Patron);
        let contested = cfg.actor_with_role(Role::Contested);
        let partners: Vec<Partner> = cfg
            .partner_indices()
            .map(|i| {
                let a = &cfg.actors[i];
                Partner {
                    alignment: a.attr("alignment"),
                    alignment_before: a.attr("alignment"),
                    dependence: a.attr("dependence"),
                    threat: a.attr("threat"),
                    west_standing: a.attr("west_standing"),
                    loyalty_price: a.attr("loyalty_price"),
                    base_price: a.attr("loyalty_price"),
                    auction_propensity: a.attr("auction_propensity"),
                    trade_barrier: a.attr("trade_barrier"),
                    irritation: a.attr("irritation"),
                    openness: a.attr("openness"),
                    recognises_crimea: a.attr("recognises_crimea") != 0.0,
                    union_member: a.attr("union_member") != 0.0,
                    choice: None,
                    hosted: false,
                    ceasefire: false,
                    sanctioned: false,
                    left_union: false,
                }
            })
            .collect();
        let capacity =
            patron_capacity::capacity_index(p, p.oil_start_usd_per_bbl, p.rub_start_per_usd);
        let mut w = World {
            month: 0,
            oil_usd_per_bbl: p.oil_start_usd_per_bbl,
            log_oil: crate::arith::ln(p.oil_start_usd_per_bbl),
            rub_deviation_log: 0.0,
            rub_per_usd: p.rub_start_per_usd,
            west_engagement: cfg.west_engagement[0],
            capacity_index: capacity,
            budget_share: patron_capacity::affordable_share(p, capacity),
            pain: patron_capacity::pain(capacity),
            patron_alignment: patron.attr("alignment"),
            stance: patron.attr("stance"),
            conflict_intensity: contested.attr("conflict_intensity"),
            contested_alignment: contested.attr("alignment"),
            cohesion: p.initial_cohesion,
            partners,
            union_fractured: false,
        };
        w.union_fractured = union::fractured(p, &w);
        w
    }

    /// One month, in the order of ODD section 3. `patron` carries the patron's fixed attributes.
    pub fn step<R: Rng + ?Sized>(&mut self, cfg: &ModelConfig, patron: &Constants, rng: &mut R) {
        let p = &cfg.params;
        self.month += 1;
        for partner in &mut self.partners {
            partner.alignment_before = partner.alignment;
            partner.hosted = false;
            partner.ceasefire = false;
            partner.sanctioned = false;
            partner.left_union = false;
        }
        // 1. Drivers.
        drivers::step(&patron.drivers, cfg, self, rng);
        // 2. Patron budget.
        patron_capacity::step(p, self);
        // 3. Partner choices: simultaneous (no partner reads another's state), on this month's drivers and budget
        //    and each partner's own state from last month.
        for partner in &mut self.partners {
            loyalty_auction::step(p, self.west_engagement, partner);
        }
        let acceptance = mediation::patron_base_acceptance(p, self.pain);
        let budget_share = self.budget_share;
        let west = self.west_engagement;
        for partner in &mut self.partners {
            partner_choice::step(p, budget_share, west, acceptance, partner, rng);
        }
        // 4. Mediation, then the contested state's response to it.
        let any_ceasefire = mediation::step(p, self, rng);
        conflict::step(p, self, any_ceasefire);
        // 5. Patron response: irritation and pressure, then stance.
        pressure::step(p, patron, self, rng);
        policy::step(p, patron, self, rng);
        // 6. Union cohesion.
        union::step(p, self);
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
            capacity_index: 0.6,
            budget_share: 0.7,
            pain: 0.4,
            patron_alignment: 1.0,
            stance: 0.9,
            conflict_intensity: 0.8,
            contested_alignment: -0.6,
            cohesion: 0.6,
            partners: vec![partner()],
            union_fractured: false,
        }
    }

    /// A Belarus-like partner for hand-computed submodel tests.
    pub fn partner() -> Partner {
        Partner {
            alignment: 0.5,
            alignment_before: 0.5,
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
            choice: None,
            hosted: false,
            ceasefire: false,
            sanctioned: false,
            left_union: false,
        }
    }
}
