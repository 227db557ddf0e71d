// Schema versions of the embedded store; each entry runs once, in order (PRAGMA user_version).
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    subject TEXT NOT NULL,
    time INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    properties TEXT NOT NULL,
    causation_id TEXT,
    depth INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX events_subject ON events (subject, seq);
  CREATE INDEX events_type ON events (type, seq);
  CREATE TABLE positions (consumer TEXT PRIMARY KEY, seq INTEGER NOT NULL);
  CREATE TABLE subjects (id TEXT PRIMARY KEY, attributes TEXT NOT NULL, updated_at INTEGER NOT NULL);
  CREATE TABLE rules (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    enabled INTEGER NOT NULL,
    deleted_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE rule_versions (
    rule_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    document TEXT NOT NULL,
    source TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (rule_id, version)
  );
  CREATE TABLE firings (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    rule_id TEXT NOT NULL,
    rule_version INTEGER NOT NULL,
    subject TEXT NOT NULL,
    event_ids TEXT NOT NULL,
    grp TEXT NOT NULL,
    trace TEXT NOT NULL,
    time INTEGER NOT NULL
  );
  CREATE INDEX firings_rule ON firings (rule_id, seq);
  CREATE INDEX firings_subject ON firings (subject, seq);
  CREATE TABLE deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    firing_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    action_index INTEGER NOT NULL,
    kind TEXT NOT NULL,
    destination TEXT NOT NULL,
    spec TEXT NOT NULL,
    context TEXT NOT NULL,
    policy TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    attempt_base INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    window_started_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    last_error TEXT,
    delivered_at INTEGER,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
  CREATE INDEX deliveries_rule ON deliveries (rule_id, seq);
  CREATE INDEX deliveries_subject ON deliveries (subject, seq);
  CREATE INDEX deliveries_firing ON deliveries (firing_id);
  CREATE TABLE delivery_attempts (
    delivery_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    latency_ms REAL NOT NULL,
    status_code INTEGER,
    error TEXT,
    response TEXT,
    PRIMARY KEY (delivery_id, attempt)
  );
  CREATE TABLE timers (
    id TEXT PRIMARY KEY,
    rule_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    payload TEXT NOT NULL
  );
  CREATE INDEX timers_due ON timers (due_at);
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    ciphertext BLOB NOT NULL,
    iv BLOB NOT NULL,
    tag BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  `
  -- Partial indexes over pending rows only: small, and a delivered row leaves them for good, so the
  -- status changes of claims and outcomes touch few pages. Claims walk the destinations that have
  -- pending rows and seek each one's earliest due rows, in order, without a sort.
  DROP INDEX deliveries_due;
  CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX deliveries_pending ON deliveries (destination, next_attempt_at, seq) WHERE status = 'pending';
  CREATE INDEX deliveries_leased ON deliveries (seq) WHERE status = 'delivering';
  CREATE INDEX deliveries_dead ON deliveries (seq) WHERE status = 'dead';
  -- Every event of a new subject dirtied a random page of this index: a third of ingest throughput.
  -- Listing one subject's events now scans the log backwards; profiles and firings keep their indexes.
  DROP INDEX events_subject;
  -- Random-key indexes cost a page write per row. A firing's deliveries are found by their id prefix;
  -- deliveries by subject are rare (a subject's firings carry theirs) and scan.
  DROP INDEX deliveries_subject;
  DROP INDEX deliveries_firing;
  `,
  `
  -- The storage boundary (issue 5): cursors per partition, fenced subject versions, the emit outbox and
  -- its relay, lease owners and tokens, failed events, rule errors, requests as sent, signing secrets.
  CREATE TABLE cursors (consumer TEXT NOT NULL, partition INTEGER NOT NULL, cursor TEXT NOT NULL, PRIMARY KEY (consumer, partition));
  INSERT INTO cursors (consumer, partition, cursor) SELECT consumer, 0, CAST(seq AS TEXT) FROM positions;
  DROP TABLE positions;
  ALTER TABLE subjects ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
  CREATE TABLE emit_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    event TEXT NOT NULL
  );
  CREATE INDEX emit_outbox_id ON emit_outbox (id);
  ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
  ALTER TABLE deliveries ADD COLUMN lease_token TEXT;
  ALTER TABLE delivery_attempts ADD COLUMN request TEXT;
  ALTER TABLE timers ADD COLUMN partition INTEGER NOT NULL DEFAULT 0;
  DROP INDEX timers_due;
  CREATE INDEX timers_due ON timers (partition, due_at);
  CREATE TABLE event_failures (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    partition INTEGER NOT NULL,
    cursor TEXT NOT NULL,
    stage TEXT NOT NULL,
    error TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX event_failures_partition ON event_failures (partition, seq);
  CREATE TABLE rule_errors (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    message TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX rule_errors_rule ON rule_errors (rule_id, seq);
  CREATE TABLE signing_secrets (
    id TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    ciphertext BLOB NOT NULL,
    iv BLOB NOT NULL,
    tag BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
  );
  CREATE INDEX signing_secrets_scope ON signing_secrets (scope, created_at);
  `,
  `
  -- Scale (issue 9): a UNIQUE index over every event id put each random id (UUIDs, as SDKs send) on its
  -- own page of a B-tree as large as the log: a commit of 100 events dirtied about 100 pages. Ingest now
  -- dedupes against a bounded window of recent ids kept in memory (recent-ids.ts), rebuilt from the log
  -- at start, so the table loses its unique constraint (SQLite rebuilds a table to drop one).
  -- AUTOINCREMENT keeps seq never reused after retention deletes the oldest rows.
  INSERT INTO meta (key, value) SELECT 'migration_events_seq', seq FROM sqlite_sequence WHERE name = 'events';
  CREATE TABLE events_v4 (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    subject TEXT NOT NULL,
    time INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    properties TEXT NOT NULL,
    causation_id TEXT,
    depth INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO events_v4 SELECT seq, id, type, subject, time, received_at, properties, causation_id, depth FROM events;
  DROP TABLE events;
  ALTER TABLE events_v4 RENAME TO events;
  CREATE INDEX events_type ON events (type, seq);
  DELETE FROM sqlite_sequence WHERE name = 'events';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'events', MAX(COALESCE((SELECT MAX(seq) FROM events), 0), COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'migration_events_seq'), 0));
  DELETE FROM meta WHERE key = 'migration_events_seq';
  `,
  `
  -- Rules with memory (issue 6): a subject's memory (windows, open instances, caps: JSON the engine owns)
  -- lives beside its attributes and is written in the same fenced commit; NULL: nothing remembered.
  -- Suppressions (a trigger stopped or delayed by a limit) are counted per rule and reason over a period,
  -- and listed per subject for explain.
  ALTER TABLE subjects ADD COLUMN memory TEXT;
  CREATE TABLE suppressions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    reason TEXT NOT NULL,
    event_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    detail TEXT NOT NULL,
    delayed_until INTEGER
  );
  CREATE INDEX suppressions_rule ON suppressions (rule_id, reason, at);
  CREATE INDEX suppressions_subject ON suppressions (subject, at);
  `,
  `
  -- The subject timeline (issue 6, explain): a subject's events found without a per-subject index over the
  -- log (which cost 3x ingest). The pipeline thread buffers (subject hash -> seqs) of the events it reads and
  -- writes them as one sorted run every few thousand events, in blocks of 64 subjects (rows appended in key
  -- order), merges runs in the background, and drops runs older than the events kept
  -- (subject-timeline-indexer.ts). Readers do one seek per run.
  CREATE TABLE subject_timeline_runs (
    run INTEGER PRIMARY KEY,
    level INTEGER NOT NULL,
    day INTEGER NOT NULL,
    from_seq INTEGER NOT NULL,
    to_seq INTEGER NOT NULL,
    state TEXT NOT NULL
  );
  CREATE TABLE subject_timeline (
    run INTEGER NOT NULL,
    first_hash INTEGER NOT NULL,
    block BLOB NOT NULL,
    PRIMARY KEY (run, first_hash)
  ) WITHOUT ROWID;
  `,
  `
  -- Holdouts and goals (issue 7, ../shared/STATS.md). An experiment is a rule's holdout under one salt:
  -- changing the salt re-randomises and starts a new experiment (audited in holdout_salts).
  -- exposures: a subject's FIRST exposure to a rule under a salt (a treatment firing, or a holdout subject's
  -- would-have-fired record); later firings of that subject do not change it.
  -- exposure_outcomes: one row per exposure and metric (goal or guardrail, by name), kept up to date as goal
  -- events arrive, with the same metric over the window of the same length before the exposure (CUPED). The
  -- group and exposure time are copied in so that a report is one range scan grouped by grp (no join).
  -- goal_events: the goal and guardrail events seen for rules with a holdout, so that an exposure finds its
  -- pre-exposure window and an early or late goal event finds its exposure; deleted once no window needs them.
  CREATE TABLE holdout_salts (
    rule_id TEXT NOT NULL,
    salt TEXT NOT NULL,
    since INTEGER NOT NULL,
    changed_by TEXT,
    reason TEXT,
    PRIMARY KEY (rule_id, salt)
  );
  CREATE TABLE exposures (
    rule_id TEXT NOT NULL,
    salt TEXT NOT NULL,
    subject TEXT NOT NULL,
    grp INTEGER NOT NULL,           -- 0 holdout (control), 1 treatment
    global_control INTEGER NOT NULL DEFAULT 0,
    exposed_at INTEGER NOT NULL,    -- the firing's event time (ms)
    firing_id TEXT NOT NULL,
    rule_version INTEGER NOT NULL,
    PRIMARY KEY (rule_id, salt, subject)
  ) WITHOUT ROWID;
  CREATE INDEX exposures_time ON exposures (rule_id, salt, exposed_at);
  CREATE TABLE exposure_outcomes (
    rule_id TEXT NOT NULL,
    salt TEXT NOT NULL,
    metric TEXT NOT NULL,
    subject TEXT NOT NULL,
    grp INTEGER NOT NULL,
    exposed_at INTEGER NOT NULL,
    window_ms INTEGER NOT NULL,
    converted INTEGER NOT NULL DEFAULT 0,
    value REAL NOT NULL DEFAULT 0,
    pre_converted INTEGER NOT NULL DEFAULT 0,
    pre_value REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (rule_id, salt, metric, subject)
  ) WITHOUT ROWID;
  CREATE INDEX exposure_outcomes_time ON exposure_outcomes (rule_id, salt, metric, exposed_at);
  CREATE TABLE goal_events (
    rule_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    subject TEXT NOT NULL,
    time INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    value REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (rule_id, metric, subject, time, event_id)
  ) WITHOUT ROWID;
  CREATE INDEX goal_events_time ON goal_events (time);
  `,
  `
  -- The holdout report (issue 7, src/report/report-reader.ts): per exposure day and group, the sums of a metric's
  -- outcomes. Grouping by day needed a sort of every row (superlinear past SQLite's sort memory) and the time
  -- index a table lookup per row; this index holds the rows in the report's order (the day is an expression of
  -- exposed_at) with every column it sums, so the report is one sequential range read with no sort, and a refresh
  -- reads only the days still open. It replaces exposure_outcomes_time, which only the report read.
  DROP INDEX exposure_outcomes_time;
  CREATE INDEX exposure_outcomes_report ON exposure_outcomes
    (rule_id, salt, metric, exposed_at / 86400000, grp, exposed_at, window_ms, converted, value, pre_converted, pre_value);
  `,
  `
  -- People, sessions and the audit log (issue 8, src/api/roles.ts). users: the password as an encoded scrypt hash
  -- (parameters and salt inside it), never the password. sessions: the cookie's token only as its SHA-256 hash;
  -- a row is a live session, so sign-out and disabling a user end it at once. audit: who changed which rule, key
  -- or user, and sign-ins; read newest first by target or by actor.
  CREATE TABLE users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX sessions_user ON sessions (username);
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    diff TEXT
  );
  CREATE INDEX audit_target ON audit (target, id);
  CREATE INDEX audit_actor ON audit (actor, id);
  `,
  // 10: a report revision per rule, raised when the pipeline writes an exposure or a goal event older than a day
  // (REPORT_SETTLE_MS): a report's cached final days (src/report/daily-cache.ts) are read again after it.
  `
  CREATE TABLE report_revisions (
    rule_id TEXT PRIMARY KEY,
    revision INTEGER NOT NULL
  );
  `,
];
