/** Vendor extension on each OpenAPI operation naming its guard, e.g. "admin+unlock". */
export const GUARD_EXTENSION = 'x-airlock-guard';
