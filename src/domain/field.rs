//! The names of a case's fields, as one enum shared by refusals, messages and forms, so
//! that a field named wrongly does not compile.

/// Declares the field list: an enum with `code()` (the name in files) and `ALL`.
macro_rules! fields {
    ($($variant:ident = $code:literal;)+) => {
        /// A field of a case or of a record in it (a task, an adjustment, a visit, an
        /// acceptance attempt), or a value a command takes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Field { $($variant),+ }

        impl Field {
            pub const ALL: &'static [Field] = &[$(Field::$variant),+];

            /// The field of a name as [`Field::code`] gives it.
            pub fn parse(code: &str) -> Option<Field> {
                Field::ALL.iter().copied().find(|f| f.code() == code)
            }

            /// The field's name in the interchange files (`county_leader`).
            pub fn code(self) -> &'static str {
                match self { $(Field::$variant => $code),+ }
            }
        }
    };
}

fields! {
    Id = "id";
    Year = "year";
    County = "county";
    Township = "township";
    Village = "village";
    Situations = "situations";
    Problems = "problems";
    IdentifiedOn = "identified_on";
    Deadline = "deadline";
    Stage = "stage";
    CountyLeader = "county_leader";
    TownshipLeader = "township_leader";
    FirstSecretary = "first_secretary";
    FirstSecretaryUnit = "first_secretary_unit";
    AssistingUnit = "assisting_unit";
    PairedOn = "paired_on";
    ClosedOn = "closed_on";
    Households = "households";
    Population = "population";
    PartyMembers = "party_members";
    SecretaryAge = "secretary_age";
    VillageKind = "village_kind";
    PoorVillage = "poor_village";
    RelapseOf = "relapse_of";
    Measure = "measure";
    Responsible = "responsible";
    Due = "due";
    DoneOn = "done_on";
    Name = "name";
    Post = "post";
    Reason = "reason";
    Action = "action";
    On = "on";
    Replacement = "replacement";
    ReplacementSource = "replacement_source";
    NoAdjustmentReason = "no_adjustment_reason";
    By = "by";
    Kind = "kind";
    Findings = "findings";
    Score = "score";
    PollN = "poll_n";
    PollDissatisfied = "poll_dissatisfied";
    Standards = "standards";
    Verdict = "verdict";
    NewDeadline = "new_deadline";
    Edit = "edit";
    Acceptance = "acceptance";
    Adjustments = "adjustments";
    Visits = "visits";
    Task = "task";
    VoidedAttempts = "voided_attempts";
    Login = "login";
    Role = "role";
    Person = "person";
    Cases = "cases";
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A field goes over the wire (a server's refusal) by its code, as files name it.
impl serde::Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Field {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Field, D::Error> {
        let code = String::deserialize(d)?;
        Field::parse(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown field {code:?}")))
    }
}
