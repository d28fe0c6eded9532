'use strict'
// AWS Lambda handler (Node.js 18+ runtimes): tag the containers a QQL filter selects.
//
// Event: {"filter": "state:RUNNING", "tag": "seen-by-lambda", "limit": 100} (all optional).
// Credentials come from the function's environment: QUALYS_USERNAME and QUALYS_PASSWORD (or
// QUALYS_TOKEN), QUALYS_PLATFORM (or QUALYS_BASE_URL). The handler setting is `index.handler`;
// examples/lambda/build.sh builds the deployment zip.

const { BadRequestError, Client, ConflictError } = require('qualys-cs')

// Made once per execution environment, outside the handler: warm invocations reuse its connections,
// its token and its rate-limit state. Making it does no I/O and loads nothing native: the first call
// loads the addon.
const client = Client.fromEnv()

exports.handler = async (event = {}) => {
  const tag = event.tag || process.env.TAG_NAME || 'seen-by-lambda'
  const limit = event.limit ?? 100
  const shas = []
  for await (const container of client.containers.list({ filter: event.filter, pageSize: Math.min(limit, 100) })) {
    if (container.sha) shas.push(container.sha)
    if (shas.length >= limit) break
  }
  try {
    await client.tags.create({ name: tag, reevaluate: false })
  } catch (e) {
    // The API answers 400 "Tag ... already exists".
    if (!(e instanceof BadRequestError || e instanceof ConflictError) || !/exist/i.test(e.message)) throw e
  }
  for (const sha of shas) {
    await client.tags.assign({ entitySha: sha, entityType: 'CONTAINER', tagsToAdd: [{ tagName: tag }] })
  }
  return { tag, tagged: shas.length }
}
