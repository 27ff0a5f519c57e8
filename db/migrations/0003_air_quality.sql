-- AirQino air quality (docs/air_quality.md). Tables `airqino_*` hold what the API returned
-- and what the ETL derived from it; views `air_quality_*` are the read-only surface for BI
-- tools (Superset, Metabase). Every time is UTC, which is also Abidjan's local time.

-- The parameter catalogue: API key, column, unit.
create table airqino_parameters (
  parameter   text primary key,           -- column name in airqino_hourly
  api_key     text not null unique,       -- key in the API's data rows
  unit        text not null,
  description text not null,
  pollutant   boolean not null
);
insert into airqino_parameters values
  ('co',    'CO',      'mg/m³', 'Carbon monoxide (calibrated; negative in older responses, clamped to 0 later)', true),
  ('no2',   'NO2',     'µg/m³', 'Nitrogen dioxide (calibrated)', true),
  ('o3',    'O3',      'µg/m³', 'Ozone (calibrated; negative in older responses, clamped to 0 later)', true),
  ('pm10',  'PM10',    'µg/m³', 'Particulate matter below 10 µm', true),
  ('pm25',  'PM2.5',   'µg/m³', 'Particulate matter below 2.5 µm', true),
  ('t',     'T',       '°C',    'Air temperature (calibrated)', false),
  ('rh',    'RH',      '%',     'Relative humidity (capped at 99.8)', false),
  ('t_int', 'T. int.', 'raw counts (about 0.1 °C)', 'Board temperature, uncalibrated', false);

create table airqino_stations (
  station_id   bigint primary key,        -- the {station_id} of /v3/getStationHourlyAvg
  station_name text,                      -- header.station_name, e.g. SMART188
  latitude     double precision,          -- header.station_lat, as reported
  longitude    double precision,          -- header.station_lon, as reported (unreliable: sign lost in 2024)
  header       jsonb not null,            -- the header of the latest fetch, exactly as received
  fetched_at   timestamptz not null       -- the latest successful fetch (updated on every run)
);

-- One row per station and UTC hour; a value the API omitted stays NULL.
create table airqino_hourly (
  station_id bigint not null references airqino_stations,
  hour_start timestamptz not null
    check (date_trunc('hour', hour_start at time zone 'UTC') = hour_start at time zone 'UTC'),
  co         double precision,
  t          double precision,
  t_int      double precision,
  no2        double precision,
  o3         double precision,
  pm10       double precision,
  pm25       double precision,
  rh         double precision,
  raw        jsonb not null,              -- the row as received, original keys ("PM2.5", "T. int.")
  -- The newest hour of its response: still filling, its values will change. Cleared when a
  -- later fetch returns a newer hour.
  provisional boolean not null default false,
  fetched_at timestamptz not null,        -- the fetch that last wrote the values or the flag
  primary key (station_id, hour_start)
);

-- Mean of the present hourly values per station, UTC day and parameter.
create table airqino_daily (
  station_id        bigint not null references airqino_stations,
  day               date not null,
  parameter         text not null references airqino_parameters,
  mean              double precision,     -- NULL when no hour of the day has this parameter
  min               double precision,
  max               double precision,
  hours             smallint not null check (hours between 0 and 24),
  nonpositive_hours smallint not null,    -- hours with a value <= 0 (negative or clamped)
  valid             boolean generated always as (hours >= 18) stored,
  provisional       boolean not null,     -- the day was not over, or held a provisional hour
  computed_at       timestamptz not null,
  primary key (station_id, day, parameter)
);
-- The ETL re-reads provisional days on every run.
create index airqino_daily_provisional on airqino_daily (station_id) where provisional;

-- Forecasts, one row per base hour (last complete hour used) and horizon, with the
-- rolling-origin backtest of the same model on the station's recent data.
create table airqino_forecasts (
  station_id        bigint not null references airqino_stations,
  parameter         text not null references airqino_parameters,
  base_hour         timestamptz not null,
  horizon_hours     smallint not null check (horizon_hours > 0),
  target_hour       timestamptz not null,
  value             double precision not null,
  method            text not null check (method in ('ridge', 'persistence')),
  model             text not null,
  issued_at         timestamptz not null,
  backtest_from     timestamptz,
  backtest_to       timestamptz,
  backtest_n        integer not null,
  backtest_mae      double precision,
  backtest_rmse     double precision,
  persistence_mae   double precision,
  persistence_rmse  double precision,
  same_hour_yesterday_mae  double precision,
  same_hour_yesterday_rmse double precision,
  primary key (station_id, parameter, base_hour, horizon_hours)
);

-- One row per station per ETL run, failed ones included (no foreign key: a station's first
-- run can fail before it has a row).
create table airqino_runs (
  id              bigint generated always as identity primary key,
  station_id      bigint not null,
  started_at      timestamptz not null,
  finished_at     timestamptz not null,
  status          text not null check (status in ('ok', 'failed')),
  hours_received  integer,
  hours_changed   integer,
  days_changed integer,
  error           text
);
create index airqino_runs_station on airqino_runs (station_id, started_at desc);

-- Views for BI tools ------------------------------------------------------------------

create view air_quality_hourly as
select h.station_id, s.station_name, h.hour_start,
       (h.hour_start at time zone 'UTC')::date as day,
       h.co, h.no2, h.o3, h.pm10, h.pm25, h.t, h.rh,
       h.provisional,
       h.fetched_at
from airqino_hourly h
join airqino_stations s using (station_id);

create view air_quality_daily_means as
select d.station_id, s.station_name, d.day, d.parameter, p.unit, d.mean, d.min, d.max,
       d.hours, d.valid, d.provisional, d.nonpositive_hours, d.computed_at
from airqino_daily d
join airqino_stations s using (station_id)
join airqino_parameters p using (parameter);

-- One row per station and day with CO and PM2.5 side by side (what most dashboards plot).
create view air_quality_daily_co_pm25 as
select d.station_id, s.station_name, d.day,
       max(d.mean) filter (where d.parameter = 'co')    as co_mean_mg_m3,
       max(d.hours) filter (where d.parameter = 'co')   as co_hours,
       bool_or(d.valid) filter (where d.parameter = 'co') as co_valid,
       max(d.mean) filter (where d.parameter = 'pm25')  as pm25_mean_ug_m3,
       max(d.hours) filter (where d.parameter = 'pm25') as pm25_hours,
       bool_or(d.valid) filter (where d.parameter = 'pm25') as pm25_valid,
       bool_or(d.provisional) as provisional
from airqino_daily d
join airqino_stations s using (station_id)
where d.parameter in ('co', 'pm25')
group by d.station_id, s.station_name, d.day;

create view air_quality_latest_forecast as
select distinct on (f.station_id, f.parameter, f.horizon_hours)
       f.station_id, s.station_name, f.parameter, p.unit, f.horizon_hours, f.target_hour,
       f.value, f.method, f.model, f.issued_at, f.backtest_n, f.backtest_mae,
       f.backtest_rmse, f.persistence_mae, f.persistence_rmse
from airqino_forecasts f
join airqino_stations s using (station_id)
join airqino_parameters p using (parameter)
order by f.station_id, f.parameter, f.horizon_hours, f.base_hour desc;
