//! The target: Cranelift's description of this CPU and the settings code is generated with.

use crate::Error;
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};

/// The code generator for this host's CPU, with Wedge's settings.
#[derive(Clone)]
pub struct Isa {
    pub(crate) isa: OwnedTargetIsa,
}

impl std::fmt::Debug for Isa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.stamp())
    }
}

/// Settings that affect the generated code (part of the AOT stamp through `Flags`).
const SETTINGS: &[(&str, &str)] = &[
    ("opt_level", "speed"),
    ("preserve_frame_pointers", "true"),
    ("enable_probestack", "false"),
    ("unwind_info", "false"),
    ("enable_verifier", "false"),
    ("enable_multi_ret_implicit_sret", "true"),
    ("is_pic", "false"),
    ("enable_heap_access_spectre_mitigation", "false"),
    ("enable_table_access_spectre_mitigation", "false"),
];

impl Isa {
    /// Detects the host CPU and its features; `canonical_nans` makes every float operator
    /// return the canonical NaN instead of whichever NaN the hardware produces; `metering`
    /// reserves the pinned register for the gas used (see [`crate::Metering`]).
    pub fn host(canonical_nans: bool, metering: bool) -> Result<Isa, Error> {
        let mut flags = settings::builder();
        flags
            .set("enable_nan_canonicalization", &canonical_nans.to_string())
            .map_err(|e| Error::Host(e.to_string()))?;
        flags
            .set("enable_pinned_reg", &metering.to_string())
            .map_err(|e| Error::Host(e.to_string()))?;
        for (name, value) in SETTINGS {
            flags
                .set(name, value)
                .map_err(|e| Error::Host(format!("setting {name}: {e}")))?;
        }
        let builder = cranelift_native::builder().map_err(|e| Error::Host(e.to_string()))?;
        let isa = builder
            .finish(settings::Flags::new(flags))
            .map_err(|e| Error::Host(e.to_string()))?;
        Ok(Isa { isa })
    }

    /// Whether code keeps the gas used in the pinned register (see [`Isa::host`]).
    pub fn metering(&self) -> bool {
        self.isa.flags().enable_pinned_reg()
    }

    pub(crate) fn get(&self) -> &dyn TargetIsa {
        &*self.isa
    }

    /// A string that changes whenever code compiled for one host might not run on another:
    /// target triple, CPU features and code generation settings.
    pub fn stamp(&self) -> String {
        let mut s = format!("{};", self.isa.triple());
        for v in self.isa.isa_flags() {
            s.push_str(&format!("{}={};", v.name, v));
        }
        s.push_str(&self.isa.flags().to_string().replace('\n', ";"));
        s
    }
}

/// The stamp of the host ISA, or an error if the host is unsupported.
pub fn host_isa_stamp(canonical_nans: bool, metering: bool) -> Result<String, Error> {
    Isa::host(canonical_nans, metering).map(|i| i.stamp())
}
