//! Acceptance tests of the staffing simulator: Erlang C against exact values, the replay against
//! M/M/c theory and hand-worked scenarios, the proposal on a synthetic peak, and the replay
//! against days the product's own hall simulation produced.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;
mod erlang_theory;
mod mmc_replay;
mod plan_changes;
mod product_days;
mod proposal;
