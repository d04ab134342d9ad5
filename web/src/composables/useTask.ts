// One request-shaped piece of work a screen runs: busy while it runs, the failure in words after.
import { ref } from 'vue'
import { describeError } from '@/utils/errors'

export function useTask() {
  const busy = ref(false)
  const error = ref<string | null>(null)

  /** Run `work`; true when it succeeded. A failure is kept in `error`, never thrown. */
  async function run(work: () => Promise<void>): Promise<boolean> {
    busy.value = true
    error.value = null
    try {
      await work()
      return true
    } catch (e) {
      error.value = describeError(e)
      return false
    } finally {
      busy.value = false
    }
  }

  return { busy, error, run }
}
