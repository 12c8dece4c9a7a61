-- Jobs that one node at a time should run (a round every node may run, but that costs seconds
-- at scale, such as the insights rollups): the node holding an unexpired lease runs it, and
-- renews it each round; when it stops, another takes over once the lease runs out.
CREATE TABLE job_leases (
    name   TEXT   NOT NULL PRIMARY KEY,
    holder TEXT   NOT NULL,
    until  BIGINT NOT NULL
);
