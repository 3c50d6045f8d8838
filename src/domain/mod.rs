//! The domain: cases, code lists, the state machine, due dates and policy. Knows nothing of
//! terminals, files or sled.

pub mod case;
pub mod codes;
pub mod counted;
pub mod due;
pub mod field;
pub mod machine;
pub mod merge;
pub mod policy;
pub mod roster;
pub mod summary;
pub mod update;

pub use case::*;
pub use codes::*;
pub use counted::Counted;
pub use due::{due_status, due_status_of, stage_due, DueState, DueStatus};
pub use field::Field;
pub use machine::{
    apply, check_accountability, check_case, check_profile, check_relapse, check_relapse_at,
    checked_name, guard, verdict, visible, Change, ChangeKind, Command, Edit, ProfileEdit, Refusal,
    RelapseProblem, SECRETARY_AGES,
};
pub use merge::{merge, Conflict, Merge, QueuedChange};
pub use policy::Policy;
pub use roster::{
    authorize, authorize_ledger, grant, in_scope, Grant, Operation, Person, Roster, RosterChange,
    Scope,
};
pub use summary::{DueInputs, Names, Summary, NAMES as SUMMARY_NAMES};
pub use update::{commands_between, Update};
