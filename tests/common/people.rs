//! The roster's people the domain and store tests act as: one of each role, of 阳谷县.

use zhengdun::domain::{Person, Role};

/// A person of the roster; an empty county or township is none.
pub fn person(login: &str, name: &str, role: Role, county: &str, township: &str) -> Person {
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Person {
        login: login.into(),
        name: name.into(),
        role,
        county: some(county),
        township: some(township),
    }
}

pub fn clerk() -> Person {
    person("zhangli", "张丽", Role::Clerk, "", "")
}

pub fn township() -> Person {
    person("liming", "李明", Role::Township, "阳谷县", "阿城镇")
}

pub fn leader() -> Person {
    person("wangjg", "王建国", Role::Leader, "阳谷县", "")
}

pub fn auditor() -> Person {
    person("audit", "刘审", Role::Auditor, "", "")
}
