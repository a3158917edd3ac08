//! Pure types and rules of 一窗通 (yichuang): the catalog format and its validation, the
//! working-day calendar, the clock, accounts and roles. No IO lives here: every other crate
//! builds on these types, and everything in this crate is testable without a database.

pub mod account;
pub mod calendar;
pub mod case;
pub mod catalog;
pub mod clock;
pub mod error;
pub mod evaluation;
pub mod holidays;
pub mod ids;
pub mod mask;
pub mod project;
pub mod queue;

pub use error::DomainError;
