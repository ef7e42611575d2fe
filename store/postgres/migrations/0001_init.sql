-- The user aggregate is one JSON document per user, changed only through
-- UpdateUser; version is the optimistic-concurrency counter.
CREATE TABLE users (
    id         uuid PRIMARY KEY,
    version    bigint      NOT NULL,
    data       jsonb       NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 70);

-- Every value at most one user may hold (user ID, CPR number, chip
-- credential, identity document). The primary key is the uniqueness rule.
CREATE TABLE unique_keys (
    kind    text NOT NULL,
    value   text NOT NULL,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, value)
);
CREATE INDEX unique_keys_user ON unique_keys (user_id);

-- The activity log. seq orders it; data holds the whole event.
CREATE TABLE events (
    seq     bigserial PRIMARY KEY,
    id      uuid        NOT NULL UNIQUE,
    user_id uuid,
    type    text        NOT NULL,
    at      timestamptz NOT NULL,
    data    jsonb       NOT NULL
);
CREATE INDEX events_user_seq ON events (user_id, seq);
CREATE INDEX events_type_seq ON events (type, seq);

CREATE TABLE orders (
    number    text PRIMARY KEY,
    user_id   uuid,
    version   bigint      NOT NULL,
    placed_at timestamptz NOT NULL,
    data      jsonb       NOT NULL
);
CREATE INDEX orders_user ON orders (user_id, placed_at);

CREATE TABLE sessions (
    id          text PRIMARY KEY,
    kind        text        NOT NULL,
    user_id     uuid,
    data        bytea,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    consumed_at timestamptz,
    version     bigint      NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- One row per notification of one event on one channel.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    event_id     uuid        NOT NULL,
    user_id      uuid,
    channel      text        NOT NULL,
    address      text        NOT NULL,
    language     text        NOT NULL,
    attempts     integer     NOT NULL DEFAULT 0,
    available_at timestamptz NOT NULL,
    lease        text,
    lease_until  timestamptz,
    delivered_at timestamptz,
    dead         boolean     NOT NULL DEFAULT false,
    last_error   text
);
CREATE INDEX outbox_due ON outbox (available_at, id) WHERE delivered_at IS NULL AND NOT dead;
CREATE INDEX outbox_user ON outbox (user_id, id);
