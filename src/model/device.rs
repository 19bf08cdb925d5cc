//! Where tensors live and in what precision: `--device cpu|cuda[:N]|metal[:N]` and `--dtype
//! f32|bf16|f16` as plain, serialisable choices (they travel in worker commands), opened into
//! candle's types only where a model is loaded, with a clear error when the build lacks a back-end.

use candle_core::{DType, Device};
use serde::{Deserialize, Serialize};

/// A device as the user names it on the command line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceChoice {
    /// The CPU (always available).
    #[default]
    Cpu,
    /// An NVIDIA GPU by ordinal (needs `--features cuda`).
    Cuda(usize),
    /// An Apple GPU by ordinal (needs `--features metal`).
    Metal(usize),
}

/// A device that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// Not `cpu`, `cuda[:N]` or `metal[:N]`.
    #[error("unknown device {0:?}: use cpu, cuda, cuda:N, metal or metal:N")]
    Unknown(String),
    /// The binary was built without the back-end.
    #[error(
        "this build of unmask has no {backend} support: rebuild with `cargo build --release --features {backend}`"
    )]
    NotBuilt {
        /// `cuda` or `metal`.
        backend: &'static str,
    },
    /// The back-end is built in but the device could not be opened.
    #[error("cannot open {name}: {reason}")]
    Open {
        /// What was asked for.
        name: String,
        /// candle's reason.
        reason: String,
    },
}

impl DeviceChoice {
    /// Parse `cpu`, `cuda`, `cuda:1`, `metal`, `metal:0`.
    pub fn parse(text: &str) -> Result<Self, DeviceError> {
        let lower = text.trim().to_ascii_lowercase();
        let (kind, ordinal) = match lower.split_once(':') {
            Some((k, n)) => {
                let n = n
                    .parse::<usize>()
                    .map_err(|_| DeviceError::Unknown(text.to_string()))?;
                (k.to_string(), n)
            }
            None => (lower.clone(), 0),
        };
        match kind.as_str() {
            "cpu" if !lower.contains(':') => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda(ordinal)),
            "metal" => Ok(Self::Metal(ordinal)),
            _ => Err(DeviceError::Unknown(text.to_string())),
        }
    }

    /// The name as the user would type it.
    pub fn name(&self) -> String {
        match self {
            Self::Cpu => "cpu".into(),
            Self::Cuda(n) => format!("cuda:{n}"),
            Self::Metal(n) => format!("metal:{n}"),
        }
    }

    /// Open the candle device.
    pub fn open(&self) -> Result<Device, DeviceError> {
        let open_err = |e: candle_core::Error| DeviceError::Open {
            name: self.name(),
            reason: e.to_string(),
        };
        match *self {
            Self::Cpu => Ok(Device::Cpu),
            Self::Cuda(n) => {
                if candle_core::utils::cuda_is_available() {
                    Device::new_cuda(n).map_err(open_err)
                } else {
                    Err(DeviceError::NotBuilt { backend: "cuda" })
                }
            }
            Self::Metal(n) => {
                if candle_core::utils::metal_is_available() {
                    Device::new_metal(n).map_err(open_err)
                } else {
                    Err(DeviceError::NotBuilt { backend: "metal" })
                }
            }
        }
    }
}

impl std::str::FromStr for DeviceChoice {
    type Err = DeviceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl std::fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// The precision weights are loaded in, as the user names it (`--dtype`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WeightDtype {
    /// 32-bit floats: the fastest on the CPU.
    #[default]
    F32,
    /// bfloat16: half the memory, for GPUs.
    Bf16,
    /// IEEE half precision.
    F16,
}

/// A `--dtype` that is not one of the three.
#[derive(Debug, thiserror::Error)]
#[error("unknown dtype {0:?}: use f32, bf16 or f16")]
pub struct DtypeError(pub String);

impl WeightDtype {
    /// Every choice, in the order the help text lists them.
    pub const ALL: [WeightDtype; 3] = [WeightDtype::F32, WeightDtype::Bf16, WeightDtype::F16];

    /// The name as the user would type it (`f32`, `bf16`, `f16`).
    pub fn name(self) -> &'static str {
        match self {
            Self::F32 => "f32",
            Self::Bf16 => "bf16",
            Self::F16 => "f16",
        }
    }

    /// candle's dtype.
    pub fn to_candle(self) -> DType {
        match self {
            Self::F32 => DType::F32,
            Self::Bf16 => DType::BF16,
            Self::F16 => DType::F16,
        }
    }
}

impl std::str::FromStr for WeightDtype {
    type Err = DtypeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|d| d.name() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| DtypeError(s.to_string()))
    }
}

impl std::fmt::Display for WeightDtype {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_names() {
        assert_eq!(DeviceChoice::parse("cpu").unwrap(), DeviceChoice::Cpu);
        assert_eq!(DeviceChoice::parse("CUDA").unwrap(), DeviceChoice::Cuda(0));
        assert_eq!(
            DeviceChoice::parse("cuda:1").unwrap(),
            DeviceChoice::Cuda(1)
        );
        assert_eq!(
            DeviceChoice::parse("metal:0").unwrap(),
            DeviceChoice::Metal(0)
        );
        assert!(DeviceChoice::parse("tpu").is_err());
        assert!(DeviceChoice::parse("cuda:x").is_err());
        assert!(DeviceChoice::parse("cpu:1").is_err());
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn cuda_without_the_feature_says_how_to_rebuild() {
        let err = DeviceChoice::Cuda(0).open().unwrap_err().to_string();
        assert!(err.contains("--features cuda"), "{err}");
    }

    #[test]
    fn dtypes_round_trip_through_their_names() {
        for d in WeightDtype::ALL {
            assert_eq!(d.name().parse::<WeightDtype>().unwrap(), d);
            assert_eq!(d.to_string(), d.name());
        }
        assert_eq!(WeightDtype::Bf16.to_candle(), DType::BF16);
        let err = "f8".parse::<WeightDtype>().unwrap_err().to_string();
        assert!(err.contains("use f32, bf16 or f16"), "{err}");
    }

    #[test]
    fn choices_are_plain_data() {
        let json = serde_json::to_string(&(DeviceChoice::Cuda(1), WeightDtype::F16)).unwrap();
        let back: (DeviceChoice, WeightDtype) = serde_json::from_str(&json).unwrap();
        assert_eq!(back, (DeviceChoice::Cuda(1), WeightDtype::F16));
        assert_eq!(DeviceChoice::Metal(2).to_string(), "metal:2");
    }

    #[test]
    fn cpu_always_opens() {
        assert!(DeviceChoice::Cpu.open().unwrap().is_cpu());
    }
}
