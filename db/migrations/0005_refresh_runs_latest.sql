-- GET /api/status reads, per source, the newest run and the newest successful run. With the
-- tie-break on id in the key and successes in an index of their own, each is one probe from
-- the newest end, however long the history or the current streak of failed runs.
drop index refresh_runs_source_started;
create index refresh_runs_source_started on refresh_runs (source, started_at desc, id desc);
create index refresh_runs_source_succeeded on refresh_runs (source, started_at desc, id desc)
  where outcome = 'succeeded';
