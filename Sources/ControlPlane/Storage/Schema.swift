/// The fleet database schema, in SQL both SQLite and PostgreSQL accept (SQLite maps BIGINT to INTEGER
/// and DOUBLE PRECISION to REAL affinity). Times are seconds since 1970 as DOUBLE PRECISION.
enum FleetSchema {
    static let version: Int64 = 1

    static let statements: [String] = [
        """
        CREATE TABLE IF NOT EXISTS fleet_schema (version BIGINT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS enrollment_tokens (
            token_hash TEXT PRIMARY KEY,
            labels TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL,
            used_at DOUBLE PRECISION,
            device_id TEXT)
        """,
        """
        CREATE TABLE IF NOT EXISTS devices (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            credential_hash TEXT NOT NULL UNIQUE,
            labels TEXT NOT NULL,
            inventory TEXT,
            active_model TEXT,
            health TEXT,
            enrolled_at DOUBLE PRECISION NOT NULL,
            last_seen DOUBLE PRECISION,
            desired_sequence BIGINT NOT NULL DEFAULT 0)
        """,
        """
        CREATE TABLE IF NOT EXISTS update_reports (
            id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL REFERENCES devices(id),
            at DOUBLE PRECISION NOT NULL,
            report TEXT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS update_reports_device ON update_reports (device_id, at)",
        """
        CREATE TABLE IF NOT EXISTS telemetry_batches (
            device_id TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            received_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (device_id, idempotency_key))
        """,
        """
        CREATE TABLE IF NOT EXISTS telemetry (
            device_id TEXT NOT NULL,
            model_name TEXT NOT NULL,
            model_version TEXT NOT NULL,
            interval_start DOUBLE PRECISION NOT NULL,
            requests BIGINT NOT NULL,
            errors BIGINT NOT NULL,
            fallbacks BIGINT NOT NULL,
            prompt_tokens BIGINT NOT NULL,
            completion_tokens BIGINT NOT NULL,
            latency_ms_sum DOUBLE PRECISION NOT NULL,
            ttft_ms_sum DOUBLE PRECISION NOT NULL,
            peak_memory_bytes BIGINT NOT NULL,
            latency_buckets TEXT NOT NULL,
            PRIMARY KEY (device_id, model_name, model_version, interval_start))
        """,
        "CREATE INDEX IF NOT EXISTS telemetry_version ON telemetry (model_name, model_version, interval_start)",
        """
        CREATE TABLE IF NOT EXISTS variants (
            model_name TEXT NOT NULL,
            version TEXT NOT NULL,
            variant TEXT NOT NULL,
            facts TEXT NOT NULL,
            manifest TEXT NOT NULL,
            artifact_path TEXT,
            created_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (model_name, version, variant))
        """,
        """
        CREATE TABLE IF NOT EXISTS deployments (
            id TEXT PRIMARY KEY,
            model_name TEXT NOT NULL,
            version TEXT NOT NULL,
            previous_version TEXT,
            selector TEXT NOT NULL,
            plan TEXT NOT NULL,
            policy TEXT NOT NULL,
            state TEXT NOT NULL,
            revision BIGINT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS experiments (
            id TEXT PRIMARY KEY,
            definition TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL)
        """,
    ]
}
