// Type-checked by `tsc --noEmit -p tests/node/tsconfig.json` (never run): the public types in use.
import {
  Client, QualysError, NotFoundError, RateLimitError, ValidationError, AbortError, APITimeoutError,
  DeadlineExceededError,
  type Image, type BulkImage, type ImageDetails, type Page, type RawResponse, type Compliance, type Schedule, type PagedList,
} from 'qualys-cs'
import { startSimulator, type SimulatorHandle } from 'qualys-cs/testing'

async function main(): Promise<void> {
  const sim: SimulatorHandle = await startSimulator({ images: 50 })
  const client = new Client({ baseUrl: sim.url, username: sim.username, password: sim.password, auth: 'basic', timeout: 5000, deadline: 30_000 })
  const env = Client.fromEnv({ maxRetries: 1, largeIntegers: 'bigint' })
  void env

  const list: PagedList<Image> = client.images.list({ filter: 'vulnerabilities.severity:5', sort: 'created:desc', pageSize: 10 })
  for await (const image of list) {
    const sha: string | undefined = image.sha
    const sev5 = image.vulnerabilities?.severity5Count
    console.log(sha, sev5, image['anyUnknownField'])
  }
  for await (const page of client.images.bulkList({ limit: 25 }).pages()) {
    const p: Page<BulkImage> = page
    console.log(p.number, p.total, p.cursor, p.items.length, p.rateLimit?.remaining)
  }
  const total: number | undefined = list.total
  const all: Image[] = await client.containers.list().toArray().then(() => [] as Image[])
  console.log(total, all.length)

  const compliance: Compliance = await client.images.compliance('sha256')
  await client.images.get('sha256', { timeout: 5000, deadline: 20_000, maxRetries: 1, extraHeaders: { 'x-trace': 't' }, extraQuery: [['a', 1]] })
  const bearer = new Client({ baseUrl: sim.url, username: sim.username, password: sim.password, auth: 'bearer' })
  await bearer.withOptions({ extraQuery: new URLSearchParams({ a: '1' }) }).request('GET', '/csapi/v1.3/images', { query: { pageSize: 1 } })
  console.log(compliance.controls?.[0]?.posture)
  const raw: RawResponse<ImageDetails> = await client.withRawResponse.images.get('sha256')
  console.log(raw.status, raw.headers['content-type'], raw.rateLimit?.limit, raw.data.sha)

  await client.registries.schedules.bulkCancel('registry-id', { scheduleIds: ['a', 'b'] })
  const schedules: PagedList<Schedule> = client.registries.schedules.list('registry-id')
  void schedules
  await client.registries.aws.connectors()
  await client.registries.gcp.createConnector('name', { type: 'service_account' }, { description: 'd' })
  await client.tags.assign({ entitySha: 'x', entityType: 'IMAGE', tagsToAdd: [{ tagName: 'prod' }] })
  await client.tags.delete('prod')
  await client.reports.download('uuid', { path: '/tmp/report.csv' })
  await client.k8sPostures.count()
  await client.images.vulnerabilities('sha', { type: 'DETAILS' })

  const ac = new AbortController()
  await client.images.get('sha', { signal: ac.signal, timeout: 100, maxRetries: 0, headers: { 'x-a': 'b' }, query: { a: 1 } })
  const images = await client.request<{ data: Image[]; count: number }>('GET', '/csapi/v1.3/images', { query: { pageSize: 5 } })
  console.log(images.count)
  const scoped = client.withOptions({ timeout: 1000 })
  await scoped.sensors.activationKey()

  try {
    await client.images.get('')
  } catch (e) {
    if (e instanceof ValidationError) console.log(e.field, e.rule, e.code)
    else if (e instanceof RateLimitError) console.log(e.retryAfter, e.status)
    else if (e instanceof NotFoundError) console.log(e.status, e.errorCode, e.method, e.path)
    else if (e instanceof DeadlineExceededError) console.log(e.attempts, e.elapsedMs, e.deadlineMs, e.tokenRequests)
    else if (e instanceof APITimeoutError) console.log(e.attempts, e.elapsedMs, e.timeoutMs)
    else if (e instanceof AbortError) console.log(e.name)
    else if (e instanceof QualysError) console.log(e.code)
  }
  sim.injectFault({ kind: 'status', status: 503, times: 1, pathContains: '/images' })
  console.log(sim.requests().length)
  sim.clearRequests()
  await sim.stop()
  // Your own records and rate limits.
  const own = await startSimulator({
    generated: false,
    fixtures: { images: [{ sha: 'ab'.repeat(32), size: 1000 }], registries: { data: [{ registryUri: 'https://r.test' }] } },
    rateLimits: { 'images/list': [10, 1] },
  })
  const added: number = own.addImages([{ sha: 'cd'.repeat(32) }]) + own.add('sensors', [{ hostname: 'edge' }])
  console.log(added)
  await own.stop()
}

void main
