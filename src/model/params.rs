//! The parameter table: every number the model uses, with its unit, allowed range, default and provenance.
//!
//! One macro invocation is the single source of truth. It generates the `Params` struct the submodels read
//! (plain `f64` fields, so the hot path pays nothing for the registry) and `PARAM_SPECS`, which the scenario
//! loader validates against, `realign explain` prints and docs/MODEL.md mirrors.
//!
//! Per-actor attributes (dependence, threat, ...) are declared the same way in [`ACTOR_ATTRS`], because actors
//! come from the scenario file and are never fixed in code.

/// Where a default value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provenance {
    /// Evidence ids: article claims `A..` and public facts `F..` (`seeds/claims.toml`), pre-2015 reference classes
    /// `R..` (`seeds/base_rates.toml`) and facts of the record on the vantage date `V..` (`seeds/record.toml`).
    Claim(&'static [&'static str]),
    /// Derived from a data file in `seeds/data/`, from the rows named, by the method named.
    Data {
        file: &'static str,
        rows: &'static str,
        how: &'static str,
    },
    /// A modelling assumption, with the reason for the value.
    Assumption(&'static str),
}

impl std::fmt::Display for Provenance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Provenance::Claim(ids) => {
                // Article claims and facts (A.., F..), pre-2015 base rates (R..), the record on the vantage date (V..).
                let group = |prefixes: &[char]| -> Vec<&str> {
                    ids.iter()
                        .copied()
                        .filter(|id| id.starts_with(prefixes))
                        .collect()
                };
                let parts: Vec<String> = [
                    ("claim", group(&['A', 'F'])),
                    ("base rate", group(&['R'])),
                    ("record", group(&['V'])),
                ]
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(label, v)| format!("{label} {}", v.join(", ")))
                .collect();
                write!(f, "{}", parts.join("; "))
            }
            Provenance::Data { file, rows, how } => {
                write!(f, "data seeds/data/{file} rows {rows}: {how}")
            }
            Provenance::Assumption(why) => write!(f, "assumption: {why}"),
        }
    }
}

/// One entry of the parameter table.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    /// Key path in a scenario file, e.g. `drivers.oil.long_run_usd_per_bbl`.
    pub key: &'static str,
    pub unit: &'static str,
    pub min: f64,
    pub max: f64,
    pub default: f64,
    /// Whole numbers only (counts, months).
    pub integer: bool,
    pub provenance: Provenance,
    /// What the parameter does, in one sentence.
    pub doc: &'static str,
}

impl ParamSpec {
    pub fn range_text(&self) -> String {
        format!("[{}, {}]", fmt_num(self.min), fmt_num(self.max))
    }
    pub fn admits(&self, v: f64) -> bool {
        v.is_finite() && v >= self.min && v <= self.max && (!self.integer || v.fract() == 0.0)
    }
}

/// Shortest decimal text of a number (no trailing `.0` noise in messages and tables).
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

use Provenance::{Assumption, Claim, Data};

macro_rules! param_table {
    ($( $field:ident : $key:literal, $unit:literal, [$min:expr, $max:expr], $default:expr, $int:literal, $prov:expr, $doc:literal; )*) => {
        /// Resolved world-level parameters of one scenario (see [`PARAM_SPECS`] for units and ranges).
        #[derive(Clone, Debug, PartialEq)]
        pub struct Params { $( #[doc = $doc] pub $field: f64, )* }

        /// The table, in the order of docs/MODEL.md.
        pub static PARAM_SPECS: &[ParamSpec] = &[ $( ParamSpec {
            key: $key, unit: $unit, min: $min, max: $max, default: $default, integer: $int,
            provenance: $prov, doc: $doc,
        }, )* ];

        impl Default for Params {
            fn default() -> Self { Params { $( $field: $default, )* } }
        }

        impl Params {
            /// The value slot of table entry `index`.
            pub fn slot_mut(&mut self, index: usize) -> &mut f64 {
                let slots: [&mut f64; PARAM_SPECS.len()] = [ $( &mut self.$field, )* ];
                slots.into_iter().nth(index).expect("parameter index within the table")
            }
            /// All values in table order.
            pub fn values(&self) -> Vec<f64> { vec![ $( self.$field, )* ] }
        }
    };
}

param_table! {
    // ---- horizon and bands -------------------------------------------------------------------------------------
    horizon_months: "horizon_months", "months", [1.0, 240.0], 36.0, true,
        Assumption("January 2015 to December 2017, the brief's default horizon"),
        "Number of monthly steps simulated after the start month.";
    band_west_max: "bands.west_max", "alignment", [-1.0, 0.0], -0.33, false,
        Assumption("the alignment scale cut in thirds"),
        "An actor at or below this alignment is West-leaning.";
    band_russia_min: "bands.russia_min", "alignment", [0.0, 1.0], 0.33, false,
        Assumption("the alignment scale cut in thirds"),
        "An actor at or above this alignment is Russia-aligned; between the two it is multi-vector.";

    // ---- drivers: oil ----------------------------------------------------------------------------------------------
    oil_start_usd_per_bbl: "drivers.oil.start_usd_per_bbl", "USD/bbl", [5.0, 300.0], 62.34, false,
        Data { file: "brent_monthly_2014_2016.csv", rows: "2014-12", how: "December 2014 Brent monthly average" },
        "Brent price in the start month.";
    oil_long_run_usd_per_bbl: "drivers.oil.long_run_usd_per_bbl", "USD/bbl", [5.0, 300.0], 75.0, false,
        Assumption("between the December 2014 price (62) and the 2014 average (99): a partial recovery, as most forecasts then expected; the backtest's trailing rule (geometric mean of the last 36 monthly averages) would give 106 (docs/DRIVERS.md)"),
        "Level the log oil price reverts to.";
    oil_half_life_months: "drivers.oil.half_life_months", "months", [0.5, 600.0], 60.0, false,
        Data { file: "brent_monthly_1987_2014.csv", rows: "1990-01..2014-12",
               how: "rolling backtest (realign fans, docs/DRIVERS.md): with 60 months the 90% fans cover 85-95% in every horizon band; 18 months covered 78% overall and 73% at 25-36 months" },
        "Months for half of a deviation of log price from its long-run level to close.";
    oil_volatility_annual: "drivers.oil.volatility_annual", "1/sqrt(year)", [0.0, 2.0], 0.30, false,
        Data { file: "brent_monthly_1987_2014.csv", rows: "1987-05..2014-12", how: "s.d. of monthly log changes of the monthly averages times sqrt 12: 0.303" },
        "Long-run annualised volatility of the log monthly-average oil price; monthly shocks have s.d. volatility/sqrt(12) once the start volatility has decayed.";
    oil_volatility_start_annual: "drivers.oil.volatility_start_annual", "1/sqrt(year)", [0.0, 2.0], 0.45, false,
        Data { file: "ovx_2014_12_26.csv", rows: "2014-12-26",
               how: "CBOE crude oil implied volatility (OVX) 55.47 on the vantage date, times sqrt(2/3) for monthly averages (a month's average moves with 2/3 of the variance of its end point): 0.45" },
        "Annualised volatility of log oil in the first simulated month: what the options market priced on the vantage date.";
    oil_volatility_decay_half_life_months: "drivers.oil.volatility_decay_half_life_months", "months", [0.5, 600.0], 12.0, false,
        Data { file: "brent_daily_usd.csv + brent_monthly_1987_2014.csv", rows: "1987-05-20..2014-12-31",
               how: "rolling backtest (docs/DRIVERS.md) with each origin's realised volatility as the start volatility: 12 months puts every horizon band within 85-95%; without the term structure the 25-36-month band covers 84%" },
        "Months for half of the start volatility's excess over the long-run volatility to decay.";
    oil_reference_usd_per_bbl: "drivers.oil.reference_usd_per_bbl", "USD/bbl", [5.0, 300.0], 108.93, false,
        Data { file: "brent_monthly_2014_2016.csv", rows: "2014-01..2014-06", how: "mean of the six pre-crisis monthly averages" },
        "Pre-crisis oil price at which the patron's capacity index is 1.";

    // ---- drivers: rouble -------------------------------------------------------------------------------------------
    rub_start_per_usd: "drivers.rouble.start_rub_per_usd", "RUB/USD", [1.0, 1000.0], 56.26, false,
        Data { file: "rub_per_usd_monthend_2014_2016.csv", rows: "2014-12", how: "CBR rate in force on 31 December 2014" },
        "Rouble rate in the start month.";
    rub_reference_per_usd: "drivers.rouble.reference_rub_per_usd", "RUB/USD", [1.0, 1000.0], 35.17, false,
        Data { file: "rub_per_usd_monthend_2014_2016.csv", rows: "2014-01..2014-06", how: "mean of the six pre-crisis month-end rates" },
        "Pre-crisis rouble rate at which the patron's capacity index is 1.";
    rub_oil_elasticity: "drivers.rouble.oil_elasticity", "-dln(RUB/USD)/dln(USD/bbl)", [0.0, 3.0], 0.20, false,
        Data { file: "rub_per_usd_monthend_1992_2014.csv + brent_monthly_1987_2014.csv", rows: "1999-01..2014-12",
               how: "least-squares slope of 12-month log changes of the month-end rate on those of the Brent monthly average: -0.197 (0.10 on 1-month, 0.28 on 24-month changes; 2014 alone, 0.85)" },
        "How far the rouble's log rate moves against a change in log oil price.";
    rub_volatility_annual: "drivers.rouble.volatility_annual", "1/sqrt(year)", [0.0, 2.0], 0.11, false,
        Data { file: "rub_per_usd_monthend_1992_2014.csv + brent_monthly_1987_2014.csv", rows: "1999-01..2014-12",
               how: "s.d. of monthly changes of the deviation ln R + 0.20 ln P, times sqrt 12: 0.108" },
        "Annualised volatility of the rouble's own shocks.";
    rub_stabilisation_per_month: "drivers.rouble.stabilisation_per_month", "1/month", [0.0, 1.0], 0.04, false,
        Data { file: "rub_per_usd_monthend_1992_2014.csv + brent_monthly_1987_2014.csv", rows: "1999-01..2014-12",
               how: "the pull at which the model's variance of 24-month changes of the deviation ln R + 0.20 ln P equals the data's (variance ratio 0.45): 0.041" },
        "Share of the rouble's deviation from its oil-implied level closed each month by the central bank.";

    // ---- drivers: the West -----------------------------------------------------------------------------------------
    west_engagement: "drivers.west.engagement", "index 0..1", [0.0, 1.0], 0.5, false,
        Claim(&["A13", "A12"]),
        "How strongly the EU and US reward mediation and distance from Moscow (scheduled changes may follow).";

    // ---- patron fiscal capacity ------------------------------------------------------------------------------------
    oil_revenue_share: "patron_capacity.oil_revenue_share", "share", [0.0, 1.0], 0.5, false,
        Claim(&["F03", "A07", "V11", "V12", "V13"]),
        "Share of the patron's federal revenue that is oil-and-gas revenue (it moves with the oil price in roubles); the rest is taken as fixed in real terms.";
    price_pass_through: "patron_capacity.price_pass_through", "dln(prices)/dln(RUB/USD)", [0.0, 1.0], 0.15, false,
        Claim(&["V18"]),
        "Share of a rouble depreciation that passes into the patron's prices (and so into the spending its rouble revenue must cover).";
    pain_full_gap: "patron_capacity.pain_full_gap", "fiscal index", [0.01, 1.0], 0.35, false,
        Claim(&["V11", "V12", "V13"]),
        "Fall of the fiscal index below 1 at which the patron's economic pain is total; 2009 (index about 0.79) reads as pain 0.6.";
    full_financing_capacity: "patron_capacity.full_financing_capacity", "USD capacity index", [0.05, 3.0], 0.85, false,
        Claim(&["A08", "A09"]),
        "USD value of the patron's real budget (1 = mid-2014) at which integration is fully financed; the December 2014 value (about 0.62) is below it, as the article says.";
    budget_adjust_per_month: "patron_capacity.budget_adjust_per_month", "1/month", [0.0, 1.0], 0.15, false,
        Assumption("budgets follow revenue with a lag of about half a year"),
        "Share of the gap between financed and affordable integration closed each month.";
    full_cost_bn_usd_per_year: "patron_capacity.full_cost_bn_usd_per_year", "bn USD/year", [0.0, 200.0], 8.0, false,
        Claim(&["F01"]),
        "Annual cost of fully financed integration (Belarus alone about 5 bn USD); scales the budget for reporting only.";

    // ---- partner economies -----------------------------------------------------------------------------------------
    economy_adjust_per_month: "economy.adjust_per_month", "1/month", [0.0, 1.0], 0.1, false,
        Assumption("currency and trade pressure reach a partner's economy within a year"),
        "Share of the gap between a partner's economic stress and its target closed each month.";
    economy_rouble_gain: "economy.rouble_gain", "stress/ln(RUB/USD)", [0.0, 5.0], 0.5, false,
        Claim(&["A07", "F01"]),
        "Stress added per unit of log rouble depreciation since the vantage date, times the partner's dependence (its exports to the patron lose value).";
    economy_ban_gain: "economy.ban_gain", "stress/barrier", [0.0, 5.0], 0.5, false,
        Claim(&["A05"]),
        "Stress added per unit of the patron's trade barriers above their vantage level.";

    // ---- partner choice ----------------------------------------------------------------------------------------------
    rationality: "partner_choice.rationality", "1/utility", [0.0, 50.0], 2.0, false,
        Claim(&["A06"]),
        "Logit sharpness: 0 picks options at random, large values pick the best option almost surely.";
    spell_months: "partner_choice.spell_months", "months", [1.0, 240.0], 60.0, false,
        Claim(&["R11"]),
        "Mean duration of a foreign-policy line: each month a partner reconsiders its line with probability 1/spell_months.";
    position_adjust_per_month: "partner_choice.adjust_per_month", "1/month", [0.0, 1.0], 0.08, false,
        Assumption("foreign-policy repositioning takes years; about a twelfth of the way each month"),
        "Share of the distance to the chosen line's position moved each month.";
    position_noise_per_month: "partner_choice.noise_per_month", "alignment", [0.0, 0.5], 0.02, false,
        Assumption("small idiosyncratic moves (statements, visits) month to month"),
        "S.d. of a partner's monthly position noise.";
    target_bandwagon: "partner_choice.target_bandwagon", "alignment", [0.0, 1.0], 0.9, false,
        Assumption("bandwagoning means near-full alignment with the patron"),
        "Position a partner moves toward when it bandwagons.";
    target_balance: "partner_choice.target_balance", "alignment", [-1.0, 0.0], -0.8, false,
        Assumption("balancing means a clear turn West short of full alignment"),
        "Position a partner moves toward when it balances toward the West.";
    hedge_margin: "partner_choice.hedge_margin", "utility", [0.0, 5.0], 0.5, false,
        Claim(&["A02", "A03"]),
        "Lead of the partner's declared multi-vector line over its best alternative on the vantage date (both capitals had just declared neutrality); the hedge position is the partner's own vantage alignment.";
    w_subsidy: "partner_choice.w_subsidy", "utility", [0.0, 10.0], 3.0, false,
        Claim(&["A07"]),
        "Weight of subsidies received (dependence x (financed share + stabilisation support) x open trade) in the value of bandwagoning.";
    w_shortfall: "partner_choice.w_shortfall", "utility", [0.0, 10.0], 2.0, false,
        Claim(&["A10"]),
        "Weight of the unmet loyalty price against bandwagoning.";
    w_coercion: "partner_choice.w_coercion", "utility", [0.0, 10.0], 1.0, false,
        Claim(&["A19", "R10"]),
        "Weight of threat x dependence in the value of bandwagoning: a dependent partner under threat complies.";
    w_union: "partner_choice.w_union", "utility", [0.0, 10.0], 0.5, false,
        Claim(&["F04", "A21"]),
        "Weight of the union's cohesion for a member: market access in the value of bandwagoning, the cost of exit against balancing.";
    w_threat: "partner_choice.w_threat", "utility", [0.0, 10.0], 1.0, false,
        Claim(&["A11"]),
        "Weight of threat perception in the value of hedging.";
    w_pole: "partner_choice.w_pole", "utility", [0.0, 10.0], 0.5, false,
        Claim(&["V34"]),
        "Weight of a third pole (China's trade and credit) in the value of hedging, the more the less the patron pays (x (1 - financed share)).";
    w_west: "partner_choice.w_west", "utility", [0.0, 10.0], 1.5, false,
        Claim(&["A12", "A13"]),
        "Weight of the Western offer in the value of balancing.";
    hedge_offer_share: "partner_choice.hedge_offer_share", "share", [0.0, 1.0], 0.5, false,
        Assumption("a multi-vector line earns part of what the West offers a partner that turns to it (visits, credit, trade), not all"),
        "Share of the Western offer's value that a hedging partner earns.";
    w_retaliation: "partner_choice.w_retaliation", "utility", [0.0, 10.0], 1.5, false,
        Claim(&["A18", "A19"]),
        "Weight of expected retaliation (dependence x (1 + irritation)) against balancing.";
    w_regime: "partner_choice.w_regime", "utility", [0.0, 10.0], 1.0, false,
        Claim(&["R01", "R02"]),
        "Regime-security cost of Western alignment for an autocratic partner (x its autocracy): Western ties bring demands for openness.";
    w_sovereignty: "partner_choice.w_sovereignty", "utility", [0.0, 10.0], 1.0, false,
        Claim(&["A17", "R10"]),
        "Weight of threat x (1 - dependence) in the value of balancing: a partner that can afford it answers a sovereignty threat by drifting away.";
    w_holdout: "partner_choice.w_holdout", "utility", [0.0, 10.0], 1.0, false,
        Claim(&["A10", "R09"]),
        "Weight of the partner's own economic stress against balancing: a strained economy cannot hold out against the patron.";
    w_coordination: "partner_choice.w_coordination", "utility", [0.0, 10.0], 2.0, false,
        Claim(&["A02", "A03"]),
        "Weight of the other partners' move away from the patron since the vantage date (their weighted mean distance) in the value of balancing and hedging: safety in numbers.";

    // ---- loyalty auction ---------------------------------------------------------------------------------------------
    price_adjust_per_month: "loyalty_auction.price_adjust_per_month", "1/month", [0.0, 1.0], 0.1, false,
        Assumption("the asking price is renegotiated over months, not days"),
        "Share of the gap to the target asking price closed each month.";
    leverage_gain: "loyalty_auction.leverage_gain", "share", [0.0, 2.0], 0.6, false,
        Claim(&["A10"]),
        "How much of a rise in the Western offer the partner turns into a higher price (x its auction propensity).";
    price_stress_gain: "loyalty_auction.price_stress_gain", "share/stress", [0.0, 2.0], 0.3, false,
        Claim(&["A10", "R09"]),
        "Price added per unit of the partner's economic stress above its vantage level: a partner in trouble needs more.";
    loan_rate_per_month: "loyalty_auction.loan_rate_per_month", "probability", [0.0, 1.0], 0.15, false,
        Claim(&["R09"]),
        "Monthly probability that the patron answers a partner's need with a stabilisation loan or energy discount, at full stress, full budget and an unmet price.";
    loan_support: "loyalty_auction.loan_support", "share", [0.0, 1.0], 0.3, false,
        Claim(&["R09"]),
        "Share of full financing a loan adds to what the partner receives.";
    loan_relief: "loyalty_auction.loan_relief", "stress", [0.0, 1.0], 0.3, false,
        Claim(&["R09"]),
        "Economic stress a loan removes.";
    loan_conditionality: "loyalty_auction.loan_conditionality", "share", [0.0, 1.0], 0.25, false,
        Claim(&["R09", "A05"]),
        "Share of the partner's counter-measures it drops as the loan's condition.";
    support_decay_per_month: "loyalty_auction.support_decay_per_month", "1/month", [0.0, 1.0], 0.05, false,
        Assumption("a loan tranche is spent over one to two years"),
        "Share of a partner's stabilisation support that runs out each month.";
    punish_preference: "loyalty_auction.punish_preference", "share", [0.0, 1.0], 1.0, false,
        Claim(&["A08", "A18"]),
        "How much a short budget turns the patron from paying to punishing: the sanction rate is scaled by 1 - punish_preference x financed share (at 1, a patron that finances integration in full pays rather than punishes: Russia's bans on Minsk came with its moves to cut subsidies, R03).";

    // ---- irritation and pressure -------------------------------------------------------------------------------------
    irritation_adjust_per_month: "pressure.irritation_adjust_per_month", "1/month", [0.0, 1.0], 0.08, false,
        Assumption("irritation follows behaviour over about a year and a half"),
        "Share of the gap between irritation and its target closed each month.";
    irritation_independence_gain: "pressure.irritation_independence_gain", "irritation/distance", [0.0, 5.0], 1.0, false,
        Claim(&["A18", "A20"]),
        "Target irritation added per unit of the partner's distance from the patron ((1 - alignment)/2) beyond its vantage distance.";
    irritation_defiance_gain: "pressure.irritation_defiance_gain", "irritation/defiance", [0.0, 5.0], 1.0, false,
        Claim(&["A05", "A18"]),
        "Target irritation added per unit of the partner's counter-measures (checkpoints, re-exports) beyond their vantage level.";
    irritation_drift_gain: "pressure.irritation_drift_gain", "irritation/alignment", [0.0, 20.0], 1.0, false,
        Claim(&["A18"]),
        "Irritation added at once per unit of alignment a partner moves away from the patron in a month.";
    sanction_threshold: "pressure.sanction_threshold", "irritation", [0.0, 1.0], 0.6, false,
        Claim(&["A18"]),
        "Irritation above which the patron may sanction a partner.";
    sanction_rate_per_month: "pressure.sanction_rate_per_month", "probability", [0.0, 1.0], 0.16, false,
        Claim(&["R03"]),
        "Monthly sanction probability at full irritation (linear from the threshold, times the patron's pressure and its preference to punish).";
    threat_adjust_per_month: "pressure.threat_adjust_per_month", "1/month", [0.0, 1.0], 0.05, false,
        Assumption("threat perception follows the patron's conduct over about a year"),
        "Share of the gap between threat perception and its target closed each month.";
    threat_irritation_gain: "pressure.threat_irritation_gain", "threat/irritation", [0.0, 5.0], 0.5, false,
        Claim(&["A17", "A19"]),
        "Target threat added per unit of the patron's irritation above its vantage level (times its pressure).";
    threat_war_gain: "pressure.threat_war_gain", "threat/intensity", [0.0, 5.0], 0.3, false,
        Claim(&["A19", "F05"]),
        "Target threat added per unit of conflict intensity above its vantage level: a war next door.";
    threat_from_sanction: "pressure.threat_from_sanction", "threat", [0.0, 1.0], 0.1, false,
        Assumption("a trade ban is a concrete signal of the patron's willingness to hurt"),
        "Threat added at once by a sanction.";
    barrier_from_sanction: "pressure.barrier_from_sanction", "barrier", [0.0, 1.0], 0.1, false,
        Assumption("one trade ban closes about a fifth of all trade with the patron"),
        "Trade barrier added by a sanction.";
    barrier_adjust_per_month: "pressure.barrier_adjust_per_month", "1/month", [0.0, 1.0], 0.05, false,
        Assumption("bans are lifted piecemeal over about a year"),
        "Share of the gap between trade barriers and their vantage level closed each month.";
    defiance_from_sanction: "pressure.defiance_from_sanction", "defiance", [0.0, 1.0], 0.05, false,
        Claim(&["A05", "F06"]),
        "Counter-measures a partner adds when sanctioned (border checks of its own, as Minsk did in December 2014), times its auction propensity.";
    defiance_shortfall_gain: "pressure.defiance_shortfall_gain", "defiance/share", [0.0, 20.0], 5.0, false,
        Claim(&["A10", "A05"]),
        "Target counter-measures added per unit of unmet loyalty price above its vantage level (times auction propensity): checkpoints and re-exports are the partner's chips in the auction, dropped when it is paid.";
    defiance_adjust_per_month: "pressure.defiance_adjust_per_month", "1/month", [0.0, 1.0], 0.1, false,
        Assumption("counter-measures are wound down over about a year"),
        "Share of the gap between counter-measures and their target closed each month.";

    // ---- crises ------------------------------------------------------------------------------------------------------
    crisis_rate_per_month: "crisis.rate_per_month", "probability", [0.0, 0.2], 0.002, false,
        Claim(&["R02"]),
        "Monthly probability of a leadership or regime crisis outside election months, at vantage-level economic stress.";
    crisis_election_probability: "crisis.election_probability", "probability", [0.0, 1.0], 0.08, false,
        Claim(&["R02"]),
        "Probability of a crisis in a month with a scheduled national election (most post-Soviet regime crises followed elections).";
    crisis_stress_gain: "crisis.stress_gain", "multiplier/stress", [0.0, 20.0], 3.0, false,
        Claim(&["R02"]),
        "Crisis probability multiplied by 1 + stress_gain x (economic stress above its vantage level).";
    break_share: "crisis.break_share", "probability", [0.0, 1.0], 0.3, false,
        Claim(&["R02"]),
        "Share of crises that end in a westward break for a partner with no autocracy, a Western offer (engagement x offer) of 0.25 and the patron's vantage budget (5 of the 19 crises outside the autocracies, R02).";
    break_offer_gain: "crisis.break_offer_gain", "1/offer", [0.0, 40.0], 10.0, false,
        Claim(&["A12", "R01"]),
        "The westward share is multiplied by exp(gain x (engagement x offer - 0.25)): every break of R01 had a Western offer to turn to.";
    break_regime_cost: "crisis.break_regime_cost", "share", [0.0, 1.0], 0.8, false,
        Claim(&["R01", "R02"]),
        "Share of the westward share removed at full autocracy: consolidated regimes crack down and lean on the patron instead (0 breaks in 121 autocracy-years, R01).";
    break_rescue_gain: "crisis.break_rescue_gain", "1/share", [0.0, 20.0], 5.0, false,
        Claim(&["R09", "A08"]),
        "The westward share is multiplied by exp(gain x (vantage financed share - financed share)): a patron that cannot pay cannot rescue a regime in crisis (most of R09's loans came in crises).";
    break_alignment: "crisis.break_alignment", "alignment", [-1.0, 0.0], -0.5, false,
        Claim(&["R01"]),
        "Position a partner jumps to after a westward break (Georgia 2003, Ukraine 2004 and 2014, Moldova 2009).";
    consolidation_shift: "crisis.consolidation_shift", "alignment", [0.0, 1.0], 0.2, false,
        Claim(&["R02"]),
        "Move toward the patron after a crisis the regime survives by leaning on it (Belarus 2010, Uzbekistan 2005).";
    crimea_on_consolidation: "crisis.crimea_on_consolidation", "probability", [0.0, 1.0], 0.2, false,
        Assumption("a regime rescued by Moscow pays in votes: Belarus and Armenia voted with Russia on UN resolution 68/262 in March 2014; a fifth of rescues go as far as recognising Crimea"),
        "Probability that a crisis ending in consolidation makes the partner recognise Crimea as Russian (the contested state then distrusts it as a venue).";
    exit_on_break: "crisis.exit_on_break", "probability", [0.0, 1.0], 0.5, false,
        Claim(&["R04"]),
        "Probability that a union member leaves the union in a westward break or a sovereignty crisis that ends in exit.";
    sovereignty_rate_per_month: "crisis.sovereignty_rate_per_month", "probability", [0.0, 0.2], 0.004, false,
        Claim(&["R10", "A17"]),
        "Monthly probability of a sovereignty crisis with the patron (an intervention threat made concrete) at full threat and pressure 1; it scales with threat squared.";
    sovereignty_exit_share: "crisis.sovereignty_exit_share", "probability", [0.0, 1.0], 0.5, false,
        Claim(&["R10"]),
        "Share of sovereignty crises a partner with no dependence answers by turning away (the rest comply), at a Western offer of 0.25 and the vantage budget; scaled by 1 - dependence and the turn factor of crisis.break_offer_gain and crisis.break_rescue_gain.";

    // ---- mediation ---------------------------------------------------------------------------------------------------
    w_mediation_west: "mediation.w_west", "utility", [0.0, 10.0], 1.5, false,
        Claim(&["A12"]),
        "Weight of the Western standing a round earns (engagement x offer x the contested state's openness) in the value of hosting.";
    w_shield: "mediation.w_shield", "utility", [0.0, 10.0], 0.5, false,
        Claim(&["A16"]),
        "Weight of threat in the value of hosting: a venue is a shield against the patron's turns.";
    w_face: "mediation.w_face", "utility", [0.0, 10.0], 1.0, false,
        Claim(&["A15"]),
        "Weight of the face-saving value a round offers the patron (its pain x conflict intensity) in the value of hosting.";
    w_status: "mediation.w_status", "utility", [0.0, 10.0], 1.5, false,
        Claim(&["A02", "V36"]),
        "Weight of the partner's record as a venue (status) in the value of hosting.";
    mediation_cost: "mediation.cost", "utility", [0.0, 10.0], 1.0, false,
        Assumption("hosting talks costs effort and risks the patron's displeasure"),
        "Fixed cost of offering to host a round.";
    patron_base_acceptance: "mediation.patron_base_acceptance", "probability", [0.0, 1.0], 0.02, false,
        Assumption("a patron without economic pain rarely lets others mediate its wars"),
        "Monthly probability that the patron accepts an offered venue when it feels no pain and the host is neutral.";
    patron_pain_acceptance: "mediation.patron_pain_acceptance", "probability", [0.0, 1.0], 0.6, false,
        Claim(&["A14", "A15"]),
        "Added acceptance probability at full economic pain.";
    patron_friend_acceptance: "mediation.patron_friend_acceptance", "probability", [0.0, 1.0], 0.3, false,
        Claim(&["A15"]),
        "Added acceptance probability per unit of the host's closeness to the patron above neutrality (alignment / 1).";
    irritation_refusal: "mediation.irritation_refusal", "probability", [0.0, 1.0], 0.15, false,
        Assumption("an irritated patron is less willing to let that partner host"),
        "Acceptance probability lost at full irritation with the host.";
    defiance_refusal: "mediation.defiance_refusal", "probability", [0.0, 1.0], 0.1, false,
        Claim(&["A05", "A18", "V37"]),
        "Acceptance probability lost at full counter-measures of the host: Moscow does not let a partner that re-exports its banned goods and checks its trucks host its talks.";
    standing_acceptance_gain: "mediation.standing_acceptance_gain", "probability/standing", [0.0, 1.0], 0.2, false,
        Claim(&["A12", "A04"]),
        "Added probability that the contested state accepts a host per unit of the host's Western standing: Kyiv takes a venue the West vouches for.";
    crimea_recognition_penalty: "mediation.crimea_recognition_penalty", "share", [0.0, 1.0], 1.0, false,
        Claim(&["A01"]),
        "Share of the contested state's openness lost toward a partner that recognised Crimea as Russian.";
    openness_adjust_per_month: "mediation.openness_adjust_per_month", "1/month", [0.0, 1.0], 0.2, false,
        Assumption("the contested state re-reads a partner's neutrality within a few months"),
        "Share of the gap to the target openness closed each month.";
    success_base: "mediation.success_base", "probability", [0.0, 1.0], 0.05, false,
        Claim(&["R06"]),
        "Probability that a hosted round brings a ceasefire when the patron is fully hardline, nobody hurts and no Western broker engages.";
    success_softening: "mediation.success_softening", "probability", [0.0, 1.0], 0.35, false,
        Claim(&["A14"]),
        "Added success probability when the patron's stance is fully revised.";
    success_ripeness: "mediation.success_ripeness", "probability", [0.0, 1.0], 0.3, false,
        Claim(&["R06"]),
        "Added success probability at full conflict intensity and full economic pain of the patron (a mutually hurting stalemate).";
    success_brokers: "mediation.success_brokers", "probability", [0.0, 1.0], 0.1, false,
        Claim(&["A13", "R06"]),
        "Added success probability at full Western engagement (Western leaders at the table).";
    ceasefire_intensity_cut: "mediation.ceasefire_intensity_cut", "share", [0.0, 1.0], 0.5, false,
        Claim(&["R06"]),
        "Share of conflict intensity removed by a successful round.";
    venue_gain: "mediation.venue_gain", "record", [0.0, 1.0], 0.25, false,
        Claim(&["V36"]),
        "Venue record added by hosting a round (1 = a capital that hosted about four rounds lately).";
    venue_decay_per_month: "mediation.venue_decay_per_month", "1/month", [0.0, 1.0], 0.05, false,
        Claim(&["R08"]),
        "Share of a venue record that fades each month.";
    standing_host_gain: "mediation.standing_host_gain", "standing", [0.0, 1.0], 0.05, false,
        Claim(&["A12"]),
        "Western standing a partner gains from hosting a round.";
    standing_success_gain: "mediation.standing_success_gain", "standing", [0.0, 1.0], 0.2, false,
        Claim(&["A12"]),
        "Western standing a partner gains from a successful round.";
    standing_adjust_per_month: "mediation.standing_adjust_per_month", "1/month", [0.0, 1.0], 0.03, false,
        Assumption("Western attention fades within a few years without new deeds"),
        "Share of the gap between Western standing and its vantage level closed each month (standing is earned by hosting and by ceasefires, and fades back).";

    // ---- conflict ----------------------------------------------------------------------------------------------------
    intensity_adjust_per_month: "conflict.intensity_adjust_per_month", "1/month", [0.0, 1.0], 0.1, false,
        Assumption("fighting follows the patron's stance with a lag of months"),
        "Share of the gap between conflict intensity and its target (vantage intensity moved by the stance's change) closed each month.";
    contested_west_base: "conflict.contested_west_base", "alignment", [0.0, 1.0], 0.5, false,
        Claim(&["F05"]),
        "West-ward position the contested state keeps without fighting (reporting: the contested state's position feeds no decision).";
    contested_west_per_intensity: "conflict.contested_west_per_intensity", "alignment", [0.0, 1.0], 0.4, false,
        Assumption("war pushes the contested state further West (reporting only)"),
        "Extra West-ward position per unit of conflict intensity.";
    contested_adjust_per_month: "conflict.contested_adjust_per_month", "1/month", [0.0, 1.0], 0.05, false,
        Assumption("a country's orientation moves slowly (reporting only)"),
        "Share of the gap to the contested state's target position closed each month.";

    // ---- policy revision ---------------------------------------------------------------------------------------------
    stance_adjust_per_month: "policy.stance_adjust_per_month", "1/month", [0.0, 1.0], 0.1, false,
        Assumption("policy reviews take months"),
        "Share of the gap to the target stance closed each month.";
    pain_softening: "policy.pain_softening", "stance", [0.0, 2.0], 0.5, false,
        Claim(&["A14"]),
        "Target stance lowered per unit of economic pain above its vantage level.";
    distance_softening: "policy.distance_softening", "stance", [0.0, 2.0], 0.4, false,
        Claim(&["A22", "A20"]),
        "Target stance lowered per unit of the partners' weighted mean distance from the patron beyond the vantage distance.";
    face_softening: "policy.face_softening", "stance", [0.0, 2.0], 0.2, false,
        Claim(&["A15"]),
        "Target stance lowered in a month when a mediation round is hosted (a face-saving way out).";
    war_hardening: "policy.war_hardening", "stance/intensity", [0.0, 2.0], 0.5, false,
        Claim(&["F05", "V38"]),
        "Target stance raised per unit of conflict intensity above its vantage level, times the patron's domestic hardening: the war's own momentum.";
    siege_hardening: "policy.siege_hardening", "stance", [0.0, 1.0], 0.1, false,
        Claim(&["V38", "V26"]),
        "Target stance raised by a renewal of Western sanctions, times the patron's domestic hardening (rally round the flag); fades at siege_decay_per_month.";
    siege_decay_per_month: "policy.siege_decay_per_month", "1/month", [0.0, 1.0], 0.1, false,
        Assumption("a rally fades within a year"),
        "Share of the siege effect that fades each month.";
    stance_noise_per_month: "policy.stance_noise_per_month", "stance", [0.0, 0.5], 0.02, false,
        Assumption("Kremlin policy moves unpredictably month to month (A16 speaks of unpredictable turns)"),
        "S.d. of the patron's monthly stance noise.";
    revision_rate_per_month: "policy.revision_rate_per_month", "probability", [0.0, 0.2], 0.004, false,
        Claim(&["R07"]),
        "Monthly probability that the patron revises its policy at its vantage stance.";
    revision_sensitivity: "policy.revision_sensitivity", "1/stance", [0.0, 40.0], 8.0, false,
        Claim(&["A14", "R07"]),
        "The revision probability is multiplied by exp(sensitivity x (vantage stance - stance)).";
    revision_shift: "policy.revision_shift", "stance", [0.0, 1.0], 0.4, false,
        Assumption("a revised policy lowers the stance the patron returns to by about half the scale"),
        "Drop in the stance (and its rest level) when the patron revises its policy.";

    // ---- union cohesion ----------------------------------------------------------------------------------------------
    initial_cohesion: "union.initial_cohesion", "index 0..1", [0.0, 1.0], 0.6, false,
        Claim(&["A21", "A05"]),
        "Cohesion of the Eurasian Economic Union in the start month (reeling, not broken).";
    cohesion_adjust_per_month: "union.adjust_per_month", "1/month", [0.0, 1.0], 0.15, false,
        Assumption("institutions follow the members' situation within months"),
        "Share of the gap to target cohesion closed each month.";
    cohesion_capacity_weight: "union.capacity_weight", "cohesion/capacity", [0.0, 2.0], 0.5, false,
        Claim(&["A21"]),
        "Target cohesion per unit of the patron's USD capacity above its vantage value.";
    cohesion_alignment_weight: "union.alignment_weight", "cohesion", [0.0, 2.0], 0.5, false,
        Assumption("members that lean to the patron hold the union together"),
        "Target cohesion per unit of members' weighted mean closeness ((1 + alignment)/2) above its vantage value.";
    cohesion_barrier_weight: "union.barrier_weight", "cohesion", [0.0, 2.0], 0.8, false,
        Claim(&["A05"]),
        "Target cohesion lost per unit of members' weighted mean trade barrier above its vantage value.";
    enlargement_boost: "union.enlargement_boost", "cohesion", [0.0, 1.0], 0.05, false,
        Claim(&["V23", "V24", "V25"]),
        "Cohesion added in a month a scheduled enlargement takes effect.";
    fracture_threshold: "union.fracture_threshold", "index 0..1", [0.0, 1.0], 0.3, false,
        Claim(&["R05"]),
        "Cohesion below which the union counts as fractured.";
    exit_alignment: "union.exit_alignment", "alignment", [-1.0, 0.0], -0.5, false,
        Claim(&["R04"]),
        "A member partner at or below this alignment leaves the union.";
    exit_weight_share: "union.exit_weight_share", "share", [0.0, 1.0], 0.1, false,
        Assumption("the union survived Uzbekistan's exit from EurAsEC (R04); it fractures when members with a tenth of the partners' weight have left"),
        "Share of the partners' total weight whose exit fractures the union.";
}

/// Parameters that feed no decision, by design, with the reason: they shape what is reported (bands, the budget in
/// dollars, the contested state's position), not what happens. Every other parameter moves some output (tested).
pub static REPORTING_ONLY: &[(&str, &str)] = &[
    (
        "bands.west_max",
        "defines the reported West-leaning band (leaves_orbit), not a mechanism",
    ),
    (
        "bands.russia_min",
        "defines the reported Russia-aligned band",
    ),
    (
        "patron_capacity.full_cost_bn_usd_per_year",
        "converts the financed share into bn USD for the report",
    ),
    (
        "conflict.contested_west_base",
        "the contested state's position is reported; no actor's decision reads it",
    ),
    (
        "conflict.contested_west_per_intensity",
        "the contested state's position is reported; no actor's decision reads it",
    ),
    (
        "conflict.contested_adjust_per_month",
        "the contested state's position is reported; no actor's decision reads it",
    ),
    (
        "union.exit_weight_share",
        "defines the reported union_fracture event (which exits count); with the baseline's two partners every exit counts",
    ),
];

/// Which roles an actor attribute applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleSet {
    Partner,
    Patron,
    Contested,
    All,
}

/// A per-actor attribute: declared on `[actors.NAME]` in a scenario.
#[derive(Clone, Copy, Debug)]
pub struct AttrSpec {
    pub key: &'static str,
    pub unit: &'static str,
    pub min: f64,
    pub max: f64,
    pub default: f64,
    /// Written as `true`/`false` in TOML; stored as 1/0.
    pub boolean: bool,
    pub roles: RoleSet,
    /// Defaults that differ by role (patron, partner, contested), where the generic one would mislead.
    pub role_defaults: Option<[f64; 3]>,
    pub provenance: Provenance,
    pub doc: &'static str,
}

impl AttrSpec {
    /// The value an actor of `role` gets when the scenario does not set it.
    pub fn default_for(&self, role: crate::model::Role) -> f64 {
        use crate::model::Role;
        match (self.role_defaults, role) {
            (Some(d), Role::Patron) => d[0],
            (Some(d), Role::Partner) => d[1],
            (Some(d), Role::Contested) => d[2],
            (None, _) => self.default,
        }
    }

    pub fn applies_to(&self, role: crate::model::Role) -> bool {
        use crate::model::Role;
        matches!(
            (self.roles, role),
            (RoleSet::All, _)
                | (RoleSet::Partner, Role::Partner)
                | (RoleSet::Patron, Role::Patron)
                | (RoleSet::Contested, Role::Contested)
        )
    }
    pub fn range_text(&self) -> String {
        if self.boolean {
            "true or false".into()
        } else {
            format!("[{}, {}]", fmt_num(self.min), fmt_num(self.max))
        }
    }
}

const GENERIC: Provenance =
    Assumption("generic default for an actor the scenario does not describe; set it with a source");

macro_rules! attr {
    ($key:literal, $unit:literal, [$min:expr, $max:expr], $default:expr, $roles:ident, $doc:literal) => {
        AttrSpec {
            key: $key,
            unit: $unit,
            min: $min,
            max: $max,
            default: $default,
            boolean: false,
            roles: RoleSet::$roles,
            role_defaults: None,
            provenance: GENERIC,
            doc: $doc,
        }
    };
    ($key:literal, bool, $default:expr, $roles:ident, $doc:literal) => {
        AttrSpec {
            key: $key,
            unit: "yes/no",
            min: 0.0,
            max: 1.0,
            default: $default,
            boolean: true,
            roles: RoleSet::$roles,
            role_defaults: None,
            provenance: GENERIC,
            doc: $doc,
        }
    };
}

/// Per-actor attributes. Index positions are used by the model builder through [`attr_index`].
pub static ACTOR_ATTRS: &[AttrSpec] = &[
    AttrSpec {
        key: "alignment",
        unit: "alignment",
        min: -1.0,
        max: 1.0,
        default: 0.3,
        boolean: false,
        roles: RoleSet::All,
        // The patron sits at its own end of the scale; the contested state starts West-leaning (F05).
        role_defaults: Some([1.0, 0.3, -0.6]),
        provenance: Assumption(
            "patron 1 (its own end of the scale); contested -0.6 (F05: West-leaning, at war with the patron); partner 0.3 generic",
        ),
        doc: "Starting position: -1 aligned with the West, 0 multi-vector, +1 aligned with the patron.",
    },
    attr!(
        "dependence",
        "share",
        [0.0, 1.0],
        0.3,
        Partner,
        "Economic dependence on the patron (trade and subsidies)."
    ),
    attr!(
        "threat",
        "index 0..1",
        [0.0, 1.0],
        0.3,
        Partner,
        "Starting threat perception of the patron."
    ),
    attr!(
        "west_standing",
        "index 0..1",
        [0.0, 1.0],
        0.2,
        Partner,
        "Starting standing with the West."
    ),
    attr!(
        "loyalty_price",
        "share",
        [0.0, 1.0],
        0.5,
        Partner,
        "Starting asking price for loyalty, as the share of full integration financing the partner expects."
    ),
    attr!(
        "auction_propensity",
        "share",
        [0.0, 1.0],
        0.3,
        Partner,
        "How readily the leader turns Western openness into a higher asking price."
    ),
    attr!(
        "trade_barrier",
        "share",
        [0.0, 1.0],
        0.0,
        Partner,
        "Starting barriers on trade with the patron (checkpoints, bans)."
    ),
    attr!(
        "irritation",
        "index 0..1",
        [0.0, 1.0],
        0.2,
        Partner,
        "Starting irritation of the patron with this partner."
    ),
    attr!(
        "openness",
        "index 0..1",
        [0.0, 1.0],
        0.5,
        Partner,
        "Starting openness of the contested state to this partner as mediator."
    ),
    attr!(
        "recognises_crimea",
        bool,
        0.0,
        Partner,
        "Whether the partner recognised Crimea as Russian (the contested state then distrusts it as mediator)."
    ),
    attr!(
        "union_member",
        bool,
        1.0,
        Partner,
        "Whether the partner is a member of the Eurasian Economic Union."
    ),
    attr!(
        "weight",
        "bn USD/year",
        [0.0, 10000.0],
        1.0,
        Partner,
        "Weight in the patron's eyes and the union's: trade with the patron (bn USD a year). The patron's and the union's view of its partners is a weighted mean, so a small partner moves them little."
    ),
    attr!(
        "autocracy",
        "index 0..1",
        [0.0, 1.0],
        0.5,
        Partner,
        "How consolidated the regime is: Western alignment costs an autocrat regime security, and its crises end in crackdowns more often than in breaks."
    ),
    attr!(
        "west_offer",
        "index 0..1",
        [0.0, 1.0],
        0.5,
        Partner,
        "What the West offers this partner (association, trade and credit), times Western engagement."
    ),
    attr!(
        "third_pole",
        "index 0..1",
        [0.0, 1.0],
        0.0,
        Partner,
        "Weight of a third pole (China) the partner can hedge toward."
    ),
    attr!(
        "economic_stress",
        "index 0..1",
        [0.0, 1.0],
        0.3,
        Partner,
        "Starting economic stress: currency pressure, reserves, recession."
    ),
    attr!(
        "defiance",
        "index 0..1",
        [0.0, 1.0],
        0.0,
        Partner,
        "Starting counter-measures of the partner's own against the patron (border checks, re-exports of banned goods)."
    ),
    attr!(
        "venue_record",
        "index 0..1",
        [0.0, 1.0],
        0.0,
        Partner,
        "Record as a venue for talks on the conflict up to the start month (1 = about four rounds in the last half year)."
    ),
    attr!(
        "stance",
        "index 0..1",
        [0.0, 1.0],
        0.9,
        Patron,
        "Starting stance toward the contested state: 1 hardline, 0 revised."
    ),
    attr!(
        "domestic_hardening",
        "index 0..1",
        [0.0, 1.0],
        0.85,
        Patron,
        "How strongly the patron's domestic politics harden its stance as the war goes on and Western sanctions are renewed (rally round the flag); scales policy.war_hardening and policy.siege_hardening."
    ),
    attr!(
        "pressure",
        "multiplier",
        [0.0, 3.0],
        1.0,
        Patron,
        "Scales the patron's rhetoric and sanction rate against drifting partners."
    ),
    attr!(
        "conflict_intensity",
        "index 0..1",
        [0.0, 1.0],
        0.8,
        Contested,
        "Starting intensity of the armed conflict with the patron."
    ),
];

/// Position of an attribute in [`ACTOR_ATTRS`]; panics only on a key that is not in the table (a programming error).
pub fn attr_index(key: &str) -> usize {
    ACTOR_ATTRS
        .iter()
        .position(|a| a.key == key)
        .unwrap_or_else(|| panic!("actor attribute {key} is not in ACTOR_ATTRS"))
}

pub fn param_index(key: &str) -> Option<usize> {
    PARAM_SPECS.iter().position(|p| p.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_within_their_ranges() {
        for s in PARAM_SPECS {
            assert!(
                s.admits(s.default),
                "{} default {} outside {}",
                s.key,
                s.default,
                s.range_text()
            );
            assert!(s.min < s.max, "{}", s.key);
        }
        for a in ACTOR_ATTRS {
            assert!(a.default >= a.min && a.default <= a.max, "{}", a.key);
        }
    }

    #[test]
    fn keys_are_unique_and_slots_match_the_table() {
        let mut p = Params::default();
        for (i, s) in PARAM_SPECS.iter().enumerate() {
            assert_eq!(
                PARAM_SPECS.iter().filter(|t| t.key == s.key).count(),
                1,
                "{}",
                s.key
            );
            *p.slot_mut(i) = s.default + 1.0;
            assert_eq!(p.values()[i], s.default + 1.0);
        }
    }
}
