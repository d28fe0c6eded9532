// ESM entry: the CommonJS module re-exported by name (one implementation, one set of classes).
import cjs from './index.js'

export const {
  Client, PagedList, endpoints, QualysError, APIError, BadRequestError, AuthenticationError,
  PermissionDeniedError, NotFoundError, ConflictError, RateLimitError, ServerError, APIConnectionError,
  APITimeoutError, DeadlineExceededError, DecodeError, ValidationError, RecordCapError, ConfigError, AbortError,
} = cjs
export default cjs
