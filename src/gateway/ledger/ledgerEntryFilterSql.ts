import type { LedgerEntryFilter } from './parseLedgerEntryQuery.ts'

export type LedgerEntryFilterSql = {
  /** `AND ...` clauses over `e` (ledger_entries) alone, or an empty string. */
  where: string
  params: Record<string, string | number>
}

/** The SQL of a filter, shared by the JSON list and the CSV so both select the same entries. */
export function ledgerEntryFilterSql(filter: LedgerEntryFilter): LedgerEntryFilterSql {
  const clauses: string[] = []
  const params: Record<string, string | number> = {}
  if (filter.modelId !== undefined) {
    // A probe per entry (jobs by primary key), not a join: the entries are filtered and paged
    // before anything else is read.
    clauses.push('EXISTS (SELECT 1 FROM jobs j WHERE j.id = e.job_id AND j.model_id = @modelId)')
    params.modelId = filter.modelId
  }
  if (filter.decision !== undefined) {
    // Decisions are written `<verdict>/<method>` (valid/spot-check, unchecked/sampling...).
    clauses.push("substr(e.decision, 1, instr(e.decision || '/', '/') - 1) = @decision")
    params.decision = filter.decision
  }
  if (filter.role !== undefined) {
    clauses.push('e.role = @role')
    params.role = filter.role
  }
  if (filter.bucket !== undefined) {
    clauses.push('e.bucket = @bucket')
    params.bucket = filter.bucket
  }
  if (filter.from !== undefined) {
    clauses.push('e.day >= @from')
    params.from = filter.from
  }
  if (filter.to !== undefined) {
    clauses.push('e.day <= @to')
    params.to = filter.to
  }
  return { where: clauses.map((clause) => ` AND ${clause}`).join(''), params }
}
