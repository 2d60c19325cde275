// The findings section at the top of report.html (src/report/findings.ts): the same lines as the terminal.
import { computeFindings, findingsLines } from './findings.ts';
import type { SimResult } from './types.ts';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function findingsSection(result: SimResult): string {
  const lines = findingsLines(computeFindings(result));
  if (!lines.length) return '';
  const items = lines.map((l) => `<li${l.startsWith('warning:') ? ' class="fail"' : ''}>${esc(l)}</li>`).join('\n');
  return `<h2 id="findings">Findings</h2>\n<ul class="findings">\n${items}\n</ul>`;
}
