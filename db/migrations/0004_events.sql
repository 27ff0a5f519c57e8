-- Ticketmaster Discovery API events in Québec, one row per event id, refreshed by upsert.
-- Texts are as the API gives them (trimmed); empty parts are null.
create table ticketmaster_events (
  id            text primary key,         -- Ticketmaster event id, case-sensitive
  title         text        not null,
  local_date    date        not null,     -- at the venue
  local_time    time,                     -- null when the API gives no time
  start_utc     timestamptz,
  time_zone     text,
  venue_name    text,
  address       text,                     -- the parts below, joined for display
  address_lines text,
  city          text,
  province      text,
  postal_code   text,
  country       text,
  image_url     text,                     -- largest image by area
  segment       text,
  segment_id    text,
  genre         text,
  status        text,                     -- onsale, offsale, cancelled, postponed, rescheduled
  url           text,
  fetched_at    timestamptz not null      -- when the run that last saw the event fetched it
);

create index ticketmaster_events_by_date on ticketmaster_events (local_date);
