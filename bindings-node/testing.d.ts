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
}

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
  stop(): Promise<void>
}

/** Start the embedded csapi simulator in this process (127.0.0.1, a free port). */
export declare function startSimulator(options?: SimulatorOptions): Promise<SimulatorHandle>
