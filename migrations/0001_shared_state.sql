-- restorectl's shared incident state (`--state postgres://…`), version 1.
-- The journal: each plan's journal.jsonl, line by line, exactly as written (the hash chain covers
-- every line, so an edited row is found by `restorectl journal verify`).
CREATE TABLE restorectl_journal (
    state  text   NOT NULL,
    line   bigint NOT NULL,
    record text   NOT NULL,
    PRIMARY KEY (state, line)
);

-- People's decisions given from any machine (`confirm`, sign-offs), for the run to take: the file
-- the run reads, by its path in the state directory, and its text as `confirm` wrote it.
CREATE TABLE restorectl_decisions (
    id      bigserial   PRIMARY KEY,
    state   text        NOT NULL,
    path    text        NOT NULL,
    body    text        NOT NULL,
    given   timestamptz NOT NULL DEFAULT now(),
    taken   boolean     NOT NULL DEFAULT false
);
CREATE INDEX restorectl_decisions_waiting ON restorectl_decisions (state) WHERE NOT taken;
