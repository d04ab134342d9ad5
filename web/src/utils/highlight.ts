/** A snippet cut into plain and highlighted parts from the API's [start, end) ranges (in code points
 *  of the Python string, which are what Array.from counts). Overlaps and bad ranges are tolerated. */
export interface Part {
  text: string
  hit: boolean
}

export function highlightParts(snippet: string, ranges: [number, number][]): Part[] {
  const chars = Array.from(snippet)
  const marked = new Array<boolean>(chars.length).fill(false)
  for (const [start, end] of ranges) {
    for (let i = Math.max(0, start); i < Math.min(end, chars.length); i++) marked[i] = true
  }
  const parts: Part[] = []
  chars.forEach((char, i) => {
    const last = parts[parts.length - 1]
    if (last && last.hit === marked[i]) last.text += char
    else parts.push({ text: char, hit: marked[i] })
  })
  return parts
}
