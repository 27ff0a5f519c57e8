/** The consumption API's shapes and the day's summary figures. */
export type Nature = "real_time" | "consolidated" | "definitive";

export interface ConsumptionPoint {
  time: string;
  consumption_w: number;
  nature: Nature;
}

export interface ConsumptionResponse {
  unit: "W";
  timezone: string;
  count: number;
  data: ConsumptionPoint[];
}

export const NATURE_LABELS: Record<Nature, string> = {
  real_time: "Real time",
  consolidated: "Consolidated",
  definitive: "Definitive",
};

const W_PER_MW = 1_000_000;
const HOURS_PER_STEP = 0.5;

export interface DaySummary {
  min: ConsumptionPoint;
  max: ConsumptionPoint;
  averageMw: number;
  /** Energy over the half-hours present: each one holds its power for 30 minutes. */
  energyMwh: number;
}

export function toMw(watts: number): number {
  return watts / W_PER_MW;
}

/** Both bounds are inclusive: the day's last half-hour starts at 23:30 local time. */
export function dayUrl(day: string): string {
  const query = new URLSearchParams({ start: day, end: `${day}T23:30` });
  return `/api/consumption?${query}`;
}

export function summarize(points: ConsumptionPoint[]): DaySummary {
  let min = points[0];
  let max = points[0];
  let totalMw = 0;
  for (const point of points) {
    if (point.consumption_w < min.consumption_w) min = point;
    if (point.consumption_w > max.consumption_w) max = point;
    totalMw += toMw(point.consumption_w);
  }
  return {
    min,
    max,
    averageMw: totalMw / points.length,
    energyMwh: totalMw * HOURS_PER_STEP,
  };
}
