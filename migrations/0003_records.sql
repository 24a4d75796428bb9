-- restorectl's shared incident state, version 3.
-- The announcements' records and the operators' alerts, line by line exactly as in their files:
-- `announcements/webhooks.jsonl` (drafted updates, who approved or rejected each, the webhooks'
-- delivery queue and what became of each delivery), `announcements/announced.jsonl` (what
-- customers were told) and `notify.jsonl` (the operators' alerts). Appended in each file's order.
CREATE TABLE restorectl_records (
    id     bigserial PRIMARY KEY,
    state  text      NOT NULL,
    file   text      NOT NULL,
    record text      NOT NULL
);
CREATE INDEX restorectl_records_file ON restorectl_records (state, file, id);

-- What became of a decision a run took, for whoever gave it (a review of an update: the line
-- told and the exit code, as JSON).
ALTER TABLE restorectl_decisions ADD COLUMN outcome text;
