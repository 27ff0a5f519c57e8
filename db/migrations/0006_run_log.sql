-- The run log: `refresh_runs` records the runs of every feed, not only RTE's refreshes.
-- source 'rte': one row per refresh, one item per file;
-- source 'airqino': one row per ETL run, one item per station;
-- source 'ticketmaster': one row per `deno task events` run that stores, one item for its range.
-- Each item: {"name", "status", "rowsChanged", "error"} plus the feed's own facts
-- (RTE: "url", "rowsRead"; AirQino: "hoursReceived", "daysChanged", "finishedAt"), where
-- AirQino's "rowsChanged" is the hours inserted or rewritten.
alter table refresh_runs rename column files to items;

-- airqino_runs held one row per station per run, without a run id; GET
-- /api/air-quality/stations now reads each station's last run from the run log. The stations
-- of a run follow one another without a pause (each starts when the previous one ends) while
-- runs are an hour apart: a gap of more than a minute starts a new run.
with gaps as (
  select r.*,
    case when started_at - lag(finished_at) over (order by started_at, id) <= interval '1 minute'
      then 0 else 1 end as new_run
  from airqino_runs r
), history as (
  select *, sum(new_run) over (order by started_at, id) as run from gaps
)
insert into refresh_runs (source, started_at, finished_at, outcome, items, rows_changed, error)
select 'airqino', min(started_at), max(finished_at),
  case when bool_and(status = 'ok') then 'succeeded' else 'failed' end,
  jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
    'name', station_id::text, 'status', status, 'hoursReceived', hours_received,
    'rowsChanged', hours_changed, 'daysChanged', days_changed, 'error', error,
    'finishedAt', to_char(finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  )) order by started_at, id),
  coalesce(sum(hours_changed), 0),
  -- The same error as a live run's: each failed station with its own.
  string_agg('station ' || station_id || ': ' || error, '; ' order by started_at, id)
from history
group by run;

drop table airqino_runs;

-- GET /api/status: the newest last_seen_at of the stored events, one probe from the end.
create index ticketmaster_events_last_seen on ticketmaster_events (last_seen_at);
