//! One list of the [`Ledger`](super::Ledger) methods that a wrapper hands on to the ledger
//! it wraps, so that every wrapper (a shared `Arc`, the embedded ledger acting as its own
//! actor) forwards each method the same way, and a method added to the trait is added here
//! once.

/// `forward!(to: name, name, …)` inside an `impl Ledger for …` writes the methods named,
/// each calling the same method on `to(self)` (a function from the wrapper to a ledger)
/// with the same arguments.
macro_rules! forward {
    ($to:path: $($method:ident),* $(,)?) => {
        $(forward!(@ $to, $method);)*
    };
    (@ $to:path, location) => {
        fn location(&self) -> String {
            $to(self).location()
        }
    };
    (@ $to:path, ctx) => {
        fn ctx(&self) -> &Ctx {
            $to(self).ctx()
        }
    };
    (@ $to:path, summaries) => {
        fn summaries(&self) -> Result<Vec<Summary>> {
            $to(self).summaries()
        }
    };
    (@ $to:path, case) => {
        fn case(&self, id: &str) -> Result<Case> {
            $to(self).case(id)
        }
    };
    (@ $to:path, cases) => {
        fn cases(&self, ids: Option<&[String]>) -> Result<Vec<Case>> {
            $to(self).cases(ids)
        }
    };
    (@ $to:path, history) => {
        fn history(&self, id: &str) -> Result<Vec<Event>> {
            $to(self).history(id)
        }
    };
    (@ $to:path, accountability) => {
        fn accountability(&self) -> Result<Vec<AccountabilityEvent>> {
            $to(self).accountability()
        }
    };
    (@ $to:path, voided) => {
        fn voided(&self) -> Result<Vec<VoidedCase>> {
            $to(self).voided()
        }
    };
    (@ $to:path, search) => {
        fn search(&self, query: &str) -> Result<Vec<String>> {
            $to(self).search(query)
        }
    };
    (@ $to:path, select) => {
        fn select(
            &self,
            filter: &Filter,
            search: Option<&str>,
            today: NaiveDate,
        ) -> Result<Vec<Summary>> {
            $to(self).select(filter, search, today)
        }
    };
    (@ $to:path, list_csv) => {
        fn list_csv(
            &self,
            filter: &Filter,
            search: Option<&str>,
            today: NaiveDate,
            lang: Lang,
        ) -> Result<Option<Vec<u8>>> {
            $to(self).list_csv(filter, search, today, lang)
        }
    };
    (@ $to:path, stats) => {
        fn stats(&self, today: NaiveDate, year: Option<i32>) -> Result<Stats> {
            $to(self).stats(today, year)
        }
    };
    (@ $to:path, talk) => {
        fn talk(&self, event: AccountabilityEvent) -> Result<Event> {
            $to(self).talk(event)
        }
    };
    (@ $to:path, execute) => {
        fn execute(&self, id: &str, commands: &[Command], expected: Option<&str>) -> Result<Case> {
            $to(self).execute(id, commands, expected)
        }
    };
    (@ $to:path, check_import) => {
        fn check_import(&self, cases: &[Case]) -> Result<()> {
            $to(self).check_import(cases)
        }
    };
    (@ $to:path, check_import_from) => {
        fn check_import_from(&self, source: &mut dyn CaseSource) -> Result<()> {
            $to(self).check_import_from(source)
        }
    };
    (@ $to:path, import_from) => {
        fn import_from(&self, source: &mut dyn CaseSource, kind: ChangeKind) -> Result<usize> {
            $to(self).import_from(source, kind)
        }
    };
    (@ $to:path, import) => {
        fn import(
            &self,
            cases: Vec<Case>,
            accountability: Vec<AccountabilityEvent>,
            kind: ChangeKind,
        ) -> Result<usize> {
            $to(self).import(cases, accountability, kind)
        }
    };
    (@ $to:path, update) => {
        fn update(
            &self,
            opened: Vec<Case>,
            updates: Vec<CaseUpdate>,
            write: bool,
        ) -> Result<UpdateReport> {
            $to(self).update(opened, updates, write)
        }
    };
    (@ $to:path, export) => {
        fn export(&self) -> Result<(Vec<Case>, Vec<AccountabilityEvent>)> {
            $to(self).export()
        }
    };
    (@ $to:path, export_part) => {
        fn export_part(
            &self,
            after: Option<String>,
            limit: usize,
        ) -> Result<(Vec<Case>, Option<String>)> {
            $to(self).export_part(after, limit)
        }
    };
    (@ $to:path, backup) => {
        fn backup(&self, as_of: Option<NaiveDate>) -> Result<Backup> {
            $to(self).backup(as_of)
        }
    };
    (@ $to:path, backup_to) => {
        fn backup_to(
            &self,
            as_of: Option<NaiveDate>,
            out: &mut dyn std::io::Write,
        ) -> Result<(usize, usize)> {
            $to(self).backup_to(as_of, out)
        }
    };
    (@ $to:path, restore) => {
        fn restore(&self, backup: Backup, file: &str) -> Result<RestoreSummary> {
            $to(self).restore(backup, file)
        }
    };
    (@ $to:path, verify) => {
        fn verify(&self) -> Result<VerifyReport> {
            $to(self).verify()
        }
    };
    (@ $to:path, roster) => {
        fn roster(&self) -> Result<Vec<Person>> {
            $to(self).roster()
        }
    };
    (@ $to:path, add_person) => {
        fn add_person(&self, person: Person) -> Result<Option<Event>> {
            $to(self).add_person(person)
        }
    };
    (@ $to:path, remove_person) => {
        fn remove_person(&self, login: &str) -> Result<Event> {
            $to(self).remove_person(login)
        }
    };
    (@ $to:path, roster_history) => {
        fn roster_history(&self) -> Result<Vec<Event>> {
            $to(self).roster_history()
        }
    };
    (@ $to:path, subscribe) => {
        fn subscribe(&self) -> Receiver<Notice> {
            $to(self).subscribe()
        }
    };
    (@ $to:path, follow_link) => {
        fn follow_link(&self) -> Option<Receiver<Link>> {
            $to(self).follow_link()
        }
    };
    (@ $to:path, flush) => {
        fn flush(&self) -> Result<()> {
            $to(self).flush()
        }
    };
    (@ $to:path, take) => {
        fn take(&self, after: u64, after_hash: &str, mine: bool, also: &[String]) -> Result<Taken> {
            $to(self).take(after, after_hash, mine, also)
        }
    };
    (@ $to:path, holds) => {
        fn holds(&self, after: u64, after_hash: &str) -> Result<usize> {
            $to(self).holds(after, after_hash)
        }
    };
    (@ $to:path, apply_queued) => {
        fn apply_queued(&self, change: &QueuedChange) -> Result<Outcome> {
            $to(self).apply_queued(change)
        }
    };
    (@ $to:path, field_copy) => {
        fn field_copy(&self) -> Result<Option<FieldCopy>> {
            $to(self).field_copy()
        }
    };
    (@ $to:path, head) => {
        fn head(&self) -> Result<Head> {
            $to(self).head()
        }
    };
    (@ $to:path, outbox) => {
        fn outbox(&self) -> Result<Vec<Queued>> {
            $to(self).outbox()
        }
    };
    (@ $to:path, drop_queued) => {
        fn drop_queued(&self, number: u64) -> Result<Queued> {
            $to(self).drop_queued(number)
        }
    };
    (@ $to:path, sync) => {
        fn sync(&self, progress: &mut dyn FnMut(SyncStep)) -> Result<SyncReport> {
            $to(self).sync(progress)
        }
    };
}

pub(super) use forward;
