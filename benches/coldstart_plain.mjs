// The cold-start peer of examples/lambda/node/index.js: the same calls with only fetch.
// List the containers (first page), create the tag (400 if it exists), assign it to each container.
// Basic auth; no retries, no rate limiting, no paging beyond the first page.
const BASE = process.env.QUALYS_BASE_URL.replace(/\/$/, '')
const AUTH = 'Basic ' + Buffer.from(`${process.env.QUALYS_USERNAME}:${process.env.QUALYS_PASSWORD}`).toString('base64')

async function call(method, path, { query, body } = {}) {
  const url = new URL(BASE + path)
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, String(v))
  const headers = { Authorization: AUTH, Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const r = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await r.text()
  if (!r.ok) {
    const e = new Error(`${method} ${path}: ${r.status} ${text}`)
    e.status = r.status
    throw e
  }
  return text ? JSON.parse(text) : null
}

export async function handler(event = {}) {
  const tag = event.tag || 'seen-by-lambda'
  const limit = event.limit ?? 100
  const query = { pageSize: Math.min(limit, 100), pageNumber: 1 }
  if (event.filter) query.filter = event.filter
  const page = await call('GET', '/csapi/v1.3/containers', { query })
  const shas = (page.data ?? []).map((c) => c.sha).filter(Boolean).slice(0, limit)
  try {
    await call('POST', '/csapi/v1.3/tag/create', { body: { name: tag, reevaluate: false } })
  } catch (e) {
    if (![400, 409].includes(e.status) || !/exist/i.test(e.message)) throw e // 400 "Tag ... already exists"
  }
  for (const sha of shas) {
    await call('POST', '/csapi/v1.3/tag/assign', { body: { entitySha: sha, entityType: 'CONTAINER', tagsToAdd: [{ tagName: tag }] } })
  }
  return { tag, tagged: shas.length }
}
