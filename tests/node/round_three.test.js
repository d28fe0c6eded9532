'use strict'
// The 2026 endpoints from Node against the embedded simulator: exceptions (and how they hide
// vulnerabilities), sensor profiles and the vulnerability views. The request on the wire as the
// guide shows it, and the answer as the server sent it.
const { test, beforeEach, afterEach } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const q = require('qualys-cs')
const { startSimulator } = require('qualys-cs/testing')

const fixture = (rel) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', rel), 'utf8'))

let sim
let client
beforeEach(async () => {
  sim = await startSimulator({ images: 20, containers: 40 })
  client = new q.Client({ baseUrl: sim.url, username: sim.username, password: sim.password, maxRetries: 0 })
})
afterEach(() => sim.stop())

const last = (id) => sim.requests().filter((r) => r.endpoint === id).pop()

/** The answer's bytes through JSON.parse: what the client must return unchanged. */
async function raw(p) {
  const auth = Buffer.from(`${sim.username}:${sim.password}`).toString('base64')
  const r = await fetch(sim.url + p, { headers: { authorization: `Basic ${auth}` } })
  return JSON.parse(await r.text())
}

async function anImage() {
  const [img] = await client.images.list({ pageSize: 1 }).pages().next().then((p) => p.value.items)
  const vulns = await client.images.vulnerabilities(img.sha, { applyException: false })
  return { uuid: img.uuid, sha: img.sha, qids: vulns.details.map((v) => v.qid) }
}

function exceptionBody(scope, ids, qids) {
  // `qids`: the simulator's stand-in for the QIDs of the search list `listId` names.
  return { ...fixture('public/exception_create.request.json'), scope, entityAssignmentRequest: { idsToAdd: ids, additionFilter: null }, qids }
}

const event = (exceptionEvent, exceptionIds) => ({ exceptionEvent, exceptionIds })

async function qidsOf(sha, opts) {
  return new Set((await client.images.vulnerabilities(sha, opts)).details.map((v) => v.qid))
}

test('exception calls go out as documented and come back as sent', async () => {
  const body = fixture('public/exception_create.request.json')
  const { exceptionId } = await client.exceptions.create(body)
  let r = last('P35')
  assert.deepEqual([r.method, r.path, r.body], ['POST', '/csapi/v1.3/exception', body])
  const got = await client.exceptions.get(exceptionId, { includeQids: true })
  assert.equal(last('P37').query, 'includeQids=true')
  assert.deepEqual(got, await raw(`/csapi/v1.3/exception/${exceptionId}?includeQids=true`))
  const dynamic = fixture('public/exception_create_dynamic.request.json')
  assert.deepEqual(await client.exceptions.update(exceptionId, dynamic), { exceptionId })
  r = last('P36')
  assert.deepEqual([r.method, r.path, r.body], ['PUT', `/csapi/v1.3/exception/${exceptionId}`, dynamic])
  const { dynamicFilter, ...noFilter } = dynamic
  assert.ok(dynamicFilter)
  await assert.rejects(client.exceptions.create(noFilter), q.ValidationError)
})

test('assignments take the UUID, not the sha; ContainerUuid keeps its capital C', async () => {
  const { uuid, sha, qids } = await anImage()
  const { exceptionId } = await client.exceptions.create(exceptionBody('IMAGE', [], qids.slice(0, 1)))
  await assert.rejects(client.images.updateExceptions(sha, event('ASSIGN', [exceptionId])), q.NotFoundError)
  assert.deepEqual(await client.images.updateExceptions(uuid, event('ASSIGN', [exceptionId])), { imageUuid: uuid })
  assert.equal(last('P39').path, `/csapi/v1.3/images/${uuid}/exceptions`)
  const listed = await client.images.exceptions(sha)
  assert.deepEqual(listed, await raw(`/csapi/v1.3/images/${sha}/exceptions`))
  assert.deepEqual(listed.data.map((x) => x.exceptionId), [exceptionId])

  const [ctr] = (await client.containers.list({ pageSize: 1 }).pages().next()).value.items
  const cx = await client.exceptions.create(exceptionBody('CONTAINER', [], []))
  await assert.rejects(client.containers.updateExceptions(ctr.sha, event('ASSIGN', [cx.exceptionId])), q.NotFoundError)
  assert.deepEqual(await client.containers.updateExceptions(ctr.uuid, event('ASSIGN', [cx.exceptionId])), { ContainerUuid: ctr.uuid })
  assert.ok((await client.containers.exceptions(ctr.sha)).data.some((x) => x.exceptionId === cx.exceptionId))
})

test('an exception hides its QID until deassigned', async () => {
  const { uuid, sha, qids } = await anImage()
  const qid = qids[0]
  const { exceptionId } = await client.exceptions.create(exceptionBody('IMAGE', [], [qid]))
  await client.images.updateExceptions(uuid, event('ASSIGN', [exceptionId]))
  assert.ok(!(await qidsOf(sha)).has(qid))
  assert.ok((await qidsOf(sha, { applyException: false })).has(qid))
  assert.equal(last('S42').query, 'applyException=false')
  await client.images.updateExceptions(uuid, event('DEASSIGN', [exceptionId]))
  assert.ok((await qidsOf(sha)).has(qid))
})

test('sensor profiles list what was created', async () => {
  const body = fixture('public/sensor_profile_create.request.json')
  const created = await client.sensorProfiles.create(body)
  assert.deepEqual(last('P43').body, body)
  await client.sensorProfiles.update(created.sensorProfileId, { ...body, profileName: 'renamed' }, { isVulnPropagation: true })
  const r = last('P44')
  assert.deepEqual([r.path, r.query], [`/csapi/v1.3/sensorProfile/${created.sensorProfileId}`, 'isVulnPropagation=true'])
  const listed = await client.sensorProfiles.list({ pageSize: 10 }).toArray()
  assert.deepEqual(listed.map((p) => [p.profileName, p.isVulnPropagation]), [['renamed', true]])
  assert.deepEqual(listed, (await raw('/csapi/v1.3/sensorProfile?pageNumber=1&pageSize=10')).data)
})

test('the vulnerability views agree with the images', async () => {
  const sums = [0, 0, 0, 0, 0]
  for await (const img of client.images.list({ pageSize: 100 })) {
    const c = await client.images.vulnerabilityCount(img.sha)
    for (let k = 0; k < 5; k++) sums[k] += c[`severity${k + 1}Count`] || 0
  }
  const counts = await client.vulnerabilities.count({ groupBy: 'severity' })
  assert.deepEqual(counts, await raw('/csapi/v1.3/vuln/count?groupBy=severity'))
  assert.deepEqual([1, 2, 3, 4, 5].map((k) => counts[`severity${k}Count`]), sums)
  const findings = await client.vulnerabilities.list({ pageSize: 50 }).toArray()
  assert.equal(findings.length, counts.count)
  assert.equal(new Set(findings.map((f) => f.uuid)).size, findings.length)
  const defs = await client.vulnerabilities.definitions({ pageSize: 20 }).toArray()
  const view = await client.vulnerabilities.get(defs[0].uuid)
  assert.deepEqual(view.vulnDef, defs[0])
  const detail = await client.vulnerabilities.get(findings[0].uuid)
  assert.equal(detail.vulnerabilityDetailDTO.imageSha, findings[0].imageSha)
})
