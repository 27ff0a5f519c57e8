-- Ticketmaster Discovery API events in Québec, one row per event id, refreshed by upsert and
-- never deleted: the table is the union of every run. Texts are as the API gives them
-- (trimmed); empty parts are null.
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
  segment       text,                     -- the primary classification's, for display
  segment_id    text,
  segment_ids   text[]      not null,     -- every classification's: what segment filters match
  genre         text,
  status        text,                     -- onsale, offsale, cancelled, postponed, rescheduled
  url           text,
  last_seen_at  timestamptz not null      -- start of the last run that listed the event
);

create index ticketmaster_events_by_date on ticketmaster_events (local_date);
create index ticketmaster_events_by_segment on ticketmaster_events using gin (segment_ids);
