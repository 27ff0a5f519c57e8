-- One row per refresh run of a source (e.g. 'rte'), written when the run starts and
-- completed when it ends, so a crashed run stays visible as 'running' with no end.
create table refresh_runs (
  id           bigint generated always as identity primary key,
  source       text        not null,
  started_at   timestamptz not null default now(),
  finished_at  timestamptz,
  outcome      text        not null default 'running'
               check (outcome in ('running', 'succeeded', 'failed', 'skipped')),
  -- Per file: [{"name", "url", "status": "loaded"|"not-modified"|"failed", "rowsRead", "rowsChanged", "error"}]
  files        jsonb       not null default '[]',
  rows_changed integer     not null default 0,
  error        text
);
create index refresh_runs_source_started on refresh_runs (source, started_at desc);

-- Conditional GET: the validators of the last copy of each URL that was ingested.
create table http_validators (
  url           text        primary key,
  etag          text,
  last_modified text,
  updated_at    timestamptz not null default now()
);
