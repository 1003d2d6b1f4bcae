import { HttpMethod, type Route } from '@airlock/contract/gateway';
import {
  CreateProfileBody,
  LIMIT_BOUNDS,
  UpdateProfileBody,
  type LimitName,
  type Limits,
  type Profile,
  type RuntimeKind,
} from '@airlock/contract/profiles';
import type { z } from 'zod';
import { ApiError } from '../api/client';

/**
 * The profile form: what its fields hold (text, as typed), how that becomes a request body checked
 * with the contract's own schema, and where each complaint (local or the server's) is shown.
 */

export type Method = z.infer<typeof HttpMethod>;

export const ROUTE_FLAGS = ['passthrough', 'websocket', 'allowPrivate', 'allowCompressedBody'] as const;
export type RouteFlag = (typeof ROUTE_FLAGS)[number];

export interface RouteDraft {
  /** Stable React key: rows are added and removed in the middle. */
  key: number;
  host: string;
  /** Port numbers separated by commas or spaces; empty: the defaults (443, and 80 for plain HTTP). */
  ports: string;
  /** Empty: any method. */
  methods: Method[];
  /** Path prefixes separated by spaces or new lines (a prefix never holds whitespace); empty: any path. */
  paths: string;
  /** A credential name; empty: none. */
  credential: string;
  passthrough: boolean;
  websocket: boolean;
  allowPrivate: boolean;
  allowCompressedBody: boolean;
}

/** Mantine's NumberInput hands back a string while it is being edited, and '' when empty. */
export type NumberField = number | string;

export interface ProfileDraft {
  name: string;
  runtime: RuntimeKind;
  /** Empty: the configured default image. */
  image: string;
  limits: Record<LimitName, NumberField>;
  routes: RouteDraft[];
}

export const LIMIT_NAMES = Object.keys(LIMIT_BOUNDS) as LimitName[];

const ROUTE_FIELDS = ['host', 'ports', 'methods', 'paths', 'credential', ...ROUTE_FLAGS] as const;
export type RouteField = (typeof ROUTE_FIELDS)[number];

/**
 * Messages by where they show: `name`, `runtime`, `image`, `limits.<name>`, `limits`, `routes`
 * (the list), `routes.<i>` (a route as a whole) and `routes.<i>.<field>`.
 */
export type ProfileErrors = Record<string, string>;

export const routeErrorKey = (i: number, field?: RouteField) =>
  field ? `routes.${i}.${field}` : `routes.${i}`;

let nextKey = 1;
export function emptyRoute(): RouteDraft {
  return {
    key: nextKey++,
    host: '',
    ports: '',
    methods: [],
    paths: '',
    credential: '',
    passthrough: false,
    websocket: false,
    allowPrivate: false,
    allowCompressedBody: false,
  };
}

export function emptyProfileDraft(): ProfileDraft {
  return { name: '', runtime: 'docker', image: '', limits: { pids: '', memoryMb: '', cpus: '' }, routes: [] };
}

export function routeDraftFrom(r: Route): RouteDraft {
  return {
    key: nextKey++,
    host: r.host,
    ports: r.ports?.join(', ') ?? '',
    methods: r.methods ?? [],
    paths: r.paths?.join('\n') ?? '',
    credential: r.credential ?? '',
    passthrough: r.passthrough ?? false,
    websocket: r.websocket ?? false,
    allowPrivate: r.allowPrivate ?? false,
    allowCompressedBody: r.allowCompressedBody ?? false,
  };
}

/** The profile as stored (its own limits, not the defaults it runs with), ready to edit. */
export function profileDraftFrom(p: Profile): ProfileDraft {
  return {
    name: p.name,
    runtime: p.runtime,
    image: p.image ?? '',
    limits: { pids: p.limits.pids ?? '', memoryMb: p.limits.memoryMb ?? '', cpus: p.limits.cpus ?? '' },
    routes: p.routes.map(routeDraftFrom),
  };
}

const capitalize = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);
const words = (s: string) => s.split(/[\s,]+/).filter(Boolean);

function parsePorts(text: string): { ports?: number[]; error?: string } {
  const tokens = words(text);
  if (tokens.length === 0) return {};
  const ports: number[] = [];
  for (const t of tokens) {
    const n = /^\d{1,5}$/.test(t) ? Number(t) : NaN;
    if (!(n >= 1 && n <= 65535)) return { error: `"${t}" is not a port: a port is a number from 1 to 65535` };
    ports.push(n);
  }
  return { ports };
}

function parseLimit(v: NumberField): number | undefined {
  if (typeof v === 'number') return v;
  const t = v.trim();
  // NaN reaches the schema, which names the field and its range.
  return t === '' ? undefined : Number(t);
}

/** One route as the API takes it: only what is set (the schema is strict, absent means default). */
function routeOf(d: RouteDraft, i: number, errors: ProfileErrors): Route {
  const { ports, error } = parsePorts(d.ports);
  if (error) errors[routeErrorKey(i, 'ports')] = capitalize(error);
  const paths = words(d.paths);
  const route: Route = { host: d.host.trim() };
  if (ports) route.ports = ports;
  if (d.methods.length) route.methods = HttpMethod.options.filter((m) => d.methods.includes(m));
  if (paths.length) route.paths = paths;
  if (d.credential.trim()) route.credential = d.credential.trim();
  for (const f of ROUTE_FLAGS) if (d[f]) route[f] = true;
  return route;
}

function limitsOf(d: ProfileDraft): Limits {
  const out: Limits = {};
  for (const n of LIMIT_NAMES) {
    const v = parseLimit(d.limits[n]);
    if (v !== undefined) out[n] = v;
  }
  return out;
}

/**
 * Where a problem reported at `path` shows. Takes the server's two spellings (`body.routes.0.host`
 * from request validation, `routes[0].credential` from the profile service) and the schema's
 * own paths; null for a problem no field owns (it goes in the form's alert).
 */
export function errorKeyOf(path: string): string | null {
  const parts = path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean);
  if (parts[0] === 'body') parts.shift();
  const [top, second, third] = parts;
  if (top === 'name' || top === 'runtime' || top === 'image') return top;
  if (top === 'limits') return LIMIT_NAMES.find((n) => n === second) ? `limits.${second}` : 'limits';
  if (top !== 'routes') return null;
  if (second === undefined || !/^\d+$/.test(second)) return 'routes';
  return routeErrorKey(
    Number(second),
    ROUTE_FIELDS.find((f) => f === third),
  );
}

/** Puts each issue on its field (the first one per field wins); says whether any had no field. */
export function placeIssues(issues: ReadonlyArray<{ path: string; message: string }>): {
  errors: ProfileErrors;
  unplaced: boolean;
} {
  const errors: ProfileErrors = {};
  let unplaced = false;
  for (const issue of issues) {
    const key = errorKeyOf(issue.path);
    if (key === null) unplaced = true;
    else errors[key] ??= capitalize(issue.message);
  }
  return { errors, unplaced };
}

/** The server's answer to a save, split into field messages and what is left for the alert. */
export function serverProfileErrors(err: unknown): { errors: ProfileErrors; alert: unknown } {
  if (!(err instanceof ApiError)) return { errors: {}, alert: err ?? null };
  // A taken name is a conflict, not a validation failure; it still belongs next to the name.
  const details = err.details as { field?: unknown } | undefined;
  if (err.code === 'conflict' && details?.field === 'name')
    return { errors: { name: err.message }, alert: null };
  const issues = err.fieldIssues;
  if (issues.length === 0) return { errors: {}, alert: err };
  const { errors, unplaced } = placeIssues(issues);
  return { errors, alert: unplaced ? err : null };
}

export type Checked<T> = { ok: true; body: T } | { ok: false; errors: ProfileErrors };

/** Key of a local problem no field owns; the form shows it above its buttons. */
export const FORM_ERROR = 'form';

function check<T>(schema: z.ZodType<T>, input: unknown, local: ProfileErrors): Checked<T> {
  const parsed = schema.safeParse(input);
  const errors: ProfileErrors = {};
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: i.path.map(String).join('.'),
      message: i.message,
    }));
    Object.assign(errors, placeIssues(issues).errors);
    const loose = issues.find((i) => errorKeyOf(i.path) === null);
    if (loose) errors[FORM_ERROR] = capitalize(loose.message);
  }
  // The local reading of a field (a port that is not a number) says more than the schema's view of
  // what was left after it.
  Object.assign(errors, local);
  return parsed.success && Object.keys(errors).length === 0
    ? { ok: true, body: parsed.data }
    : { ok: false, errors };
}

export function createBodyOf(d: ProfileDraft): Checked<CreateProfileBody> {
  const local: ProfileErrors = {};
  const limits = limitsOf(d);
  const input = {
    name: d.name.trim(),
    runtime: d.runtime,
    ...(d.image.trim() ? { image: d.image.trim() } : {}),
    ...(Object.keys(limits).length ? { limits } : {}),
    routes: d.routes.map((r, i) => routeOf(r, i, local)),
  };
  return check(CreateProfileBody, input, local);
}

/** Every field is sent: the limits and routes replace what is stored, an empty image means the default. */
export function updateBodyOf(d: ProfileDraft): Checked<UpdateProfileBody> {
  const local: ProfileErrors = {};
  const input = {
    name: d.name.trim(),
    runtime: d.runtime,
    image: d.image.trim() || null,
    limits: limitsOf(d),
    routes: d.routes.map((r, i) => routeOf(r, i, local)),
  };
  return check(UpdateProfileBody, input, local);
}

/**
 * Route messages follow their route when a route above is removed, so none sits on the wrong row
 * (or on no row at all) until the next save.
 */
export function errorsAfterRemovingRoute(errors: ProfileErrors, removed: number): ProfileErrors {
  const out: ProfileErrors = {};
  for (const [key, message] of Object.entries(errors)) {
    const m = /^routes\.(\d+)(\..+)?$/.exec(key);
    if (!m) {
      out[key] = message;
      continue;
    }
    const i = Number(m[1]);
    if (i === removed) continue;
    out[`routes.${i > removed ? i - 1 : i}${m[2] ?? ''}`] = message;
  }
  return out;
}
