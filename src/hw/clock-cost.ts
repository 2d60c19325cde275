// Cost of a clocked block as a function of its clock (docs/models.md, "Cost versus clock"). A block's cost
// parameters (area_mm2, static_mw, energy_pj_per_cycle) are those of the implementation that closes timing at the
// knee, knee_mhz: at or below it synthesis meets timing with minimum-size cells, so area is flat; above it the
// tools upsize cells, duplicate logic and add buffers, and area grows, here quadratically in the overshoot:
//   area(f)   = area_mm2 x a,  a = 1 + area_growth x ((f - knee) / knee)^2 for f > knee, else 1
//   static(f) = static_mw x ((1 - clock_power_fraction) x a + clock_power_fraction x f / knee)
//               leakage scales with area, the clock tree's power with the clock
//   energy per cycle (per operation: cycles per operation are fixed) = energy_pj_per_cycle x a
//               larger cells switch more capacitance; dynamic power = energy per op x ops/s, so it grows with
//               clock x utilisation
// A faster clock is therefore never free: above the knee it costs area, leakage and energy per operation; below
// it the clock tree still costs power in proportion to the clock.

export interface ClockCostParams {
  knee_mhz: number;
  area_growth: number;
  clock_power_fraction: number;
}

export interface ClockScaling {
  /** Multiplier of area_mm2 (and of energy per cycle). */
  area: number;
  /** Multiplier of static_mw. */
  static: number;
  /** Multiplier of energy_pj_per_cycle. */
  energy: number;
}

export function clockScaling(clockMhz: number, p: ClockCostParams): ClockScaling {
  const over = Math.max(0, (clockMhz - p.knee_mhz) / p.knee_mhz);
  const area = 1 + p.area_growth * over * over;
  return {
    area,
    static: (1 - p.clock_power_fraction) * area + p.clock_power_fraction * (clockMhz / p.knee_mhz),
    energy: area,
  };
}
