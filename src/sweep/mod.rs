//! Parameter sweeps and sensitivity analysis: sweep files ([`spec`]), designs and indices ([`design`],
//! [`analysis`]), running points across cores with resume and shards ([`run`]), and results ([`results`]).

pub mod analysis;
pub mod design;
pub mod results;
pub mod run;
pub mod spec;
