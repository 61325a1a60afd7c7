//! The HTTP service on both databases: the real server on a loopback port with a fresh database
//! per test (SQLite always, PostgreSQL when `NAMECARD_TEST_POSTGRES_URL` is set), one module per
//! area, plus the store's conformance suite and the failure cases (full disk, database outage).
//! One binary links the crate once.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod authorization;
mod backup;
mod book;
mod cards;
mod contacts;
mod departments;
mod edge;
mod keys_at_rest;
mod languages;
mod lists;
mod mail;
mod members;
mod oidc;
mod operations;
mod pages;
mod resilience;
mod scim;
mod sessions;
mod store;
mod transfers;
mod upgrade;
mod ways;
