-- restorectl's shared incident state, version 2: the restore actions' output, shipped by the run
-- (redacted, whole lines) so that `restorectl logs --follow` works from any machine.
CREATE TABLE restorectl_logs (
    state   text    NOT NULL,
    run     text    NOT NULL,
    service text    NOT NULL,
    attempt integer NOT NULL,
    seq     bigint  NOT NULL,
    chunk   text    NOT NULL,
    PRIMARY KEY (state, run, service, attempt, seq)
);
