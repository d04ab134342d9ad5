import { ApiError } from '@/api/http'

/** The words to show for a failure: the API's message, plus which fields it refused. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'validation_failed' && Array.isArray(error.details)) {
      const problems = error.details
        .map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).slice(1).join('.')}: ${d.msg ?? ''}`)
        .join('; ')
      return problems ? `${error.message} (${problems})` : error.message
    }
    return error.message
  }
  if (error instanceof Error) return error.message
  return String(error)
}
