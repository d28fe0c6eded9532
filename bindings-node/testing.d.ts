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
