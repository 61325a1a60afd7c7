//! The PostgreSQL store: for several instances sharing one database behind a load balancer.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr as _;

use super::StoreError;

/// The store on PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pub(super) pool: sqlx::PgPool,
}

impl PostgresStore {
    /// Connects to `url` and applies migrations (under PostgreSQL's advisory lock, so instances
    /// starting together do not race).
    ///
    /// # Errors
    /// When the database cannot be reached or migrated.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(PgConnectOptions::from_str(url)?).await
    }

    /// Connects with explicit options (the tests use them to put each test in its own schema).
    ///
    /// # Errors
    /// When the database cannot be reached or migrated.
    pub async fn connect_with(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(super::ACQUIRE_TIMEOUT)
            // A connection whose transaction was not ended (a failed commit) is not reused.
            .after_release(|conn, _| {
                Box::pin(async move {
                    use sqlx::Connection as _;
                    Ok(!conn.is_in_transaction())
                })
            })
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(StoreError::Migrate)?;
        Ok(Self { pool })
    }
}

impl PostgresStore {
    /// Nothing to do: PostgreSQL reclaims old row versions itself (autovacuum). Its files and
    /// backups are the database server's to protect.
    #[allow(clippy::unused_async)]
    pub(super) async fn scrub(&self) {}

    /// A write transaction (the counterpart of SQLite's `IMMEDIATE` one; PostgreSQL locks rows as
    /// they are written).
    pub(super) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }

    /// Where a single-statement write runs (any connection: PostgreSQL has many writers).
    pub(super) fn writer(&self) -> &sqlx::PgPool {
        &self.pool
    }
}
