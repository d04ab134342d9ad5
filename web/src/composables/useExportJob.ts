// An analytics export: start the job, then poll it (each poll writes the next part) until done.
import { onBeforeUnmount, ref } from 'vue'
import { drive } from '@/api/drive'
import type { ExportJob } from '@/api/types'
import { describeError } from '@/utils/errors'

export const EXPORT_POLL_MS = 500

export function useExportJob() {
  const job = ref<ExportJob | null>(null)
  const error = ref<string | null>(null)
  const running = ref(false)
  let stopped = false
  onBeforeUnmount(() => (stopped = true))

  async function start(format: 'csv' | 'json'): Promise<void> {
    running.value = true
    error.value = null
    job.value = null
    try {
      let current = await drive.startExport(format)
      job.value = current
      while (current.status === 'running' && !stopped) {
        await new Promise((resolve) => setTimeout(resolve, EXPORT_POLL_MS))
        current = await drive.pollExport(current.id)
        job.value = current
      }
      if (current.status === 'failed') error.value = current.error ?? 'failed'
    } catch (e) {
      error.value = describeError(e)
    } finally {
      running.value = false
    }
  }

  return { job, error, running, start }
}
