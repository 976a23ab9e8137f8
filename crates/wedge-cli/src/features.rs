//! The `--enable-<feature>`, `--disable-<feature>` and `--enable-all` flags, turned into a
//! [`wedge::Config`].
//!
//! The flags are global, so they may come before or after the subcommand (but before the
//! module file of `run`). They apply in a fixed order: `--enable-all` first, then every
//! `--enable-<feature>`, then every `--disable-<feature>`; naming a feature in both an enable
//! and a disable flag is an error.

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use wedge::Feature;

/// Id and long name of the flag that enables every feature.
const ENABLE_ALL: &str = "enable-all";

/// The feature flags given on the command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeatureFlags {
    /// Whether `--enable-all` was given.
    enable_all: bool,
    /// Features named by `--enable-<feature>`.
    enable: Vec<Feature>,
    /// Features named by `--disable-<feature>`.
    disable: Vec<Feature>,
}

fn enable_id(feature: Feature) -> String {
    format!("enable-{}", feature.name())
}

fn disable_id(feature: Feature) -> String {
    format!("disable-{}", feature.name())
}

impl FeatureFlags {
    /// The engine configuration the flags ask for, or an error naming conflicting flags.
    pub fn config(&self) -> anyhow::Result<wedge::Config> {
        if let Some(both) = self.enable.iter().find(|f| self.disable.contains(f)) {
            anyhow::bail!("--enable-{both} and --disable-{both} contradict each other");
        }
        let mut config = wedge::Config::new();
        if self.enable_all {
            config.wasm_all_features(true);
        }
        for &feature in &self.enable {
            config.wasm_feature(feature, true);
        }
        for &feature in &self.disable {
            config.wasm_feature(feature, false);
        }
        Ok(config)
    }
}

impl FromArgMatches for FeatureFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let given = |id: &str| matches.get_flag(id);
        Ok(FeatureFlags {
            enable_all: given(ENABLE_ALL),
            enable: Feature::all().filter(|f| given(&enable_id(*f))).collect(),
            disable: Feature::all().filter(|f| given(&disable_id(*f))).collect(),
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for FeatureFlags {
    fn augment_args(cmd: Command) -> Command {
        let names: Vec<&str> = Feature::all().map(|f| f.name()).collect();
        let mut cmd = cmd.arg(
            Arg::new(ENABLE_ALL)
                .long(ENABLE_ALL)
                .action(ArgAction::SetTrue)
                .global(true)
                .help_heading("Features")
                .help(
                    "Enable every WebAssembly feature; --enable-<feature> and \
                     --disable-<feature> turn one on or off (--help lists them)",
                )
                .long_help(format!(
                    "Enable every WebAssembly feature. --enable-<feature> and \
                     --disable-<feature> turn one on or off; features: {}. \
                     Enabled by default: everything except {}.",
                    names.join(", "),
                    Feature::all()
                        .filter(|f| !f.enabled_by_default())
                        .map(|f| f.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
        );
        for feature in Feature::all() {
            let default = if feature.enabled_by_default() {
                "on"
            } else {
                "off"
            };
            for (id, verb) in [
                (enable_id(feature), "Enable"),
                (disable_id(feature), "Disable"),
            ] {
                cmd = cmd.arg(
                    Arg::new(id.clone())
                        .long(id)
                        .action(ArgAction::SetTrue)
                        .global(true)
                        .hide(true)
                        .help(format!("{verb} the {feature} feature (default: {default})")),
                );
            }
        }
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        features: FeatureFlags,
    }

    fn parse(args: &[&str]) -> FeatureFlags {
        let mut argv = vec!["wedge"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).expect("flags parse").features
    }

    #[test]
    fn defaults_without_flags() {
        let config = parse(&[]).config().unwrap();
        assert!(config.has_feature(Feature::TailCall));
        assert!(config.has_feature(Feature::Threads));
        assert!(!config.has_feature(Feature::WideArithmetic));
    }

    #[test]
    fn enable_all_then_disable_one() {
        let config = parse(&["--enable-all", "--disable-simd"]).config().unwrap();
        assert!(config.has_feature(Feature::WideArithmetic));
        assert!(config.has_feature(Feature::CustomPageSizes));
        assert!(!config.has_feature(Feature::Simd));
        assert!(!config.has_feature(Feature::RelaxedSimd));
    }

    #[test]
    fn enable_one_off_by_default_feature() {
        let config = parse(&["--enable-wide-arithmetic"]).config().unwrap();
        assert!(config.has_feature(Feature::WideArithmetic));
        assert!(!config.has_feature(Feature::CustomPageSizes));
    }

    #[test]
    fn contradicting_flags_are_an_error() {
        let err = parse(&["--enable-gc", "--disable-gc"])
            .config()
            .unwrap_err();
        assert!(err.to_string().contains("--disable-gc"), "{err}");
    }

    #[test]
    fn unknown_feature_is_rejected() {
        assert!(Cli::try_parse_from(["wedge", "--enable-teleport"]).is_err());
    }
}
