// Columns the collectors' work adds to core tables; merged into `Tables` by intersection (see store/tables.ts).

/** What migration 009 adds to `cases`: the person working the case, if anyone. */
export interface CaseWorkColumns {
  assignee_user_id: string | null; // users.id
}

export interface CaseWorkTables {
  cases: CaseWorkColumns;
}
