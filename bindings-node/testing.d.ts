/** Options of `startSimulator`. */
export interface SimulatorOptions {
  /** Credentials the simulator accepts (default `qualys` / `qualys`). */
  username?: string
  password?: string
  /** Seed of the generated inventory: same seed, same data. */
  seed?: number
  images?: number
  containers?: number
  sensors?: number
  registries?: number
  /** Every count by name (a count also given as its own option wins). */
  counts?: SimulatorCounts
  /** Added to every `/csapi` request, in milliseconds. */
  latencyMs?: number
  /** Port to listen on (default 0: any free port). */
  port?: number
  /** Lifetime of the JWTs `/auth` issues, in seconds (default 4 h, as Qualys documents). */
  tokenTtl?: number
  /** Random faults drawn per `/csapi` request. */
  faults?: SimulatorFaults
  /** `full` (default), `trial` or `free` (reports answer 409). */
  subscription?: 'full' | 'trial' | 'free'
  /** Keep at most this many requests in the log; 0 turns it off. */
  requestLog?: number
  /** Answer 406 when a success's content type is not one the request's `Accept` allows. */
  strictAccept?: boolean
  /** The bulk lists' `link` header name: `lower` (`link`, default) or `title` (`Link`). */
  linkCase?: 'lower' | 'title'
  /** What their last page sends instead of a next link: `null` (default), `absent` or `empty`. */
  linkEnd?: 'null' | 'absent' | 'empty'
  /**
   * Rate limits per endpoint family (off by default): `true` or `'published'` (Qualys' limits), a
   * scale factor (`0.1`: a tenth of them), or `{family: [calls, windowSeconds]}`, e.g.
   * `{ images: [10, 1] }` (families: `images/list`, `containers/list`, `images`, `containers`,
   * `registry`, `sensors`; the others keep the published limits).
   */
  rateLimits?: boolean | 'published' | number | Record<string, [number, number]>
  /** Also send `Retry-After` beside `X-RateLimit-ToWait-Sec` on a 429 (no Qualys source mentions it; off by default). */
  retryAfter?: boolean
  /** The host the bulk lists' `link` header names (Qualys' samples name another host than the one asked). */
  linkHost?: string
  /**
   * Your own records, served like generated ones (filters, sort, paging, get, delete): a directory
   * of `images.json`, `containers.json`, `registries.json`, `tags.json`, `sensors.json`,
   * `reports.json`, `policies.json`, `controls.json`, `events.json`, `k8s_postures.json`,
   * `k8s_clusters.json` (each a list answer `{data: [...]}` or a bare list), or an object of those
   * names to records. A record is
   * shaped like an item of the list answer; missing fields are filled, unknown ones kept.
   */
  fixtures?: string | URL | SimulatorFixtures
  /** `false`: no generated images, containers, sensors, registries or tags (only your records). */
  generated?: boolean
}

/** How many of each the simulator generates. */
export interface SimulatorCounts {
  images?: number
  containers?: number
  sensors?: number
  registries?: number
  repositoriesPerRegistry?: number
  schedulesPerRegistry?: number
  controls?: number
  events?: number
  reports?: number
  k8sPostures?: number
  policies?: number
  tags?: number
}

/** A resource records can be loaded for. */
export type SimulatorResource =
  | 'images'
  | 'containers'
  | 'registries'
  | 'tags'
  | 'sensors'
  | 'reports'
  | 'policies'
  | 'controls'
  | 'events'
  | 'k8s_postures'
  | 'k8s_clusters'

/** Records by resource: a list, or a list answer `{data: [...]}`. */
export type SimulatorFixtures = Partial<
  Record<SimulatorResource, Array<Record<string, unknown>> | { data: Array<Record<string, unknown>> }>
>

/** Random fault rates: shares between 0 and 1. */
export interface SimulatorFaults {
  errorRate?: number
  dropRate?: number
  malformedRate?: number
  truncateRate?: number
  /** Every body streamed in chunks with this pause between them, milliseconds. */
  slowBodyMs?: number
}

/** A fault the simulator applies to the next matching requests. */
export interface Fault {
  kind: 'status' | 'drop' | 'malformed' | 'truncate' | 'delay' | 'slow_body'
  /** For `status`. */
  status?: number
  body?: string
  headers?: Record<string, string>
  /** For `delay` and `slow_body`, milliseconds. */
  ms?: number
  /** Only requests whose path contains this. */
  pathContains?: string
  method?: string
  /** How many requests it applies to (default 1). */
  times?: number
}

/** One request as the simulator saw it. */
export interface LoggedRequest {
  seq: number
  time_ms: number
  method: string
  path: string
  decoded_path: string
  query: string
  query_pairs: Array<[string, string]>
  headers: Array<[string, string]>
  content_type: string | null
  body: unknown
  body_text: string | null
  endpoint: string | null
  status: number
  fault: string | null
  [key: string]: unknown
}

export interface SimulatorHandle {
  url: string
  username: string
  password: string
  requests(): LoggedRequest[]
  clearRequests(): void
  injectFault(fault: Fault): void
  /** Add records of one resource, all or none; returns how many (a bad record throws, naming it). */
  add(resource: SimulatorResource, records: Array<Record<string, unknown>>): number
  addImages(records: Array<Record<string, unknown>>): number
  addContainers(records: Array<Record<string, unknown>>): number
  addRegistries(records: Array<Record<string, unknown>>): number
  addTags(records: Array<Record<string, unknown>>): number
  addSensors(records: Array<Record<string, unknown>>): number
  stop(): Promise<void>
}

/** Start the embedded csapi simulator in this process (127.0.0.1, a free port). */
export declare function startSimulator(options?: SimulatorOptions): Promise<SimulatorHandle>
