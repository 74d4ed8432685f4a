//! Parameter sweeps and sensitivity analysis: sweep files ([`spec`]), designs and indices ([`design`],
//! [`analysis`]), running points across cores with resume ([`run`]), parts for a cluster and their merge
//! ([`shard`]), and results with their files ([`results`]).

pub mod analysis;
pub mod design;
pub mod results;
pub mod run;
pub mod shard;
pub mod size;
pub mod spec;
