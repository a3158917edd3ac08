//! HTTP tests of 一窗通 over a real socket: the API contract, pages, access control, and a slice
//! on PostgreSQL and in Chromium. One test binary for link time.

#![allow(clippy::unwrap_used, reason = "tests")]

mod activity;
mod api_auth;
mod api_calendar;
mod api_cases;
mod api_catalog;
mod api_queue;
mod audit;
mod authz;
mod browser;
mod browser_a11y;
mod browser_cases;
mod browser_centers;
mod browser_desk;
mod browser_hall;
mod browser_portal;
mod browser_projects;
mod browser_reviews;
mod browser_staffing;
mod centers;
mod desk;
mod exchange;
mod exchange_push;
mod hardening;
mod inbox;
mod leaks;
mod my_cases;
mod pages;
mod portal;
mod postgres;
mod projects;
mod reports;
mod reviews;
mod sealing;
mod security;
mod staffing;
mod supervision;
mod validation;
mod workload;

/// The value of the hidden `csrf` field of a page.
pub(crate) fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a csrf field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The first matter code of the demo catalog.
pub(crate) const FIRST_MATTER: &str = "340101001000-341800000000-000-11341800030413869K-1-00";
