//! Every user-facing sentence, in Chinese and English, in one place.
//!
//! Nothing here is looked up by a key string: a fixed text is a [`Text`] variant, a sentence
//! that carries values is a function in [`msg`], and the labels of the domain's codes and
//! fields come from [`Label`]. Each is written with both languages side by side, so a
//! message that is missing, or missing a language, does not compile.
//!
//! A leaf: this module reads the domain's types and nothing above them (no store, no
//! interface); the layers above turn their own errors into these sentences.

/// Declares [`Text`]: one variant per fixed text, with its Chinese and its English.
macro_rules! texts {
    ($($name:ident => $zh:literal, $en:literal;)+) => {
        /// A fixed text of the interface; [`Text::get`] gives it in a language.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Text { $($name),+ }

        impl Text {
            pub const ALL: &'static [Text] = &[$(Text::$name),+];

            pub fn get(self, lang: Lang) -> &'static str {
                match self {
                    $(Text::$name => match lang {
                        Lang::Zh => $zh,
                        Lang::En => $en,
                    }),+
                }
            }
        }
    };
}

/// Declares one function per sentence that carries values: `fn name(a, b) => "zh", "en";`
/// gives `pub fn name(lang, a: impl Display, b: impl Display) -> String`, the templates
/// naming the parameters (`{a}`). A parameter neither template uses does not compile
/// (warnings are errors), and [`msg::TEMPLATES`] lists every template for the tests.
macro_rules! messages {
    ($(fn $name:ident($($p:ident),*) => $zh:literal, $en:literal;)+) => {
        $(
            #[doc = $en]
            // A message takes the values its sentence shows, however many that is.
            #[allow(clippy::too_many_arguments)]
            pub fn $name(lang: Lang, $($p: impl Display),*) -> String {
                match lang {
                    Lang::Zh => format!($zh),
                    Lang::En => format!($en),
                }
            }
        )+

        /// (name, parameters, Chinese template, English template) of every message.
        #[cfg(test)]
        pub const TEMPLATES: &[(&str, &[&str], &str, &str)] =
            &[$((stringify!($name), &[$(stringify!($p)),*], $zh, $en)),+];
    };
}

use messages;
use texts;

pub mod field;
mod labels;
pub mod msg;
mod sentences;
mod text;

pub use labels::{parse_label, Label};
pub use sentences::*;
pub use text::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh_cn" | "cn" | "中文" => Some(Lang::Zh),
            "en" | "en-us" | "en_us" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    /// What `--lang` takes for it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The separator of a list of names or labels in a sentence.
    pub fn list_separator(self) -> &'static str {
        match self {
            Lang::Zh => "、",
            Lang::En => ", ",
        }
    }
}

/// The fixed text `text` in `lang`.
pub fn t(lang: Lang, text: Text) -> &'static str {
    text.get(lang)
}

/// The label of a field.
pub fn field(lang: Lang, f: crate::domain::Field) -> &'static str {
    f.label(lang)
}

#[cfg(test)]
mod tests;
