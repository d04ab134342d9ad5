export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`
}

export function formatDate(iso: string | null | undefined, locale: string): string {
  if (!iso) return '—'
  return new Date(iso).toLocaleString(locale === 'zh' ? 'zh-CN' : 'en', { dateStyle: 'medium', timeStyle: 'short' })
}

export function formatScore(score: number | null | undefined, digits = 3): string {
  return score === null || score === undefined ? '—' : score.toFixed(digits)
}

/** A file name's extension in capitals for a format label, from the MIME type when known. */
export function formatLabel(mime: string | null | undefined): string {
  return mime ? mime.replace('image/', '').toUpperCase() : '—'
}
