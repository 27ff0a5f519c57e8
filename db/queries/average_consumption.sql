-- Average French consumption between 1 January 06:00 and 3 January 17:00 (Europe/Paris
-- wall-clock time) of a given year, both ends included: the half-hours starting at 06:00
-- on the 1st through 17:00 on the 3rd (119 values when none is missing).
--
-- Independent of the server's TimeZone and DateStyle: the bounds are built with
-- make_timestamp() (no text parsing) and placed in Paris time with AT TIME ZONE.
--
--   psql "$DATABASE_URL" -v year=2018 -f db/queries/average_consumption.sql
--
-- GET /api/consumption/summary?start=2018-01-01T06:00&end=2018-01-03T17:00 answers the same:
-- its mean_w is average_w (the numeric mean of the integer MW, × 10⁶, rounded to the watt).
\if :{?year}
\else
  \set year 2018
\endif

with bounds as (
  select make_timestamp(:year, 1, 1, 6, 0, 0) at time zone 'Europe/Paris' as first_start,
         make_timestamp(:year, 1, 3, 17, 0, 0) at time zone 'Europe/Paris' as last_start
)
select :year as year,
       count(*) as half_hours,
       round(avg(c.consumption_mw), 3) as average_mw,
       round(avg(c.consumption_mw) * 1000000) as average_w
from rte_consumption c, bounds b
where c.perimeter = 'France'
  and c.period_start between b.first_start and b.last_start;
