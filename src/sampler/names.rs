//! Names and labels of the sampler's choices, in one place: the name the command line parses
//! and prints (`FromStr`, `Display`, clap's `ValueEnum`) and the words the app shows (`label`).

use std::fmt;
use std::str::FromStr;

use clap::ValueEnum;
use clap::builder::PossibleValue;

use super::params::{Order, Remasking};
use super::settings::{CountRule, OrderKind, ScheduleKind};

/// A name that is not one of the choices, with the choices.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseNameError(pub String);

/// The name/label tables of a field-less enum: `ALL`, `name`, `label`, `FromStr`, `Display`
/// and `ValueEnum` (possible values without help, as `--help` has always listed them).
macro_rules! named_choices {
    ($ty:ident, $what:literal, [$($variant:ident => $name:literal, $label:literal;)+]) => {
        impl $ty {
            /// Every choice, in the order menus and `--help` list them.
            pub const ALL: [$ty; [$($name),+].len()] = [$($ty::$variant),+];

            /// The name the command line uses.
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }

            /// The words the app shows.
            pub fn label(self) -> &'static str {
                match self {
                    $($ty::$variant => $label,)+
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $ty {
            type Err = ParseNameError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $ty::ALL
                    .into_iter()
                    .find(|c| c.name() == text)
                    .ok_or_else(|| {
                        let names: Vec<&str> = $ty::ALL.iter().map(|c| c.name()).collect();
                        ParseNameError(format!(
                            "unknown {} {text:?}: use {}",
                            $what,
                            names.join(", ")
                        ))
                    })
            }
        }

        impl ValueEnum for $ty {
            fn value_variants<'a>() -> &'a [Self] {
                &$ty::ALL
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(PossibleValue::new(self.name()))
            }
        }
    };
}

named_choices!(Remasking, "remasking", [
    LowConfidence => "low-confidence", "most confident";
    Random => "random", "random";
    Margin => "margin", "largest margin";
    Entropy => "entropy", "lowest entropy";
]);

named_choices!(ScheduleKind, "schedule", [
    Quota => "quota", "quota (LLaDA)";
    Timestep => "timestep", "timestep (Dream)";
]);

named_choices!(CountRule, "count rule", [
    Threshold => "threshold", "confidence threshold";
    Factor => "factor", "factor (Fast-dLLM)";
    Steps => "steps", "fixed number of steps";
]);

named_choices!(OrderKind, "order kind", [
    Free => "free", "free";
    LeftToRight => "left-to-right", "left to right";
    Regions => "regions", "region by region";
]);

impl FromStr for Order {
    type Err = ParseNameError;

    /// `free`, `left-to-right` (or `ltr`) or `regions:A,B`; see [`Order::parse`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Order::parse(text).map_err(ParseNameError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_choices() {
        for r in Remasking::ALL {
            assert_eq!(r.to_string().parse::<Remasking>(), Ok(r));
        }
        for s in ScheduleKind::ALL {
            assert_eq!(s.to_string().parse::<ScheduleKind>(), Ok(s));
        }
        for c in CountRule::ALL {
            assert_eq!(c.to_string().parse::<CountRule>(), Ok(c));
        }
        assert_eq!(Remasking::LowConfidence.to_string(), "low-confidence");
        let e = "hot".parse::<Remasking>().unwrap_err().to_string();
        assert_eq!(
            e,
            "unknown remasking \"hot\": use low-confidence, random, margin, entropy"
        );
    }

    #[test]
    fn clap_values_are_the_names() {
        let values: Vec<String> = Remasking::value_variants()
            .iter()
            .map(|r| r.to_possible_value().unwrap().get_name().to_string())
            .collect();
        assert_eq!(values, ["low-confidence", "random", "margin", "entropy"]);
        assert_eq!(
            <ScheduleKind as ValueEnum>::from_str("timestep", false),
            Ok(ScheduleKind::Timestep)
        );
    }

    #[test]
    fn orders_parse_and_print_alike() {
        for text in ["free", "left-to-right", "regions:answer,reasoning"] {
            let order: Order = text.parse().unwrap();
            assert_eq!(order.to_string(), text);
        }
        assert_eq!("ltr".parse::<Order>(), Ok(Order::LeftToRight));
        assert!("regions:".parse::<Order>().is_err());
    }

    #[test]
    fn labels_are_the_apps_words() {
        assert_eq!(Remasking::Entropy.label(), "lowest entropy");
        assert_eq!(CountRule::Factor.label(), "factor (Fast-dLLM)");
        assert_eq!(ScheduleKind::Timestep.label(), "timestep (Dream)");
        assert_eq!(OrderKind::Regions.label(), "region by region");
    }
}
