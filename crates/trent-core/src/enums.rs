//! `string_enum!`: a Rust enum for a set of AWS strings (`KeySpec`, `ParameterType`), with
//! its AWS spelling, its parser and every value in the model's order.

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in the order of the AWS model.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The AWS spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the AWS spelling.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

pub(crate) use string_enum;
