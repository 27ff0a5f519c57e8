-- RTE éCO2mix consumption, one row per half-hour and perimeter.
-- Enum order is the precedence order: a later label outranks an earlier one.
create type rte_nature as enum ('real_time', 'consolidated', 'definitive');

create table rte_consumption (
  perimeter      text        not null,  -- 'France', or a region name as RTE writes it
  period_start   timestamptz not null,  -- UTC instant at which the half-hour starts
  consumption_mw integer     not null check (consumption_mw >= 0),
  nature         rte_nature  not null,
  source_file    text        not null,  -- file name the value came from
  loaded_at      timestamptz not null default now(),
  -- The key doubles as the range index; INCLUDE makes range reads index-only.
  primary key (perimeter, period_start) include (consumption_mw, nature)
);
